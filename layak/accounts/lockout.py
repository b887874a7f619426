"""How django-axes names the account being locked out after repeated failures."""

from __future__ import annotations

from typing import Any

from allauth.account.utils import filter_users_by_email
from django.contrib.auth import get_user_model
from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Use the login name the person typed (allauth's ``login`` field), case-insensitively.

    Someone logging in by e-mail address is counted under the account's user name, so every
    way of naming an account shares one lockout. allauth accepts any of the account's
    addresses (``User.email`` and its ``EmailAddress`` rows), so the address is looked up the
    way allauth looks it up; were one address to belong to several accounts, the failures are
    counted under the first of them by user name, and still limited.
    """
    value = ""
    if credentials:
        value = str(credentials.get("username") or credentials.get("email") or "")
    if not value:
        value = str(request.POST.get("login", "") or request.POST.get("username", ""))
    value = value.strip().lower()
    users = get_user_model().objects
    if "@" not in value or users.filter(username__iexact=value).exists():
        return value
    usernames = {str(user.get_username()).lower() for user in filter_users_by_email(value)}
    by_user_email = users.filter(email__iexact=value).values_list("username", flat=True)
    usernames.update(str(name).lower() for name in by_user_email)
    return min(usernames) if usernames else value
