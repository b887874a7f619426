"""Coverage (issue #5): which kelurahan have a functioning PATBM — active status and at least
one activity in the last ``LAYAK_PATBM_FUNCTIONING_MONTHS`` months — and when each last acted;
per kecamatan and city; and the suggestion it gives evaluation indicator 26."""

from __future__ import annotations

import datetime
from unittest import mock

from django.test import TestCase, override_settings
from django.urls import reverse

from layak.cases.models import Channel, Report
from layak.cases.services import ReportData, report_from_activist
from layak.cases.statistics import area_key, case_tables
from layak.cases.tests.factories import make_case
from layak.community.indicators import compute
from layak.community.models import ActivityKind, GroupStatus
from layak.community.selectors import coverage_of, months_before
from layak.community.tests.factories import PatbmWorld, make_activity, make_patbm_world
from layak.core.disclosure import hidden_mark
from layak.core.testing import login
from layak.evaluations.suggestions import provider, providers_for
from layak.regions.tests.factories import make_region

ON = datetime.date(2026, 6, 30)


class MonthsBeforeTests(TestCase):
    def test_calendar_months_with_short_months(self) -> None:
        self.assertEqual(months_before(datetime.date(2026, 6, 30), 6), datetime.date(2025, 12, 30))
        self.assertEqual(months_before(datetime.date(2026, 8, 31), 6), datetime.date(2026, 2, 28))
        self.assertEqual(months_before(datetime.date(2024, 3, 31), 1), datetime.date(2024, 2, 29))
        self.assertEqual(months_before(datetime.date(2026, 1, 15), 1), datetime.date(2025, 12, 15))


class CoverageTests(TestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = w = make_patbm_world()
        # Manggar: active, acted 5 months ago (functioning), and once after ON (ignored).
        make_activity(w.group, datetime.date(2026, 1, 31))
        make_activity(w.group, datetime.date(2026, 7, 15))
        # Lamaru: active, but last acted 7 months before ON.
        make_activity(w.other_group, datetime.date(2025, 11, 29))
        # Sepinggan: inactive although it acted last week.
        w.far_group.status = GroupStatus.INACTIVE
        w.far_group.save()
        make_activity(w.far_group, datetime.date(2026, 6, 25))
        # A kelurahan without any group profile.
        make_region("64.71.02.1002", "Sepinggan Baru")

    def _rows(self, on: datetime.date = ON) -> dict[str, tuple[str, datetime.date | None, bool]]:
        cov = coverage_of(self.world.city, on=on)
        return {r.kelurahan.name: (r.status, r.last_acted, r.functioning) for r in cov.rows}

    def test_functioning_needs_active_status_and_a_recent_activity(self) -> None:
        self.assertEqual(
            self._rows(),
            {
                "Manggar": ("active", datetime.date(2026, 1, 31), True),
                "Lamaru": ("active", datetime.date(2025, 11, 29), False),
                "Sepinggan": ("inactive", datetime.date(2026, 6, 25), False),
                "Sepinggan Baru": ("", None, False),
            },
        )

    def test_last_acted_moves_with_the_day_and_the_window_edge_counts(self) -> None:
        rows = self._rows(on=datetime.date(2026, 7, 31))
        self.assertEqual(rows["Manggar"][1:], (datetime.date(2026, 7, 15), True))
        # Exactly six months after the last activity: still functioning; a day later: not.
        self.assertTrue(self._rows(on=datetime.date(2026, 5, 29))["Lamaru"][2])
        self.assertFalse(self._rows(on=datetime.date(2026, 5, 30))["Lamaru"][2])

    @override_settings(LAYAK_PATBM_FUNCTIONING_MONTHS=12)
    def test_the_window_is_a_setting(self) -> None:
        self.assertTrue(self._rows()["Lamaru"][2])

    def test_totals_per_kecamatan_and_city(self) -> None:
        cov = coverage_of(self.world.city, on=ON)
        assert cov.total is not None
        self.assertEqual(
            (cov.total.kelurahan, cov.total.active, cov.total.functioning, cov.total.share),
            (4, 2, 1, 25.0),
        )
        per = {t.region.code: (t.kelurahan, t.functioning, t.share) for t, _rows in cov.kecamatan}
        self.assertEqual(per, {"64.71.01": (2, 1, 50.0), "64.71.02": (2, 0, 0.0)})

    def test_page_shows_the_table_and_the_map_in_few_queries(self) -> None:
        w = self.world
        w.manggar.boundary = {
            "type": "Polygon",
            "coordinates": [[[116.9, -1.2], [116.91, -1.2], [116.91, -1.19], [116.9, -1.2]]],
        }
        w.manggar.save()
        login(self.client, w.secretariat)
        self.client.get(reverse("community:coverage"))  # warm the session and menu caches
        with self.assertNumQueries(13):  # constant: not one per kelurahan (one is the TOTP check)
            page = self.client.get(reverse("community:coverage"))
        self.assertContains(page, 'data-code="64.71.01.1001" data-functioning="yes"')
        self.assertContains(page, 'data-code="64.71.01.1002" data-functioning="no"')
        self.assertContains(page, "<svg")
        self.assertContains(page, 'class="region-shape cov-')

    def test_kecamatan_office_sees_only_its_kecamatan(self) -> None:
        login(self.client, self.world.focal_kecamatan)
        data = self.client.get("/api/v1/community/coverage/").json()
        self.assertEqual(data["total"]["code"], "64.71.02")
        self.assertEqual(
            sorted(k["code"] for k in data["kelurahan"]), ["64.71.02.1001", "64.71.02.1002"]
        )


class SuggestionTests(TestCase):
    world: PatbmWorld

    def setUp(self) -> None:
        # The clock: "today" is early 2027, so 2025 and 2026 are whole past years.
        clock = mock.patch(
            "layak.community.indicators.timezone.localdate", return_value=datetime.date(2027, 3, 1)
        )
        clock.start()
        self.addCleanup(clock.stop)

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = w = make_patbm_world()
        make_activity(w.group, datetime.date(2025, 12, 1))
        make_activity(w.group, datetime.date(2025, 11, 1), kind=ActivityKind.PARENTING)
        make_activity(w.group, datetime.date(2025, 10, 1), kind=ActivityKind.PATROL)
        make_activity(w.group, datetime.date(2024, 10, 1))  # another year
        for text in ("Anak dipukul ayahnya setiap malam", "Anak bekerja di pasar malam"):
            report_from_activist(
                actor=w.activist,
                data=ReportData(channel="patbm", description=text, kelurahan=w.manggar),
            )
        make_case(w.cases, report=Report.objects.filter(channel=Channel.PATBM).first())
        Report.objects.filter(channel=Channel.PATBM).update(
            received_at=datetime.datetime(2025, 9, 1, 10, tzinfo=datetime.UTC)
        )

    def test_provider_is_registered_for_indicator_26(self) -> None:
        registered = provider("community.coverage")
        self.assertIsNotNone(registered)
        self.assertIn(registered, providers_for("26"))

    def test_kelurahan_gets_its_figures_for_question_26_09(self) -> None:
        suggestion = compute(self.world.city, 2025, self.world.manggar)
        assert suggestion is not None
        # Two reports, one of which became a case, are small cells: suppressed in the text
        # and not offered as values to take over.
        self.assertEqual(suggestion.values["jumlah_kegiatan_pencegahan"], "2")
        self.assertNotIn("jumlah_kasus_dilaporkan", suggestion.values)
        self.assertNotIn("jumlah_kasus_dirujuk", suggestion.values)
        self.assertEqual(suggestion.text.count(hidden_mark()), 2)
        self.assertNotIn("<5", suggestion.text)
        # The cells are those of the city-year's one protected set of case-derived tables.
        tables = case_tables(self.world.city, 2025)
        for unit in ("patbm", "referred"):
            self.assertTrue(tables.is_hidden(area_key(unit, self.world.manggar.code)))
        self.assertEqual(tables.linked.values[area_key("patbm", self.world.manggar.code)], 2)
        self.assertEqual(tables.linked.values[area_key("referred", self.world.manggar.code)], 1)
        self.assertEqual(suggestion.values["jumlah_kelurahan_patbm_berfungsi"], "1")
        self.assertIn("Manggar", suggestion.text)
        self.assertIn("2025", suggestion.text)

    def test_city_gets_the_share_of_functioning_kelurahan(self) -> None:
        suggestion = compute(self.world.city, 2025, None)
        assert suggestion is not None
        self.assertEqual(
            suggestion.values,
            {
                "jumlah_kelurahan": "3",
                "jumlah_kelurahan_patbm_berfungsi": "1",
                "persentase_kelurahan_patbm_berfungsi": "33.3",
            },
        )
        self.assertIn("33.3%", suggestion.text)

    def test_an_idle_group_is_not_functioning_at_the_end_of_a_later_year(self) -> None:
        suggestion = compute(self.world.city, 2026, self.world.manggar)
        assert suggestion is not None
        # On 31 December 2026 the last activity (December 2025) is too old.
        self.assertEqual(suggestion.values["jumlah_kelurahan_patbm_berfungsi"], "0")
        self.assertEqual(suggestion.values["jumlah_kegiatan_pencegahan"], "0")

    def test_other_city_and_future_year_give_nothing(self) -> None:
        self.assertIsNone(compute(self.world.city, 2028, None))
        self.assertIsNone(compute(self.world.city, 2025, self.world.cases.other_city))
