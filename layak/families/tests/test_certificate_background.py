"""Issue #11, finding 11: the Puspaga certificate PDF is built by the background worker like
every PDF; it names the family, so the file is stored encrypted, only the counsellor who asked
downloads it and the download is audited as before."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from django.test import TestCase, override_settings
from django.urls import reverse

from layak.core.models import AuditAction, AuditEntry, Document, DocumentStatus
from layak.core.testing import login
from layak.families import services
from layak.families.models import Certificate, Topic
from layak.families.tests.factories import FAMILY_NAME, FamilyWorld, make_family_world, make_session


class CertificateInTheBackgroundTests(TestCase):
    world: FamilyWorld
    certificate: Certificate

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()
        session = make_session(cls.world, topic=Topic.CHILD_MARRIAGE)
        cls.certificate = services.certificate_issue(actor=cls.world.counsellor, session=session)

    def setUp(self) -> None:
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media))

    def ask(self) -> tuple[str, list[Callable[[], object]]]:
        login(self.client, self.world.counsellor)
        with (
            mock.patch("weasyprint.HTML") as html,
            self.captureOnCommitCallbacks(execute=False) as jobs,
        ):
            response = self.client.post(reverse("families:certificate", args=[self.certificate.pk]))
        html.assert_not_called()  # never rendered inside the request
        self.assertEqual(response.status_code, 302)
        return str(response["Location"]), jobs

    def test_request_build_download_once_by_the_requester_only(self) -> None:
        progress, jobs = self.ask()
        document = Document.objects.get()
        self.assertEqual(progress, reverse("core:document", args=[document.pk]))
        self.assertContains(self.client.get(progress), 'data-testid="document-pending"')
        for job in jobs:
            job()
        document.refresh_from_db()
        self.assertEqual(document.status, DocumentStatus.DONE)
        stored = Path(document.file.path).read_bytes()
        self.assertNotIn(b"%PDF", stored)
        self.assertNotIn(FAMILY_NAME.encode(), stored)
        download = reverse("core:document_download", args=[document.pk])
        login(self.client, self.world.other_counsellor)
        self.assertEqual(self.client.get(progress).status_code, 404)
        self.assertEqual(self.client.get(download).status_code, 404)
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists())
        login(self.client, self.world.counsellor)
        response = self.client.get(download)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn(f'filename="{self.certificate.number}.pdf"', response["Content-Disposition"])
        entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id, entry.fields),
            (self.world.counsellor.pk, "families.certificate", str(self.certificate.pk), ["name"]),
        )
        self.assertEqual(self.client.get(download).status_code, 404)

    def test_a_get_starts_nothing(self) -> None:
        login(self.client, self.world.counsellor)
        response = self.client.get(reverse("families:certificate", args=[self.certificate.pk]))
        self.assertEqual(response.status_code, 405)
        self.assertFalse(Document.objects.exists())
