"""Statistics leave the case team (issue #4, "Done when": the small-cell test): counts of
victims, cases and reports kept apart, cells of 1-4 shown as "<5", a lone hidden cell hidden
together with another, small totals hidden, and only consenting cases where that is required."""

from __future__ import annotations

from django.db.models import Q
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.cases import selectors, services
from layak.cases.models import Case, Purpose
from layak.cases.selectors import Cell, Statistic, case_statistics, suppress
from layak.cases.tests.factories import (
    CaseWorld,
    anonymous_victim,
    make_case,
    make_case_world,
    report_data,
)

BALIKPAPAN = Q(region__code="64.71")
SAMARINDA = Q(region__code="64.72")


def by_label(statistic: Statistic) -> dict[str, int | None]:
    return {cell.label: cell.value for cell in statistic.cells}


class SuppressTests(TestCase):
    def test_cells_from_one_to_four_are_hidden(self) -> None:
        shown, total = suppress({"a": 1, "b": 4, "c": 5, "d": 12}, 22)
        self.assertEqual(shown, {"a": None, "b": None, "c": 5, "d": 12})
        self.assertEqual(total, 22)

    def test_a_lone_hidden_cell_hides_the_next_smallest_too(self) -> None:
        shown, total = suppress({"a": 3, "b": 10, "c": 12}, 25)
        self.assertEqual(shown, {"a": None, "b": None, "c": 12})
        self.assertEqual(total, 25)

    def test_the_second_suppression_skips_empty_cells(self) -> None:
        shown, _total = suppress({"a": 3, "b": 0, "c": 9, "d": 20}, 32)
        self.assertEqual(shown, {"a": None, "b": 0, "c": None, "d": 20})

    def test_hidden_cells_that_add_up_to_less_than_five_hide_one_more(self) -> None:
        # 1 and 1 hidden beside 50 of 52 would both be known to be 1.
        shown, total = suppress({"a": 1, "b": 1, "c": 50, "d": 60}, 112)
        self.assertEqual(shown, {"a": None, "b": None, "c": None, "d": 60})
        self.assertEqual(total, 112)

    def test_kelurahan_are_protected_within_their_kecamatan(self) -> None:
        # Kecamatan 01 is published as 23 and 02 as 10 elsewhere: hiding only the 3 of 01
        # and the 10 of 02 would give both back.
        counts = {"64.71.01.1001": 3, "64.71.01.1002": 20, "64.71.02.1001": 10}
        groups = {k: k[:8] for k in counts}
        shown, _total = suppress(counts, 33, groups)
        self.assertIsNone(shown["64.71.01.1001"])
        self.assertIsNone(shown["64.71.01.1002"])

    def test_when_nothing_can_protect_a_cell_the_total_is_hidden(self) -> None:
        shown, total = suppress({"a": 2, "b": 0}, 7)
        self.assertEqual(shown, {"a": None, "b": 0})
        self.assertIsNone(total)

    def test_zero_is_not_a_small_cell(self) -> None:
        shown, total = suppress({"a": 0, "b": 7}, 7)
        self.assertEqual(shown, {"a": 0, "b": 7})
        self.assertEqual(total, 7)

    def test_a_total_below_five_is_hidden(self) -> None:
        self.assertEqual(suppress({"a": 4}, 4), ({"a": None}, None))
        self.assertEqual(suppress({}, 0), ({}, 0))

    @override_settings(LAYAK_SMALL_CELL=3)
    def test_the_threshold_comes_from_settings(self) -> None:
        shown, total = suppress({"a": 2, "b": 3, "c": 4}, 9)
        self.assertEqual(shown, {"a": None, "b": None, "c": 4})
        self.assertEqual(total, 9)

    def test_a_hidden_cell_displays_as_less_than_five(self) -> None:
        self.assertEqual(Cell("a", "A", None).display, "<5")
        self.assertEqual(Cell("a", "A", 0).display, "0")
        self.assertEqual(Statistic("cases", "sex", [], None).total_display, "<5")


class CaseStatisticsTests(TestCase):
    """Balikpapan this year: six cases in Manggar (kecamatan 64.71.01) with one girl of 12
    each (physical violence); one case in Manggar with a girl of 12 (physical, psychological)
    and a boy of 5 (psychological); two cases in Sepinggan (64.71.02) with a boy of 15 each
    (physical, sexual). 9 cases, 10 victims. Samarinda: 3 cases."""

    world: CaseWorld
    single: list[Case]
    year: int

    @classmethod
    def setUpTestData(cls) -> None:
        world = make_case_world()
        cls.world = world
        cls.year = timezone.localdate().year
        cls.single = [
            make_case(world, victims=[anonymous_victim("F", 12, "fisik")]) for _n in range(6)
        ]
        make_case(
            world,
            victims=[
                anonymous_victim("F", 12, "fisik", "psikis"),
                anonymous_victim("M", 5, "psikis"),
            ],
        )
        for _n in range(2):
            make_case(
                world,
                kelurahan=world.kelurahan2,
                victims=[anonymous_victim("M", 15, "fisik", "seksual")],
            )
        samarinda = make_person(Role.CASE_WORKER, agency=world.other_uptd)
        for _n in range(3):
            case = services.case_open(actor=samarinda, data=services.CaseData())
            services.victim_add(actor=samarinda, case=case, data=anonymous_victim("F", 12))

    def stat(self, unit: str, dimension: str, region: Q = BALIKPAPAN) -> Statistic:
        return case_statistics(region_filter=region, year=self.year, unit=unit, dimension=dimension)

    def test_victims_and_cases_are_counted_apart(self) -> None:
        self.assertEqual(self.stat("victims", "month").total, 10)
        self.assertEqual(self.stat("cases", "month").total, 9)
        month = timezone.localdate().strftime("%Y-%m")
        self.assertEqual(by_label(self.stat("cases", "month")), {month: 9})

    def test_victims_by_form_hide_small_cells(self) -> None:
        statistic = self.stat("victims", "form")
        # Physical 9, psychological 2, sexual 2: the two hidden cells add up to 4, which
        # would tell each is below 5 and their sum; the 9 is hidden too.
        self.assertEqual(by_label(statistic), {"Fisik": None, "Psikis": None, "Seksual": None})
        self.assertEqual(statistic.total, 10)
        self.assertEqual([c.display for c in statistic.cells], ["<5", "<5", "<5"])

    def test_a_lone_small_cell_is_not_derivable_from_the_total(self) -> None:
        statistic = self.stat("victims", "sex")
        # Girls 7, boys 3: showing 7 of 10 would reveal the 3.
        self.assertEqual({c.key: c.value for c in statistic.cells}, {"F": None, "M": None})
        self.assertEqual(statistic.total, 10)

    def test_cases_by_kecamatan_and_kelurahan(self) -> None:
        kecamatan = self.stat("cases", "kecamatan")
        self.assertEqual(
            {c.key: c.value for c in kecamatan.cells}, {"64.71.01": None, "64.71.02": None}
        )
        self.assertEqual(by_label(kecamatan).keys(), {"Balikpapan Timur", "Balikpapan Selatan"})
        self.assertEqual(kecamatan.total, 9)
        kelurahan = self.stat("victims", "kelurahan")
        self.assertEqual({c.key for c in kelurahan.cells}, {"64.71.01.1001", "64.71.02.1001"})

    def test_victims_by_age_group(self) -> None:
        statistic = self.stat("victims", "age_group")
        self.assertEqual(
            by_label(statistic), {"0–5 tahun": None, "6–12 tahun": None, "13–17 tahun": None}
        )

    def test_a_total_below_five_is_hidden(self) -> None:
        statistic = self.stat("cases", "sex", region=SAMARINDA)
        self.assertIsNone(statistic.total)
        self.assertEqual(statistic.total_display, "<5")
        self.assertEqual({c.key: c.value for c in statistic.cells}, {"F": None})

    def test_another_year_counts_nothing(self) -> None:
        statistic = case_statistics(
            region_filter=BALIKPAPAN, year=self.year - 1, unit="cases", dimension="sex"
        )
        self.assertEqual((statistic.cells, statistic.total), ([], 0))

    def test_reports_are_counted_apart(self) -> None:
        for _n in range(6):
            services.report_record(actor=self.world.worker, data=report_data())
        services.report_record(actor=self.world.worker, data=report_data(channel="whatsapp"))
        statistic = self.stat("reports", "channel")
        self.assertEqual(statistic.total, 7)
        self.assertEqual(
            {c.key: c.value for c in statistic.cells}, {"hotline": None, "whatsapp": None}
        )

    def test_an_unknown_unit_or_dimension_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            self.stat("families", "sex")
        with self.assertRaises(ValueError):
            self.stat("victims", "religion")

    @override_settings(LAYAK_CASE_STATS_REQUIRE_CONSENT=True)
    def test_only_cases_with_active_statistics_consent_count_where_required(self) -> None:
        self.assertEqual(self.stat("cases", "month").total, 0)
        today = timezone.localdate()
        consents = [
            services.consent_record(
                actor=self.world.worker,
                case=case,
                purpose=Purpose.STATISTICS,
                given_by="guardian",
                given_on=today,
            )
            for case in self.single
        ]
        # Consent to services is not consent to statistics.
        services.consent_record(
            actor=self.world.worker,
            case=Case.objects.exclude(pk__in=[c.pk for c in self.single])
            .filter(region__code="64.71")
            .first(),  # type: ignore[arg-type]  # the dataset has such a case
            purpose=Purpose.SERVICES,
            given_by="guardian",
            given_on=today,
        )
        services.consent_withdraw(actor=self.world.worker, consent=consents[0], on=today)
        cases = self.stat("cases", "kecamatan")
        self.assertEqual(cases.total, 5)
        self.assertEqual({c.key: c.value for c in cases.cells}, {"64.71.01": 5})
        victims = self.stat("victims", "sex")
        self.assertEqual({c.key: c.value for c in victims.cells}, {"F": 5})

    def test_without_the_requirement_every_case_counts(self) -> None:
        self.assertEqual(self.stat("cases", "kecamatan").total, 9)

    def test_statistics_years_include_this_year(self) -> None:
        self.assertIn(self.year, selectors.statistics_years(BALIKPAPAN))
