"""The evidence of an action's progress report is stored encrypted, never in clear (issue #11:
"uploads never written to disk in clear"), and downloaded decrypted by who sees the action;
files stored in clear before are still served and are encrypted in place by
``layak reencrypt``."""

from __future__ import annotations

import datetime
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
from layak.plans.models import ProgressReport
from layak.plans.tests.factories import PlansWorld, make_plans_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORT_LINE = "plans.ProgressReport.evidence (files): 1 values"


def _served(response: Any) -> bytes:
    assert isinstance(response, FileResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


class ProgressEvidenceEncryptionTests(TestCase):
    w: PlansWorld
    media: ClassVar[tempfile.TemporaryDirectory[str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def _report_with_evidence(self) -> ProgressReport:
        login(self.client, self.w.focal)
        response = self.client.post(
            reverse("plans:progress_new", args=[self.w.action.pk]),
            {
                "reported_on": "2026-06-30",
                "text": "Berjalan",
                "percent": "40",
                "evidence": SimpleUploadedFile("foto-posyandu.pdf", PDF),
            },
        )
        self.assertEqual(response.status_code, 302)
        report = ProgressReport.objects.get(action=self.w.action)
        self.assertEqual(report.evidence_content_type, "application/pdf")
        return report

    def test_evidence_is_encrypted_on_disk_and_downloaded_decrypted(self) -> None:
        report = self._report_with_evidence()
        self.assertTrue(report.evidence.name.endswith(".bin"))  # the name does not say "PDF"
        on_disk = Path(report.evidence.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertFalse(on_disk.startswith(b"%PDF"))
        self.assertNotIn(b"endobj", on_disk)

        url = reverse("plans:progress_evidence", args=[report.pk])
        page = self.client.get(reverse("plans:action", args=[self.w.action.pk]))
        self.assertContains(page, url)
        for reader in (self.w.focal, self.w.leader, self.w.secretariat, self.w.other_focal):
            login(self.client, reader)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, reader.username)
            self.assertEqual(_served(response), PDF)
            self.assertEqual(response["Content-Type"], "application/pdf")
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(
            AuditEntry.objects.filter(
                action=AuditAction.DOWNLOAD, object_type="plans.progressreport"
            ).count(),
            4,
        )

    def test_other_city_gets_404_and_no_plans_role_403(self) -> None:
        report = self._report_with_evidence()
        url = reverse("plans:progress_evidence", args=[report.pk])
        login(self.client, self.w.other_secretariat)
        self.assertEqual(self.client.get(url).status_code, 404)
        login(self.client, self.w.no_role)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)  # to the login page

    def test_report_without_evidence_has_nothing_to_download(self) -> None:
        report = ProgressReport.objects.create(
            action=self.w.action, reported_on=datetime.date(2026, 6, 1), text="x", percent=5
        )
        login(self.client, self.w.secretariat)
        url = reverse("plans:progress_evidence", args=[report.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_evidence_stored_in_clear_before_is_served_then_encrypted_by_reencrypt(self) -> None:
        # Evidence as the code before issue #11 stored it: the plain PDF on disk.
        name = default_storage.save(
            f"plans/progress/{self.w.action.pk}/legacy.pdf", ContentFile(PDF)
        )
        report = ProgressReport.objects.create(
            action=self.w.action,
            reported_on=datetime.date(2026, 6, 1),
            text="x",
            percent=5,
            evidence=name,
            evidence_name="bukti.pdf",
            evidence_extension=".pdf",
            evidence_content_type="application/pdf",
        )
        login(self.client, self.w.secretariat)
        url = reverse("plans:progress_evidence", args=[report.pk])
        self.assertEqual(_served(self.client.get(url)), PDF)

        out = StringIO()
        call_command("reencrypt", "--report", stdout=out)
        self.assertIn(f"{REPORT_LINE}, 1 on an old key (clear: 1)", out.getvalue())

        with self.captureOnCommitCallbacks(execute=True):
            call_command("reencrypt", stdout=StringIO())
        report.refresh_from_db()
        self.assertFalse(default_storage.exists(name))  # the clear copy is gone
        on_disk = Path(report.evidence.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertNotIn(b"endobj", on_disk)
        self.assertEqual(_served(self.client.get(url)), PDF)

        out = StringIO()
        call_command("reencrypt", "--report", stdout=out)
        self.assertIn(f"{REPORT_LINE}, 0 on an old key", out.getvalue())
