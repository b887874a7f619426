"""The audit trail cannot be cut quietly, and verifies clean on a live system (issue #11).

Reproduces finding 3 of the security review: tail truncation with the head moved back,
``TRUNCATE`` of both audit tables, an application role that owns the tables, and a verification
that read the entries and the head at different moments.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase, TransactionTestCase

from layak.accounts.models import Agency
from layak.accounts.tests.factories import make_agency
from layak.core.audit import audit_record
from layak.core.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEntry
from layak.core.tests.test_audit import _disable_append_only_trigger, _disable_head_guard, _raw

KEY = "audit-key-for-tests-only"


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> CommandError:
    """The error ``audit_verify`` stops with; its ``returncode`` is the exit status."""
    try:
        _verify(*args)
    except CommandError as error:
        return error
    raise AssertionError("audit_verify reported the chain intact")


def _anchor(*args: str) -> str:
    out = StringIO()
    call_command("audit_anchor", *args, stdout=out)
    return out.getvalue()


def _record(count: int, actor: object = None) -> None:
    for i in range(count):
        audit_record(
            actor=actor, action=AuditAction.UPDATE, object_type="test.item", object_id=str(i)
        )


def _cut_tail(keep: int) -> None:
    """What the review did: switch the triggers off, delete the newest entries and move the
    head back to the last one kept, so the chain and its head agree again."""
    _disable_append_only_trigger()
    _disable_head_guard()
    kept = AuditEntry.objects.get(seq=keep)
    _raw("DELETE FROM core_auditentry WHERE seq > %s", [keep])
    _raw(
        "UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
        [kept.seq, kept.entry_hash],
    )


def _postgresql_only(test: TestCase | TransactionTestCase) -> None:
    if connection.vendor != "postgresql":
        test.skipTest("PostgreSQL only; run with DATABASE_URL=postgres://… (make test-postgres)")


class AnchorTests(TestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.anchors = Path(directory.name) / "audit-anchors.jsonl"
        _record(5)
        self.total = AuditEntry.objects.count()

    def test_anchor_appends_the_head_as_a_json_line(self) -> None:
        printed = _anchor("--file", str(self.anchors))
        _record(1)
        _anchor("--file", str(self.anchors))

        lines = [json.loads(line) for line in self.anchors.read_text().splitlines()]
        head = AuditChainHead.objects.get(pk=1)
        self.assertEqual([line["seq"] for line in lines], [self.total, self.total + 1])
        self.assertEqual(lines[-1]["hash"], head.last_hash)
        self.assertEqual(lines[0]["key_id"], "")
        self.assertTrue(lines[0]["time"].endswith("Z"))
        self.assertEqual(json.loads(printed)["seq"], self.total)

    def test_anchor_names_the_key_of_the_newest_entry(self) -> None:
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            _record(1)
            line = json.loads(_anchor())
        self.assertEqual(line["key_id"], AuditEntry.objects.get(seq=self.total + 1).key_id)
        self.assertNotEqual(line["key_id"], "")

    def test_anchor_goes_to_syslog(self) -> None:
        with mock.patch("syslog.syslog") as sent:
            printed = _anchor("--syslog")
        (priority, message), _ = sent.call_args
        self.assertEqual(json.loads(message)["seq"], self.total)
        self.assertEqual(message, printed.strip())

    def test_chain_verifies_against_its_anchors(self) -> None:
        _anchor("--file", str(self.anchors))
        _record(2)
        _anchor("--file", str(self.anchors))
        self.assertIn(
            f"Audit chain intact: {self.total + 2} entries verified against 2 anchor(s)",
            _verify("--anchor", str(self.anchors)),
        )

    def test_tail_cut_with_the_head_moved_back_is_found_by_the_anchor(self) -> None:
        _anchor("--file", str(self.anchors))
        _cut_tail(keep=self.total - 2)

        # The finding: without an anchor the shortened chain and its head agree.
        self.assertIn("Audit chain intact", _verify())
        error = _verify_fails("--anchor", str(self.anchors))
        self.assertEqual(error.returncode, 1)
        self.assertIn(f"broken at entry {self.total - 1} (truncated)", str(error))
        self.assertIn(f"entry {self.total} was anchored", str(error))

    def test_tail_cut_with_a_keyed_chain_is_found_by_the_anchor(self) -> None:
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            _record(3)
            _anchor("--file", str(self.anchors))
            _cut_tail(keep=self.total + 1)
            self.assertIn("Audit chain intact", _verify())
            error = _verify_fails("--anchor", str(self.anchors))
        self.assertIn(f"broken at entry {self.total + 2} (truncated)", str(error))

    def test_every_anchor_is_checked_not_only_the_last(self) -> None:
        _anchor("--file", str(self.anchors))
        _cut_tail(keep=self.total - 1)
        _record(3)  # the chain grows past the old anchor again, on a different branch
        _anchor("--file", str(self.anchors))
        error = _verify_fails("--anchor", str(self.anchors))
        self.assertIn(f"broken at entry {self.total} (altered)", str(error))
        self.assertIn("differs from the entry anchored", str(error))

    def test_anchoring_a_chain_that_went_back_fails(self) -> None:
        _anchor("--file", str(self.anchors))
        _cut_tail(keep=2)
        with self.assertRaises(CommandError) as raised:
            _anchor("--file", str(self.anchors))
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn(f"entry {self.total} was anchored", str(raised.exception))
        # The new, shorter anchor is kept as evidence.
        self.assertEqual(len(self.anchors.read_text().splitlines()), 2)

    def test_unusable_anchor_file_exits_2_without_verifying(self) -> None:
        missing = _verify_fails("--anchor", str(self.anchors))
        self.assertEqual(missing.returncode, 2)
        self.assertIn("was not verified", str(missing))
        self.anchors.write_text('{"seq": 3}\n')
        malformed = _verify_fails("--anchor", str(self.anchors))
        self.assertEqual(malformed.returncode, 2)
        self.assertIn("line 1: hash must be 64 hexadecimal characters", str(malformed))

    def test_broken_chain_exits_1(self) -> None:
        _disable_append_only_trigger()
        _raw("UPDATE core_auditentry SET object_id = %s WHERE seq = %s", ["999", 2])
        self.assertEqual(_verify_fails().returncode, 1)


class EmptiedTrailTests(TestCase):
    def test_fresh_database_has_a_head_and_verifies_with_no_entries(self) -> None:
        head = AuditChainHead.objects.get(pk=1)
        self.assertEqual((head.last_seq, head.last_hash), (0, GENESIS_HASH))
        self.assertIn("Audit chain intact: 0 entries verified", _verify())

    def test_emptied_trail_is_not_reported_intact(self) -> None:
        _record(3)
        if connection.vendor == "postgresql":
            # The test database's superuser may TRUNCATE, as an owner who switched the
            # trigger off could.
            _raw("TRUNCATE core_auditentry, core_auditchainhead", [])
        else:
            _disable_append_only_trigger()
            _raw("DELETE FROM core_auditentry", [])
            _raw("DELETE FROM core_auditchainhead", [])
        error = _verify_fails()
        self.assertEqual(error.returncode, 1)
        self.assertIn("broken at entry 1 (truncated)", str(error))

    def test_emptied_trail_with_a_new_head_is_found_by_the_anchor(self) -> None:
        _record(3)
        with tempfile.TemporaryDirectory() as directory:
            anchors = Path(directory) / "anchors.jsonl"
            _anchor("--file", str(anchors))
            _disable_append_only_trigger()
            _disable_head_guard()
            _raw("DELETE FROM core_auditentry", [])
            _raw("UPDATE core_auditchainhead SET last_seq = 0, last_hash = %s", [GENESIS_HASH])
            self.assertIn("intact: 0 entries", _verify())
            error = _verify_fails("--anchor", str(anchors))
        self.assertIn("broken at entry 1 (truncated)", str(error))

    def test_truncate_by_a_role_owning_the_tables_is_refused_on_postgresql(self) -> None:
        _postgresql_only(self)
        _record(3)
        role = f"layak_owner_test_{os.getpid()}"
        _raw(f'CREATE ROLE "{role}" NOLOGIN', [])
        for table in ("core_auditentry", "core_auditchainhead"):
            _raw(f'ALTER TABLE {table} OWNER TO "{role}"', [])
        _raw(f'SET LOCAL ROLE "{role}"', [])
        for table in ("core_auditentry", "core_auditchainhead"):
            with (
                self.subTest(table),
                self.assertRaisesMessage(
                    DatabaseError, f"the audit trail cannot be truncated ({table})"
                ),
                transaction.atomic(),
            ):
                _raw(f"TRUNCATE {table}", [])
        _raw("RESET ROLE", [])
        self.assertEqual(AuditEntry.objects.count(), 3)
        self.assertIn("Audit chain intact: 3 entries verified", _verify())


class LiveVerificationTests(TransactionTestCase):
    """On a live server every verification failed ("removed"): an entry committed between
    reading the entries and reading the head."""

    WRITES = 300

    def test_verification_during_concurrent_writes_is_always_intact(self) -> None:
        _postgresql_only(self)
        _record(1)
        failures: list[BaseException] = []

        def write() -> None:
            try:
                _record(self.WRITES)
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                failures.append(error)
            finally:
                connection.close()

        writer = threading.Thread(target=write)
        writer.start()
        runs: list[str] = []
        try:
            while writer.is_alive() and len(runs) < 200:
                runs.append(_verify())
        finally:
            writer.join()
        self.assertEqual(failures, [])
        self.assertGreaterEqual(len(runs), 2, "no verification overlapped the writes")
        counts = {int(run.split(": ")[1].split()[0]) for run in runs}
        self.assertGreater(len(counts), 1, "the writes did not advance during verification")
        self.assertIn(f"Audit chain intact: {self.WRITES + 1} entries verified", _verify())


def _as_app_role(role: str) -> None:
    """Create ``role``, grant it what ``audit_grants`` prints and act as it for the rest of the
    test's transaction (rolled back with it)."""
    _raw(f'CREATE ROLE "{role}" NOLOGIN', [])
    call_command("audit_grants", "--app-role", role, "--apply", stdout=StringIO())
    _raw(f'SET LOCAL ROLE "{role}"', [])


class GrantsTests(TestCase):
    def setUp(self) -> None:
        self.role = f"layak_app_test_{os.getpid()}"

    def test_printed_grants_leave_the_audit_tables_append_only(self) -> None:
        _postgresql_only(self)
        _raw(f'CREATE ROLE "{self.role}" NOLOGIN', [])
        out = StringIO()
        call_command("audit_grants", "--app-role", self.role, stdout=out)
        sql = out.getvalue().splitlines()
        role = f'"{self.role}"'
        self.assertIn(f'GRANT SELECT, INSERT ON TABLE "core_auditentry" TO {role};', sql)
        self.assertIn(
            f'GRANT SELECT, UPDATE (last_seq, last_hash) ON TABLE "core_auditchainhead" TO {role};',
            sql,
        )
        self.assertIn(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "accounts_agency" TO {role};', sql
        )
        audit_lines = [line for line in sql if "core_audit" in line and line.startswith("GRANT")]
        self.assertFalse([line for line in audit_lines if "DELETE" in line or "TRUNCATE" in line])

    def test_app_role_writes_audit_entries_but_cannot_cut_the_trail(self) -> None:
        _postgresql_only(self)
        _record(2)
        _as_app_role(self.role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            self.assertEqual(cursor.fetchone(), (self.role,))

        # The application's own code path: a service writes a row and its audit entry.
        agency = make_agency(name="Dinas uji")
        audit_record(actor=None, action=AuditAction.CREATE, obj=agency)
        self.assertEqual(AuditChainHead.objects.get(pk=1).last_seq, 3)

        refused = {
            "disable trigger": (
                "ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_update"
            ),
            "disable head guard": (
                "ALTER TABLE core_auditchainhead DISABLE TRIGGER core_auditchainhead_guard"
            ),
            "truncate": "TRUNCATE core_auditentry",
            "truncate head": "TRUNCATE core_auditchainhead",
            "delete": "DELETE FROM core_auditentry WHERE seq = 3",
            "update": "UPDATE core_auditentry SET object_id = 'x' WHERE seq = 3",
            "new head": (
                "INSERT INTO core_auditchainhead (id, last_seq, last_hash) VALUES (2, 0, '')"
            ),
            "head back": "UPDATE core_auditchainhead SET last_seq = 1 WHERE id = 1",
        }
        for label, sql in refused.items():
            with self.subTest(label), self.assertRaises(DatabaseError), transaction.atomic():
                _raw(sql, [])
        # Every other table: the rows of the application.
        Agency.objects.filter(pk=agency.pk).update(name="Dinas uji 2")
        Agency.objects.filter(pk=agency.pk).delete()
        _raw("RESET ROLE", [])
        self.assertIn("Audit chain intact: 3 entries verified", _verify())

    def test_role_that_does_not_exist_is_refused(self) -> None:
        _postgresql_only(self)
        with self.assertRaisesMessage(CommandError, "There is no database role") as raised:
            call_command("audit_grants", "--app-role", self.role, stdout=StringIO())
        self.assertEqual(raised.exception.returncode, 2)

    def test_grants_need_postgresql(self) -> None:
        if connection.vendor == "postgresql":
            self.skipTest("SQLite only: the PostgreSQL behaviour is tested above")
        with self.assertRaisesMessage(CommandError, "PostgreSQL only") as raised:
            call_command("audit_grants", "--app-role", "layak_app", stdout=StringIO())
        self.assertEqual(raised.exception.returncode, 2)


class AppRoleConnectionTests(TransactionTestCase):
    """The same, connected as the application role over its own psycopg connection."""

    def test_app_connected_as_its_role_audits_but_cannot_cut_the_trail(self) -> None:
        _postgresql_only(self)
        role = f"layak_app_login_{os.getpid()}"
        _raw(f'CREATE ROLE "{role}" LOGIN', [])
        self.addCleanup(_raw, f'DROP ROLE "{role}"', [])
        self.addCleanup(_raw, f'DROP OWNED BY "{role}"', [])  # its grants; runs first
        _record(1)
        call_command("audit_grants", "--app-role", role, "--apply", stdout=StringIO())
        owner = connection.settings_dict["USER"]
        connection.close()
        connection.settings_dict["USER"] = role
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user, session_user")
                self.assertEqual(cursor.fetchone(), (role, role))
            audit_record(actor=None, action=AuditAction.CREATE, obj=make_agency())
            for sql in (
                "ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_update",
                "ALTER TABLE core_auditchainhead DISABLE TRIGGER core_auditchainhead_guard",
                "TRUNCATE core_auditentry, core_auditchainhead",
                "DELETE FROM core_auditentry",
            ):
                with self.subTest(sql), self.assertRaises(DatabaseError), transaction.atomic():
                    _raw(sql, [])
        finally:
            connection.close()
            connection.settings_dict["USER"] = owner
        self.assertIn("Audit chain intact: 2 entries verified", _verify())


class DeployCheckTests(TestCase):
    def _ids(self, *, deploy: bool = False, databases: list[str] | None = None) -> set[str]:
        messages = run_checks(include_deployment_checks=deploy, databases=databases)
        return {message.id for message in messages if message.id}

    def test_deploy_check_warns_without_an_audit_key(self) -> None:
        with self.settings(LAYAK_AUDIT_KEYS=[]):
            self.assertIn("core.W001", self._ids(deploy=True))
            self.assertNotIn("core.W001", self._ids())
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            self.assertNotIn("core.W001", self._ids(deploy=True))

    def test_deploy_check_warns_when_the_app_can_switch_the_triggers_off(self) -> None:
        _postgresql_only(self)
        # The test suite connects as a superuser.
        self.assertIn("core.W002", self._ids(deploy=True, databases=["default"]))
        _as_app_role(f"layak_app_check_{os.getpid()}")
        self.assertNotIn("core.W002", self._ids(deploy=True, databases=["default"]))
