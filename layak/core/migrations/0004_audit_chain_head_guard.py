"""Protect the audit chain head in the database itself (issue #2).

The head may only advance by one, to the entry appended in the same transaction; PostgreSQL
also refuses to delete it. SQLite allows DELETE, because Django's test flush on SQLite deletes
rows; ``layak audit_verify`` reports a missing head.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditchainhead_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted';
    END IF;
    IF NEW.id <> OLD.id
        OR NEW.last_seq <> OLD.last_seq + 1
        OR NEW.last_hash IS DISTINCT FROM
            (SELECT entry_hash FROM core_auditentry WHERE seq = NEW.last_seq) THEN
        RAISE EXCEPTION 'the audit chain head only advances to the entry just appended';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditchainhead_guard BEFORE UPDATE OR DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_guard();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditchainhead_guard ON core_auditchainhead;
DROP FUNCTION IF EXISTS core_auditchainhead_guard();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_auditchainhead_guard BEFORE UPDATE ON core_auditchainhead
WHEN NEW.id <> OLD.id
    OR NEW.last_seq <> OLD.last_seq + 1
    OR NEW.last_hash IS NOT (SELECT entry_hash FROM core_auditentry WHERE seq = NEW.last_seq)
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head only advances to the entry just appended');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS core_auditchainhead_guard;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditentry_key_id")]

    operations = [migrations.RunPython(forward, reverse)]
