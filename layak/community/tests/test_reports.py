"""Early-detection reports (issue #5): an activist reports in a few taps straight into the case
intake and afterwards sees only the status of their own reports — never another activist's,
never the case number, the child's name or what was reported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import TestCase
from django.urls import reverse

from layak.accounts.models import User
from layak.cases import services as case_services
from layak.cases.models import Channel, Report, ReportStatus
from layak.cases.tests.factories import VICTIM_NAME, make_case, victim_data
from layak.community.selectors import my_report_statuses
from layak.community.tests.factories import PatbmWorld, make_patbm_world
from layak.core.testing import login

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

DESCRIPTION = "Anak tetangga terlihat lebam di lengan setiap pagi"
OTHER_DESCRIPTION = "Remaja putri tidak sekolah dan dijodohkan"


class ActivistReportTests(TestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def _send(self, user: User, description: str, **extra: str) -> _MonkeyPatchedWSGIResponse:
        login(self.client, user)
        data = {"description": description, "child_age": "9", "child_sex": "F", **extra}
        return self.client.post(reverse("community:report_new"), data)

    def test_report_goes_into_the_case_intake_and_shows_received(self) -> None:
        response = self._send(self.world.activist, DESCRIPTION)
        self.assertRedirects(response, reverse("community:reports"))
        report = Report.objects.get()
        self.assertEqual(
            (report.channel, report.reporter_user_id, report.agency_id, report.status),
            (Channel.PATBM, self.world.activist.pk, self.world.cases.uptd.pk, "received"),
        )
        # The kelurahan defaults to the activist's group's.
        self.assertEqual(report.kelurahan_id, self.world.manggar.pk)
        self.assertEqual((report.child_age, report.child_sex), (9, "F"))
        page = self.client.get(reverse("community:reports"))
        self.assertContains(page, 'data-status="received"', count=1)
        self.assertNotContains(page, DESCRIPTION)
        self.assertNotContains(page, report.tracking_code)

    def test_activist_sees_only_own_reports_and_no_case_details(self) -> None:
        w = self.world
        self._send(w.other_activist, OTHER_DESCRIPTION)
        self._send(w.activist, DESCRIPTION)
        mine = Report.objects.get(reporter_user=w.activist)
        case = make_case(w.cases, report=mine, victims=[victim_data()])
        page = self.client.get(reverse("community:reports"))  # logged in as the activist
        body = page.content.decode()
        self.assertEqual(body.count('data-testid="my-report"'), 1)
        self.assertIn('data-status="handling"', body)
        for secret in (case.number, VICTIM_NAME, DESCRIPTION, OTHER_DESCRIPTION):
            self.assertNotIn(secret, body)
        api = self.client.get("/api/v1/community/reports/")
        self.assertEqual([r["status"] for r in api.json()], ["handling"])
        for secret in (case.number, VICTIM_NAME, DESCRIPTION):
            self.assertNotIn(secret, api.content.decode())
        case_services.stage_set(actor=w.cases.worker, case=case, stage="closed")
        self.assertEqual([r.status for r in my_report_statuses(w.activist)], ["closed"])

    def test_activist_cannot_open_the_report_in_case_management(self) -> None:
        self._send(self.world.activist, DESCRIPTION)
        report = Report.objects.get()
        response = self.client.get(reverse("cases:report", args=[report.pk]))
        self.assertIn(response.status_code, (403, 404))

    def test_invalid_report_changes_nothing(self) -> None:
        for data in (
            {"description": "", "child_age": "9"},
            {"description": "terlalu", "child_age": "9"},  # too short to act on
            {"description": DESCRIPTION, "child_age": "-1"},
            {"description": DESCRIPTION, "child_age": "30"},
            {"description": DESCRIPTION, "kelurahan": str(self.world.cases.other_city.pk)},
        ):
            login(self.client, self.world.activist)
            response = self.client.post(reverse("community:report_new"), data)
            self.assertEqual(response.status_code, 400, data)
        self.assertFalse(Report.objects.exists())

    def test_dismissed_report_shows_closed(self) -> None:
        self._send(self.world.activist, DESCRIPTION)
        report = Report.objects.get()
        case_services.report_dismiss(actor=self.world.cases.manager, report=report)
        self.assertEqual(Report.objects.get().status, ReportStatus.DISMISSED)
        self.assertContains(self.client.get(reverse("community:reports")), 'data-status="closed"')
