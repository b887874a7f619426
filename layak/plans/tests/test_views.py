"""Access matrix of every page of the plans module, and the state the POSTs leave."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from layak.core.testing import NOT_FOUND, Expect, assert_access_matrix, login
from layak.plans.models import FollowUp, ProgressReport
from layak.plans.tests.factories import PlansWorld, make_plans_world

REDIRECT = Expect(302)


class AccessMatrixTests(TestCase):
    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def test_read_pages_are_visible_to_city_roles_only(self) -> None:
        w = self.w
        urls = [
            reverse("plans:home"),
            reverse("plans:slippage"),
            reverse("plans:my_followups"),
            reverse("plans:plan", args=[w.plan.pk]),
            reverse("plans:action", args=[w.action.pk]),
            reverse("plans:meeting", args=[w.meeting.pk]),
        ]
        for url in urls:
            for reader in (w.leader, w.focal, w.other_focal):
                assert_access_matrix(self, url, allowed=reader, no_permission=w.no_role)
            assert_access_matrix(self, url, allowed=w.secretariat, no_permission=w.no_role)

    def test_other_city_gets_404_on_objects(self) -> None:
        w = self.w
        for url in (
            reverse("plans:plan", args=[w.plan.pk]),
            reverse("plans:action", args=[w.action.pk]),
            reverse("plans:meeting", args=[w.meeting.pk]),
        ):
            assert_access_matrix(
                self,
                url,
                allowed=w.secretariat,
                no_permission=w.other_secretariat,
                expect_no_permission=NOT_FOUND,
            )

    def test_managing_is_for_the_secretariat(self) -> None:
        w = self.w
        cases = [
            (reverse("plans:plan_adopt", args=[w.plan.pk]), {}),
            (
                reverse("plans:meeting_decision", args=[w.meeting.pk]),
                {"text": "Semua OPD melapor"},
            ),
            (
                reverse("plans:milestone_new", args=[w.action.pk]),
                {"title": "Tahap 1", "due_on": "2026-08-01"},
            ),
        ]
        for url, data in cases:
            assert_access_matrix(
                self,
                url,
                method="post",
                data=data,
                allowed=w.secretariat,
                no_permission=w.focal,
                read_only=w.leader,
                expect_allowed=REDIRECT,
            )

    def test_progress_is_reported_by_the_owner_agency(self) -> None:
        w = self.w
        url = reverse("plans:progress_new", args=[w.action.pk])
        data = {"reported_on": "2026-06-30", "text": "Berjalan", "percent": "40"}
        assert_access_matrix(
            self,
            url,
            method="post",
            data=data,
            allowed=w.focal,
            no_permission=w.other_focal,
            read_only=w.leader,
            expect_allowed=REDIRECT,
        )
        self.assertEqual(ProgressReport.objects.get(action=w.action).percent, 40)

    def test_followup_is_closed_by_the_owner_agency(self) -> None:
        w = self.w
        url = reverse("plans:followup_close", args=[w.followup.pk])
        assert_access_matrix(
            self,
            url,
            method="post",
            data={"done_on": "2026-07-05", "note": "Terkirim"},
            allowed=w.focal,
            no_permission=w.other_focal,
            read_only=w.leader,
            expect_allowed=REDIRECT,
        )
        w.followup.refresh_from_db()
        self.assertEqual(w.followup.done_on, datetime.date(2026, 7, 5))
        client = Client()
        login(client, w.other_secretariat)
        self.assertEqual(client.post(url, {"done_on": "2026-07-05"}).status_code, 404)

    def test_open_followups_show_on_home_and_my_list(self) -> None:
        w = self.w
        client = Client()
        login(client, w.focal)
        self.assertContains(client.get(reverse("plans:home")), "Kirim data imunisasi")
        self.assertContains(client.get(reverse("plans:my_followups")), "Kirim data imunisasi")
        login(client, w.other_focal)
        self.assertNotContains(client.get(reverse("plans:my_followups")), "Kirim data imunisasi")

    def test_evidence_that_is_not_a_document_is_refused(self) -> None:
        w = self.w
        client = Client()
        login(client, w.focal)
        fake = SimpleUploadedFile("bukti.pdf", b"MZ not a pdf", content_type="application/pdf")
        response = client.post(
            reverse("plans:progress_new", args=[w.action.pk]),
            {"reported_on": "2026-06-30", "text": "x", "percent": "10", "evidence": fake},
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(ProgressReport.objects.exists())

    def test_percent_over_100_changes_nothing(self) -> None:
        w = self.w
        client = Client()
        login(client, w.focal)
        client.post(
            reverse("plans:progress_new", args=[w.action.pk]),
            {"reported_on": "2026-06-30", "text": "x", "percent": "101"},
        )
        self.assertFalse(ProgressReport.objects.exists())
        self.assertEqual(FollowUp.objects.count(), 1)
