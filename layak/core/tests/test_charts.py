"""The hatch shared by charts and maps (issue #12): one pattern, drawn with attributes only,
with an id stable for a picture and distinct between the pictures of a page."""

from __future__ import annotations

import re

from django.test import SimpleTestCase

from layak.core.charts import hatch_id, hatch_pattern


class HatchTests(SimpleTestCase):
    def test_the_id_is_stable_for_a_picture_and_distinct_between_pictures(self) -> None:
        self.assertEqual(hatch_id("Violence, 2025"), hatch_id("Violence, 2025"))
        self.assertNotEqual(hatch_id("Violence, 2025"), hatch_id("Violence, 2024"))
        self.assertRegex(hatch_id('Kekerasan <anak> & "daring"'), r"^hatch-[0-9a-f]{10}$")

    def test_the_pattern_is_a_diagonal_hatch_without_inline_style(self) -> None:
        defs = hatch_pattern("hatch-x")
        self.assertTrue(defs.startswith('<defs><pattern id="hatch-x" '))
        self.assertIn('patternTransform="rotate(45)"', defs)
        self.assertEqual(len(re.findall(r'class="hatch-line"', defs)), 1)
        self.assertNotIn("style=", defs)
        self.assertTrue(defs.endswith("</pattern></defs>"))
