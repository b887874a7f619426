"""The sparkline (issue #12): a hidden period is a hatched band with the hidden mark in its
title, never a point at 0 and never a gap; a missing period stays a gap."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils.html import escape

from layak.core.charts import hatch_id
from layak.core.disclosure import hidden_mark
from layak.dashboards.charts import sparkline


class SparklineTest(SimpleTestCase):
    def test_a_hidden_period_is_a_hatched_band_and_a_missing_one_a_gap(self) -> None:
        svg = str(
            sparkline(
                [Decimal(12), None, Decimal(9), None],
                title="Violence, Manggar: trend",
                hidden=[False, True, False, False],
                labels=["2022", "2023", "2024", "2025"],
            )
        )
        pattern = hatch_id("Violence, Manggar: trend")
        self.assertIn(f'<pattern id="{pattern}"', svg)
        bands = re.findall(r'<rect [^>]*class="hidden-cell"[^>]*>(.*?)</rect>', svg)
        self.assertEqual(bands, [f"<title>2023: {escape(hidden_mark())}</title>"])
        self.assertIn(f'fill="url(#{pattern})"', svg)
        self.assertEqual(len(re.findall(r"<circle", svg)), 2)  # 12 and 9; nothing for 2023
        self.assertNotIn("<polyline", svg)  # 12 and 9 are not neighbours: no line across
        label = re.search(r'aria-label="([^"]*)"', svg)
        assert label is not None
        self.assertIn(escape(hidden_mark()), label.group(1))

    def test_a_series_of_hidden_periods_only_is_still_drawn(self) -> None:
        svg = str(sparkline([None, None], title="t", hidden=[True, True], labels=["a", "b"]))
        self.assertEqual(len(re.findall(r'class="hidden-cell"', svg)), 2)
        self.assertEqual(str(sparkline([None, None], title="t")), "")

    def test_no_hatch_without_a_hidden_period(self) -> None:
        svg = str(sparkline([Decimal(1), Decimal(2)], title="t"))
        self.assertNotIn("<pattern", svg)
        self.assertNotIn("hidden-cell", svg)
        self.assertIn("<polyline", svg)
