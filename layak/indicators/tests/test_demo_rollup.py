"""The demo seeder and the roll-up of case data (suppressed below the small-cell limit)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from layak.accounts.models import User
from layak.cases.tests.factories import make_case, make_case_world
from layak.core.demo import DemoContext
from layak.core.testing import DemoCityTestCase
from layak.evaluations.demo import seed_award_history
from layak.evaluations.models import Award
from layak.indicators.demo import APPROVED_UNTIL, YEARS, seed_indicators
from layak.indicators.loader import load_definitions
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    Level,
    PeriodApproval,
    Rollup,
    Source,
    Unit,
    Value,
)
from layak.indicators.services import PeriodLocked, case_years, rollup_case_violence, values_enter
from layak.regions.models import Region
from layak.regions.tests.factories import make_region


def _context() -> DemoContext:
    return DemoContext(size="small", rng=random.Random(1))


def _city_rate(code: str, year: int) -> Decimal:
    rate = Rollup.objects.get(
        definition__code=code, level=Level.CITY, period_start=datetime.date(year, 1, 1)
    ).rate
    assert rate is not None
    return rate


@pytest.mark.usefixtures("demo_seed")
class DemoTests(DemoCityTestCase):
    """The indicators of the suite's one demo city (``demo_seed``, the root conftest.py)."""

    city: Region

    @classmethod
    def setUpTestData(cls) -> None:
        cls.city = Region.objects.get(code="64.71")

    def test_every_active_definition_has_rollups_for_several_years(self) -> None:
        definitions = list(Definition.objects.filter(active=True))
        self.assertGreaterEqual(len(definitions), 17)
        for definition in definitions:
            years = set(
                Rollup.objects.filter(definition=definition, city=self.city).values_list(
                    "period_start__year", flat=True
                )
            )
            if definition.source == Source.CASES:
                # The demo cases cover the previous and the current year only.
                self.assertLessEqual(years, set(case_years(self.city)), definition.code)
                if definition.code == "kekerasan-anak":
                    self.assertEqual(years, set(case_years(self.city)))
                    self.assertGreaterEqual(len(years), 2)
            else:
                self.assertGreaterEqual(len(years), 3, definition.code)
                self.assertEqual(years, set(YEARS), definition.code)
            self.assertTrue(
                Rollup.objects.filter(
                    definition=definition, city=self.city, level=definition.level
                ).exists(),
                definition.code,
            )

    def test_each_definition_at_its_level_and_period_type(self) -> None:
        puspaga = Value.objects.filter(definition__code="puspaga-layanan", region=self.city)
        self.assertEqual(puspaga.count(), 12 * len(YEARS))
        self.assertEqual(
            Value.objects.filter(
                definition__code="akta-lahir", period_start=datetime.date(2023, 1, 1)
            ).count(),
            34,
        )
        self.assertEqual(
            Value.objects.filter(
                definition__code="forum-anak", period_start=datetime.date(2023, 1, 1)
            ).count(),
            6,
        )
        for value in Value.objects.filter(definition__unit=Unit.PERCENT):
            self.assertLessEqual(value.numerator, value.denominator or 0, value)

    def test_plausible_trends(self) -> None:
        children = Rollup.objects.get(
            definition__code="penduduk-anak",
            level=Level.CITY,
            period_start=datetime.date(2023, 1, 1),
        ).numerator
        self.assertAlmostEqual(children or 0, 222_921, delta=2_300)
        first, last = _city_rate("akta-lahir", 2021), _city_rate("akta-lahir", 2025)
        self.assertTrue(86 <= first <= 90 and 95 <= last <= 98.5, (first, last))
        for code in ("stunting", "putus-sekolah", "anak-tidak-sekolah", "dispensasi-kawin"):
            self.assertLess(_city_rate(code, 2025), _city_rate(code, 2021), code)
        for code in ("kia", "imunisasi-dasar", "sra", "patbm", "rbra-jumlah"):
            self.assertGreater(_city_rate(code, 2025), _city_rate(code, 2021), code)

    def test_violence_rollups_never_show_a_small_count(self) -> None:
        rows = Rollup.objects.filter(definition__source=Source.CASES, city=self.city)
        self.assertTrue(rows.filter(definition__code="kekerasan-anak", numerator__gte=5).exists())
        self.assertFalse(rows.filter(numerator__gte=1, numerator__lte=4).exists())
        self.assertFalse(rows.filter(suppressed=True, numerator__isnull=False).exists())

    def test_years_up_to_2024_are_approved_and_locked(self) -> None:
        approvals = PeriodApproval.objects.filter(city=self.city, status=ApprovalStatus.APPROVED)
        secretariat = User.objects.get(username="sekretariat")
        self.assertEqual(set(approvals.values_list("approved_by", flat=True)), {secretariat.pk})
        years = set(approvals.values_list("period_start__year", flat=True))
        self.assertEqual(years, set(range(YEARS[0], APPROVED_UNTIL + 1)))
        # 15 yearly definitions and 12 months of Puspaga services per approved year.
        self.assertEqual(approvals.count(), (15 + 12) * (APPROVED_UNTIL - YEARS[0] + 1))
        akta = Definition.objects.get(code="akta-lahir")
        code = Region.objects.filter(code__startswith="64.71.01.").order_by("code")[0].code
        with self.assertRaises(PeriodLocked):
            values_enter(
                actor=secretariat,
                definition=akta,
                city=self.city,
                period="2024",
                entries=[(code, "1", "2")],
            )
        values_enter(
            actor=secretariat,
            definition=akta,
            city=self.city,
            period="2025",
            entries=[(code, "1", "2")],
        )

    def test_idempotent(self) -> None:
        values = Value.objects.count()
        approvals = PeriodApproval.objects.count()
        rollups = Rollup.objects.count()
        context = _context()
        seed_indicators(context)
        self.assertEqual(Value.objects.count(), values)
        self.assertEqual(PeriodApproval.objects.count(), approvals)
        self.assertEqual(Rollup.objects.count(), rollups)
        self.assertIn("Demo indicators: demo data already present.", context.report)

    def test_award_history(self) -> None:
        context = _context()
        context.shared["home"] = self.city
        seed_award_history(context)
        seed_award_history(context)
        awards = {a.year: a for a in Award.objects.filter(region=self.city)}
        self.assertEqual(sorted(awards), [2017, 2018, 2019, 2021, 2022, 2023, 2024, 2025])
        self.assertEqual(awards[2019].category, "Nindya")
        self.assertEqual(awards[2023].verified_score, 891)
        self.assertFalse(awards[2024].evaluated)
        self.assertEqual(awards[2025].decree, "Kepmen PPPA 85/2025")
        self.assertIn("935", awards[2025].note)
        self.assertIsNone(awards[2025].verified_score)


class RollupTests(TestCase):
    def test_case_counts_are_suppressed_below_five(self) -> None:
        load_definitions()
        world = make_case_world()
        third = make_region("64.71.01.1009", "Third")
        for kelurahan, n in ((world.kelurahan, 6), (world.kelurahan2, 7), (third, 2)):
            for _i in range(n):
                make_case(world, kelurahan=kelurahan)
        year = timezone.localdate().year
        rollup_case_violence(city=world.city, year=year)
        stored = dict(
            Value.objects.filter(definition__code="kekerasan-anak").values_list(
                "region__code", "numerator"
            )
        )
        self.assertNotIn(third.code, stored)
        self.assertTrue(all(v >= 5 for v in stored.values()))
        self.assertTrue(stored)
