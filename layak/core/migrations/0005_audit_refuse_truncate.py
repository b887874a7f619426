"""Refuse TRUNCATE of the audit tables and create the chain head with the database (issue #11).

``TRUNCATE`` fires no row trigger, so the append-only triggers of 0002 and 0004 did not stop
it, and an emptied trail verified as "intact: 0 entries". PostgreSQL now refuses it for every
role but a superuser, who can switch any trigger off anyway (``session_replication_role``) and
whom the test runner uses to empty the database between transactional tests. The application
must not run as a superuser (``docs/audit.md``; ``layak check --deploy --database default``).

The head row is created here, so it exists from the start: an empty trail without a head was
emptied, and ``layak audit_verify`` says so. SQLite has no TRUNCATE.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail cannot be truncated (%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_no_truncate();
CREATE TRIGGER core_auditchainhead_no_truncate BEFORE TRUNCATE ON core_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_no_truncate();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditchainhead_no_truncate ON core_auditchainhead;
DROP FUNCTION IF EXISTS core_audit_no_truncate();
"""


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)  # the SQL holds a literal "%"


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


def create_head(apps, schema_editor):
    """The head of an empty chain (seq 0, genesis hash), unless the chain already exists.

    A database whose entries exist without a head keeps that state: ``audit_verify`` reports
    the missing head instead of a new one hiding it.
    """
    head_model = apps.get_model("core", "AuditChainHead")
    entry_model = apps.get_model("core", "AuditEntry")
    db = schema_editor.connection.alias
    if not head_model.objects.using(db).exists() and not entry_model.objects.using(db).exists():
        head_model.objects.using(db).create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_chain_head_guard")]

    operations = [
        migrations.RunPython(refuse_truncate, allow_truncate),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
