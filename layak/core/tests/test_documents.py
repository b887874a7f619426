"""Documents built in the background (issue #11): the job, the progress page, the download
reserved to the requester, audit, deletion after download and after a day."""

from __future__ import annotations

import datetime
import io
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.models import User
from layak.accounts.tests.factories import make_person
from layak.core import documents
from layak.core.models import AuditAction, AuditEntry, Document, DocumentStatus
from layak.core.testing import login

KIND = "core.test_document"
FAILING = "core.test_failing"


def _build(params: Mapping[str, Any]) -> bytes:
    return b"%PDF-1.7 test " + str(params["n"]).encode()


def _fail(params: Mapping[str, Any]) -> bytes:
    raise RuntimeError("renderer crashed")


class DocumentTests(TestCase):
    owner: User
    other: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.owner = make_person()
        cls.other = make_person()

    def setUp(self) -> None:
        documents.register(documents.DocumentKind(name=KIND, build=_build))
        documents.register(documents.DocumentKind(name=FAILING, build=_fail))
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media))

    def request(self, kind: str = KIND, *, run: bool = True) -> Document:
        with self.captureOnCommitCallbacks(execute=run):
            document = documents.document_request(
                actor=self.owner,
                kind=kind,
                params={"n": 7},
                title="Test",
                filename="test-7.pdf",
                audit=documents.ExportAudit(
                    object_type="core.test",
                    object_id="7",
                    label="Test 7",
                    fields=("pdf",),
                    region_code="64.71",
                ),
            )
        document.refresh_from_db()
        return document

    def client_of(self, user: User) -> Any:
        login(self.client, user)
        return self.client

    def test_pending_page_polls_with_htmx_and_without_javascript(self) -> None:
        document = self.request(run=False)
        self.assertEqual(document.status, DocumentStatus.PENDING)
        url = reverse("core:document", args=[document.pk])
        page = self.client_of(self.owner).get(url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'hx-trigger="every 2s"')
        self.assertContains(page, '<meta http-equiv="refresh" content="2">')
        self.assertContains(page, f'href="{url}"')  # a plain refresh link
        self.assertContains(page, 'data-testid="document-pending"')
        self.assertNotContains(page, "document-download")
        self.assertIn("no-store", page["Cache-Control"])
        partial = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(partial, 'id="document-status"')
        self.assertNotContains(partial, "<html")

    def test_the_job_builds_the_file_and_only_the_requester_downloads_it_once(self) -> None:
        document = self.request()
        self.assertEqual(document.status, DocumentStatus.DONE)
        self.assertTrue(document.file.name.startswith("documents/"))
        self.assertNotIn("test-7", document.file.name)  # a random name, not the title
        stored = document.file.path
        self.assertNotIn(b"%PDF", Path(stored).read_bytes())  # encrypted at rest
        status = reverse("core:document", args=[document.pk])
        download = reverse("core:document_download", args=[document.pk])
        other = self.client_of(self.other)
        self.assertEqual(other.get(status).status_code, 404)
        self.assertEqual(other.get(download).status_code, 404)
        owner = self.client_of(self.owner)
        page = owner.get(status)
        self.assertContains(page, download)
        self.assertNotContains(page, "hx-trigger")
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.EXPORT).exists())
        with self.captureOnCommitCallbacks(execute=True):
            response = owner.get(download)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.7 test 7")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="test-7.pdf"')
        entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id, entry.fields, entry.region_code),
            (self.owner.pk, "core.test", "7", ["pdf"], "64.71"),
        )
        self.assertFalse(Path(stored).exists())
        self.assertEqual(owner.get(download).status_code, 404)
        self.assertContains(owner.get(status), 'data-testid="document-downloaded"')

    def test_a_failed_build_says_so(self) -> None:
        # The worker logs the error (django-tasks keeps the traceback with the task result).
        with self.assertLogs("django_tasks", "ERROR"):
            self.request(FAILING)
        document = Document.objects.get()
        self.assertEqual(document.status, DocumentStatus.FAILED)
        owner = self.client_of(self.owner)
        self.assertContains(
            owner.get(reverse("core:document", args=[document.pk])), 'data-testid="document-failed"'
        )
        download = reverse("core:document_download", args=[document.pk])
        self.assertEqual(owner.get(download).status_code, 404)

    def test_documents_older_than_a_day_are_deleted_with_their_files(self) -> None:
        old = self.request()
        fresh = self.request()
        Document.objects.filter(pk=old.pk).update(
            requested_at=timezone.now() - datetime.timedelta(hours=25)
        )
        out = io.StringIO()
        call_command("documents_purge", stdout=out)
        self.assertEqual(out.getvalue().strip(), "1 document(s) deleted.")
        self.assertFalse(Path(old.file.path).exists())
        self.assertTrue(Path(fresh.file.path).exists())
        self.assertEqual(list(Document.objects.values_list("pk", flat=True)), [fresh.pk])
        url = reverse("core:document", args=[old.pk])
        self.assertEqual(self.client_of(self.owner).get(url).status_code, 404)

    def test_an_unknown_kind_is_refused(self) -> None:
        with self.assertRaises(LookupError):
            self.request("core.no_such_kind")
        self.assertFalse(Document.objects.exists())

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        document = self.request()
        with mock.patch.object(documents, "document_collect") as collect:
            response = self.client.get(reverse("core:document_download", args=[document.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        collect.assert_not_called()
