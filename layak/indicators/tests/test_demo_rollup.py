"""The demo seeder and the roll-up of case data (suppressed below the small-cell limit)."""

from __future__ import annotations

import random

from django.test import TestCase
from django.utils import timezone

from layak.accounts.demo import seed_accounts
from layak.cases.tests.factories import make_case, make_case_world
from layak.core.demo import DemoContext
from layak.indicators.demo import seed_indicators
from layak.indicators.loader import load_definitions
from layak.indicators.models import Value
from layak.indicators.services import rollup_case_violence
from layak.regions.demo import seed_regions
from layak.regions.tests.factories import make_region


class DemoTests(TestCase):
    def test_demo_values_for_three_years_idempotent(self) -> None:
        context = DemoContext(size="small", rng=random.Random(1))
        seed_regions(context)
        seed_accounts(context)
        seed_indicators(context)
        count = Value.objects.count()
        self.assertGreater(count, 0)
        years = set(Value.objects.values_list("period_label", flat=True))
        self.assertEqual(len(years), 3)
        for value in Value.objects.filter(denominator__isnull=False):
            self.assertLessEqual(value.numerator, value.denominator or 0)
        seed_indicators(DemoContext(size="small", rng=random.Random(1)))
        self.assertEqual(Value.objects.count(), count)


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
