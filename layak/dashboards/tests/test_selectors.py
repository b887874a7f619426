"""Dashboard reads: challenges with their indicators, targets by polarity, drill-down figures,
suppressed case cells."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from layak.core.disclosure import hidden_mark
from layak.dashboards import selectors
from layak.dashboards.models import Challenge
from layak.dashboards.tests.factories import YEARS, make_dashboard_world
from layak.indicators import periods
from layak.indicators.models import Definition, Rollup
from layak.regions.models import Region

SIX = [
    "kekerasan",
    "perlindungan-digital",
    "perkawinan-anak",
    "partisipasi-anak",
    "ruang-publik-aman",
    "putus-sekolah",
]


def city_rate(code: str, city: Region, year: int) -> Decimal | None:
    return Rollup.objects.get(
        definition__code=code, region=city, period_start=datetime.date(year, 1, 1)
    ).rate


class ChallengeDefaultsTests(TestCase):
    def test_migration_seeds_the_six_challenges_in_order(self) -> None:
        defaults = Challenge.objects.filter(city__isnull=True)
        self.assertEqual([c.code for c in defaults], SIX)
        self.assertEqual(
            defaults.get(code="perlindungan-digital").indicator_codes, ["kekerasan-daring"]
        )
        known = set(Definition.objects.values_list("code", flat=True))
        for challenge in defaults:
            self.assertLessEqual(set(challenge.indicator_codes), known, challenge.code)


class OverviewTests(TestCase):
    def setUp(self) -> None:
        self.world = make_dashboard_world()

    def test_overview_lists_challenges_with_their_indicator_trends(self) -> None:
        # A challenge without any indicator (a city may name one before it has data) is empty.
        Challenge.objects.filter(code="perlindungan-digital").update(indicator_codes=[])
        overview = selectors.city_overview(self.world.city)
        self.assertEqual([b.challenge.code for b in overview.challenges], SIX)
        blocks = {b.challenge.code: b for b in overview.challenges}
        self.assertEqual(blocks["perlindungan-digital"].series, [])
        drop_out = blocks["putus-sekolah"].series[0]
        self.assertEqual(drop_out.definition.code, "putus-sekolah")
        self.assertEqual([p.period for p in drop_out.points], [str(y) for y in YEARS])
        self.assertEqual(drop_out.latest.value, city_rate("putus-sekolah", self.world.city, 2024))  # type: ignore[union-attr]
        self.assertEqual(
            drop_out.change,
            city_rate("putus-sekolah", self.world.city, 2024)  # type: ignore[operator]
            - city_rate("putus-sekolah", self.world.city, 2023),
        )
        # Lower is better: a drop-out count above its target of 1 is off track.
        self.assertEqual(drop_out.target, Decimal("1.00"))
        self.assertIs(drop_out.on_track, False)
        self.assertIn('role="img"', drop_out.chart)
        self.assertIn("<title>", drop_out.chart)

    def test_awards_and_kecamatan_figures(self) -> None:
        overview = selectors.city_overview(self.world.city)
        self.assertEqual([a.year for a in overview.awards], [2024, 2023])
        self.assertIsNone(overview.open_cycle_year)
        self.assertIn("Nindya", "".join(a.category for a in overview.awards))
        self.assertIn('role="img"', overview.award_chart)
        self.assertEqual(overview.figure.code, "penduduk-anak")  # type: ignore[union-attr]
        figures = {f.region.code: f.point for f in overview.kecamatan}
        self.assertEqual(set(figures), {"64.71.01", "64.71.02"})
        expected = Rollup.objects.get(
            definition__code="penduduk-anak",
            region=self.world.kecamatan,
            period_start=datetime.date(2024, 1, 1),
        ).numerator
        self.assertEqual(figures["64.71.01"].numerator, expected)  # type: ignore[union-attr]

    def test_city_with_its_own_challenges_sees_only_those(self) -> None:
        Challenge.objects.create(city=self.world.city, code="x", name="X", indicator_codes=["kia"])
        overview = selectors.city_overview(self.world.city)
        self.assertEqual([b.challenge.code for b in overview.challenges], ["x"])
        self.assertEqual([c.code for c in selectors.challenges_of(self.world.other_city)], SIX)


class ClusterAndAreaTests(TestCase):
    def setUp(self) -> None:
        self.world = make_dashboard_world()

    def test_cluster_page_has_every_active_definition_with_target(self) -> None:
        page = selectors.cluster_page(self.world.city, "K1")
        codes = [s.definition.code for s in page.series]
        self.assertEqual(
            codes,
            list(
                Definition.objects.filter(active=True, cluster="K1")
                .order_by("code")
                .values_list("code", flat=True)
            ),
        )
        birth = next(s for s in page.series if s.definition.code == "akta-lahir")
        self.assertEqual(birth.latest.value, city_rate("akta-lahir", self.world.city, 2024))  # type: ignore[union-attr]
        self.assertEqual(birth.target, Decimal("70.00"))
        self.assertIs(birth.on_track, True)
        kia = next(s for s in page.series if s.definition.code == "kia")
        self.assertEqual(kia.points, [])
        self.assertIsNone(kia.on_track)

    def test_kelurahan_page_shows_area_beside_city_and_hides_small_case_counts(self) -> None:
        page = selectors.area_page(self.world.city, self.world.small)
        self.assertEqual(page.parent, self.world.kecamatan)
        rows = {r.definition.code: r for r in page.rows}
        self.assertNotIn("forum-anak", rows)  # a kecamatan-level definition
        violence = rows["kekerasan-anak"]
        latest = violence.area.latest
        assert latest is not None
        self.assertTrue(latest.suppressed)
        self.assertIsNone(latest.numerator)
        self.assertIsNone(latest.value)
        self.assertEqual(latest.display, hidden_mark())
        self.assertEqual(latest.numerator_display, hidden_mark())
        self.assertEqual(violence.city.latest.value, Decimal(15))  # type: ignore[union-attr]
        self.assertEqual(page.children, [])

    def test_kecamatan_page_lists_its_kelurahan_with_the_figure_asked_for(self) -> None:
        page = selectors.area_page(
            self.world.city, self.world.kecamatan, figure_code="putus-sekolah"
        )
        self.assertIsNone(page.parent)
        self.assertEqual(page.figure.code, "putus-sekolah")  # type: ignore[union-attr]
        children = {c.region.code: c.point for c in page.children}
        self.assertEqual(
            set(children), {"64.71.01.1001", "64.71.01.1002", "64.71.01.2003", "64.71.01.2005"}
        )
        violence = [r for r in page.rows if r.definition.code == "kekerasan-anak"][0]
        # Manggar (6) and Manggar Baru (2) make 8; the kecamatan is shown, its small part not.
        self.assertEqual(violence.area.latest.display, "8")  # type: ignore[union-attr]
        self.assertIn("forum-anak", [r.definition.code for r in page.rows])

    def test_figure_outside_the_areas_level_falls_back_to_the_default(self) -> None:
        page = selectors.area_page(self.world.city, self.world.kecamatan, figure_code="forum-anak")
        self.assertEqual(page.figure.code, "penduduk-anak")  # type: ignore[union-attr]


class SeriesTests(TestCase):
    def _series(
        self, polarity: str, value: str, target: str, unit: str = "percent"
    ) -> selectors.Series:
        definition = Definition(code="x", polarity=polarity, unit=unit, period_type="year")
        city = Region(code="64.71", name="X")
        point = selectors.Point("2024", datetime.date(2024, 1, 1), 1, 2, Decimal(value), False)
        return selectors.Series(definition, city, [point], {2024: Decimal(target)})

    def test_on_track_follows_polarity(self) -> None:
        self.assertIs(self._series("higher", "80", "70").on_track, True)
        self.assertIs(self._series("higher", "60", "70").on_track, False)
        self.assertIs(self._series("lower", "60", "70").on_track, True)
        self.assertIs(self._series("lower", "80", "70").on_track, False)
        self.assertEqual(self._series("lower", "80", "70").status, "off-track")

    def test_count_of_a_period_not_over_or_not_fully_reported_is_not_assessed(self) -> None:
        definition = Definition(code="x", polarity="lower", unit="count", period_type="year")
        city = Region(code="64.71", name="X")

        def series(latest: selectors.Point) -> selectors.Series:
            full = selectors.Point("2023", datetime.date(2023, 1, 1), 90, None, Decimal(90), False)
            return selectors.Series(
                definition, city, [full, latest], {latest.start.year: Decimal(50)}
            )

        # Half the kelurahan reported: their sum (30) is not "on track" nor a fall of 60.
        partial = series(
            selectors.Point("2024", datetime.date(2024, 1, 1), 30, None, Decimal(30), False, 3, 6)
        )
        self.assertTrue(partial.latest_incomplete)
        self.assertIsNone(partial.on_track)
        self.assertIsNone(partial.change)
        self.assertEqual(partial.status, "unknown")
        # The year so far is not a year either.
        year = timezone.localdate().year
        so_far = series(
            selectors.Point(str(year), datetime.date(year, 1, 1), 3, None, Decimal(3), False)
        )
        self.assertTrue(so_far.latest_incomplete)
        self.assertIsNone(so_far.on_track)
        self.assertIsNone(so_far.change)
        # Every kelurahan of a past year: compared.
        full = series(
            selectors.Point("2024", datetime.date(2024, 1, 1), 40, None, Decimal(40), False, 6, 6)
        )
        self.assertFalse(full.latest_incomplete)
        self.assertIs(full.on_track, True)
        self.assertEqual(full.change, Decimal(-50))
        # A share of the reporting kelurahan is still a share: compared.
        definition.unit = "percent"
        self.assertIs(partial.on_track, True)

    def test_period_end(self) -> None:
        self.assertEqual(
            periods.period_end("year", datetime.date(2024, 1, 1)), datetime.date(2025, 1, 1)
        )
        self.assertEqual(
            periods.period_end("semester", datetime.date(2024, 7, 1)), datetime.date(2025, 1, 1)
        )
        self.assertEqual(
            periods.period_end("month", datetime.date(2024, 12, 1)), datetime.date(2025, 1, 1)
        )
        self.assertEqual(
            periods.period_end("month", datetime.date(2024, 3, 1)), datetime.date(2024, 4, 1)
        )

    def test_monthly_count_is_not_set_against_a_yearly_target(self) -> None:
        series = self._series("higher", "80", "70", unit="count")
        series.definition.period_type = "month"
        self.assertIsNone(series.on_track)
        self.assertEqual(series.status, "unknown")
