"""The client's address, read the same way by the audit trail and the login lockout."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP: behind ``LAYAK_PROXY_COUNT`` trusted proxies, from X-Forwarded-For."""
    proxies = int(settings.LAYAK_PROXY_COUNT)
    candidate: str | None = request.META.get("REMOTE_ADDR")
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
