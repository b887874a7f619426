"""The evidence an agency attaches to its answer to a Forum Anak aspiration is stored encrypted,
never in clear (issue #11: "uploads never written to disk in clear"); files stored in clear
before are still served and are encrypted in place by ``layak reencrypt``."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import FileResponse
from django.test import TestCase, override_settings
from django.urls import reverse

from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.participation.models import Aspiration, Status
from layak.participation.tests.factories import World, make_public_aspiration, make_world, routed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORT_LINE = "participation.Aspiration.evidence (files): 1 values"


def _served(response: Any) -> bytes:
    assert isinstance(response, FileResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


class EvidenceEncryptionTests(TestCase):
    world: World
    media: ClassVar[tempfile.TemporaryDirectory[str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def _answer_with(self, content: bytes) -> Aspiration:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        login(self.client, self.world["opd"])
        response = self.client.post(
            reverse("participation:aspiration_respond", args=[aspiration.pk]),
            {
                "respond-status": Status.ANSWERED,
                "respond-response": "Kami akan memperbaiki taman.",
                "respond-evidence": SimpleUploadedFile("bukti.pdf", content),
            },
        )
        self.assertEqual(response.status_code, 302)
        aspiration.refresh_from_db()
        self.assertEqual(aspiration.evidence_type, "application/pdf")
        return aspiration

    def test_evidence_is_encrypted_on_disk_and_served_decrypted_to_who_sees_it(self) -> None:
        aspiration = self._answer_with(PDF)
        on_disk = Path(aspiration.evidence.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertFalse(on_disk.startswith(b"%PDF"))
        self.assertNotIn(b"endobj", on_disk)

        url = reverse("participation:aspiration_evidence", args=[aspiration.pk])
        login(self.client, self.world["secretariat"])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(_served(response), PDF)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertTrue(
            AuditEntry.objects.filter(
                action=AuditAction.DOWNLOAD, object_type="participation.aspiration"
            ).exists()
        )

    def test_other_agency_and_other_city_get_404(self) -> None:
        aspiration = self._answer_with(PDF)
        url = reverse("participation:aspiration_evidence", args=[aspiration.pk])
        for who in ("opd_other", "other_city"):
            login(self.client, self.world[who])
            self.assertEqual(self.client.get(url).status_code, 404, who)

    def test_replaced_evidence_leaves_no_old_file(self) -> None:
        aspiration = self._answer_with(PDF)
        first = aspiration.evidence.name
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("participation:aspiration_respond", args=[aspiration.pk]),
                {
                    "respond-status": Status.ACTED,
                    "respond-response": "Sudah diperbaiki.",
                    "respond-evidence": SimpleUploadedFile("bukti2.pdf", PDF + b"% 2\n"),
                },
            )
        self.assertEqual(response.status_code, 302)
        aspiration.refresh_from_db()
        self.assertNotEqual(aspiration.evidence.name, first)
        self.assertFalse(default_storage.exists(first))
        login(self.client, self.world["secretariat"])
        url = reverse("participation:aspiration_evidence", args=[aspiration.pk])
        self.assertEqual(_served(self.client.get(url)), PDF + b"% 2\n")

    def test_evidence_stored_in_clear_before_is_served_then_encrypted_by_reencrypt(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        # Evidence as the code before issue #11 stored it: the plain PDF on disk.
        name = default_storage.save(f"participation/{aspiration.pk}/legacy.bin", ContentFile(PDF))
        Aspiration.objects.filter(pk=aspiration.pk).update(
            evidence=name,
            evidence_name=f"bukti-{aspiration.pk}.pdf",
            evidence_type="application/pdf",
        )
        login(self.client, self.world["secretariat"])
        url = reverse("participation:aspiration_evidence", args=[aspiration.pk])
        self.assertEqual(_served(self.client.get(url)), PDF)

        report = StringIO()
        call_command("reencrypt", "--report", stdout=report)
        self.assertIn(f"{REPORT_LINE}, 1 on an old key (clear: 1)", report.getvalue())

        with self.captureOnCommitCallbacks(execute=True):
            call_command("reencrypt", stdout=StringIO())
        aspiration.refresh_from_db()
        self.assertFalse(default_storage.exists(name))  # the clear copy is gone
        on_disk = Path(aspiration.evidence.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertNotIn(b"endobj", on_disk)
        self.assertEqual(_served(self.client.get(url)), PDF)

        report = StringIO()
        call_command("reencrypt", "--report", stdout=report)
        self.assertIn(f"{REPORT_LINE}, 0 on an old key", report.getvalue())
