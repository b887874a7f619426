"""allauth adapter: people are created by administrators, never by sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # untyped library base
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_safe_url(self, url: Any) -> bool:
        return bool(super().is_safe_url(url))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Skip allauth's count of failed password log-ins: django-axes counts them.

        Two limits on the same failures would refuse the attempt after the limit with a form
        error instead of the lockout page, and unlocking by an administrator would not lift
        allauth's limit. ``ACCOUNT_RATE_LIMITS["login_failed"]`` still limits two-factor codes,
        which allauth counts per person (``mfa.base.internal.flows.check_rate_limit``).
        """

    def send_password_reset_mail(
        self, user: AbstractBaseUser, email: str, context: dict[str, Any]
    ) -> None:
        """Send a reset link only to the address the administrator recorded (``User.email``).

        Completing a link verifies that address (``services.person_address_confirm``), so a
        link must never go to another one, such as an address the administrator replaced
        (issue #11). The visitor sees the same answer either way.
        """
        recorded = str(getattr(user, "email", "") or "")
        if not recorded or recorded.lower() != email.lower():
            return
        super().send_password_reset_mail(user, email, context)
