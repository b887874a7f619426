"""How django-axes names the account being locked out after repeated failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Use the login name the person typed (allauth's ``login`` field), case-insensitively."""
    value = ""
    if credentials:
        value = str(credentials.get("username") or credentials.get("email") or "")
    if not value:
        value = str(request.POST.get("login", "") or request.POST.get("username", ""))
    value = value.strip().lower()
    # Someone logging in by e-mail address is counted under the account's user name, so both
    # ways of naming an account share one lockout.
    users = get_user_model().objects
    if "@" in value and not users.filter(username__iexact=value).exists():
        username = users.filter(email__iexact=value).values_list("username", flat=True).first()
        if username:
            value = str(username).lower()
    return value
