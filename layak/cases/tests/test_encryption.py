"""Identifying data is encrypted at rest (issue #4, "Done when"): the raw database rows and the
stored files hold no plaintext, and keys can be rotated without losing old values."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test import TestCase, override_settings

from layak.cases import crypto, services
from layak.cases.models import Attachment, Case, Note, Report, Victim
from layak.cases.tests.factories import (
    FILE_MARKER,
    FILE_NAME,
    PLAINTEXTS,
    VICTIM_BIRTH,
    VICTIM_NAME,
    VICTIM_NIK,
    CaseWorld,
    make_case_world,
    make_full_case,
    make_pdf,
)
from layak.core.crypto import DecryptionError
from layak.core.models import AuditEntry


@contextmanager
def encryption_keys(*keys: str) -> Iterator[None]:
    """Run with ``LAYAK_ENCRYPTION_KEYS`` = ``keys`` (the first one encrypts); the keyring is
    cached per list of keys, so nothing needs resetting."""
    with override_settings(LAYAK_ENCRYPTION_KEYS=list(keys)):
        yield


def raw_values() -> Iterator[tuple[str, str, str]]:
    """Every value of every table, as text: (table, column, value)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            # The table names come from the database's own catalogue, not from input.
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, memoryview | bytes):
                        text = bytes(value).decode("latin-1")
                    else:
                        text = str(value)
                    yield table, column, text


class TempMediaMixin(TestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.media = Path(folder.name)
        self.enterContext(override_settings(MEDIA_ROOT=folder.name))

    def stored_files(self) -> list[Path]:
        return [p for p in self.media.rglob("*") if p.is_file()]


class RawRowTests(TempMediaMixin):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_no_plaintext_in_any_database_column(self) -> None:
        full = make_full_case(self.world)
        tables = set()
        for table, column, text in raw_values():
            tables.add(table)
            for plain in PLAINTEXTS:
                self.assertNotIn(plain, text, f"plaintext {plain!r} found in {table}.{column}")
        for model in (Victim, Attachment, Case, Report, Note, AuditEntry):
            self.assertIn(model._meta.db_table, tables)
        # The ORM still reads the values: the test above is not passing on empty rows.
        victim = Victim.objects.get(pk=full.victim.pk)
        self.assertEqual(victim.name, VICTIM_NAME)
        self.assertEqual(victim.nik, VICTIM_NIK)
        self.assertEqual(victim.birth_date, VICTIM_BIRTH)

    def test_victim_columns_hold_ciphertext_in_the_raw_row(self) -> None:
        full = make_full_case(self.world)
        table = connection.ops.quote_name(Victim._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT name, nik, birth_date, address, phone FROM {table} WHERE id = %s",  # noqa: S608
                [full.victim.pk],
            )
            row = cursor.fetchone()
        assert row is not None
        for value in row:
            self.assertTrue(str(value).startswith("lk1:"), "not a Layak ciphertext")

    def test_attachment_is_encrypted_on_storage_and_decrypts_on_read(self) -> None:
        full = make_full_case(self.world)
        files = self.stored_files()
        self.assertEqual(len(files), 1)
        stored = files[0].read_bytes()
        self.assertNotIn(FILE_MARKER, stored)
        self.assertNotIn(b"%PDF", stored)
        self.assertNotIn(FILE_NAME.split(".")[0], files[0].name)
        attachment = Attachment.objects.get(pk=full.attachment.pk)
        self.assertEqual(
            services.attachment_read(actor=self.world.worker, attachment=attachment), make_pdf()
        )


class KeyRotationTests(TempMediaMixin):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_values_written_with_the_old_key_still_decrypt_after_rotation(self) -> None:
        with encryption_keys("old-key"):
            full = make_full_case(self.world)
            index_before = Victim.objects.get(pk=full.victim.pk).nik_index
        with encryption_keys("new-key", "old-key"):
            victim = Victim.objects.get(pk=full.victim.pk)
            self.assertEqual(victim.name, VICTIM_NAME)
            self.assertEqual(victim.birth_date, VICTIM_BIRTH)
            attachment = Attachment.objects.get(pk=full.attachment.pk)
            self.assertEqual(
                services.attachment_read(actor=self.world.worker, attachment=attachment),
                make_pdf(),
            )
            # The blind index keeps its key (the last one), so duplicates are still found.
            self.assertEqual(crypto.nik_index(VICTIM_NIK), index_before)
            matches = services.duplicate_check(
                city=self.world.city, name="", birth_date=None, nik=VICTIM_NIK
            )
            self.assertEqual([m.agency_name for m in matches], [self.world.uptd.name])
            # A value saved now is encrypted with the new key.
            victim.phone = "081300000000"
            victim.save(update_fields=["phone"])
        with encryption_keys("new-key"):
            victim = Victim.objects.only("phone").get(pk=full.victim.pk)
            self.assertEqual(victim.phone, "081300000000")
            # Without the old key, the old value cannot be read: the rotation above mattered,
            # and the failure is loud, never the ciphertext in place of the name (issue #11).
            with self.assertRaises(DecryptionError):
                Victim.objects.only("name").get(pk=full.victim.pk)
