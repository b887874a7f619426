"""The choropleth on the indicator page: every kelurahan, polarity, constant queries, gaps."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from layak.accounts.tests.factories import CityWorld, make_city_world
from layak.core.testing import login
from layak.indicators import rollups, selectors
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Level, Polarity, Value
from layak.regions.models import Region, RegionLevel
from layak.regions.services import regions_load_bundled
from layak.regions.tests.factories import make_region

START = datetime.date(2025, 1, 1)


@override_settings(LANGUAGE_CODE="en")
class ChoroplethTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        regions_load_bundled(actor=None)
        load_definitions()
        cls.world = make_city_world()
        cls.definition = Definition.objects.get(code="akta-lahir")
        cls.kelurahan = list(
            Region.objects.filter(code__startswith="64.71.", level=RegionLevel.KELURAHAN)
        )

    world: CityWorld
    definition: Definition
    kelurahan: list[Region]

    def _value(self, code: str, numerator: int, denominator: int) -> None:
        Value.objects.create(
            definition=self.definition,
            region=Region.objects.get(code=code),
            period_start=START,
            period_label="2025",
            numerator=numerator,
            denominator=denominator,
        )
        rollups.refresh(self.definition, Region.objects.get(code="64.71"))

    def _page(self, **query: str) -> str:
        client = Client()
        login(client, self.world.secretariat)
        response = client.get(
            reverse("indicators:detail", args=["akta-lahir"]), {"period": "2025", **query}
        )
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_map_renders_every_kelurahan_with_a_boundary(self) -> None:
        with_boundary = [r for r in self.kelurahan if r.boundary]
        self.assertGreater(len(with_boundary), 30)
        html = self._page(level="kelurahan")
        svg = re.search(r"<svg.*?</svg>", html, re.S)
        assert svg is not None
        self.assertEqual(svg.group(0).count("<path "), len(with_boundary))
        # One <title> per shape plus the map's own.
        self.assertEqual(svg.group(0).count("<title>"), len(with_boundary) + 1)
        for region in with_boundary:
            self.assertIn(f'data-code="{region.code}"', svg.group(0))
        self.assertIn("Manggar: —</title>", svg.group(0))

    def test_kecamatan_level_aggregates_and_drills_down(self) -> None:
        self._value("64.71.01.1001", 1, 4)
        self._value("64.71.01.1002", 3, 4)
        html = self._page(level="kecamatan")
        svg = re.search(r"<svg.*?</svg>", html, re.S)
        assert svg is not None
        kecamatan = Region.objects.filter(code__startswith="64.71.", level=RegionLevel.KECAMATAN)
        self.assertEqual(svg.group(0).count("<path "), kecamatan.exclude(boundary=None).count())
        self.assertIn("Balikpapan Timur: 50.0</title>", svg.group(0))
        self.assertIn("level=kelurahan&amp;kecamatan=64.71.01", svg.group(0))
        drilled = self._page(level="kelurahan", kecamatan="64.71.01")
        svg = re.search(r"<svg.*?</svg>", drilled, re.S)
        assert svg is not None
        inside = [r for r in self.kelurahan if r.code.startswith("64.71.01.") and r.boundary]
        self.assertEqual(svg.group(0).count("<path "), len(inside))

    def test_classes_follow_polarity(self) -> None:
        self._value("64.71.01.1001", 10, 100)  # 10 %
        self._value("64.71.01.1002", 90, 100)  # 90 %
        result = selectors.choropleth(
            self.definition,
            self.world.city,
            START,
            level=Level.KELURAHAN,
        )
        shade = {s.code: s.css_class for s in result.shapes}
        # Higher is better: the low rate is the least favourable, so the darkest.
        self.assertEqual(shade["64.71.01.1001"], "shade-4")
        self.assertEqual(shade["64.71.01.1002"], "shade-0")
        Definition.objects.filter(pk=self.definition.pk).update(polarity=Polarity.LOWER)
        self.definition.refresh_from_db()
        result = selectors.choropleth(
            self.definition,
            self.world.city,
            START,
            level=Level.KELURAHAN,
        )
        shade = {s.code: s.css_class for s in result.shapes}
        self.assertEqual(shade["64.71.01.1001"], "shade-0")
        self.assertEqual(shade["64.71.01.1002"], "shade-4")
        self.assertEqual([row.css_class for row in result.legend], [f"shade-{i}" for i in range(5)])
        self.assertEqual(result.legend[0].label, "10.0 – 26.0")

    def test_missing_values_get_the_none_class_and_a_dash(self) -> None:
        self._value("64.71.01.1001", 5, 10)
        self._value("64.71.01.1002", 0, 0)  # rate undefined
        result = selectors.choropleth(
            self.definition,
            self.world.city,
            START,
            level=Level.KELURAHAN,
        )
        rows = {row.region.code: row for row in result.rows}
        self.assertEqual(rows["64.71.01.1001"].css_class, "shade-2")
        self.assertEqual(rows["64.71.01.1002"].css_class, "shade-none")
        missing = next(
            r for r in self.kelurahan if r.code not in ("64.71.01.1001", "64.71.01.1002")
        )
        self.assertEqual(rows[missing.code].css_class, "shade-none")
        self.assertIsNone(rows[missing.code].rate)
        html = self._page(level="kelurahan")
        row = re.search(
            rf'<tr data-code="{re.escape(missing.code)}"[^>]*>.*?</tr>',
            html.split("map-table")[1],
            re.S,
        )
        assert row is not None
        self.assertIn("shade-none-row", row.group(0))
        self.assertEqual(row.group(0).count("<td>—</td>"), 3)
        self.assertIn(f'class="region-shape shade-none" data-code="{missing.code}"', html)

    def test_query_count_does_not_grow_with_the_number_of_kelurahan(self) -> None:
        small = make_region("64.72", "Kota Samarinda")
        for code in ("64.72.01.1001", "64.72.01.1002"):
            make_region(
                code,
                boundary={
                    "type": "Polygon",
                    "coordinates": [[[117, -0.5], [117.1, -0.5], [117.1, -0.4], [117, -0.5]]],
                },
            )
        for city in (small, self.world.city):
            for region in Region.objects.filter(
                code__startswith=f"{city.code}.", level=RegionLevel.KELURAHAN
            ):
                self._value(region.code, 1, 2)
        counts = []
        sizes = []
        for city in (small, self.world.city):
            for level in (Level.KELURAHAN, Level.KECAMATAN):
                with CaptureQueriesContext(connection) as queries:
                    result = selectors.choropleth(self.definition, city, START, level=level)
                counts.append(len(queries))
                sizes.append(len(result.shapes))
        self.assertEqual(counts[0], counts[2])
        self.assertEqual(counts[1], counts[3])
        self.assertEqual(sizes[0], 2)
        self.assertGreater(sizes[2], 30)
        self.assertEqual({row.rate for row in result.rows}, {Decimal("50.0")})
