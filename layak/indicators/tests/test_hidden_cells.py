"""Hidden cells on the indicator pages (issue #12): a case-derived cell hidden by disclosure
control shows the one mark in the page's tables and its CSV and is drawn hatched on the map with
the legend — never as 0, "—" or "no data"; the pages are marked as publishing counts, and the
values API finds its periods without reading the roll-ups."""

from __future__ import annotations

import csv
import io
import re

from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases.tests.factories import CaseWorld, make_case, make_case_world
from layak.core.disclosure import hidden_mark, legend_text, published_families
from layak.core.testing import login
from layak.indicators import services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Level, Rollup, Value
from layak.regions.models import Region
from layak.regions.services import regions_load_bundled

CODE = "kekerasan-anak"
#: Cases opened per kelurahan: Lamaru (2) is a primary cell, and the subtraction from
#: Balikpapan Timur's total makes a second kelurahan hidden with it.
COUNTS = {
    "64.71.01.1001": 9,
    "64.71.01.1002": 2,
    "64.71.01.1003": 7,
    "64.71.02.1001": 3,
    "64.71.02.1002": 8,
}
SMALL = "64.71.01.1002"


def _row(html: str, code: str, after: str = "") -> str:
    """The table row of ``code`` (in the part of the page after ``after``)."""
    part = html.split(after, 1)[1] if after else html
    match = re.search(rf'<tr data-code="{re.escape(code)}"[^>]*>.*?</tr>', part, re.S)
    assert match is not None, code
    return match.group(0)


def _svg(html: str) -> str:
    match = re.search(r'<svg[^>]*class="region-map".*?</svg>', html, re.S)
    assert match is not None
    return match.group(0)


@override_settings(LANGUAGE_CODE="en")
class HiddenCellPageTests(TestCase):
    world: CaseWorld
    reader: User
    year: int
    rollups: dict[str, Rollup]

    @classmethod
    def setUpTestData(cls) -> None:
        regions_load_bundled(actor=None)  # the real kelurahan, with boundaries
        load_definitions()
        cls.world = make_case_world()
        secretariat = make_agency(region=cls.world.city, code="dp3akb")
        cls.reader = make_person(Role.SECRETARIAT, agency=secretariat, username="sekretariat.x")
        for code, count in COUNTS.items():
            kelurahan = Region.objects.get(code=code)
            for _i in range(count):
                make_case(cls.world, kelurahan=kelurahan)
        cls.year = timezone.localdate().year
        services.rollup_case_violence(city=cls.world.city, year=cls.year)  # as nightly
        cls.rollups = {
            r.region.code: r
            for r in Rollup.objects.filter(
                definition__code=CODE, level=Level.KELURAHAN
            ).select_related("region")
        }

    def _get(self, name: str, **query: str) -> str:
        client = Client()
        login(client, self.reader)
        response = client.get(reverse(name, args=[CODE]), {"period": str(self.year), **query})
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_world_has_hidden_and_shown_kelurahan(self) -> None:
        hidden = {c for c, r in self.rollups.items() if r.suppressed}
        self.assertIn(SMALL, hidden)
        self.assertGreaterEqual(len(hidden & set(COUNTS)), 2)  # a complementary cell too
        self.assertTrue(any(r.numerator for r in self.rollups.values()))
        # The hidden kelurahan has no value at all: the page must not take that for "missing".
        self.assertFalse(Value.objects.filter(definition__code=CODE, region__code=SMALL).exists())

    def test_the_table_shows_the_mark_for_a_hidden_cell_and_numbers_for_the_others(self) -> None:
        html = self._get("indicators:detail", level="kelurahan")
        table = html.split('<section class="indicator-map"')[0]
        mark = escape(hidden_mark())
        for code, rollup in self.rollups.items():
            row = _row(table, code)
            if rollup.suppressed:
                self.assertIn(f'data-hidden="true">{mark}</td>', row, code)
                self.assertNotIn("—", row, code)
                self.assertNotIn("<td>0</td>", row, code)
            else:
                self.assertIn(f"<td>{rollup.numerator}</td>", row, code)
                self.assertNotIn("data-hidden", row, code)
        self.assertIn(f'data-testid="hidden-legend">{escape(legend_text())}</p>', table)

    def test_the_map_hatches_a_hidden_area_with_a_legend(self) -> None:
        html = self._get("indicators:detail", level="kelurahan")
        svg = _svg(html)
        pattern = re.search(r'<pattern id="([^"]+)"', svg)
        assert pattern is not None
        self.assertEqual(svg.count("<pattern "), 1)
        mark = escape(hidden_mark())
        hidden = [c for c, r in self.rollups.items() if r.suppressed]
        for code in hidden:
            shape = re.search(rf'<path [^>]*data-code="{re.escape(code)}"[^>]*>.*?</path>', svg)
            assert shape is not None, code
            self.assertIn(f'fill="url(#{pattern.group(1)})"', shape.group(0))
            self.assertIn('data-hidden="true"', shape.group(0))
            self.assertNotIn("shade-", shape.group(0))  # not "no data", not a shade of 0
            self.assertIn(f": {mark}</title>", shape.group(0))
        shown = next(c for c, r in self.rollups.items() if not r.suppressed and r.numerator)
        shape = re.search(rf'<path [^>]*data-code="{re.escape(shown)}"[^>]*>', svg)
        assert shape is not None
        self.assertIn("region-shape shade-", shape.group(0))
        self.assertNotIn("url(#", shape.group(0))
        self.assertEqual(svg.count('data-hidden="true"'), len(hidden))
        legend = re.search(r'<li id="map-hidden-legend"[^>]*>(.*?)</li>', html, re.S)
        assert legend is not None
        self.assertIn('class="hatch-swatch"', legend.group(1))
        self.assertIn(escape(legend_text()), legend.group(1))
        # The table beside the map is the map's alternative: the mark, never "—".
        row = _row(html, SMALL, after="map-table")
        self.assertIn("hidden-cell-row", row)
        self.assertEqual(row.count(f'data-hidden="true">{mark}</td>'), 2)  # count and value
        self.assertNotIn("—", row)

    def test_the_csv_carries_the_mark_for_a_hidden_cell(self) -> None:
        rows = list(csv.reader(io.StringIO(self._get("indicators:csv"))))
        self.assertEqual(
            rows[0], ["region_code", "region", "period", "numerator", "denominator", "rate"]
        )
        by_code = {row[0]: row for row in rows[1:]}
        for code, rollup in self.rollups.items():
            if rollup.suppressed:
                self.assertEqual(by_code[code][3:], [hidden_mark(), "", hidden_mark()], code)
            else:
                self.assertEqual(by_code[code][3], str(rollup.numerator), code)
        self.assertNotIn("—", "".join(",".join(row) for row in rows))

    def test_an_entered_indicator_without_hidden_cells_shows_no_hatch_and_no_legend(self) -> None:
        client = Client()
        login(client, self.reader)
        html = client.get(
            reverse("indicators:detail", args=["akta-lahir"]), {"level": "kelurahan"}
        ).content.decode()
        self.assertNotIn("<pattern ", html)
        self.assertNotIn('data-hidden="true"', html)
        self.assertNotIn("map-hidden-legend", html)
        self.assertNotIn(escape(legend_text()), html)

    def test_the_page_and_the_csv_are_marked_as_publishing_counts(self) -> None:
        for name in ("indicators:detail", "indicators:csv"):
            view = resolve(reverse(name, args=[CODE])).func
            self.assertEqual(sorted(published_families(view)), ["cases", "indicators"], name)
        for name in ("indicators:enter", "indicators:import", "indicators:template"):
            self.assertEqual(published_families(resolve(reverse(name, args=[CODE])).func), ())

    def test_the_values_api_lists_its_periods_without_reading_the_roll_ups(self) -> None:
        client = Client()
        login(client, self.reader)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/indicators/{CODE}/values/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["period"], str(self.year))
        self.assertFalse([q["sql"] for q in queries if "indicators_rollup" in q["sql"]])
        # A kelurahan the roll-up hides is flagged hidden (null numbers), never missing data.
        rows = {row["region_code"]: row for row in response.json()["rows"]}
        for code, rollup in self.rollups.items():
            self.assertEqual(rows[code]["hidden"], rollup.suppressed, code)
            if rollup.suppressed:
                self.assertIsNone(rows[code]["numerator"])
            else:
                self.assertEqual(rows[code]["numerator"], rollup.numerator)
        self.assertTrue(any(row["hidden"] for row in rows.values()))
