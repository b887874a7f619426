"""Log-in, log-out and each person's own security changes are recorded in the audit trail.

Authentication events and allauth's self-service pages (password change and reset, e-mail
addresses, two-factor authenticators) only exist as signals, so this is the one place where the
audit trail listens to signals instead of being called by a service (issue #2). Entries name
what changed, never a password, code, secret or address.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from layak.core.audit import audit_record
from layak.core.models import AuditAction


def _region_code(user: Any) -> str:
    agency = getattr(user, "agency", None)
    region = getattr(agency, "region", None)
    return str(region.code) if region is not None else ""


def _audit_own_change(user: Any, field: str, event: str) -> None:
    """One entry on the person's own record: ``field`` names what changed, ``event`` how."""
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=user,
        label=f"{user.get_username()}: {event}",
        fields=[field],
        region_code=_region_code(user),
    )


@receiver(user_logged_in, dispatch_uid="layak_audit_login")
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user, region_code=_region_code(user))


@receiver(user_logged_out, dispatch_uid="layak_audit_logout")
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action=AuditAction.LOGOUT, obj=user, region_code=_region_code(user)
        )


@receiver(account_signals.password_changed, dispatch_uid="layak_audit_password_changed")
def _audit_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_own_change(user, "password", "password changed")


@receiver(account_signals.password_set, dispatch_uid="layak_audit_password_set")
def _audit_password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_own_change(user, "password", "password set")


@receiver(account_signals.password_reset, dispatch_uid="layak_audit_password_reset")
def _audit_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The person is not logged in: the link from the e-mail identifies them.
    _audit_own_change(user, "password", "password reset by e-mail link")


@receiver(account_signals.email_added, dispatch_uid="layak_audit_email_added")
def _audit_email_added(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_own_change(user, "email", "e-mail address added")


@receiver(account_signals.email_changed, dispatch_uid="layak_audit_email_changed")
def _audit_email_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_own_change(user, "email", "primary e-mail address changed")


@receiver(account_signals.email_removed, dispatch_uid="layak_audit_email_removed")
def _audit_email_removed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_own_change(user, "email", "e-mail address removed")


@receiver(account_signals.email_confirmed, dispatch_uid="layak_audit_email_confirmed")
def _audit_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    _audit_own_change(email_address.user, "email", "e-mail address confirmed")


def _authenticator_kind(authenticator: Any) -> str:
    """The authenticator's type code (totp, recovery_codes, webauthn), never its data."""
    return str(getattr(authenticator, "type", "") or "authenticator")


@receiver(mfa_signals.authenticator_added, dispatch_uid="layak_audit_authenticator_added")
def _audit_authenticator_added(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    kind = _authenticator_kind(authenticator)
    _audit_own_change(user, kind, f"two-factor {kind} activated")


@receiver(mfa_signals.authenticator_removed, dispatch_uid="layak_audit_authenticator_removed")
def _audit_authenticator_removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    kind = _authenticator_kind(authenticator)
    _audit_own_change(user, kind, f"two-factor {kind} deactivated")


@receiver(mfa_signals.authenticator_reset, dispatch_uid="layak_audit_authenticator_reset")
def _audit_authenticator_reset(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    kind = _authenticator_kind(authenticator)
    _audit_own_change(user, kind, f"two-factor {kind} regenerated")


@receiver(mfa_signals.authenticator_used, dispatch_uid="layak_audit_recovery_code_used")
def _audit_recovery_code_used(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    # A recovery code stands in for a lost authenticator: each use is recorded (issue #11).
    # Log-ins with the authenticator app are already recorded as log-ins.
    if _authenticator_kind(authenticator) == "recovery_codes":
        _audit_own_change(user, "recovery_codes", "two-factor recovery code used")
