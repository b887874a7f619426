"""Dashboard pages: who may see them, CSV equal to the tables, small case counts never shown,
private caching, and a query count that does not grow with the number of kelurahan."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from layak.core.disclosure import hidden_mark, legend_text
from layak.core.formatting import format_decimal
from layak.core.testing import assert_access_matrix, login
from layak.dashboards import services
from layak.dashboards.models import Challenge
from layak.dashboards.tests.factories import (
    YEARS,
    DashboardWorld,
    add_kelurahan,
    make_dashboard_world,
)
from layak.indicators import rollups
from layak.indicators.models import Rollup, Value
from layak.regions.tests.factories import make_region


def rows_of(response: object) -> list[dict[str, str]]:
    content = response.content.decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(content)))


class AccessTests(TestCase):
    def setUp(self) -> None:
        self.world = make_dashboard_world()

    def test_every_page_answers_by_the_access_matrix(self) -> None:
        for url in (
            reverse("dashboards:city"),
            reverse("dashboards:city") + "?format=csv",
            reverse("dashboards:awards_csv"),
            reverse("dashboards:cluster", args=["K4"]),
            reverse("dashboards:area", args=["64.71.01"]),
            reverse("dashboards:area", args=["64.71.01.1001"]),
            reverse("dashboards:trend_csv", args=["akta-lahir"]),
        ):
            assert_access_matrix(
                self, url, allowed=self.world.focal, no_permission=self.world.no_role
            )

    def test_area_of_another_city_answers_404(self) -> None:
        make_region("64.72.01", "Samarinda Ulu")
        client = Client()
        login(client, self.world.focal)
        for url in (
            reverse("dashboards:area", args=["64.72.01"]),
            reverse("dashboards:trend_csv", args=["akta-lahir"]) + "?area=64.72.01",
            reverse("dashboards:area", args=["64.71"]),  # the city itself is not an area
            reverse("dashboards:area", args=["64.71.99"]),
        ):
            self.assertEqual(client.get(url).status_code, 404, url)
        other = Client()
        login(other, self.world.other_reader)
        self.assertEqual(other.get(reverse("dashboards:area", args=["64.72.01"])).status_code, 200)

    def test_person_of_another_city_sees_own_city_only(self) -> None:
        client = Client()
        login(client, self.world.other_reader)
        response = client.get(reverse("dashboards:area", args=["64.71.01.1001"]))
        self.assertEqual(response.status_code, 404)
        response = client.get(reverse("dashboards:city"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nindya")
        self.assertEqual(response.context["overview"].city, self.world.other_city)

    def test_unknown_cluster_answers_404(self) -> None:
        client = Client()
        login(client, self.world.focal)
        self.assertEqual(client.get("/dashboards/cluster/K9/").status_code, 404)

    def test_pages_are_private_to_the_browser(self) -> None:
        client = Client()
        login(client, self.world.focal)
        response = client.get(reverse("dashboards:city"))
        self.assertIn("private", response["Cache-Control"])
        self.assertNotIn("public", response["Cache-Control"])
        self.assertIn("Cookie", response["Vary"])


class ContentTests(TestCase):
    def setUp(self) -> None:
        self.world = make_dashboard_world()
        self.client = Client()
        login(self.client, self.world.focal)

    def test_overview_shows_challenges_awards_and_drill_down(self) -> None:
        Challenge.objects.filter(code="perlindungan-digital").update(indicator_codes=[])
        response = self.client.get(reverse("dashboards:city"))
        html = response.content.decode()
        for code in ("kekerasan", "perlindungan-digital", "putus-sekolah"):
            self.assertIn(f'data-testid="challenge-{code}"', html)
        digital = html.split('data-testid="challenge-perlindungan-digital"')[1].split("</section>")[
            0
        ]
        self.assertIn('data-testid="no-indicator"', digital)
        self.assertIn('data-testid="kpi-putus-sekolah" data-status="off-track"', html)
        self.assertIn(reverse("indicators:detail", args=["putus-sekolah"]), html)
        self.assertIn(reverse("dashboards:area", args=["64.71.01"]), html)
        self.assertIn('<tr data-year="2024">', html)
        self.assertEqual(html.count('role="img"'), html.count("<svg"))

    def test_trend_csv_matches_the_data_table(self) -> None:
        html = self.client.get(reverse("dashboards:cluster", args=["K1"])).content.decode()
        table = html.split('data-testid="table-akta-lahir"')[1].split("</table>")[0]
        shown = dict(
            re.findall(r'data-period="(\d{4})">.*?<td class="value">([^<]*)</td>', table, re.S)
        )
        response = self.client.get(reverse("dashboards:trend_csv", args=["akta-lahir"]))
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="kota-balikpapan-akta-lahir-64.71-trend.csv"',
        )
        rows = rows_of(response)
        # The page writes the number in the reader's language, the CSV as a number.
        self.assertEqual({r["period"]: format_decimal(Decimal(r["value"]), 1) for r in rows}, shown)
        self.assertEqual({r["period"]: r["value"] for r in rows}, {"2023": "78.3", "2024": "83.2"})
        self.assertEqual(len(shown), 2)
        self.assertEqual(rows[-1]["target"], "70.00")

    def test_page_csvs_match_the_pages(self) -> None:
        response = self.client.get(reverse("dashboards:cluster", args=["K4"]), {"format": "csv"})
        self.assertIn("kota-balikpapan-cluster-K4.csv", response["Content-Disposition"])
        page = self.client.get(reverse("dashboards:cluster", args=["K4"])).context["page"]
        by_code = {r["indicator_code"]: r for r in rows_of(response)}
        for series in page.series:
            row = by_code[series.definition.code]
            latest = series.latest.csv_value if series.latest else None
            self.assertEqual(row["latest_value"], "" if latest is None else str(latest))
            self.assertEqual(row["status"], series.status)
        awards = rows_of(self.client.get(reverse("dashboards:awards_csv")))
        self.assertEqual(
            [(a["year"], a["category"]) for a in awards], [("2024", "Nindya"), ("2023", "Madya")]
        )

    def test_area_is_set_beside_the_city_value_of_the_same_period(self) -> None:
        # The small kelurahan has not reported birth certificates for the latest year.
        Value.objects.filter(
            definition__code="akta-lahir", region=self.world.small, period_start__year=YEARS[-1]
        ).delete()
        rollups.refresh_city(self.world.city)
        city_rates = {
            r.period_label: str(r.rate)
            for r in Rollup.objects.filter(definition__code="akta-lahir", region=self.world.city)
        }
        self.assertNotEqual(city_rates[str(YEARS[0])], city_rates[str(YEARS[-1])])
        url = reverse("dashboards:area", args=[self.world.small.code])
        birth = [
            r
            for r in rows_of(self.client.get(url, {"format": "csv"}))
            if r["indicator_code"] == "akta-lahir"
        ][0]
        self.assertEqual(birth["period"], str(YEARS[0]))
        self.assertEqual(birth["city_value"], city_rates[str(YEARS[0])])
        kpi = self.client.get(url).content.decode().split('data-testid="kpi-akta-lahir"')[1]
        shown = re.search(r'data-testid="city-latest">([^<]*)<', kpi)
        assert shown is not None
        self.assertEqual(shown.group(1), format_decimal(Decimal(city_rates[str(YEARS[0])]), 1))
        # The city's latest year now lacks a kelurahan: its trend says so.
        trend = rows_of(self.client.get(reverse("dashboards:trend_csv", args=["akta-lahir"])))
        self.assertEqual([r["complete"] for r in trend], ["ya", "tidak"])

    def test_small_case_counts_are_never_shown(self) -> None:
        small = self.world.small.code
        mark = escape(hidden_mark())
        response = self.client.get(reverse("dashboards:area", args=[small]))
        page = response.content.decode()
        self.assertNotIn("&lt;5", page)
        kpi = page.split('data-testid="kpi-kekerasan-anak"')[1].split("</li>")[0]
        self.assertIn(f'class="value">{mark}<', kpi)
        self.assertNotRegex(kpi, r'class="value">[1-4]<')
        area_csv = rows_of(
            self.client.get(reverse("dashboards:area", args=[small]), {"format": "csv"})
        )
        violence = [r for r in area_csv if r["indicator_code"] == "kekerasan-anak"][0]
        self.assertEqual(violence["area_value"], hidden_mark())
        trend = rows_of(
            self.client.get(
                reverse("dashboards:trend_csv", args=["kekerasan-anak"]), {"area": small}
            )
        )
        self.assertTrue(trend)
        for row in trend:
            self.assertEqual((row["numerator"], row["value"]), (hidden_mark(), hidden_mark()))
        kecamatan = self.client.get(
            reverse("dashboards:area", args=["64.71.01"]), {"figure": "kekerasan-anak"}
        ).content.decode()
        listed = kecamatan.split(f'<tr data-code="{small}">')[1].split("</tr>")[0]
        self.assertIn(f'class="value">{mark}<', listed)
        self.assertNotRegex(listed, r'class="value">[1-4]<')
        areas = kecamatan.split('data-testid="areas"')[1].split("</table>")[1]
        self.assertIn(escape(legend_text()), areas.split("<section")[0])

    def test_a_hidden_period_is_drawn_hatched_with_the_legend(self) -> None:
        """The chart of a hidden cell: a hatched band (an SVG pattern), never 0 or a gap; the
        legend with the same hatch under it; its table shows the mark."""
        small = self.world.small.code
        page = self.client.get(reverse("dashboards:area", args=[small])).content.decode()
        kpi = page.split('data-testid="kpi-kekerasan-anak"')[1].split("</li>")[0]
        svg = kpi.split("<svg")[1].split("</svg>")[0]
        pattern = re.search(r'<pattern id="(hatch-[0-9a-f]+)"', svg)
        assert pattern is not None
        bands = re.findall(r'<rect [^>]*class="hidden-cell"[^>]*>', svg)
        self.assertEqual(len(bands), 1)  # one year of cases, hidden
        self.assertIn(f'fill="url(#{pattern.group(1)})"', bands[0])
        self.assertIn('data-hidden="true"', bands[0])
        self.assertIn(escape(hidden_mark()), svg)  # in the band's title and the aria label
        self.assertNotIn("<circle", svg)  # no point drawn at a made-up height
        legend = kpi.split('data-testid="hidden-legend"')[1].split("</p>")[0]
        self.assertIn('class="hatch-swatch"', legend)
        self.assertIn(escape(legend_text()), legend)
        # A series without a hidden cell has neither hatch nor legend.
        birth = page.split('data-testid="kpi-akta-lahir"')[1].split("</li>")[0]
        self.assertNotIn("hidden-cell", birth)
        self.assertNotIn("hidden-legend", birth)

    def test_csv_cells_cannot_start_a_formula(self) -> None:
        services.challenge_update(
            actor=self.world.secretariat,
            city=self.world.city,
            code="putus-sekolah",
            name='=HYPERLINK("http://x")',
            order=1,
            indicator_codes=["putus-sekolah"],
        )
        response = self.client.get(reverse("dashboards:city"), {"format": "csv"})
        self.assertIn("kota-balikpapan-kla-challenges.csv", response["Content-Disposition"])
        names = {r["challenge"] for r in rows_of(response)}
        self.assertIn('\'=HYPERLINK("http://x")', names)


class ChallengeEditTests(TestCase):
    world: DashboardWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_dashboard_world(kelurahan=2)

    def setUp(self) -> None:
        login(self.client, self.world.secretariat)

    def url(self) -> str:
        return reverse("dashboards:challenge_edit", args=["putus-sekolah"])

    def test_invalid_form_answers_400_and_changes_nothing(self) -> None:
        response = self.client.post(
            self.url(), {"name": "Anak tetap sekolah", "order": "-1", "indicators": ["nope"]}
        )
        self.assertEqual(response.status_code, 400)
        form = response.context["form"]
        self.assertTrue(form.errors.get("order"))
        self.assertTrue(form.errors.get("indicators"))
        self.assertFalse(Challenge.objects.filter(city=self.world.city).exists())


class QueryCountTests(TestCase):
    def _count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return len(queries)

    def test_query_count_does_not_grow_with_the_number_of_kelurahan(self) -> None:
        world = make_dashboard_world(kelurahan=6)
        client = Client()
        login(client, world.focal)
        urls = [
            reverse("dashboards:city"),
            reverse("dashboards:city") + "?format=csv",
            reverse("dashboards:cluster", args=["K4"]),
            reverse("dashboards:area", args=["64.71.01"]),
            reverse("dashboards:area", args=["64.71.01.1001"]),
            reverse("dashboards:trend_csv", args=["akta-lahir"]) + "?area=64.71.01",
        ]
        client.get(urls[0])  # warm the session and content-type caches
        before = [self._count(client, url) for url in urls]
        kecamatan = [world.kecamatan, make_region("64.71.03", "Balikpapan Tengah")]
        for number in range(10, 40):
            add_kelurahan(kecamatan[number % 2], number)
        rollups.refresh_city(world.city)
        after = [self._count(client, url) for url in urls]
        self.assertEqual(before, after)
        self.assertGreater(
            len(client.get(reverse("dashboards:area", args=["64.71.01"])).context["page"].children),
            15,
        )
