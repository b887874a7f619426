"""allauth adapter: people are created by administrators, never by sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
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
