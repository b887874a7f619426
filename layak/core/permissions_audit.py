"""Who may read the audit trail (issue #2): administrators, for their own kab/kota.

Nobody can change or delete entries through the application.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from layak.accounts.permissions import home_filter, is_admin
from layak.core.models import AuditEntry


def can_view_audit(user: Any) -> bool:
    return bool(is_admin(user))


def audit_entries_visible_to(user: Any) -> QuerySet[AuditEntry]:
    if not can_view_audit(user):
        return AuditEntry.objects.none()
    home = home_filter(user, "region_code")
    if home is None:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(home)
