"""Disclosure control on the portal (issue #12): definitions that hide small counts
(``suppress_small``) are suppressed by the one module over the kelurahan, kecamatan and city of
each period; the page, its CSV and the summary hide the same cells; the ``indicators`` family
yields those tables and the attacker cannot narrow a hidden cell; every view that publishes
counts is marked."""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from typing import Any

from django.test import TestCase
from django.urls import resolve, reverse
from django.utils.html import escape

from layak.core.disclosure import (
    Published,
    attack,
    families,
    hidden_mark,
    legend_text,
    published_families,
    shortfalls,
    small_cell,
)
from layak.indicators import rollups
from layak.indicators.models import Definition, Rollup, Value
from layak.portal import selectors
from layak.portal.tests.factories import PortalWorld, make_portal_world, year_start
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: The hidden mark as it appears in a page, as a regular expression.
MARK = re.escape(escape(hidden_mark()))


def _enter(
    definition: Definition,
    counts: dict[Region, int | tuple[int, int]],
    start: datetime.date | None = None,
) -> None:
    start = start or year_start()
    for region, count in counts.items():
        numerator, denominator = count if isinstance(count, tuple) else (count, None)
        Value.objects.create(
            definition=definition,
            region=region,
            period_start=start,
            period_label=str(start.year),
            numerator=numerator,
            denominator=denominator,
        )


def _csv(response: Any) -> dict[str, list[str]]:
    """Area code -> the values of every period, from a portal CSV."""
    content = response.content.decode("utf-8-sig")
    cells: dict[str, list[str]] = {}
    for row in list(csv.reader(io.StringIO(content)))[1:]:
        cells.setdefault(row[0], []).append(row[-1])
    return cells


class SmallCountsTest(TestCase):
    world: PortalWorld
    lamaru: Region
    other: Region

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        cls.lamaru = make_region("64.71.01.1002", "Lamaru")
        cls.other = make_region("64.71.02.1002", "Kelurahan 1002")

    def _collected(self, code: str, year: int | None = None) -> list[Published]:
        family = next(f for f in families() if f.name == "indicators")
        return [p for p in family.collect(self.world.city, year) if f" {code} " in p.name]

    def test_drop_out_counts_audit_clean_and_every_output_hides_the_same_cells(self) -> None:
        definition = Definition.objects.get(code="putus-sekolah")
        w = self.world
        _enter(
            definition,
            {w.cases.kelurahan: 3, self.lamaru: 12, w.cases.kelurahan2: 40, self.other: 9},
        )
        rollups.refresh(definition, w.city)
        page = self.client.get(reverse("portal:indicator", args=["putus-sekolah"])).content
        html = page.decode()
        cells = _csv(self.client.get(reverse("portal:indicator_csv", args=["putus-sekolah"])))
        hidden_codes = {code for code, values in cells.items() if values == [hidden_mark()]}
        self.assertEqual(hidden_codes, {w.cases.kelurahan.code, self.lamaru.code})
        for code in hidden_codes:
            row = re.search(rf'data-code="{code}">(.*?)</tr>', html, re.S)
            assert row is not None
            self.assertRegex(row.group(1), rf'data-hidden="true">{MARK}</td>')
        self.assertIn(escape(legend_text()), html)
        # What the audit collects is exactly what the page and the CSV hide, and it is safe.
        (published,) = self._collected("putus-sekolah")
        self.assertEqual({key[-1] for key in published.hidden}, hidden_codes)  # type: ignore[index]
        self.assertEqual(shortfalls(published.linked, published.hidden), [])
        intervals = attack(published.linked, published.hidden)
        three = intervals[("putus-sekolah", year_start().isoformat(), w.cases.kelurahan.code)]
        self.assertLessEqual(three.low, 3 - 1)
        self.assertGreaterEqual(three.high - three.low, small_cell())
        self.assertFalse(math.isnan(three.high))

    def test_a_hidden_numerator_hides_its_rate(self) -> None:
        definition = Definition.objects.get(code="stunting")
        w = self.world
        _enter(
            definition,
            {
                w.cases.kelurahan: (2, 100),
                self.lamaru: (20, 150),
                w.cases.kelurahan2: (30, 200),
                self.other: (25, 210),
            },
        )
        rollups.refresh(definition, w.city)
        cells = _csv(self.client.get(reverse("portal:indicator_csv", args=["stunting"])))
        self.assertEqual(cells[w.cases.kelurahan.code], [hidden_mark()])  # 2 of 100: 2,0 %
        self.assertEqual(cells[self.lamaru.code], [hidden_mark()])  # else 22 - 20 gives it away
        self.assertEqual(cells[w.cases.kelurahan2.code], ["15.0"])
        self.assertEqual(cells[w.city.code], ["11.7"])  # 77 of 660
        (published,) = self._collected("stunting")
        self.assertEqual(shortfalls(published.linked, published.hidden), [])

    def test_the_summary_hides_a_small_city_figure_as_its_table_does(self) -> None:
        definition = Definition.objects.get(code="putus-sekolah")
        w = self.world
        _enter(definition, {w.cases.kelurahan: 2, w.cases.kelurahan2: 1})
        rollups.refresh(definition, w.city)
        summary = self.client.get(reverse("portal:statistics")).content.decode()
        self.assertRegex(
            summary,
            rf'data-definition="putus-sekolah"[^>]*data-hidden="true">{MARK}<',
        )
        self.assertIn(escape(legend_text()), summary.split('data-testid="summary"')[1])
        rows = list(
            csv.reader(
                io.StringIO(
                    self.client.get(reverse("portal:statistics_csv")).content.decode("utf-8-sig")
                )
            )
        )
        self.assertEqual([r[-1] for r in rows if r[0] == "putus-sekolah"], [hidden_mark()])
        table = _csv(self.client.get(reverse("portal:indicator_csv", args=["putus-sekolah"])))
        self.assertEqual(table[w.city.code], [hidden_mark()])
        (published,) = self._collected("putus-sekolah")
        self.assertEqual(shortfalls(published.linked, published.hidden), [])

    def test_the_family_yields_the_published_periods_of_the_year_asked_for(self) -> None:
        definition = Definition.objects.get(code="putus-sekolah")
        w = self.world
        this, last = year_start(), year_start().replace(year=year_start().year - 1)
        _enter(definition, {w.cases.kelurahan: 3, w.cases.kelurahan2: 40}, this)
        _enter(definition, {w.cases.kelurahan: 8, w.cases.kelurahan2: 6}, last)
        rollups.refresh(definition, w.city)
        self.assertEqual(len(self._collected("putus-sekolah")), 2)
        (this_year,) = self._collected("putus-sekolah", this.year)
        self.assertTrue(this_year.hidden)
        (last_year,) = self._collected("putus-sekolah", last.year)
        self.assertEqual(last_year.hidden, frozenset())
        self.assertEqual(self._collected("putus-sekolah", this.year - 5), [])
        family = next(f for f in families() if f.name == "indicators")
        self.assertEqual(list(family.collect(w.cases.other_city, None)), [])  # not on the portal
        # Case-derived and unsuppressed definitions are not this family's.
        self.assertFalse(
            any(" kekerasan-anak " in p.name or " akta-lahir " in p.name for p in self._all())
        )

    def _all(self) -> list[Published]:
        family = next(f for f in families() if f.name == "indicators")
        return list(family.collect(self.world.city, None))

    def test_roll_ups_of_a_definition_are_not_changed_by_the_portal(self) -> None:
        definition = Definition.objects.get(code="putus-sekolah")
        _enter(definition, {self.world.cases.kelurahan: 3})
        rollups.refresh(definition, self.world.city)
        self.client.get(reverse("portal:indicator", args=["putus-sekolah"]))
        self.assertFalse(Rollup.objects.filter(definition=definition, suppressed=True).exists())


class PublishingViewsTest(TestCase):
    """The views of this area that publish counts say so (docs/disclosure.md lists them)."""

    def test_views_that_publish_counts_are_marked(self) -> None:
        marked = {
            reverse("portal:home"),
            reverse("portal:statistics"),
            reverse("portal:statistics_csv"),
            reverse("portal:indicator", args=["stunting"]),
            reverse("portal:indicator_csv", args=["stunting"]),
            reverse("dashboards:city"),
            reverse("dashboards:cluster", args=["K5"]),
            reverse("dashboards:area", args=["64.71.01"]),
            reverse("dashboards:trend_csv", args=["kekerasan-anak"]),
            reverse("plans:profile"),
            reverse("plans:profile_pdf"),
            reverse("plans:profile_xlsx"),
        }
        for path in marked:
            self.assertEqual(published_families(resolve(path).func), ("indicators", "cases"), path)
        for path in (reverse("portal:directory"), reverse("portal:manage")):
            self.assertEqual(published_families(resolve(path).func), (), path)

    def test_small_tables_are_built_only_for_definitions_that_hide_small_counts(self) -> None:
        world = make_portal_world()
        for code, expected in (("putus-sekolah", True), ("akta-lahir", False)):
            definition = Definition.objects.get(code=code)
            self.assertIs(selectors.hides_small(definition), expected, code)
        violence = Definition.objects.get(code="kekerasan-anak")
        self.assertFalse(selectors.hides_small(violence))  # suppressed in its roll-ups
        self.assertEqual(selectors.published_small_tables(world.city, violence), [])
