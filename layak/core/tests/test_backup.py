"""``layak backup`` and ``layak restore_drill`` (issue #11): a real round trip on the configured
database (SQLite or PostgreSQL), and drills that fail on a corrupted file or a missing key.

TransactionTestCase: ``pg_dump`` reads through its own connection, so the data must be
committed. The case data comes from the cases factories: a backup is only proven by data that is
really encrypted (fields and a file) and really audited.
"""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from layak.cases.models import Attachment, Victim
from layak.cases.tests.factories import VICTIM_NAME, make_case_world, make_full_case
from layak.core import backup
from layak.core.models import AuditChainHead

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed (PostgreSQL client tools)",
)


@needs_pg_tools
class BackupRoundTripTests(TransactionTestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="layak-backup-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        media = override_settings(MEDIA_ROOT=str(self.tmp / "media"))
        media.enable()
        self.addCleanup(media.disable)
        self.full = make_full_case(make_case_world())

    def _backup(self) -> Path:
        call_command("backup", str(self.tmp / "backups"), stdout=StringIO())
        (target,) = (self.tmp / "backups").iterdir()
        return target

    def _drill(self, target: Path, *options: str) -> tuple[str, CommandError | None]:
        out = StringIO()
        try:
            call_command("restore_drill", str(target), *options, stdout=out)
        except CommandError as exc:
            return out.getvalue(), exc
        return out.getvalue(), None

    def _drill_databases(self) -> list[str]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'layak_drill_%%'")
            return [row[0] for row in cursor.fetchall()]

    def test_backup_then_drill_restores_every_table_file_and_audit_entry(self) -> None:
        target = self._backup()
        manifest = json.loads((target / backup.MANIFEST).read_text())
        head = AuditChainHead.objects.get()
        self.assertEqual(
            manifest["audit"], {"last_seq": head.last_seq, "last_hash": head.last_hash}
        )
        self.assertEqual(manifest["row_counts"][Victim._meta.db_table], 1)
        self.assertIn(self.full.attachment.file.name, manifest["media"])
        self.assertIn("0001_initial", manifest["migrations"]["cases"])
        self.assertEqual(manifest["database"]["vendor"], connection.vendor)
        self.assertEqual(len(manifest["keys"]["LAYAK_ENCRYPTION_KEYS"]), 1)
        # Readable by its owner only; neither the keys nor a child's name are anywhere in it.
        self.assertEqual(stat.S_IMODE(target.stat().st_mode), 0o700)
        self.assertEqual({stat.S_IMODE(f.stat().st_mode) for f in target.iterdir()}, {0o600})
        for file in target.iterdir():
            content = file.read_bytes()
            self.assertNotIn(b"test-only-encryption-key", content, file.name)
            self.assertNotIn(VICTIM_NAME.encode(), content, file.name)
        before = self._drill_databases()

        out, error = self._drill(target)

        self.assertIsNone(error, out)
        for check in ("checksums", "keys", "media files", "migrations", "row counts"):
            self.assertIn(f"OK   {check}", out)
        self.assertIn(f"OK   audit chain: {head.last_seq} entries verified", out)
        self.assertIn("OK   decryption", out)
        self.assertIn("OK   stored files", out)
        self.assertIn("Restore drill passed.", out)
        # The throw-away database is gone and the live one untouched.
        self.assertEqual(self._drill_databases(), before)
        self.assertEqual(Victim.objects.get().name, VICTIM_NAME)

    def test_corrupted_media_file_fails_the_drill(self) -> None:
        target = self._backup()
        tar = target / backup.MEDIA_TAR
        data = bytearray(tar.read_bytes())
        data[600] ^= 0xFF  # inside the first file: its content follows a 512-byte header
        tar.write_bytes(bytes(data))

        out, error = self._drill(target)

        self.assertIsNotNone(error)
        self.assertIn(f"FAIL checksums: corrupt or missing: {backup.MEDIA_TAR}", out)

    def test_media_file_swapped_in_tar_and_manifest_fails_per_file_check(self) -> None:
        target = self._backup()
        manifest_path = target / backup.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        name = self.full.attachment.file.name
        manifest["media"][name] = "0" * 64
        manifest_path.write_text(json.dumps(manifest))

        out, error = self._drill(target)

        self.assertIsNotNone(error)
        self.assertIn(f"FAIL media files: corrupt or missing: {name}", out)

    def test_row_count_differing_from_the_manifest_fails_the_drill(self) -> None:
        target = self._backup()
        manifest_path = target / backup.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["row_counts"][Victim._meta.db_table] = 2
        manifest_path.write_text(json.dumps(manifest))

        out, error = self._drill(target)

        self.assertIsNotNone(error)
        self.assertIn(f"FAIL row counts: {Victim._meta.db_table} 1 != 2", out)

    def test_missing_encryption_key_fails_the_drill(self) -> None:
        target = self._backup()
        before = self._drill_databases()

        with override_settings(LAYAK_ENCRYPTION_KEYS=["a-different-key"]):
            out, error = self._drill(target)

        self.assertIsNotNone(error)
        self.assertIn("FAIL keys: not configured: LAYAK_ENCRYPTION_KEYS", out)
        self.assertIn("FAIL decryption", out)
        self.assertIn("not in LAYAK_ENCRYPTION_KEYS", out)
        self.assertNotIn("Restore drill passed.", out)
        self.assertEqual(self._drill_databases(), before)

    def test_old_key_still_configured_after_rotation_passes(self) -> None:
        target = self._backup()

        with override_settings(LAYAK_ENCRYPTION_KEYS=["new-key", "test-only-encryption-key"]):
            out, error = self._drill(target)

        self.assertIsNone(error, out)

    def test_drill_checks_the_restored_chain_against_the_audit_anchors(self) -> None:
        anchors = self.tmp / "anchors.jsonl"
        call_command("audit_anchor", "--file", str(anchors), stdout=StringIO())
        target = self._backup()
        head = AuditChainHead.objects.get()

        out, error = self._drill(target, "--anchor", str(anchors))
        self.assertIsNone(error, out)
        self.assertIn(f"OK   audit chain: {head.last_seq} entries verified, 1 anchors matched", out)

        forged = json.loads(anchors.read_text())
        forged["hash"] = "f" * 64
        anchors.write_text(json.dumps(forged) + "\n")
        out, error = self._drill(target, "--anchor", str(anchors))
        self.assertIsNotNone(error)
        self.assertIn(f"FAIL audit chain: broken at entry {head.last_seq}", out)

    def test_keys_file_is_private_and_never_inside_the_backup(self) -> None:
        keys = self.tmp / "keys" / "layak.keys"
        keys.parent.mkdir()
        call_command(
            "backup", str(self.tmp / "backups"), include_keys_to=str(keys), stdout=StringIO()
        )
        self.assertEqual(stat.S_IMODE(keys.stat().st_mode), 0o600)
        self.assertIn("LAYAK_ENCRYPTION_KEYS=test-only-encryption-key", keys.read_text())

        with self.assertRaisesMessage(CommandError, "keys are never overwritten"):
            call_command(
                "backup", str(self.tmp / "backups"), include_keys_to=str(keys), stdout=StringIO()
            )
        self.assertEqual(len(list((self.tmp / "backups").iterdir())), 1)
        with self.assertRaisesMessage(CommandError, "outside the backup directory"):
            call_command(
                "backup",
                str(self.tmp / "backups"),
                include_keys_to=str(self.tmp / "backups" / "keys"),
                stdout=StringIO(),
            )

    def test_drill_refuses_a_directory_without_manifest(self) -> None:
        with self.assertRaisesMessage(CommandError, "manifest.json is missing"):
            call_command("restore_drill", str(self.tmp), stdout=StringIO())

    def test_file_missing_from_media_fails_stored_files(self) -> None:
        Attachment.objects.filter(pk=self.full.attachment.pk).update(file="cases/0/gone.bin")
        target = self._backup()

        out, error = self._drill(target)

        self.assertIsNotNone(error)
        self.assertIn(
            f"FAIL stored files: missing: cases.Attachment.file #{self.full.attachment.pk}", out
        )


def test_database_password_goes_to_the_environment_not_the_command_line() -> None:
    args, env = backup._pg_args(
        {"HOST": "db", "PORT": "5432", "USER": "layak", "PASSWORD": "s3cret-pw", "NAME": "x"}
    )
    assert "s3cret-pw" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert args[:6] == ["--host", "db", "--port", "5432", "--username", "layak"]
