"""Demo cases of Balikpapan (issue #4): two years at about the city's real volume, shaped like
the figures of ``docs/domain.md`` 4.4, and nothing added when seeded again.

The clock is fixed so that both years hold the same cases on every run; only the seeders the
cases need run (regions, accounts, cases), not the evaluation demo.
"""

from __future__ import annotations

import datetime
import random
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from layak.accounts.demo import seed_accounts
from layak.accounts.models import User
from layak.cases.demo import CASE_LOGINS, seed_cases
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
from layak.regions.demo import seed_regions
from layak.regions.models import Region

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


def seed_small() -> DemoContext:
    context = DemoContext(size="small", rng=random.Random(2026))
    with mock.patch.object(timezone, "now", return_value=NOW):
        for seeder in (seed_regions, seed_accounts, seed_cases):
            seeder(context)
    return context


class SmallDemoCaseTests(TestCase):
    context: DemoContext

    @classmethod
    def setUpTestData(cls) -> None:
        cls.context = seed_small()

    def test_each_year_holds_about_the_city_yearly_case_load(self) -> None:
        for year in (2025, 2026):
            with self.subTest(year=year):
                count = Case.objects.filter(region__code="64.71", opened_on__year=year).count()
                self.assertGreaterEqual(count, 150)
                self.assertLessEqual(count, 260)
        self.assertFalse(Case.objects.filter(opened_on__gte=NOW.date()).exists())

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
        last_year = Case.objects.filter(opened_on__year=2025)
        closed = last_year.filter(stage=Stage.CLOSED).count()
        self.assertGreaterEqual(closed / last_year.count(), 0.9)
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
        report = "\n".join(self.context.report)
        for login in CASE_LOGINS:
            self.assertIn(login.username, report)

    def test_seeding_again_adds_nothing(self) -> None:
        models = (Case, Victim, Report, Referral, User)
        before = [model.objects.count() for model in models]
        seed_small()
        self.assertEqual([model.objects.count() for model in models], before)
