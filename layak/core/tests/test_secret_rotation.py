"""Rotating the secrets that are not encryption keys (issue #11, README "Keys and rotation").

* ``SECRET_KEY``: the new key goes in ``SECRET_KEY``, the old one in ``SECRET_KEY_FALLBACKS``;
  sessions and password-reset links made with the old key keep working until it is dropped.
  (Children's data does not depend on it: ``test_crypto.SecretKeyRotationTests``.)
* The database and e-mail passwords: ``DATABASE_PASSWORD_FILE`` and
  ``EMAIL_HOST_PASSWORD_FILE`` are read when the process starts, so a rotation is "write the
  new password to the file, restart".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.test import TestCase, override_settings
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.tests.factories import make_person

ROOT = Path(__file__).resolve().parents[3]
OLD = "old-secret-key-" + "o" * 40
NEW = "new-secret-key-" + "n" * 40


class SecretKeyRotationTests(TestCase):
    person: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.person = make_person(username="sekretariat.rotasi", password="Layak-Rotasi-2026!")

    def _logged_in_with_old_key(self) -> None:
        with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
            self.client.force_login(self.person)
            self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)

    def test_session_survives_with_the_old_key_in_fallbacks(self) -> None:
        self._logged_in_with_old_key()

        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
            response = self.client.get(reverse("core:home"))

        self.assertEqual(response.status_code, 200)

    def test_session_ends_when_the_old_key_is_dropped(self) -> None:
        self._logged_in_with_old_key()

        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
            response = self.client.get(reverse("core:home"))

        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])

    def _reset_url(self) -> str:
        with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
            key = default_token_generator.make_token(self.person)
        uid = user_pk_to_url_str(self.person)
        return reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})

    def test_password_reset_link_of_the_old_key_works_with_it_in_fallbacks(self) -> None:
        url = self._reset_url()

        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
            response = self.client.get(url)

        # A valid key is swapped for a session and redirected to the set-password form.
        self.assertEqual(response.status_code, 302)
        self.assertIn("set-password", response["Location"])

    def test_password_reset_link_of_a_dropped_key_is_refused(self) -> None:
        url = self._reset_url()

        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
            response = self.client.get(url)

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["token_fail"])


def _settings_at_start(env: dict[str, str]) -> dict[str, str]:
    """Start a fresh process (a restart) and return the passwords its settings read."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "EMAIL_"))}
    clean.update(env)
    script = (
        "import json, config.settings as s; print(json.dumps({"
        "'db': s.DATABASES['default'].get('PASSWORD', ''), 'email': s.EMAIL_HOST_PASSWORD}))"
    )
    result = subprocess.run(  # noqa: S603  (fixed interpreter and arguments)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    values: dict[str, str] = json.loads(result.stdout)
    return values


def test_database_and_email_passwords_are_reread_from_their_files_on_restart(
    tmp_path: Path,
) -> None:
    db_file, email_file = tmp_path / "db_password", tmp_path / "smtp_password"
    db_file.write_text("first-db-password\n")
    email_file.write_text("first-smtp-password\n")
    env = {
        "DATABASE_URL": "postgres://layak@db.example.invalid:5432/layak",
        "DATABASE_PASSWORD_FILE": str(db_file),
        "EMAIL_HOST_PASSWORD_FILE": str(email_file),
    }
    assert _settings_at_start(env) == {"db": "first-db-password", "email": "first-smtp-password"}

    db_file.write_text("rotated-db-password\n")
    email_file.write_text("rotated-smtp-password\n")

    assert _settings_at_start(env) == {
        "db": "rotated-db-password",
        "email": "rotated-smtp-password",
    }


def test_database_password_file_overrides_the_password_in_the_url(tmp_path: Path) -> None:
    db_file = tmp_path / "db_password"
    db_file.write_text("from-the-file\n")
    env = {
        "DATABASE_URL": "postgres://layak:stale-in-url@db.example.invalid:5432/layak",
        "DATABASE_PASSWORD_FILE": str(db_file),
    }
    assert _settings_at_start(env)["db"] == "from-the-file"
