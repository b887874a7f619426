"""Who may read the audit trail (issue #2): administrators, for their own kab/kota.

Nobody can change or delete entries through the application.

Which region a person's records lie in is the accounts app's rule (its agency's kab/kota or
province), and core imports no app (issue #14): accounts registers that rule here from its
``AppConfig.ready()`` with :func:`register_audit_scope`. Until it does, nobody sees any entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from layak.core.models import AuditEntry
from layak.core.roles import is_admin

#: The filter on ``AuditEntry.region_code`` for the entries of a person's own region; None when
#: the person sees none.
AuditScope = Callable[[Any], Q | None]

_scope: list[AuditScope] = []


def register_audit_scope(scope: AuditScope) -> None:
    """Set the rule for which entries an administrator sees (one rule; a second replaces it)."""
    _scope[:] = [scope]


def can_view_audit(user: Any) -> bool:
    return bool(is_admin(user))


def audit_entries_visible_to(user: Any) -> QuerySet[AuditEntry]:
    if not can_view_audit(user) or not _scope:
        return AuditEntry.objects.none()
    home = _scope[0](user)
    if home is None:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(home)
