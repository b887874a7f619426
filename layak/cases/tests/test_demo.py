"""Demo cases of Balikpapan (issue #4): two years at about the city's real volume, shaped like
the figures of ``docs/domain.md`` 4.4, and nothing added when seeded again.

The cases are those of the suite's one demo city (``demo_seed``, the root conftest.py), seeded
with the real clock: the previous year whole and the current one up to yesterday, so the
figures are checked against the day the city was seeded.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone

from layak.accounts.models import User
from layak.cases.demo import CASE_LOGINS, CASES_PER_YEAR, seed_cases
from layak.cases.models import (
    Case,
    Referral,
    Report,
    ReportStatus,
    Stage,
    Victim,
)
from layak.core.choices import Sex
from layak.core.demo import DemoContext
from layak.core.testing import DemoCityTestCase
from layak.regions.models import Region

#: How far the number of cases of a year may stray from ``CASES_PER_YEAR`` (about 220; the
#: Balikpapan figures of docs/domain.md 4.4 give 150 to 260).
LOWEST, HIGHEST = 150 / CASES_PER_YEAR, 260 / CASES_PER_YEAR


@pytest.mark.usefixtures("demo_output")
class SmallDemoCaseTests(DemoCityTestCase):
    output: str

    def test_each_year_holds_about_the_city_yearly_case_load(self) -> None:
        today = timezone.localdate()
        cases = Case.objects.filter(region__code="64.71")
        last_year = cases.filter(opened_on__year=today.year - 1).count()
        self.assertGreaterEqual(last_year, CASES_PER_YEAR * LOWEST)
        self.assertLessEqual(last_year, CASES_PER_YEAR * HIGHEST)
        # This year up to yesterday, in proportion to the days gone.
        days = (today - datetime.date(today.year, 1, 1)).days
        expected = CASES_PER_YEAR * days / 365
        this_year = cases.filter(opened_on__year=today.year).count()
        self.assertGreaterEqual(this_year, expected * LOWEST - 3)
        self.assertLessEqual(this_year, expected * HIGHEST + 3)
        self.assertFalse(cases.filter(opened_on__gte=today).exists())
        self.assertFalse(cases.filter(opened_on__lt=datetime.date(today.year - 1, 1, 1)).exists())

    def test_most_victims_are_girls(self) -> None:
        victims = Victim.objects.filter(case__region__code="64.71")
        girls = victims.filter(sex=Sex.FEMALE, age__lt=18).count()
        self.assertGreaterEqual(girls / victims.count(), 0.5)

    def test_every_kecamatan_has_cases(self) -> None:
        kecamatan = set(Region.objects.filter(parent__code="64.71").values_list("code", flat=True))
        seen = {code[:8] for code in Case.objects.values_list("region_code", flat=True)}
        self.assertEqual(len(kecamatan), 6)
        self.assertEqual(seen, kecamatan)

    def test_older_cases_are_mostly_closed(self) -> None:
        older = Case.objects.filter(
            opened_on__lt=timezone.localdate() - datetime.timedelta(days=120)
        )
        closed = older.filter(stage=Stage.CLOSED).count()
        self.assertGreaterEqual(closed / older.count(), 0.9)
        self.assertTrue(Case.objects.exclude(stage=Stage.CLOSED).exists())

    def test_reports_are_merged_dismissed_and_waiting(self) -> None:
        statuses = set(Report.objects.values_list("status", flat=True))
        self.assertEqual(statuses, set(ReportStatus.values))

    def test_referrals_go_to_the_police_puspaga_and_dinsos(self) -> None:
        agencies = set(Referral.objects.values_list("to_agency__code", flat=True))
        self.assertEqual(agencies, {"polresta-uppa", "puspaga", "dinsos"})

    def test_case_logins_hold_their_roles(self) -> None:
        for login in CASE_LOGINS:
            with self.subTest(username=login.username):
                person = User.objects.get(username=login.username)
                roles = set(person.role_assignments.values_list("role", flat=True))
                self.assertEqual(roles, {str(login.role)})
                self.assertEqual(person.agency.code if person.agency else None, login.agency_code)
        self.assertEqual(User.objects.get(username="manajer.kasus.utara").scope_code, "64.71.03")
        for login in CASE_LOGINS:
            self.assertIn(login.username, self.output)

    def test_seeding_again_adds_nothing(self) -> None:
        models = (Case, Victim, Report, Referral, User)
        before = [model.objects.count() for model in models]
        context = DemoContext(size="small", rng=random.Random(2026))
        context.shared["home"] = Region.objects.get(code="64.71")
        seed_cases(context)
        self.assertEqual([model.objects.count() for model in models], before)
