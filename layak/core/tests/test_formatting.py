"""One way to write a number or a date in each language (issue #13)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase
from django.utils import translation

from layak.core import formatting
from layak.core.templatetags import layak_format


class RoundingTests(SimpleTestCase):
    def test_scores_are_rounded_once_halves_up_from_the_exact_value(self) -> None:
        cases: dict[Fraction | Decimal, str] = {
            Fraction(1, 8): "0.13",  # 0.125: a half, up
            Fraction(2, 3): "0.67",
            Fraction(1, 3): "0.33",
            Fraction(2701, 3): "900.33",
            Fraction(900) + Fraction(299, 300): "901.00",
            Fraction(4999, 1_000_000): "0.00",  # below a half cent
            Fraction(5, 1000): "0.01",  # exactly a half cent
            Decimal("2.675"): "2.68",  # a float would read 2.67499…
            Fraction(-1, 8): "-0.13",  # halves away from zero
        }
        for value, expected in cases.items():
            with self.subTest(value=value):
                self.assertEqual(formatting.round_score(value), Decimal(expected))

    def test_exact_text_and_api_decimals(self) -> None:
        self.assertEqual(formatting.exact_text(Fraction(2701, 3)), "2701/3")
        self.assertEqual(formatting.exact_text(Fraction(1801, 2)), "900.5")
        self.assertEqual(formatting.exact_text(Fraction(7)), "7")
        self.assertIsNone(formatting.exact_text(None))
        self.assertEqual(formatting.api_decimal(Fraction(2, 3)), "0.67")
        self.assertEqual(formatting.api_decimal(Decimal(1000)), "1000.00")

    def test_spreadsheet_numbers_keep_the_exact_value(self) -> None:
        self.assertEqual(formatting.xlsx_number(Fraction(6)), 6)
        self.assertIsInstance(formatting.xlsx_number(Fraction(6)), int)
        self.assertEqual(formatting.xlsx_number(Fraction(1, 3)), 1 / 3)
        self.assertEqual(formatting.xlsx_number(Decimal("0.25")), 0.25)
        self.assertIsNone(formatting.xlsx_number(None))


class LanguageTests(SimpleTestCase):
    WRITTEN = {
        "id": {
            "score": "1.234,57",
            "count": "223.083",
            "percent": "12,5%",
            "money": "Rp 2.066.000.000",
            "date": "7 Desember 2026",
            "short": "7 Des 2026",
        },
        "en": {
            "score": "1,234.57",
            "count": "223,083",
            "percent": "12.5%",
            "money": "Rp 2,066,000,000",
            "date": "7 December 2026",
            "short": "7 Dec 2026",
        },
    }

    def test_each_language_writes_its_own_separators_and_month_names(self) -> None:
        day = datetime.date(2026, 12, 7)
        for language, written in self.WRITTEN.items():
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(formatting.format_score(Fraction(123457, 100)), written["score"])
                self.assertEqual(formatting.format_count(223083), written["count"])
                self.assertEqual(formatting.format_percent(Decimal("12.45")), written["percent"])
                self.assertEqual(formatting.format_money(2_066_000_000), written["money"])
                self.assertEqual(formatting.format_date(day), written["date"])
                self.assertEqual(formatting.format_date(day, short=True), written["short"])

    def test_template_filters_are_the_same_functions(self) -> None:
        with translation.override("id"):
            self.assertEqual(layak_format.score(Fraction(2, 3)), "0,67")
            self.assertEqual(layak_format.score(None), "—")
            self.assertEqual(layak_format.count(1000), "1.000")
            self.assertEqual(layak_format.money(Decimal("1500.40")), "Rp 1.500")
            self.assertEqual(layak_format.day(datetime.date(2026, 1, 2)), "2 Januari 2026")
        with translation.override("en"):
            self.assertEqual(layak_format.percent(Decimal("5.95")), "6.0%")

    def test_no_value_is_a_dash(self) -> None:
        for function in (
            formatting.format_score,
            formatting.format_count,
            formatting.format_percent,
            formatting.format_money,
            formatting.format_date,
        ):
            with self.subTest(function=function.__name__):
                self.assertEqual(function(None), "—")
