"""How django-axes names the account being locked out after repeated failures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Use the login name the person typed (allauth's ``login`` field), case-insensitively."""
    value = ""
    if credentials:
        value = str(credentials.get("username") or credentials.get("email") or "")
    if not value:
        value = str(request.POST.get("login", "") or request.POST.get("username", ""))
    return value.strip().lower()
