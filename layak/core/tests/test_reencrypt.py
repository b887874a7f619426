"""``layak reencrypt`` (issue #11, finding 2): every encrypted value and file moves under the
first key, in batches, resumably; ``--report`` says when an old key can go."""

from __future__ import annotations

import tempfile
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings

from layak.cases import services
from layak.cases.models import Attachment, Victim
from layak.cases.tests.factories import (
    VICTIM_BIRTH,
    VICTIM_NAME,
    VICTIM_NIK,
    CaseWorld,
    make_case_world,
    make_full_case,
    make_pdf,
    victim_data,
)
from layak.core import crypto
from layak.core.management.commands.reencrypt import Command
from layak.core.tests.test_crypto import legacy_token, settings_as, write_raw

OLD = "the-old-encryption-key"
NEW = "the-new-encryption-key"


def key_states() -> Counter[str]:
    """How many stored values (every encrypted column of every model) use each key id."""
    quote = connection.ops.quote_name
    states: Counter[str] = Counter()
    for model, fields in crypto.encrypted_fields():
        for field in fields:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)} "  # noqa: S608
                    f"WHERE {quote(field.column)} IS NOT NULL"
                )
                for (value,) in cursor.fetchall():
                    states[crypto.key_id_of(value) or "legacy"] += 1
    return states


def key_id(secret: str) -> str:
    with settings_as(LAYAK_ENCRYPTION_KEYS=[secret]):
        return crypto.keyring().primary


def run(*args: str) -> str:
    out = StringIO()
    call_command("reencrypt", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class ReencryptTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.media = Path(folder.name)
        self.enterContext(override_settings(MEDIA_ROOT=folder.name))

    def stored_file_heads(self) -> list[bytes]:
        return [p.read_bytes()[:13] for p in self.media.rglob("*") if p.is_file()]

    def test_new_first_key_reencrypt_report_then_old_key_removed(self) -> None:
        with settings_as(LAYAK_ENCRYPTION_KEYS=[OLD]):
            full = make_full_case(self.world)
        old_id, new_id = key_id(OLD), key_id(NEW)
        self.assertEqual(set(key_states()), {old_id})
        with settings_as(LAYAK_ENCRYPTION_KEYS=[NEW, OLD], LAYAK_INDEX_KEY=""):
            before = run("--report")
            self.assertIn("cases.Victim.name: 1 values, 1 on an old key", before)
            self.assertIn(
                f"LAYAK_INDEX_KEY is unset: the blind indexes use the last key (id {old_id})",
                before,
            )
            self.assertIn("cases.Attachment.file (files): 1 values, 1 on an old key", before)
            with self.captureOnCommitCallbacks(execute=True):  # deletes the old files
                output = run("--batch-size", "2")
            self.assertIn("cases.Victim: 1 rows read, 1 re-encrypted", output)
            after = run("--report")
        self.assertIn("cases.Victim.name: 1 values, 0 on an old key", after)
        self.assertIn("0 values or files use another key", after)
        states = key_states()
        self.assertEqual(set(states), {new_id})
        self.assertGreaterEqual(states[new_id], 10)
        self.assertEqual(self.stored_file_heads(), [f"lk1:{new_id}:".encode()])
        with settings_as(LAYAK_ENCRYPTION_KEYS=[NEW]):
            victim = Victim.objects.get(pk=full.victim.pk)
            self.assertEqual((victim.name, victim.birth_date), (VICTIM_NAME, VICTIM_BIRTH))
            attachment = Attachment.objects.get(pk=full.attachment.pk)
            content = services.attachment_read(actor=self.world.worker, attachment=attachment)
            self.assertEqual(content, make_pdf())

    def test_interrupted_run_resumes_without_redoing_finished_batches(self) -> None:
        with settings_as(LAYAK_ENCRYPTION_KEYS=[OLD]):
            make_full_case(self.world)
            make_full_case(self.world)
        new_id = key_id(NEW)
        total = sum(key_states().values())
        original = Command._fresh
        calls = 0

        def interrupted(self: Command, fields: Any, values: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls > 1:
                raise KeyboardInterrupt
            return original(self, fields, values)

        with settings_as(LAYAK_ENCRYPTION_KEYS=[NEW, OLD]):
            with (
                mock.patch.object(Command, "_fresh", interrupted),
                self.assertRaises(KeyboardInterrupt),
            ):
                run("--batch-size", "1")
            done = key_states()[new_id]
            self.assertGreater(done, 0)
            self.assertLess(done, total)
            finished = self.raw_new_values(new_id)
            run("--batch-size", "1")
            self.assertEqual(key_states(), Counter({new_id: total}))
            # The batch finished before the interruption was not encrypted again (Fernet
            # tokens are random, so a second encryption would have changed them).
            after = self.raw_new_values(new_id)
            self.assertTrue(finished)
            self.assertLessEqual(finished, after)

    def raw_new_values(self, new_id: str) -> set[str]:
        quote = connection.ops.quote_name
        found = set()
        for model, fields in crypto.encrypted_fields():
            for field in fields:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)}"  # noqa: S608
                    )
                    found |= {v for (v,) in cursor.fetchall() if v and crypto.is_current(v)}
        return found

    def test_values_and_files_of_the_old_library_are_converted(self) -> None:
        full = make_full_case(self.world)
        with settings_as(SECRET_KEY="the-old-secret-key"):
            write_raw(Victim, "name", full.victim.pk, legacy_token("Nama Lama"))
            write_raw(Victim, "birth_date", full.victim.pk, legacy_token("2011-02-03"))
            path = self.media / full.attachment.file.name
            from encrypted_fields.fields import EncryptedTextField

            path.write_bytes(EncryptedTextField().f.encrypt(make_pdf()))
            self.assertIn("SECRET_KEY-derived (legacy): 1", run("--report"))
            run()
        self.assertNotIn("legacy", key_states())
        with settings_as(SECRET_KEY="rotated", SECRET_KEY_FALLBACKS=[]):
            victim = Victim.objects.get(pk=full.victim.pk)
            self.assertEqual(victim.name, "Nama Lama")
            self.assertEqual(victim.birth_date.isoformat(), "2011-02-03")
            attachment = Attachment.objects.get(pk=full.attachment.pk)
            content = services.attachment_read(actor=self.world.worker, attachment=attachment)
            self.assertEqual(content, make_pdf())

    def test_a_value_no_key_decrypts_stops_the_run_loudly(self) -> None:
        with settings_as(LAYAK_ENCRYPTION_KEYS=[OLD]):
            make_full_case(self.world)
        states = key_states()
        with (
            settings_as(LAYAK_ENCRYPTION_KEYS=[NEW]),
            self.assertRaisesMessage(CommandError, key_id(OLD)),
        ):
            run()
        self.assertEqual(key_states(), states)

    def test_reindex_recomputes_blind_indexes_after_the_index_key_changed(self) -> None:
        services.victim_add(
            actor=self.world.worker,
            case=make_full_case(self.world).case,
            data=victim_data(name="Kakak"),
        )

        def found() -> bool:
            matches = services.duplicate_check(
                city=self.world.city, name="", birth_date=None, nik=VICTIM_NIK
            )
            return bool(matches)

        self.assertTrue(found())
        with override_settings(LAYAK_INDEX_KEY="a-new-index-key"):
            self.assertFalse(found())
            run()  # re-encryption alone leaves the indexes alone
            self.assertFalse(found())
            output = run("--reindex")
            self.assertIn("cases.Victim: 2 rows read, 2 blind indexes recomputed", output)
            self.assertTrue(found())
