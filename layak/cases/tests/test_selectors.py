"""List rows and deadlines of the case module (issue #14): one rule for the pages and the API."""

from __future__ import annotations

import datetime

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.cases.models import Case, Referral, answer_overdue_q, followup_overdue_q
from layak.cases.selectors import case_rows, overdue_cases
from layak.cases.tests.factories import (
    VICTIM_NAME,
    CaseWorld,
    make_case,
    make_case_world,
    victim_data,
)
from layak.core.testing import login


class CaseRowTests(TestCase):
    world: CaseWorld
    case: Case
    late: Case

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        cls.case = make_case(cls.world, victims=[victim_data(), victim_data(name="Budi Santoso")])
        cls.late = make_case(cls.world, victims=[victim_data()])
        Case.objects.filter(pk=cls.late.pk).update(
            followup_due=timezone.localdate() - datetime.timedelta(days=1)
        )

    def test_rows_mask_the_victims_names_in_one_query(self) -> None:
        with self.assertNumQueries(1):
            rows = case_rows([self.case, self.late])
        self.assertEqual(rows[0].victims, ["S*** A*** R***", "B*** S***"])
        self.assertNotIn(VICTIM_NAME, repr(rows))

    def test_a_deadline_passed_and_not_done_is_overdue(self) -> None:
        self.late.refresh_from_db()
        today = timezone.localdate()
        self.assertTrue(self.late.followup_overdue_on(today))
        self.assertFalse(self.case.followup_overdue_on(today))
        self.assertEqual([r.overdue for r in case_rows([self.case, self.late])], [False, True])
        self.assertEqual(
            list(Case.objects.filter(followup_overdue_q(today))), [self.late]
        )  # the queryset rule says the same
        self.assertEqual(list(overdue_cases(self.world.worker)), [self.late])
        self.assertEqual(list(Referral.objects.filter(answer_overdue_q(timezone.now()))), [])

    def test_the_page_and_the_api_list_the_same_masked_names(self) -> None:
        client = Client()
        login(client, self.world.worker)
        page = client.get(reverse("cases:home"))
        api = client.get("/api/v1/cases/")
        self.assertEqual(api.status_code, 200)
        for row in api.json():
            for name in row["victims"]:
                self.assertContains(page, name)
        self.assertNotContains(page, VICTIM_NAME)
        self.assertNotIn(VICTIM_NAME, api.content.decode())
