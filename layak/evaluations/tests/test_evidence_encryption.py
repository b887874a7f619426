"""Evaluation evidence is encrypted at rest like case files, and uploads never reach the disk
in clear (issue #11, finding 11 and "Policy"): evidence can show children."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from layak.core import crypto
from layak.core.forms import INVALID_FORM_STATUS
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.evaluations.models import Answer, Evidence
from layak.evaluations.tests import _world


def client_of(person: Any) -> Client:
    client = Client()
    login(client, person)
    return client


def big_pdf(size: int) -> bytes:
    """A PDF of about ``size`` bytes: a comment pads it past Django's 2.5 MB in-memory limit."""
    head = b"%PDF-1.4\n%"
    tail = b"\ntrailer\n<< >>\n%%EOF\n"
    return head + b"A" * (size - len(head) - len(tail)) + tail


class EvidenceEncryptionTests(_world.WorldTestCase):
    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)

    def upload(self, content: bytes, name: str = "bukti.pdf") -> Any:
        return client_of(self.world.focal).post(
            f"/evaluation/answers/{self.answer.pk}/evidence/",
            {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
            follow=True,
        )

    def on_disk(self, evidence: Evidence) -> bytes:
        return Path(settings.MEDIA_ROOT, evidence.file.name).read_bytes()

    def download(self, evidence: Evidence) -> Any:
        return client_of(self.world.secretariat).get(f"/evaluation/evidence/{evidence.pk}/")

    def test_uploaded_evidence_is_encrypted_on_disk_and_downloads_in_clear(self) -> None:
        self.upload(_world.PDF)
        evidence = Evidence.objects.get(answer=self.answer)
        self.assertNotIn(evidence.sha256, evidence.file.name)  # the name tells nothing
        stored = self.on_disk(evidence)
        self.assertNotIn(b"%PDF", stored)
        self.assertNotIn(_world.PDF[20:60], stored)
        self.assertTrue(stored.startswith(f"lk1:{crypto.keyring().primary}:".encode()))
        response = self.download(evidence)
        self.assertEqual(response.getvalue(), _world.PDF)
        entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id),
            (self.world.secretariat.pk, "evaluations.evidence", str(evidence.pk)),
        )

    def test_evidence_stored_in_clear_before_is_served_then_encrypted_in_place(self) -> None:
        evidence = Evidence(
            answer=self.answer,
            original_name="lama.pdf",
            content_type="application/pdf",
            size=len(_world.PDF),
            sha256="ab" * 32,
            uploaded_by=self.world.focal,
        )
        evidence.file.save("clear", ContentFile(_world.PDF), save=True)  # as before issue #11
        self.assertEqual(self.on_disk(evidence), _world.PDF)
        self.assertEqual(self.download(evidence).getvalue(), _world.PDF)
        old_path = Path(settings.MEDIA_ROOT, evidence.file.name)
        report = StringIO()
        call_command("reencrypt", "--report", stdout=report)
        self.assertIn(
            "evaluations.Evidence.file (files): 1 values, 1 on an old key", report.getvalue()
        )
        with self.captureOnCommitCallbacks(execute=True):
            call_command("reencrypt", stdout=StringIO())
        evidence.refresh_from_db()
        self.assertTrue(crypto.is_current(self.on_disk(evidence)))
        self.assertFalse(old_path.exists())  # the clear copy is gone
        self.assertEqual(self.download(evidence).getvalue(), _world.PDF)

    def test_uploads_are_never_written_to_a_temporary_file(self) -> None:
        content = big_pdf(3 * 1024 * 1024)
        self.assertGreater(len(content), settings.FILE_UPLOAD_MAX_MEMORY_SIZE // 8)
        refuse = mock.Mock(side_effect=AssertionError("upload written to a temporary file"))
        with (
            mock.patch("django.core.files.uploadedfile.tempfile.NamedTemporaryFile", refuse),
            mock.patch("tempfile.NamedTemporaryFile", refuse),
            mock.patch("tempfile.mkstemp", refuse),
        ):
            self.upload(content)
        refuse.assert_not_called()
        evidence = Evidence.objects.get(answer=self.answer)
        self.assertEqual(evidence.size, len(content))
        self.assertNotIn(b"AAAAAAAAAAAAAAAA", self.on_disk(evidence))

    def test_an_upload_over_the_limit_is_refused_and_not_kept(self) -> None:
        with override_settings(LAYAK_UPLOAD_MAX_BYTES=10_000):
            response = self.upload(big_pdf(50_000))
        # The answer page again with the refusal on the evidence form (issue #14: 400).
        self.assertContains(response, "9,8", status_code=INVALID_FORM_STATUS)  # "9,8 KB"
        self.assertFalse(Evidence.objects.exists())
