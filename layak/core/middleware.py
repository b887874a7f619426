"""Request-wide mechanisms: the audit context, refusal of malformed input, and ``no-store``
on every answer to a logged-in person."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from layak.core.audit import RequestContext, reset_request_context, set_request_context
from layak.core.net import client_ip

#: Control characters a form or query value may carry (a textarea sends CR LF, tabs happen).
_ALLOWED_CONTROLS = frozenset("\t\n\r")
#: Larger JSON bodies are not inspected here (the API limits its own input sizes).
_JSON_INSPECT_LIMIT = 2_500_000


class AuditContextMiddleware:
    """Makes the client's IP address available to ``audit_record`` for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_context(RequestContext(ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            reset_request_context(token)


def _bad_text(text: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds a control character (NUL first of all: PostgreSQL refuses it in
    a text value and the query fails with a 500) or a lone surrogate."""
    return any(
        (unicodedata.category(char) in ("Cc", "Cs") and char not in allowed) for char in text
    )


def _bad_bytes(raw: bytes, *, allowed: frozenset[str]) -> bool:
    """Whether percent-decoded ``raw`` is not UTF-8 or holds a forbidden character."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return _bad_text(text, allowed=allowed)


def bad_urlencoded(data: str | bytes) -> bool:
    """Whether a query string or ``application/x-www-form-urlencoded`` body has a name or value
    that is not valid UTF-8 or holds a control character other than tab, CR and LF."""
    raw = data.encode("latin-1", "replace") if isinstance(data, str) else data
    for pair in raw.replace(b";", b"&").split(b"&"):
        if pair and _bad_bytes(
            unquote_to_bytes(pair.replace(b"+", b" ")), allowed=_ALLOWED_CONTROLS
        ):
            return True
    return False


def _bad_json(value: object) -> bool:
    if isinstance(value, str):
        return _bad_text(value, allowed=_ALLOWED_CONTROLS)
    if isinstance(value, dict):
        return any(_bad_json(k) or _bad_json(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_json(v) for v in value)
    return False


def _raw_path(request: HttpRequest) -> bytes | None:
    """The request path as the bytes the client sent: WSGI passes them as latin-1 text; under
    ASGI the path is already decoded text (None)."""
    if "wsgi.input" not in request.META:
        return None
    try:
        return str(request.META.get("PATH_INFO", "")).encode("latin-1")
    except UnicodeEncodeError:
        return None


class RejectMalformedInputMiddleware:
    """Answers 404 to a path and 400 to a query string, form body or JSON body that holds a
    NUL or another control character, a lone surrogate or bytes that are not UTF-8.

    Issue 11, finding 9: ``/api/v1/regions/%00/`` and seven other endpoints answered 500 on
    PostgreSQL, which refuses NUL in a text value. Refusing such input here, first of all
    middleware, keeps every view, filter and API operation (present and future) safe without
    each checking its own parameters. Multipart bodies are left to the forms (Django's
    ``CharField`` refuses NUL), so uploads are never read before the view chooses how.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_path = _raw_path(request)
        if (raw_path is not None and _bad_bytes(raw_path, allowed=frozenset())) or _bad_text(
            request.path_info
        ):
            return self._refuse(request, 404, _("The page does not exist."))
        if bad_urlencoded(request.META.get("QUERY_STRING", "")):
            return self._refuse(
                request, 400, _("The address holds characters that are not allowed.")
            )
        if self._bad_body(request):
            return self._refuse(request, 400, _("The form holds characters that are not allowed."))
        return self.get_response(request)

    @staticmethod
    def _bad_body(request: HttpRequest) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            return bad_urlencoded(request.body)
        if content_type == "application/json":
            length = str(request.META.get("CONTENT_LENGTH") or "0")
            if not length.isdigit() or int(length) > _JSON_INSPECT_LIMIT:
                return False
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return True
            if "\\u" not in body:  # a raw control character is invalid JSON anyway
                return False
            try:
                return _bad_json(json.loads(body))
            except ValueError:
                return False  # the API answers malformed JSON itself
        return False

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
        response: HttpResponse
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=status)
        else:
            response = HttpResponse(
                message, status=status, content_type="text/plain; charset=utf-8"
            )
        # Answered before the session is read, so the same for everyone: never stored.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["Pragma"] = "no-cache"
        return response


class NoStoreForAuthenticatedMiddleware:
    """Every answer to a logged-in person carries ``Cache-Control: no-store, private`` (and
    ``Pragma: no-cache`` for old proxies).

    Issue 11, finding 7: pages and API answers with children's data stayed in the browser's
    cache, so on a shared office computer the back button showed them after logout. Answers
    to anonymous visitors keep whatever the view set (the public portal's own ``max-age``);
    other headers (``Content-Disposition`` of a download) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            response["Pragma"] = "no-cache"
        return response
