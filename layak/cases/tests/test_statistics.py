"""Case statistics leave the case team (issues #4 and #12): every case-derived count of a
kab/kota and year is a cell of ONE linked set (by kelurahan, kecamatan and city; online cases;
victims and cases by form, sex, age group and month; reports by month and channel; PATBM
reports), protected as a whole, so that the statistics page, its CSV, the API, the roll-ups the
public portal reads and the PATBM figures hide the same cells and no arithmetic over all of
them narrows a small count below the protection."""

from __future__ import annotations

import csv
import io
from unittest import mock

from django.core.cache import caches
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases import services, statistics
from layak.cases.disclosure import collect
from layak.cases.models import Case, Purpose
from layak.cases.statistics import (
    UNPLACED,
    CaseCounts,
    area_key,
    case_counts,
    case_statistic,
    case_tables,
    category_key,
    linked_from_counts,
)
from layak.cases.tests.factories import (
    CaseWorld,
    anonymous_victim,
    make_case,
    make_case_world,
    report_data,
)
from layak.core.disclosure import (
    Key,
    Linked,
    attack,
    caching,
    hidden_mark,
    protect,
    shortfalls,
    small_cell,
)
from layak.core.testing import login
from layak.indicators import rollups
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Rollup
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

TIMUR = "64.71.01"
LEAK = {"64.71.01.1001": 8, "64.71.01.1002": 10, "64.71.01.1003": 4, "64.71.01.1004": 4}


def leak_counts() -> CaseCounts:
    """The demo leak of issue #12 as plain counts: Kecamatan Balikpapan Timur with 8, 10, 4
    and 4 cases in its four kelurahan (26), beside Balikpapan Selatan with 12 in one."""
    cases = {**LEAK, "64.71.02.1001": 12}
    return CaseCounts(
        city="64.71",
        kelurahan_of={TIMUR: sorted(LEAK), "64.71.02": ["64.71.02.1001"]},
        areas={"cases": cases, "victims": dict(cases), "online": {}, "reports": {}},
        categories={("cases", "month"): {"2025-01": 38}, ("victims", "month"): {"2025-01": 38}},
    )


class LinkedFromCountsTests(TestCase):
    """The pure builder (no database), as the benchmark uses it."""

    def test_the_leak_of_issue_12_is_closed(self) -> None:
        linked = linked_from_counts(leak_counts())
        protected = protect(linked)
        small = [area_key("cases", "64.71.01.1003"), area_key("cases", "64.71.01.1004")]
        self.assertTrue(all(protected.is_hidden(k) for k in small))
        intervals = attack(linked, protected.hidden)
        for key in small:
            self.assertGreaterEqual(intervals[key].high - intervals[key].low, small_cell(), key)
        self.assertEqual(shortfalls(linked, protected.hidden), [])
        # The kecamatan total is the same cell on the page and in the roll-up.
        self.assertEqual(linked.values[area_key("cases", TIMUR)], 26)

    def test_offline_cases_are_a_cell_so_a_small_difference_is_protected(self) -> None:
        counts = leak_counts()
        counts.areas["online"] = {"64.71.01.1001": 8, "64.71.01.1002": 10, "64.71.02.1001": 9}
        linked = linked_from_counts(counts)
        self.assertEqual(linked.values[area_key("offline", "64.71.02.1001")], 3)
        self.assertIn(area_key("offline", "64.71.02.1001"), linked.published)
        protected = protect(linked)
        self.assertTrue(protected.is_hidden(area_key("offline", "64.71.02.1001")))
        self.assertEqual(shortfalls(linked, protected.hidden), [])

    def test_unplaced_and_unknown_parts_are_never_published(self) -> None:
        counts = leak_counts()
        counts.areas["cases"][UNPLACED] = 2
        counts.areas["victims"][UNPLACED] = 2
        counts.categories[("cases", "month")] = {"2025-01": 40}
        counts.categories[("victims", "month")] = {"2025-01": 40}
        counts.categories[("victims", "age_group")] = {"0-5": 30, "-": 10}
        linked = linked_from_counts(counts)
        self.assertEqual(linked.values[area_key("cases", "64.71")], 40)
        self.assertNotIn(area_key("cases", UNPLACED), linked.published)
        self.assertNotIn(category_key("victims", "age_group", "-"), linked.published)

    def test_the_same_counts_give_the_same_cells_and_fingerprint(self) -> None:
        first, second = linked_from_counts(leak_counts()), linked_from_counts(leak_counts())
        self.assertEqual(caching.fingerprint(first), caching.fingerprint(second))
        self.assertEqual(protect(first).hidden, protect(second).hidden)
        changed = leak_counts()
        changed.areas["cases"]["64.71.02.1001"] = 13
        changed.areas["victims"]["64.71.02.1001"] = 13
        changed.categories = {
            ("cases", "month"): {"2025-01": 39},
            ("victims", "month"): {"2025-01": 39},
        }
        self.assertNotEqual(
            caching.fingerprint(first), caching.fingerprint(linked_from_counts(changed))
        )


class LeakTests(TestCase):
    """Issue #12: Kecamatan Balikpapan Timur showed 26 with 8, 10 and two "<5" (both 4)."""

    world: CaseWorld
    year: int

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        world = make_case_world()
        cls.world = world
        cls.year = timezone.localdate().year
        for code, name in (("1002", "Lamaru"), ("1003", "Teritip"), ("1004", "Manggar Baru")):
            make_region(f"{TIMUR}.{code}", name)
        for code, n in LEAK.items():
            kelurahan = Region.objects.get(code=code)
            for _i in range(n):
                make_case(world, kelurahan=kelurahan, victims=[anonymous_victim("F", 12)])
        for definition in Definition.objects.filter(code__in=rollups.CASE_UNITS):
            rollups.refresh_cases(definition, world.city)

    def published(self) -> tuple[Linked, frozenset[Key]]:
        (found,) = list(collect(self.world.city, self.year))
        return found.linked, found.hidden

    def test_the_rollups_no_longer_let_the_small_kelurahan_be_pinned(self) -> None:
        rows = {
            r.region.code: r
            for r in Rollup.objects.filter(
                definition__code="kekerasan-anak", period_start__year=self.year
            ).select_related("region")
        }
        self.assertEqual(rows[TIMUR].numerator, 26)
        for code in ("64.71.01.1003", "64.71.01.1004"):
            self.assertIsNone(rows[code].numerator)
            self.assertTrue(rows[code].suppressed)
        linked, hidden = self.published()
        intervals = attack(linked, hidden)
        for code in ("64.71.01.1003", "64.71.01.1004"):
            interval = intervals[area_key("cases", code)]
            self.assertGreaterEqual(interval.high - interval.low, 5, (code, interval))
        self.assertEqual(shortfalls(linked, hidden), [])

    def test_the_audit_reads_what_the_stored_rollups_really_show(self) -> None:
        # A roll-up row that shows a cell the protection hides (an approved year kept from
        # before, a hand edit) is published all the same, and the audit must see the leak.
        Rollup.objects.filter(
            definition__code="kekerasan-anak",
            region__code="64.71.01.1003",
            period_start__year=self.year,
        ).update(numerator=4, suppressed=False)
        linked, hidden = self.published()
        self.assertNotIn(area_key("cases", "64.71.01.1003"), hidden)
        self.assertIn(area_key("cases", "64.71.01.1004"), hidden)
        self.assertNotEqual(shortfalls(linked, hidden), [])

    @override_settings(LAYAK_HOME_REGION="64.71")
    def test_the_public_table_shows_no_less_than_five_text(self) -> None:
        response = Client().get("/publik/statistik/kekerasan-anak/")
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertNotIn("&lt;5", body)
        self.assertNotIn("<5", body)
        self.assertIn("26", body)

    def test_page_csv_api_and_rollups_hide_the_same_cells(self) -> None:
        leader = make_person(Role.LEADERSHIP, agency=self.world.uptd)
        client = Client()
        login(client, leader)
        query = {"year": str(self.year), "unit": "cases", "dimension": "kelurahan"}
        page = client.get(reverse("cases:statistics"), query)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "&lt;5")
        self.assertContains(page, f'data-hidden="true">{hidden_mark()}</td>', count=2)
        self.assertContains(page, "<td>8</td>")
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get(reverse("cases:statistics"), {**query, "format": "csv"})
                    .content.decode()
                    .lstrip("\ufeff")
                )
            )
        )
        by_key = {row[0]: row[2] for row in rows[1:]}
        api = client.get("/api/v1/cases/statistics/", query).json()
        cells = {c["key"]: c for c in api["cells"]}
        rollup = {
            r.region.code: r.numerator
            for r in Rollup.objects.filter(
                definition__code="kekerasan-anak", period_start__year=self.year
            ).select_related("region")
        }
        for code in LEAK:
            self.assertEqual(cells[code]["value"], rollup[code], code)
            self.assertEqual(cells[code]["hidden"], rollup[code] is None, code)
            self.assertEqual(
                by_key[code], hidden_mark() if rollup[code] is None else str(rollup[code])
            )
        self.assertEqual(api["total"], 26)
        self.assertEqual(by_key["total"], "26")
        self.assertNotIn("<5", str(rows))


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

    def stat(self, unit: str, dimension: str, city: Region | None = None) -> statistics.Statistic:
        return case_statistic(
            city=city or self.world.city, year=self.year, unit=unit, dimension=dimension
        )

    def test_counts_are_taken_apart_by_unit(self) -> None:
        counts = case_counts(self.world.city, self.year)
        self.assertEqual(sum(counts.areas["cases"].values()), 9)
        self.assertEqual(sum(counts.areas["victims"].values()), 10)
        self.assertEqual(counts.categories[("victims", "form")]["fisik"], 9)
        self.assertEqual(counts.categories[("cases", "form")]["fisik"], 9)
        self.assertEqual(counts.categories[("cases", "form")]["psikis"], 1)
        self.assertEqual(counts.categories[("victims", "sex")], {"F": 7, "M": 3})
        self.assertEqual(counts.categories[("cases", "sex")], {"F": 7, "M": 3, "-": 0})

    def test_every_published_cell_is_safe_and_small_ones_are_hidden(self) -> None:
        tables = case_tables(self.world.city, self.year)
        linked = tables.linked
        for key in linked.published:
            if 0 < linked.values[key] < small_cell():
                self.assertTrue(tables.is_hidden(key), key)
        self.assertEqual(shortfalls(linked, tables.hidden), [])

    def test_a_hidden_cell_shows_the_one_mark(self) -> None:
        statistic = self.stat("victims", "sex")
        # Girls 7, boys 3: the 3 is hidden, and the 7 with it (10 is the total).
        self.assertEqual({c.key: c.value for c in statistic.cells}, {"F": None, "M": None})
        self.assertEqual([c.display for c in statistic.cells], [hidden_mark()] * 2)
        self.assertNotIn("<5", [c.display for c in statistic.cells])

    def test_cases_by_kecamatan_are_the_rollup_cells(self) -> None:
        load_definitions()
        rollups.refresh_cases(Definition.objects.get(code="kekerasan-anak"), self.world.city)
        kecamatan = self.stat("cases", "kecamatan")
        rows = {
            r.region.code: r.numerator
            for r in Rollup.objects.filter(definition__code="kekerasan-anak").select_related(
                "region"
            )
        }
        self.assertEqual({c.key for c in kecamatan.cells}, {"64.71.01", "64.71.02"})
        for cell in kecamatan.cells:
            self.assertEqual(cell.value, rows[cell.key])
        self.assertEqual(kecamatan.total, rows["64.71"])

    def test_a_city_with_fewer_than_five_cases_hides_its_total(self) -> None:
        statistic = self.stat("cases", "sex", city=self.world.other_city)
        self.assertIsNone(statistic.total)
        self.assertEqual(statistic.total_display, hidden_mark())

    def test_another_year_counts_nothing(self) -> None:
        empty = case_statistic(
            city=self.world.city, year=self.year - 1, unit="cases", dimension="kecamatan"
        )
        self.assertEqual(empty.total, 0)
        self.assertEqual({c.value for c in empty.cells}, {0})

    def test_reports_are_counted_apart(self) -> None:
        for _n in range(6):
            services.report_record(actor=self.world.worker, data=report_data())
        services.report_record(actor=self.world.worker, data=report_data(channel="whatsapp"))
        statistic = self.stat("reports", "channel")
        self.assertEqual(statistic.total, 7)
        cells = {c.key: c.value for c in statistic.cells}
        self.assertIsNone(cells["whatsapp"])
        self.assertIsNone(cells["hotline"])  # 6 of 7 would give the 1 away
        self.assertEqual(cells["police"], 0)

    def test_an_unknown_unit_or_dimension_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            self.stat("families", "sex")
        with self.assertRaises(ValueError):
            self.stat("victims", "religion")
        with self.assertRaises(ValueError):
            self.stat("reports", "form")

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
        self.assertEqual({c.key: c.value for c in cases.cells}, {"64.71.01": 5, "64.71.02": 0})

    def test_statistics_years_include_this_year(self) -> None:
        self.assertIn(self.year, statistics.statistics_years(self.world.city))

    def test_the_collector_publishes_every_year_with_cases(self) -> None:
        published = list(collect(self.world.city, None))
        self.assertEqual([p.name for p in published], [f"cases 64.71 {self.year}"])
        for found in published:
            self.assertEqual(shortfalls(found.linked, found.hidden), [])


class CacheTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        for _n in range(6):
            make_case(cls.world, victims=[anonymous_victim("F", 12)])

    def setUp(self) -> None:
        caching.forget_local()

    def test_the_same_data_is_protected_once_and_changed_data_again(self) -> None:
        year = timezone.localdate().year
        with mock.patch("layak.core.disclosure.caching.protect", wraps=protect) as spy:
            first = case_tables(self.world.city, year)
            again = case_tables(self.world.city, year)
            self.assertEqual(spy.call_count, 1)
            self.assertEqual(first.hidden, again.hidden)
            make_case(self.world, victims=[anonymous_victim("M", 8)])
            changed = case_tables(self.world.city, year)
            self.assertEqual(spy.call_count, 2)
        self.assertEqual(changed.linked.values[area_key("cases", "64.71")], 7)

    @override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    )
    def test_a_result_from_the_shared_cache_is_used(self) -> None:
        caches["default"].clear()
        year = timezone.localdate().year
        with mock.patch("layak.core.disclosure.caching.protect", wraps=protect) as spy:
            case_tables(self.world.city, year)
            caching.forget_local()  # another process
            case_tables(self.world.city, year)
        self.assertEqual(spy.call_count, 1)

    @override_settings(LAYAK_SMALL_CELL=10)
    def test_a_changed_threshold_is_never_answered_from_the_cache(self) -> None:
        year = timezone.localdate().year
        tables = case_tables(self.world.city, year)
        self.assertTrue(tables.is_hidden(area_key("cases", "64.71")))  # 6 < 10


class ViewTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        for _n in range(7):
            make_case(cls.world, victims=[anonymous_victim("F", 12)])
        make_case(cls.world, victims=[anonymous_victim("M", 12)])

    def client_for(self, user: object) -> Client:
        client = Client()
        login(client, user)
        return client

    def test_national_staff_choose_a_kab_kota(self) -> None:
        ministry = make_agency(region=None, code="kemenpppa", name="KemenPPPA")
        ministry.region = None  # a ministry: no region, so every kab/kota
        ministry.save()
        national = make_person(Role.SECRETARIAT, agency=ministry)
        client = self.client_for(national)
        page = client.get(reverse("cases:statistics"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'data-testid="statistics-city"')
        self.assertContains(page, 'value="64.72"')
        other = client.get(
            reverse("cases:statistics"),
            {
                "city": "64.72",
                "year": str(timezone.localdate().year),
                "unit": "cases",
                "dimension": "sex",
            },
        )
        self.assertContains(other, 'data-city="64.72"')
        self.assertEqual(
            client.get(reverse("cases:statistics"), {"city": "99.99"}).status_code, 404
        )
        api = client.get("/api/v1/cases/statistics/", {"city": "64.71", "unit": "cases"}).json()
        self.assertEqual((api["city"], api["total"]), ("64.71", 8))
        missing = client.get("/api/v1/cases/statistics/", {"city": "99.99"})
        self.assertEqual(missing.status_code, 404)

    def test_city_staff_see_their_own_city_only(self) -> None:
        leader = make_person(Role.LEADERSHIP, agency=self.world.uptd)
        client = self.client_for(leader)
        page = client.get(reverse("cases:statistics"))
        self.assertContains(page, 'data-city="64.71"')
        self.assertNotContains(page, 'data-testid="statistics-city"')
        self.assertEqual(
            client.get(reverse("cases:statistics"), {"city": "64.72"}).status_code, 404
        )

    def test_a_reader_scoped_to_a_kecamatan_gets_its_kab_kota(self) -> None:
        agency = make_agency(region=self.world.kecamatan, code="kec-timur", name="Kecamatan")
        reader = make_person(Role.LEADERSHIP, agency=agency)
        page = self.client_for(reader).get(reverse("cases:statistics"))
        self.assertContains(page, 'data-city="64.71"')

    def test_api_returns_null_and_hidden_for_a_hidden_cell(self) -> None:
        client = self.client_for(self.world.manager)
        year = str(timezone.localdate().year)
        api = client.get(
            "/api/v1/cases/statistics/", {"year": year, "unit": "victims", "dimension": "sex"}
        ).json()
        cells = {c["key"]: c for c in api["cells"]}
        self.assertEqual(cells["M"], {**cells["M"], "value": None, "hidden": True})
        self.assertEqual(cells["M"]["display"], hidden_mark())
        self.assertEqual(api["total"], 8)
        page = client.get(
            reverse("cases:statistics"), {"year": year, "unit": "victims", "dimension": "sex"}
        )
        self.assertContains(page, 'data-testid="hidden-legend"')
        self.assertNotContains(page, "&lt;5")

    def test_views_are_marked_as_publishing_case_counts(self) -> None:
        from layak.cases import api, views
        from layak.core.disclosure import published_families

        self.assertEqual(published_families(views.statistics), ("cases",))
        self.assertEqual(published_families(api.statistics), ("cases",))
