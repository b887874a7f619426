"""Login and logout are recorded in the audit trail.

Authentication events only exist as Django signals, so this is the one place where the audit
trail listens to signals instead of being called by a service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from layak.core.audit import audit_record
from layak.core.models import AuditAction


def _region_code(user: Any) -> str:
    agency = getattr(user, "agency", None)
    region = getattr(agency, "region", None)
    return str(region.code) if region is not None else ""


@receiver(user_logged_in, dispatch_uid="layak_audit_login")
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user, region_code=_region_code(user))


@receiver(user_logged_out, dispatch_uid="layak_audit_logout")
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action=AuditAction.LOGOUT, obj=user, region_code=_region_code(user)
        )
