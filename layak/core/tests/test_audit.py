"""The audit trail is append-only and tamper-evident (issue #2)."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from layak.accounts.tests.factories import make_person
from layak.core.audit import (
    ChainProblem,
    audit_key_id,
    audit_record,
    audit_verify_chain,
    digest_of,
)
from layak.core.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEntry


def _disable_append_only_trigger() -> None:
    """What a database administrator could do; the chain must still reveal the tampering."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")


def _disable_head_guard() -> None:
    """The chain head's trigger, disabled as a database administrator could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE core_auditchainhead DISABLE TRIGGER core_auditchainhead_guard"
            )
        else:
            cursor.execute("DROP TRIGGER core_auditchainhead_guard")


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


class AuditChainTests(TestCase):
    def setUp(self) -> None:
        self.actor = make_person("admin")
        for i in range(1, 6):
            audit_record(
                actor=self.actor,
                action=AuditAction.UPDATE,
                object_type="accounts.agency",
                object_id=str(i),
                fields=["name"],
                region_code="64.71",
            )
        self.total = AuditEntry.objects.count()

    def test_fresh_chain_is_reported_intact(self) -> None:
        self.assertIn(f"Audit chain intact: {self.total} entries verified", _verify())

    def test_entries_link_each_to_the_one_before(self) -> None:
        entries = list(AuditEntry.objects.order_by("seq"))
        self.assertEqual(entries[0].prev_hash, GENESIS_HASH)
        self.assertEqual([e.seq for e in entries], list(range(1, self.total + 1)))
        for before, after in zip(entries, entries[1:], strict=False):
            self.assertEqual(after.prev_hash, before.entry_hash)
        head = AuditChainHead.objects.get(pk=1)
        self.assertEqual((head.last_seq, head.last_hash), (entries[-1].seq, entries[-1].entry_hash))

    def test_entry_records_fields_but_never_values(self) -> None:
        entry = AuditEntry.objects.get(seq=3)
        self.assertEqual(entry.fields, ["name"])
        self.assertEqual(entry.actor_username, self.actor.username)
        self.assertEqual(entry.region_code, "64.71")

    def test_raw_sql_update_is_refused_by_the_database(self) -> None:
        with self.assertRaises(DatabaseError), transaction.atomic():
            _raw("UPDATE core_auditentry SET object_label = %s WHERE seq = %s", ["x", 2])

    def test_altered_entry_is_named(self) -> None:
        _disable_append_only_trigger()
        _raw("UPDATE core_auditentry SET object_id = %s WHERE seq = %s", ["999", 3])
        with self.assertRaisesMessage(CommandError, "Audit chain broken at entry 3 (altered)"):
            _verify()

    def test_altered_entry_with_recomputed_hash_breaks_the_next_link(self) -> None:
        _disable_append_only_trigger()
        entry = AuditEntry.objects.get(seq=3)
        entry.object_id = "999"
        forged = digest_of(entry)
        _raw(
            "UPDATE core_auditentry SET object_id = %s, entry_hash = %s WHERE seq = %s",
            ["999", forged, 3],
        )
        with self.assertRaisesMessage(CommandError, "Audit chain broken at entry 4 (inserted)"):
            _verify()

    def test_removed_entry_is_named(self) -> None:
        _disable_append_only_trigger()
        _raw("DELETE FROM core_auditentry WHERE seq = %s", [2])
        with self.assertRaisesMessage(CommandError, "Audit chain broken at entry 3 (removed)"):
            _verify()

    def test_removed_last_entry_is_named(self) -> None:
        _disable_append_only_trigger()
        _raw("DELETE FROM core_auditentry WHERE seq = %s", [self.total])
        with self.assertRaisesMessage(
            CommandError, f"Audit chain broken at entry {self.total} (removed)"
        ):
            _verify()

    def test_removed_chain_head_is_reported(self) -> None:
        _disable_head_guard()
        _raw("DELETE FROM core_auditchainhead WHERE id = %s", [1])
        with self.assertRaisesMessage(
            CommandError, f"Audit chain broken at entry {self.total} (head missing)"
        ):
            _verify()

    def test_removed_chain_head_and_newest_entry_are_reported(self) -> None:
        _disable_append_only_trigger()
        _disable_head_guard()
        _raw("DELETE FROM core_auditentry WHERE seq = %s", [self.total])
        _raw("DELETE FROM core_auditchainhead WHERE id = %s", [1])
        self.assertEqual(_problem(audit_verify_chain()[1]), (self.total - 1, "head missing"))

    def test_newest_entry_altered_with_a_recomputed_hash_is_named_altered(self) -> None:
        _disable_append_only_trigger()
        entry = AuditEntry.objects.get(seq=self.total)
        entry.object_id = "999"
        forged = digest_of(entry)
        _raw(
            "UPDATE core_auditentry SET object_id = %s, entry_hash = %s WHERE seq = %s",
            ["999", forged, self.total],
        )
        with self.assertRaisesMessage(
            CommandError, f"Audit chain broken at entry {self.total} (altered)"
        ):
            _verify()

    def test_chain_head_cannot_be_moved_back(self) -> None:
        with self.assertRaises(DatabaseError), transaction.atomic():
            _raw("UPDATE core_auditchainhead SET last_seq = %s WHERE id = %s", [2, 1])
        self.assertEqual(AuditChainHead.objects.get(pk=1).last_seq, self.total)

    def test_chain_head_cannot_point_to_a_forged_hash(self) -> None:
        with self.assertRaises(DatabaseError), transaction.atomic():
            _raw(
                "UPDATE core_auditchainhead SET last_seq = last_seq + 1, last_hash = %s"
                " WHERE id = %s",
                ["f" * 64, 1],
            )
        self.assertIn("intact", _verify())

    def test_chain_head_cannot_be_deleted_on_postgresql(self) -> None:
        # SQLite allows it (Django's test flush deletes rows there); verification reports it.
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL refuses the deletion; run with DATABASE_URL=postgres://")
        with self.assertRaises(DatabaseError), transaction.atomic():
            _raw("DELETE FROM core_auditchainhead WHERE id = %s", [1])
        self.assertTrue(AuditChainHead.objects.filter(pk=1).exists())

    def test_inserted_entry_is_named_even_with_a_correct_hash(self) -> None:
        last = AuditEntry.objects.order_by("-seq").first()
        assert last is not None
        forged = AuditEntry(
            seq=last.seq + 1,
            created_at=last.created_at,
            actor_username="intruder",
            action=AuditAction.VIEW,
            object_type="accounts.user",
            object_id="1",
            prev_hash=last.entry_hash,
        )
        forged.entry_hash = digest_of(forged)
        _raw(
            "INSERT INTO core_auditentry (seq, created_at, actor_username, action, object_type,"
            " object_id, object_label, fields, region_code, prev_hash, entry_hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, '', '[]', '', %s, %s)",
            [
                forged.seq,
                forged.created_at,
                "intruder",
                "view",
                "accounts.user",
                "1",
                forged.prev_hash,
                forged.entry_hash,
            ],
        )
        checked, problem = audit_verify_chain()
        assert problem is not None
        self.assertEqual((problem.seq, problem.kind), (last.seq + 1, "inserted"))
        with self.assertRaisesMessage(
            CommandError, f"Audit chain broken at entry {last.seq + 1} (inserted)"
        ):
            _verify()

    def test_entry_written_in_a_rolled_back_transaction_leaves_no_trace(self) -> None:
        class Boom(Exception):
            pass

        with self.assertRaises(Boom), transaction.atomic():
            audit_record(actor=self.actor, action=AuditAction.VIEW, object_type="x")
            raise Boom
        self.assertEqual(AuditEntry.objects.count(), self.total)
        self.assertIn("intact", _verify())
        audit_record(actor=self.actor, action=AuditAction.VIEW, object_type="x")
        self.assertIn(f"{self.total + 1} entries verified", _verify())

    def test_model_refuses_update_and_delete(self) -> None:
        entry = AuditEntry.objects.get(seq=1)
        entry.object_label = "changed"
        with self.assertRaises(RuntimeError):
            entry.save()
        with self.assertRaises(RuntimeError):
            entry.delete()
        self.assertEqual(AuditEntry.objects.get(seq=1).object_label, "")


def _problem(problem: ChainProblem | None) -> tuple[int, str] | None:
    return None if problem is None else (problem.seq, problem.kind)


KEY = "audit-key-for-tests-only"
OTHER_KEY = "another-audit-key-for-tests"


class KeyedAuditChainTests(TestCase):
    """With LAYAK_AUDIT_KEY the chain is an HMAC: without the key nobody recomputes it, and
    entries written before the key was set still verify."""

    def setUp(self) -> None:
        self.actor = make_person("admin")
        for i in range(1, 4):
            audit_record(actor=self.actor, action=AuditAction.UPDATE, object_id=str(i))
        self.unkeyed = AuditEntry.objects.count()
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            for i in range(1, 4):
                audit_record(actor=self.actor, action=AuditAction.UPDATE, object_id=f"k{i}")
        self.total = AuditEntry.objects.count()

    def _verify_with(self, *keys: str) -> tuple[int, str] | None:
        with self.settings(LAYAK_AUDIT_KEYS=list(keys)):
            return _problem(audit_verify_chain()[1])

    def test_entries_after_the_key_name_it_and_the_chain_verifies(self) -> None:
        self.assertEqual(
            list(AuditEntry.objects.order_by("seq").values_list("key_id", flat=True)),
            [""] * self.unkeyed + [audit_key_id(KEY)] * (self.total - self.unkeyed),
        )
        self.assertIsNone(self._verify_with(KEY))
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            self.assertIn(f"Audit chain intact: {self.total} entries verified", _verify())

    def test_keyed_hash_differs_from_the_plain_one(self) -> None:
        entry = AuditEntry.objects.get(seq=self.total)
        with self.settings(LAYAK_AUDIT_KEYS=[KEY]):
            self.assertEqual(digest_of(entry), entry.entry_hash)
        plain = AuditEntry.objects.get(seq=self.total)
        plain.key_id = ""
        self.assertNotEqual(digest_of(plain), entry.entry_hash)

    def test_entry_rewritten_without_the_key_is_named(self) -> None:
        _disable_append_only_trigger()
        _disable_head_guard()
        entry = AuditEntry.objects.get(seq=self.total)
        entry.object_id = "999"
        entry.key_id = ""
        forged = digest_of(entry)
        _raw(
            "UPDATE core_auditentry SET object_id = %s, key_id = '', entry_hash = %s"
            " WHERE seq = %s",
            ["999", forged, self.total],
        )
        _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = %s", [forged, 1])
        self.assertEqual(self._verify_with(KEY), (self.total, "altered"))

    def test_entry_altered_by_someone_without_the_key_is_named(self) -> None:
        _disable_append_only_trigger()
        _raw("UPDATE core_auditentry SET object_id = %s WHERE seq = %s", ["999", self.unkeyed + 1])
        self.assertEqual(self._verify_with(KEY), (self.unkeyed + 1, "altered"))

    def test_entry_signed_with_a_key_that_is_not_configured_is_named(self) -> None:
        self.assertEqual(self._verify_with(OTHER_KEY), (self.unkeyed + 1, "unverifiable"))
        self.assertEqual(self._verify_with(), (self.unkeyed + 1, "unverifiable"))

    def test_old_key_listed_after_a_new_one_keeps_verifying(self) -> None:
        with self.settings(LAYAK_AUDIT_KEYS=[OTHER_KEY, KEY]):
            audit_record(actor=self.actor, action=AuditAction.VIEW, object_id="new")
        newest = AuditEntry.objects.get(seq=self.total + 1)
        self.assertEqual(newest.key_id, audit_key_id(OTHER_KEY))
        self.assertIsNone(self._verify_with(OTHER_KEY, KEY))

    def test_key_id_reveals_nothing_of_the_key(self) -> None:
        self.assertEqual(len(audit_key_id(KEY)), 16)
        self.assertNotIn(audit_key_id(KEY), KEY)
        self.assertNotEqual(audit_key_id(KEY), audit_key_id(OTHER_KEY))
