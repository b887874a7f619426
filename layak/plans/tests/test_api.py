"""The action plan API under /api/v1/plans/ (issue #6): session login, the page's permission
functions (another city's objects 404, no plans role 403) and the page's services."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any
from unittest import mock

from django.test import Client, TestCase

from layak.core.testing import NOT_FOUND, UNAUTHORIZED, assert_access_matrix, login
from layak.plans import services
from layak.plans.models import Milestone, ProgressReport
from layak.plans.tests.factories import TODAY, PlansWorld, make_plans_world

API = "/api/v1/plans"


def _get(person: Any, url: str) -> Any:
    client = Client()
    login(client, person)
    return client.get(url)


def _post(person: Any, url: str, body: dict[str, Any]) -> Any:
    client = Client()
    if person is not None:
        login(client, person)
    return client.post(url, json.dumps(body), content_type="application/json")


class PlansApiAccessTests(TestCase):
    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def test_lists_answer_401_to_anonymous_and_403_without_a_plans_role(self) -> None:
        w = self.w
        for url in (f"{API}/", f"{API}/slippage/", f"{API}/followups/mine/"):
            for reader in (w.secretariat, w.leader, w.focal, w.other_focal):
                with self.subTest(url=url, reader=reader.username):
                    assert_access_matrix(
                        self, url, allowed=reader, no_permission=w.no_role, anonymous=UNAUTHORIZED
                    )

    def test_another_city_gets_404_for_the_plan_and_an_empty_list(self) -> None:
        w = self.w
        assert_access_matrix(
            self,
            f"{API}/{w.plan.pk}/",
            allowed=w.leader,
            no_permission=w.other_secretariat,
            read_only=w.no_role,
            anonymous=UNAUTHORIZED,
            expect_no_permission=NOT_FOUND,
        )
        self.assertEqual(_get(w.other_secretariat, f"{API}/").json(), [])
        self.assertEqual(_get(w.other_secretariat, f"{API}/slippage/").json()["agencies"], [])
        self.assertEqual(_get(w.secretariat, f"{API}/999999/").status_code, 404)

    def test_progress_is_reported_by_the_owner_agency_only(self) -> None:
        w = self.w
        url = f"{API}/actions/{w.action.pk}/progress/"
        body = {"reported_on": "2026-06-30", "text": "Setengah jalan", "percent": 50}
        cases = [
            (None, 401),
            (w.no_role, 403),
            (w.leader, 403),  # reads only
            (w.other_focal, 403),  # another agency of the city
            (w.other_secretariat, 404),  # another city
            (w.focal, 200),  # dinkes owns the action
            (w.secretariat, 200),
        ]
        for person, status in cases:
            with self.subTest(person=getattr(person, "username", "anonymous")):
                self.assertEqual(_post(person, url, body).status_code, status)
        self.assertEqual(ProgressReport.objects.filter(action=w.action).count(), 2)


class PlansApiContentTests(TestCase):
    w: PlansWorld
    milestone: Milestone

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = make_plans_world()
        services.target_set(
            actor=w.secretariat, action=w.action, year=2026, target="90%", value=Decimal("90")
        )
        cls.milestone = services.milestone_create(
            actor=w.secretariat, action=w.action, title="Sosialisasi", due_on=TODAY
        )
        services.action_create(
            actor=w.secretariat,
            plan=w.plan,
            code="K1.01",
            title="Akta lahir",
            cluster="K1",
            agency=w.disdukcapil,
            indicator_codes=["akta-lahir"],
            budget_amount=Decimal("250000"),
        )

    def test_plans_list_the_citys_plans(self) -> None:
        w = self.w
        self.assertEqual(
            _get(w.leader, f"{API}/").json(),
            [
                {
                    "id": w.plan.pk,
                    "region_code": "64.71",
                    "title": "RAD KLA",
                    "start_year": 2025,
                    "end_year": 2029,
                    "status": "draft",
                }
            ],
        )

    def test_a_plan_carries_its_actions_targets_milestones_and_budget(self) -> None:
        w = self.w
        body = _get(w.focal, f"{API}/{w.plan.pk}/").json()

        self.assertEqual(Decimal(body["budget_total"]), Decimal("1250000"))
        self.assertEqual([a["code"] for a in body["actions"]], ["K1.01", "K3.01"])
        k3 = body["actions"][1]
        self.assertEqual(
            (k3["agency_code"], k3["budget_line"], Decimal(k3["budget_amount"])),
            ("dinkes", "Upaya Kesehatan", Decimal("1000000")),
        )
        self.assertEqual(
            [(t["year"], t["target"], Decimal(t["value"])) for t in k3["targets"]],
            [(2026, "90%", Decimal("90"))],
        )
        self.assertEqual(
            k3["milestones"],
            [
                {
                    "id": self.milestone.pk,
                    "title": "Sosialisasi",
                    "due_on": "2026-07-01",
                    "done_on": None,
                }
            ],
        )
        self.assertEqual(body["actions"][0]["indicator_codes"], ["akta-lahir"])

    def test_slippage_lists_the_actions_behind_per_agency(self) -> None:
        w = self.w
        Milestone.objects.filter(pk=self.milestone.pk).update(due_on=datetime.date(2026, 5, 1))
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            body = _get(w.secretariat, f"{API}/slippage/").json()

        self.assertEqual(body["today"], "2026-07-01")
        self.assertEqual(body["expected"], 49)  # 181 of 365 days
        groups = {g["agency_code"]: g["actions"] for g in body["agencies"]}
        self.assertEqual(set(groups), {"dinkes", "disdukcapil"})  # both without progress
        dinkes = groups["dinkes"][0]
        self.assertEqual(
            (dinkes["code"], dinkes["percent"], dinkes["behind"]), ("K3.01", None, True)
        )
        self.assertEqual([m["title"] for m in dinkes["missed"]], ["Sosialisasi"])

    def test_my_followups_are_those_of_my_agency(self) -> None:
        w = self.w
        with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 7, 11)):
            mine = _get(w.focal, f"{API}/followups/mine/").json()
        other = _get(w.other_focal, f"{API}/followups/mine/").json()

        self.assertEqual(
            [(f["id"], f["agency_code"], f["due_on"], f["overdue"]) for f in mine],
            [(w.followup.pk, "dinkes", "2026-07-10", True)],
        )
        self.assertEqual(mine[0]["meeting_id"], w.meeting.pk)
        self.assertEqual(other, [])

    def test_progress_is_saved_and_a_bad_percent_saves_nothing(self) -> None:
        w = self.w
        url = f"{API}/actions/{w.action.pk}/progress/"

        bad = _post(w.focal, url, {"reported_on": "2026-06-30", "text": "x", "percent": 150})
        good = _post(w.focal, url, {"reported_on": "2026-06-30", "text": "Separuh", "percent": 50})

        self.assertEqual(bad.status_code, 400)
        self.assertEqual(good.status_code, 200)
        report = ProgressReport.objects.get(action=w.action)
        self.assertEqual(
            good.json(),
            {
                "id": report.pk,
                "action_id": w.action.pk,
                "reported_on": "2026-06-30",
                "text": "Separuh",
                "percent": 50,
            },
        )
        self.assertEqual((report.percent, report.created_by), (50, w.focal))
