"""Issue #11, finding 11: the Profil Anak PDF rendered for 9-26 s inside a web worker. It is now
asked for with a POST, built by the background worker and followed on a progress page; the
view itself never renders it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from unittest import mock

from django.test import TestCase, override_settings
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditAction, AuditEntry, Document, DocumentStatus
from layak.core.testing import login
from layak.indicators.loader import load_definitions
from layak.regions.tests.factories import make_region

YEAR = 2025


class ProfilePdfInTheBackgroundTests(TestCase):
    secretariat: User
    colleague: User

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        city = make_region("64.71", "Kota Balikpapan")
        agency = make_agency(region=city, code="dp3akb", name="DP3AKB Balikpapan")
        cls.secretariat = make_person(Role.SECRETARIAT, agency=agency, username="sekretariat")
        # Reads the same profile, but did not ask for this file.
        cls.colleague = make_person(Role.SECRETARIAT, agency=agency, username="sekretariat2")

    def setUp(self) -> None:
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media))
        login(self.client, self.secretariat)

    def post_request(self) -> tuple[str, list[Callable[[], object]]]:
        """Ask for the PDF; the location answered and the jobs queued (not yet run)."""
        with self.captureOnCommitCallbacks(execute=False) as jobs:
            response = self.client.post(f"{reverse('plans:profile_pdf')}?year={YEAR}")
        self.assertEqual(response.status_code, 302)
        return str(response["Location"]), jobs

    def test_the_request_never_renders_the_pdf(self) -> None:
        with (
            mock.patch("weasyprint.HTML") as html,
            mock.patch("layak.plans.profile.render_profile_pdf") as render,
        ):
            _location, jobs = self.post_request()
        html.assert_not_called()
        render.assert_not_called()
        self.assertEqual(len(jobs), 1)
        self.assertEqual(Document.objects.get().status, DocumentStatus.PENDING)

    def test_a_get_does_not_start_anything(self) -> None:
        response = self.client.get(f"{reverse('plans:profile_pdf')}?year={YEAR}")
        self.assertEqual(response.status_code, 405)
        self.assertFalse(Document.objects.exists())

    def test_request_progress_download_and_nobody_else(self) -> None:
        progress_url, jobs = self.post_request()
        document = Document.objects.get()
        self.assertEqual(progress_url, reverse("core:document", args=[document.pk]))
        waiting = self.client.get(progress_url)
        self.assertEqual(waiting.status_code, 200)
        self.assertContains(waiting, "Profil Anak Kota Balikpapan 2025")
        self.assertContains(waiting, 'hx-trigger="every 2s"')
        self.assertContains(waiting, 'http-equiv="refresh"')
        # The worker runs the job (LAYAK_TASKS=immediate: on enqueue, after the commit).
        for job in jobs:
            job()
        document.refresh_from_db()
        self.assertEqual(document.status, DocumentStatus.DONE)
        progress = self.client.get(progress_url)
        download_url = reverse("core:document_download", args=[document.pk])
        self.assertContains(progress, download_url)
        self.assertNotContains(progress, "hx-trigger")
        login(self.client, self.colleague)
        self.assertEqual(self.client.get(progress_url).status_code, 404)
        self.assertEqual(self.client.get(download_url).status_code, 404)
        login(self.client, self.secretariat)
        response = self.client.get(download_url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn(f'filename="profil-anak-64.71-{YEAR}.pdf"', response["Content-Disposition"])
        entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id, entry.fields),
            (self.secretariat.pk, "plans.profile", f"64.71-{YEAR}", ["pdf"]),
        )

    def test_the_profile_page_asks_for_the_pdf_with_a_post(self) -> None:
        page = self.client.get(reverse("plans:profile"), {"year": str(YEAR)})
        self.assertContains(
            page, f'<form method="post" action="{reverse("plans:profile_pdf")}?year={YEAR}"'
        )
