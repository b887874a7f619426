"""Deployment checks of the audit trail (issue #11): ``layak check --deploy`` warns when the
trail has no key, and, with ``--database default``, when the application's database role could
switch the audit triggers off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError, connections

from layak.core.models import AuditChainHead, AuditEntry


@register(Tags.security, deploy=True)
def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without ``LAYAK_AUDIT_KEY`` the chain is plain SHA-256: whoever can write the database
    can rewrite entries and recompute every hash."""
    if settings.LAYAK_AUDIT_KEYS:
        return []
    return [
        Warning(
            "LAYAK_AUDIT_KEY is not set: someone who can write the database can rewrite the "
            "audit trail and recompute its hashes unnoticed.",
            hint=(
                "Set LAYAK_AUDIT_KEY (or LAYAK_AUDIT_KEY_FILE) to a long random secret kept "
                "apart from the database backups; see docs/audit.md."
            ),
            id="core.W001",
        )
    ]


@register(Tags.security, Tags.database, deploy=True)
def check_audit_role(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The role the application connects as must neither be a superuser nor own the audit
    tables: either can disable the triggers that keep the trail append-only."""
    messages: list[CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
                    " current_user, array(SELECT tablename::text FROM pg_tables"
                    " WHERE schemaname = current_schema() AND tablename IN (%s, %s)"
                    " AND pg_has_role(current_user, tableowner, 'USAGE'))",
                    [AuditEntry._meta.db_table, AuditChainHead._meta.db_table],
                )
                row = cursor.fetchone()
        except DatabaseError:
            continue  # Django's own checks report an unreachable database
        if row is None:
            continue
        superuser, role, owned = row
        if superuser or owned:
            messages.append(
                Warning(
                    f"The application connects to database {alias!r} as {role}, which "
                    + ("is a superuser" if superuser else "owns the audit tables")
                    + " and can switch off the triggers that keep the audit trail append-only.",
                    hint=(
                        "Run migrations as the owner and the application as another role: "
                        "`layak audit_grants --app-role NAME --apply`; see docs/audit.md."
                    ),
                    id="core.W002",
                )
            )
    return messages
