"""Two-factor login is mandatory for every role that can see who a child is (issue #11).

The roles come from the apps' own permission rules (``layak.core.identity``);
``LAYAK_MFA_REQUIRED_ROLES`` may add roles, never remove one.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from layak.core.identity import mfa_required_roles
from layak.core.permissions import user_roles

_ALLOWED_PREFIXES = ("/static/", "/i18n/", "/accounts/", "/favicon")


def required_roles() -> frozenset[str]:
    """The roles that must log in with TOTP: derived ones plus ``LAYAK_MFA_REQUIRED_ROLES``."""
    return mfa_required_roles(settings.LAYAK_MFA_REQUIRED_ROLES)


def must_enrol_two_factor(user: object) -> bool:
    """Whether this person holds a role that requires TOTP but has not set it up yet."""
    required = required_roles()
    if not required or not (user_roles(user) & required):
        return False
    return not is_mfa_enabled(user, ["totp"])


class RequireTwoFactorMiddleware:
    """Sends such a person to the TOTP set-up page until two-factor login is on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            # path_info: the path inside Layak, whatever prefix (SCRIPT_NAME) it is served under.
            and not request.path_info.startswith(_ALLOWED_PREFIXES)
            and must_enrol_two_factor(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
