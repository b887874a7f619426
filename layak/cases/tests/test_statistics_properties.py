"""Random case data through the database (issue #12): whatever cases are recorded, the case
statistics and the roll-ups as stored leave no hidden cell short of the protection, and every
count of 1 to ``LAYAK_SMALL_CELL - 1`` is hidden. Runs on SQLite and on PostgreSQL (the suite
runs on both); each example is rolled back."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from layak.cases.disclosure import collect
from layak.cases.statistics import area_key
from layak.cases.tests.factories import CaseWorld, anonymous_victim, make_case, make_case_world
from layak.core.disclosure import attack, protection, shortfalls
from layak.indicators import rollups
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

FORMS = ("fisik", "psikis", "seksual", "penelantaran")

victims = st.lists(
    st.tuples(
        st.sampled_from(("F", "M")),
        st.integers(min_value=0, max_value=17),
        st.lists(st.sampled_from(FORMS), min_size=1, max_size=2, unique=True),
    ),
    min_size=1,
    max_size=2,
)
#: Cases as (kelurahan index, victims): four kelurahan in two kecamatan, skewed counts.
case_lists = st.lists(st.tuples(st.integers(min_value=0, max_value=3), victims), max_size=24)


class RandomCaseDataTests(TestCase):
    world: CaseWorld
    kelurahan: list[Region]

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.world = make_case_world()
        cls.kelurahan = [
            cls.world.kelurahan,
            make_region("64.71.01.1002", "Lamaru"),
            cls.world.kelurahan2,
            make_region("64.71.02.1002", "Sungai Nangka"),
        ]

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case_lists)
    def test_published_case_statistics_are_never_short(
        self, cases: list[tuple[int, list[tuple[str, int, list[str]]]]]
    ) -> None:
        for index, people in cases:
            make_case(
                self.world,
                kelurahan=self.kelurahan[index],
                victims=[anonymous_victim(sex, age, *forms) for sex, age, forms in people],
            )
        for definition in Definition.objects.filter(code__in=rollups.CASE_UNITS):
            rollups.refresh_cases(definition, self.world.city)
        year = timezone.localdate().year
        found = list(collect(self.world.city, year))
        if not cases:
            self.assertTrue(all(not p.hidden for p in found))
            return
        (published,) = found
        linked, hidden = published.linked, published.hidden
        # The counts are the cases recorded.
        per_kelurahan = Counter(self.kelurahan[i].code for i, _p in cases)
        for kelurahan in self.kelurahan:
            key = area_key("cases", kelurahan.code)
            self.assertEqual(linked.values[key], per_kelurahan[kelurahan.code])
        self.assertEqual(linked.values[area_key("cases", "64.71")], len(cases))
        # Every small published count is hidden, and nothing hidden can be narrowed too far.
        policy = protection()
        for cell in linked.published:
            if policy.is_primary(linked.values[cell]):
                self.assertIn(cell, hidden)
        intervals = attack(linked, hidden)
        self.assertEqual(shortfalls(linked, hidden, intervals=intervals), [])
        for cell in hidden:
            if policy.is_primary(linked.values[cell]):
                self.assertGreaterEqual(intervals[cell].width, policy.range, cell)
