"""Log filters (configured in ``LOGGING`` in config/settings.py)."""

from __future__ import annotations

import logging

from django.http import HttpRequest


def _printable(text: str) -> str:
    """``text`` with anything that could forge a log line escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class ClientErrorOneLine(logging.Filter):
    """Turns every 4xx record of ``django.request`` and ``django.security`` into one line:
    ``Forbidden: GET /cases/12/ 403`` — method, path without the query string, status.

    Issue 11, finding 11: each 403 (``PermissionDenied``) wrote a full traceback to the error
    log — 2,098 in one review — burying real failures. A refusal is expected behaviour, not an
    error; the traceback and any exception text (which may name an object) are dropped, and the
    query string, which can carry a searched name, is never logged. 5xx records pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if getattr(record, "layak_one_line", False):
            return True  # already shortened (the filter sits on loggers and the handler)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        request = getattr(record, "request", None)
        method = path = "-"
        if isinstance(request, HttpRequest):
            method = _printable(request.method or "-")
            path = _printable(request.path)
        try:
            reason = record.getMessage().split(":", 1)[0]
        except (TypeError, ValueError):
            reason = ""
        reason = reason or "Client error"
        record.msg = "%s: %s %s %d"
        record.args = (_printable(reason), method, path, status)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.layak_one_line = True
        return True
