"""``layak audit_grants --app-role NAME``: the grants of a database role that runs Layak without
owning the audit tables (PostgreSQL; issue #11).

The owner of a table can disable its triggers, so an application that connects as the owner of
the audit tables can rewrite them. Migrations run as the owner; the application runs as the
role named here, which may add audit entries and advance the chain head, and nothing more on
the audit tables: no UPDATE or DELETE of entries, no TRUNCATE, no ownership. On every other
table it may read and write rows. Run it again after every ``migrate`` (new tables).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from layak.core.models import AuditChainHead, AuditEntry

ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(app_role: str) -> list[str]:
    """The SQL that leaves ``app_role`` able to run Layak but not to cut the audit trail.

    ``CommandError`` when the role cannot be made safe by grants alone (missing, a superuser,
    or the connected role itself).
    """
    role = _quote(app_role)
    entries = AuditEntry._meta.db_table
    head = AuditChainHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolname = current_user, pg_has_role(rolname, current_user, 'MEMBER')"
            " FROM pg_roles WHERE rolname = %s",
            [app_role],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError(
                f"There is no database role {app_role}. Create it first, e.g. "
                f"CREATE ROLE {role} LOGIN PASSWORD '...';",
                returncode=2,
            )
        superuser, is_current, member_of_owner = row
        if superuser:
            raise CommandError(
                f"{app_role} is a superuser, which no grant can restrict; use a role without "
                "SUPERUSER.",
                returncode=2,
            )
        if is_current:
            raise CommandError(
                f"This command connects as {app_role} itself. Run it with the owner's "
                "DATABASE_URL (the role that runs the migrations).",
                returncode=2,
            )
        if member_of_owner:
            raise CommandError(
                f"{app_role} is a member of the owner role and inherits its ownership of the "
                f"tables. Revoke that membership first (REVOKE <owner> FROM {role};).",
                returncode=2,
            )
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tableowner = %s ORDER BY tablename",
            [app_role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        tables = [
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type in ("t", "p", "v")
        ]
        views = {
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type == "v"
        }
        cursor.execute(
            # pg_class, not information_schema.sequences: the latter leaves out identity
            # sequences, without which the app role could not insert (or pg_dump) rows.
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema() ORDER BY c.relname"
        )
        sequences = [name for (name,) in cursor.fetchall()]
    statements = [f"ALTER TABLE {_quote(name)} OWNER TO CURRENT_USER;" for name in owned]
    statements += [
        f"GRANT USAGE ON SCHEMA {_quote(_current_schema())} TO {role};",
        f"REVOKE ALL ON TABLE {_quote(entries)}, {_quote(head)} FROM {role};",
        f"GRANT SELECT, INSERT ON TABLE {_quote(entries)} TO {role};",
        f"GRANT SELECT, UPDATE (last_seq, last_hash) ON TABLE {_quote(head)} TO {role};",
    ]
    for name in sorted(tables):
        if name in (entries, head):
            continue
        if name == "django_migrations" or name in views:
            statements.append(f"REVOKE ALL ON TABLE {_quote(name)} FROM {role};")
            statements.append(f"GRANT SELECT ON TABLE {_quote(name)} TO {role};")
        else:
            statements.append(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {_quote(name)} TO {role};"
            )
    statements += [
        f"GRANT USAGE, SELECT ON SEQUENCE {_quote(name)} TO {role};" for name in sequences
    ]
    return statements


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        row = cursor.fetchone()
    return str(row[0]) if row else "public"


class Command(BaseCommand):
    help = (
        "Print (or with --apply run, as the owner of the tables) the PostgreSQL grants of the "
        "role the application runs as: audit entries may be added and read, the chain head "
        "advanced; no UPDATE, DELETE or TRUNCATE of the audit trail, no ownership."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--app-role", required=True, help="The database role the application connects as."
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Run the statements on the configured database (connected as the owner).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Database roles and grants exist on PostgreSQL only; SQLite has neither.",
                returncode=2,
            )
        app_role: str = options["app_role"]
        if not ROLE_NAME.match(app_role):
            raise CommandError(
                f"{app_role!r} is not a plain role name (letters, digits, underscore).",
                returncode=2,
            )
        statements = grant_statements(app_role)
        if options["apply"]:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            self.stdout.write(
                self.style.SUCCESS(f"{len(statements)} statements applied for role {app_role}.")
            )
            return
        self.stdout.write(f"-- Layak grants for the application role {app_role}; run as the owner.")
        for statement in statements:
            self.stdout.write(statement)
