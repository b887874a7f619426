"""Access matrix of every page of the plans module, and the state the POSTs leave."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.forms import INVALID_FORM_STATUS
from layak.core.testing import NOT_FOUND, Expect, assert_access_matrix, login
from layak.plans.models import FollowUp, Milestone, Plan, ProgressReport
from layak.plans.tests.factories import PlansWorld, make_plans_world
from layak.regions.tests.factories import make_region

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
        # The action page again, the refusal on the progress form (issue #14: 400).
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTemplateUsed(response, "plans/action.html")
        self.assertTrue(response.context["progress_form"].errors)
        self.assertFalse(ProgressReport.objects.exists())

    def test_percent_over_100_changes_nothing(self) -> None:
        w = self.w
        client = Client()
        login(client, w.focal)
        response = client.post(
            reverse("plans:progress_new", args=[w.action.pk]),
            {"reported_on": "2026-06-30", "text": "x", "percent": "101"},
        )
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertIn("percent", response.context["progress_form"].errors)
        self.assertFalse(ProgressReport.objects.exists())
        self.assertEqual(FollowUp.objects.count(), 1)


class RefusedFormTests(TestCase):
    """A refused form of a plans page shows that page again with the errors on the form and
    answers 400; nothing is written (issue #14)."""

    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def setUp(self) -> None:
        self.client = Client()
        login(self.client, self.w.secretariat)

    def test_a_plan_whose_years_are_reversed_is_shown_again_on_the_home_page(self) -> None:
        plans = Plan.objects.count()
        response = self.client.post(
            reverse("plans:plan_new"),
            {"title": "RAD KLA terbalik", "start_year": "2029", "end_year": "2025"},
        )
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTemplateUsed(response, "plans/home.html")
        self.assertIn("end_year", response.context["plan_form"].errors)
        self.assertContains(response, "RAD KLA terbalik", status_code=INVALID_FORM_STATUS)
        self.assertEqual(Plan.objects.count(), plans)

    def test_a_valid_plan_is_created_in_the_persons_city(self) -> None:
        response = self.client.post(
            reverse("plans:plan_new"),
            {"title": "RAD KLA 2030", "start_year": "2030", "end_year": "2034"},
        )
        self.assertRedirects(response, reverse("plans:home"), fetch_redirect_response=False)
        self.assertEqual(Plan.objects.get(title="RAD KLA 2030").region, self.w.city)

    def test_a_followup_due_before_its_meeting_stays_on_the_meeting_page(self) -> None:
        w = self.w
        response = self.client.post(
            reverse("plans:meeting_followup", args=[w.meeting.pk]),
            {"text": "Terlambat", "agency": w.followup.agency_id, "due_on": "2000-01-01"},
        )
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTemplateUsed(response, "plans/meeting.html")
        self.assertIn("due_on", response.context["followup_form"].errors)
        self.assertEqual(FollowUp.objects.count(), 1)

    def test_a_milestone_without_a_date_is_refused_on_the_action_page(self) -> None:
        w = self.w
        milestone = Milestone.objects.create(
            action=w.action, title="Tahap 1", due_on=datetime.date(2026, 8, 1)
        )
        response = self.client.post(reverse("plans:milestone_done", args=[milestone.pk]), {})
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTemplateUsed(response, "plans/action.html")
        self.assertIn("done_on", response.context["done_form"].errors)
        self.assertContains(response, 'role="alert"', status_code=INVALID_FORM_STATUS)
        milestone.refresh_from_db()
        self.assertIsNone(milestone.done_on)

    def test_closing_a_followup_without_a_date_stays_on_my_followups(self) -> None:
        w = self.w
        client = Client()
        login(client, w.focal)
        response = client.post(reverse("plans:followup_close", args=[w.followup.pk]), {})
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTemplateUsed(response, "plans/my_followups.html")
        w.followup.refresh_from_db()
        self.assertIsNone(w.followup.done_on)

    def test_province_staff_may_not_create_a_plan(self) -> None:
        """Plans are created in the kab/kota the person works in (accounts.scope): a
        secretariat of a provincial agency has none."""
        province = make_region("64", "Kalimantan Timur")
        agency = make_agency(region=province, code="dp3a-prov", name="DP3A Provinsi")
        person = make_person(Role.SECRETARIAT, agency=agency, username="sekr.prov")
        client = Client()
        login(client, person)
        plans = Plan.objects.count()
        response = client.post(
            reverse("plans:plan_new"),
            {"title": "RAD provinsi", "start_year": "2030", "end_year": "2034"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Plan.objects.count(), plans)


class OverdueTests(TestCase):
    """ "Overdue" (past due, not done) is computed by the model; the pages show the flag."""

    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def test_a_milestone_is_overdue_when_past_due_and_not_done(self) -> None:
        today = timezone.localdate()
        yesterday = today - datetime.timedelta(days=1)
        late = Milestone(action=self.w.action, title="a", due_on=yesterday)
        done = Milestone(action=self.w.action, title="b", due_on=yesterday, done_on=today)
        due_today = Milestone(action=self.w.action, title="c", due_on=today)
        self.assertEqual([late.overdue, done.overdue, due_today.overdue], [True, False, False])

    def test_the_meeting_page_marks_an_overdue_followup(self) -> None:
        w = self.w
        FollowUp.objects.filter(pk=w.followup.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=1)
        )
        client = Client()
        login(client, w.secretariat)
        response = client.get(reverse("plans:meeting", args=[w.meeting.pk]))
        self.assertContains(response, 'class="overdue"')
