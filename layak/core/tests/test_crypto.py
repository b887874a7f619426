"""Field encryption keyed only by LAYAK_ENCRYPTION_KEYS (issue #11, finding 2).

Rotating SECRET_KEY used to turn every child's name into ciphertext on the case pages (the
old library derived its keys from SECRET_KEY and swallowed the decryption error) and made
encrypted dates raise. These tests walk that rotation through the case pages, as the case
worker who logs in with TOTP, and check that a wrong key fails loudly instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from encrypted_fields.fields import EncryptedTextField as LegacyTextField

from layak.accounts.tests.factories import enable_totp
from layak.cases.models import Case, Victim
from layak.cases.tests.factories import (
    SUMMARY_TEXT,
    VICTIM_BIRTH,
    VICTIM_NAME,
    CaseWorld,
    make_case,
    make_case_world,
    victim_data,
)
from layak.core import crypto
from layak.core.testing import login


def forget_cached_keys() -> None:
    """Drop keys any field cached from settings (the pre-#11 library cached them per field),
    so a settings change below takes effect as in a freshly started process."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for attribute in ("f", "keys"):
                field.__dict__.pop(attribute, None)


@contextmanager
def settings_as(**values: Any) -> Iterator[None]:
    """Run as a process started with these settings (``LAYAK_ENCRYPTION_KEYS`` also sets the
    old library's ``SALT_KEY``)."""
    if "LAYAK_ENCRYPTION_KEYS" in values:
        values["SALT_KEY"] = values["LAYAK_ENCRYPTION_KEYS"]
    with override_settings(**values):
        forget_cached_keys()
        try:
            yield
        finally:
            forget_cached_keys()


def raw(model: Any, column: str, pk: int) -> Any:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def write_raw(model: Any, column: str, pk: int, value: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def ensure_totp(user: Any) -> None:
    """Case workers log in with TOTP (the factory may already have turned it on)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        enable_totp(user)


def legacy_token(plain: str) -> str:
    """What django-fernet-encrypted-fields stored before issue #11, made by the library."""
    forget_cached_keys()
    token: str = LegacyTextField().get_prep_value(plain)
    return token


class CaseWorkerPages(TestCase):
    world: CaseWorld
    case: Case
    victim: Victim

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        ensure_totp(cls.world.worker)
        cls.case = make_case(cls.world, victims=[victim_data()], summary=SUMMARY_TEXT)
        cls.victim = cls.case.victims.get()

    def worker_client(self, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        login(client, self.world.worker)
        return client

    def victim_page(self, client: Client) -> Any:
        return client.get(reverse("cases:victim_edit", args=[self.case.pk, self.victim.pk]))


class SecretKeyRotationTests(CaseWorkerPages):
    def test_rotating_secret_key_without_fallback_keeps_the_childrens_data(self) -> None:
        with settings_as(SECRET_KEY="a-brand-new-secret-key", SECRET_KEY_FALLBACKS=[]):
            client = self.worker_client()
            page = self.victim_page(client)
            self.assertContains(page, VICTIM_NAME)
            case_page = client.get(reverse("cases:case", args=[self.case.pk]))
            self.assertContains(case_page, SUMMARY_TEXT)
            victim = Victim.objects.get(pk=self.victim.pk)
            self.assertEqual(victim.birth_date, VICTIM_BIRTH)

    def test_each_value_records_the_key_that_encrypted_it(self) -> None:
        stored = raw(Victim, "name", self.victim.pk)
        self.assertTrue(stored.startswith(f"lk1:{crypto.keyring().primary}:"))
        self.assertNotIn(VICTIM_NAME, stored)
        with settings_as(LAYAK_ENCRYPTION_KEYS=["newer-key", "test-only-encryption-key"]):
            self.assertNotEqual(crypto.keyring().primary, stored[4:12])
            self.assertEqual(Victim.objects.get(pk=self.victim.pk).name, VICTIM_NAME)

    def test_keys_do_not_depend_on_secret_key(self) -> None:
        before = crypto.keyring()
        with settings_as(SECRET_KEY="another-secret-key"):
            self.assertEqual(crypto.keyring().ids, before.ids)


class WrongKeyTests(CaseWorkerPages):
    def test_wrong_key_fails_loudly_never_ciphertext_on_the_page(self) -> None:
        stored = raw(Victim, "name", self.victim.pk)
        with settings_as(LAYAK_ENCRYPTION_KEYS=["a-wrong-key"]):
            with self.assertRaisesMessage(crypto.DecryptionError, "cases.Victim.name"):
                Victim.objects.get(pk=self.victim.pk)
            page = self.victim_page(self.worker_client(raise_request_exception=False))
            self.assertEqual(page.status_code, 500)
            body = page.content.decode()
            self.assertNotIn(stored[13:40], body)
            self.assertNotIn("gAAAAA", body)
            self.assertNotIn(VICTIM_NAME, body)

    def test_missing_key_error_names_the_key_id(self) -> None:
        key_id = crypto.keyring().primary
        with (
            settings_as(LAYAK_ENCRYPTION_KEYS=["a-wrong-key"]),
            self.assertRaisesMessage(crypto.DecryptionError, key_id),
        ):
            Case.objects.get(pk=self.case.pk)

    def test_a_form_never_saves_ciphertext_back(self) -> None:
        """The old library showed ciphertext in the form; saving it encrypted it again."""
        ciphertext = raw(Case, "summary", self.case.pk)
        legacy = legacy_token("Ringkasan lain")
        client = self.worker_client(raise_request_exception=False)
        for value in (ciphertext, legacy):
            case = Case.objects.get(pk=self.case.pk)
            response = client.post(
                reverse("cases:case_edit", args=[case.pk]),
                {"summary": value, "version": case.version, "kelurahan": self.world.kelurahan.pk},
            )
            self.assertNotEqual(response.status_code, 302, (value, response.headers))
            self.assertEqual(Case.objects.get(pk=case.pk).summary, SUMMARY_TEXT)
        with self.assertRaises(ValidationError), transaction.atomic():
            Victim.objects.filter(pk=self.victim.pk).update(name=ciphertext)
        self.assertEqual(Victim.objects.get(pk=self.victim.pk).name, VICTIM_NAME)


class LegacyFormatTests(CaseWorkerPages):
    def test_values_of_the_old_library_are_read_with_the_secret_key_and_its_fallbacks(
        self,
    ) -> None:
        with settings_as(SECRET_KEY="the-old-secret-key"):
            write_raw(Victim, "name", self.victim.pk, legacy_token("Nama Lama"))
            write_raw(Victim, "birth_date", self.victim.pk, legacy_token("2011-02-03"))
            victim = Victim.objects.get(pk=self.victim.pk)
            self.assertEqual(victim.name, "Nama Lama")
            self.assertEqual(victim.birth_date, datetime.date(2011, 2, 3))
        with settings_as(SECRET_KEY="rotated", SECRET_KEY_FALLBACKS=["the-old-secret-key"]):
            self.assertContains(self.victim_page(self.worker_client()), "Nama Lama")
        with (
            settings_as(SECRET_KEY="rotated", SECRET_KEY_FALLBACKS=[]),
            self.assertRaisesMessage(crypto.DecryptionError, "SECRET_KEY_FALLBACKS"),
        ):
            Victim.objects.get(pk=self.victim.pk)


class FieldTypeTests(TestCase):
    def test_types_round_trip_and_empty_is_null(self) -> None:
        cases = [
            (crypto.EncryptedCharField(max_length=10), "Budi", "Budi"),
            (crypto.EncryptedTextField(), "Satu\nDua", "Satu\nDua"),
            (crypto.EncryptedDateField(), datetime.date(2012, 3, 4), datetime.date(2012, 3, 4)),
            (crypto.EncryptedIntegerField(), 0, 0),
            (crypto.EncryptedIntegerField(), "2012", 2012),
        ]
        for field, value, expected in cases:
            stored = field.get_db_prep_save(value, connection)
            self.assertTrue(stored.startswith("lk1:"))
            self.assertEqual(field.from_db_value(stored, None, connection), expected)
        self.assertIsNone(crypto.EncryptedCharField(max_length=5).get_prep_value(""))
        self.assertIsNone(crypto.EncryptedDateField().get_prep_value(None))

    def test_damaged_value_is_an_error_not_a_value(self) -> None:
        field = crypto.EncryptedCharField(max_length=10)
        for stored in ("plain text", "lk1:" + crypto.keyring().primary + ":gAAAAAbroken"):
            with self.assertRaises(crypto.DecryptionError):
                field.from_db_value(stored, None, connection)
