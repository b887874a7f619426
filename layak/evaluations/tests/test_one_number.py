"""One number everywhere (issue #13): one cycle with options of 1/3, 2/3, 2/5, 1/6 and 6/7
rendered through the dashboard page, its charts, the recap XLSX, the PDF report and the API,
in Indonesian and in English; every figure must be the exact score rounded once (two
decimals, halves up) and written with the language's separators."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from fractions import Fraction

import openpyxl
from django.test import Client, TestCase
from django.utils import translation
from pypdf import PdfReader

from layak.accounts.models import User
from layak.core.formatting import SCORE_FORMAT, round_score
from layak.core.testing import login
from layak.evaluations.exports import recap_xlsx
from layak.evaluations.models import Answer, Cycle
from layak.evaluations.reports import render_cycle_report
from layak.evaluations.tests.factories import (
    make_city,
    make_cycle,
    make_instrument,
    option_of,
    question,
)

THIRDS = ("0", "1/3", "2/3", "1")
SEVENTHS = ("0", "1/7", "5/7", "6/7", "1")
FIFTHS = ("0", "1/5", "2/5", "3/5", "4/5", "1")
SIXTHS = ("0", "1/6", "1/2", "5/6", "1")

#: Two groups; the self-assessed total is 1200 + 2 + 1/3 + 14/5 + 16 = 18317/15 = 1221.1333…
GROUPS = {
    "KL": {
        "1": [
            question("1.01", "1400", fractions=SEVENTHS),
            question("1.02", "3", fractions=THIRDS),
        ]
    },
    "K1": {
        "2": [
            question("2.01", "1", fractions=THIRDS),
            question("2.02", "7", fractions=FIFTHS),
            question("2.03", "96", fractions=SIXTHS),
        ]
    },
}
SELF = {"1.01": "6/7", "1.02": "2/3", "2.01": "1/3", "2.02": "2/5", "2.03": "1/6"}
VERIFIED = {"1.01": "5/7", "1.02": "2/3", "2.01": "2/3", "2.02": "2/5", "2.03": "1/6"}
MAXIMUM = {"1.01": 1400, "1.02": 3, "2.01": 1, "2.02": 7, "2.03": 96}


def exact(choice: dict[str, str], codes: tuple[str, ...]) -> Fraction:
    return sum((MAXIMUM[c] * Fraction(choice[c]) for c in codes), Fraction(0))


ALL = tuple(MAXIMUM)
EXPECTED = {
    # level: (self, verified) exact
    "total": (exact(SELF, ALL), exact(VERIFIED, ALL)),
    "KL": (exact(SELF, ("1.01", "1.02")), exact(VERIFIED, ("1.01", "1.02"))),
    "K1": (exact(SELF, ("2.01", "2.02", "2.03")), exact(VERIFIED, ("2.01", "2.02", "2.03"))),
}
#: The figures as each language writes them (rounded once from the exact values above).
WRITTEN = {
    "id": {
        "total": ("1.221,13", "1.021,47"),
        "KL": ("1.202,00", "1.002,00"),
        "K1": ("19,13", "19,47"),
    },
    "en": {
        "total": ("1,221.13", "1,021.47"),
        "KL": ("1,202.00", "1,002.00"),
        "K1": ("19.13", "19.47"),
    },
}
MAX_WRITTEN = {"id": "1.507,00", "en": "1,507.00"}


class OneNumberEverywhereTests(TestCase):
    secretariat: User
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        city = make_city()
        cls.secretariat = city.secretariat
        instrument = make_instrument(groups=GROUPS)
        cls.cycle = make_cycle(city=city.city, instrument=instrument, actor=city.secretariat)
        for code in ALL:
            Answer.objects.filter(cycle=cls.cycle, question__code=code).update(
                option=option_of(instrument, code, SELF[code]),
                verified_option=option_of(instrument, code, VERIFIED[code]),
            )

    def test_the_expected_figures_are_the_exact_sums_rounded_once(self) -> None:
        # 1221.1333… self-assessed and 1021.4666… verified (K1: 2/3 + 14/5 + 16 = 19.4666…):
        # the written figures above are these values rounded half up, once.
        self.assertEqual(EXPECTED["total"][0], Fraction(18317, 15))
        for language, levels in WRITTEN.items():
            with translation.override(language):
                from layak.core.formatting import format_score

                for level, (own, verified) in levels.items():
                    self.assertEqual(format_score(EXPECTED[level][0]), own)
                    self.assertEqual(format_score(EXPECTED[level][1]), verified)

    def page(self, language: str) -> str:
        client = Client()
        login(client, self.secretariat)
        response = client.get(f"/evaluation/cycles/{self.cycle.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_page_and_its_charts_write_every_figure_the_same_way(self) -> None:
        for language in ("id", "en"):
            with self.subTest(language=language):
                html = self.page(language)
                total_self, total_verified = WRITTEN[language]["total"]
                self.assertIn(f"{total_self} <small>/ {MAX_WRITTEN[language]}</small>", html)
                self.assertIn(f"{total_verified} <small>/ {MAX_WRITTEN[language]}</small>", html)
                chart_values = re.findall(r'class="chart-value">([^<]+)</text>', html)
                for level in ("KL", "K1"):
                    own, verified = WRITTEN[language][level]
                    # The table row and the chart's bars say the same.
                    self.assertIn(f"<td>{own}</td><td>{verified}</td>", html)
                    self.assertIn(own, chart_values)
                    self.assertIn(verified, chart_values)
                other = "en" if language == "id" else "id"
                self.assertNotIn(WRITTEN[other]["total"][0], html)

    def test_recap_cells_are_exact_numbers_whose_sums_match_the_total(self) -> None:
        book = openpyxl.load_workbook(io.BytesIO(recap_xlsx(self.cycle)))
        recap = list(book["recap"].iter_rows(values_only=True))
        header = recap[0]
        own = header.index("self_score")
        verified = header.index("verified_score")
        totals = {row[0]: row for row in book["totals"].iter_rows(values_only=True)}
        total_header = totals["level"]
        total_row = totals["total"]
        total_self = total_row[total_header.index("self_score")]
        total_verified = total_row[total_header.index("verified_score")]
        self.assertAlmostEqual(total_self, float(EXPECTED["total"][0]), places=9)
        self.assertAlmostEqual(total_verified, float(EXPECTED["total"][1]), places=9)
        # Excel's SUM over the answer rows is the TOTAL row.
        self.assertAlmostEqual(sum(r[own] for r in recap[1:]), total_self, places=9)
        self.assertAlmostEqual(sum(r[verified] for r in recap[1:]), total_verified, places=9)
        # Shown with two decimals, halves up: the figure the page shows.
        sheet = book["totals"]
        total_line = next(
            r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "total"
        )
        cell = sheet.cell(row=total_line, column=total_header.index("self_score") + 1)
        self.assertEqual(cell.number_format, SCORE_FORMAT)
        shown = Decimal(repr(cell.value)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        self.assertEqual(shown, round_score(EXPECTED["total"][0]))
        # Options are written exactly, so the file can come back as history.
        self.assertEqual(
            sorted(r[header.index("self_option")] for r in recap[1:]),
            sorted({**SELF, "2.02": "0.4"}.values()),
        )

    def test_pdf_report_writes_the_figures_of_the_page(self) -> None:
        for language in ("id", "en"):
            with self.subTest(language=language), translation.override(language):
                text = " ".join(
                    page.extract_text()
                    for page in PdfReader(io.BytesIO(render_cycle_report(self.cycle))).pages
                )
                for own, verified in WRITTEN[language].values():
                    self.assertIn(own, text)
                    self.assertIn(verified, text)

    def test_api_gives_strings_rounded_once_and_the_exact_value(self) -> None:
        client = Client()
        login(client, self.secretariat)
        for language in ("id", "en"):
            body = client.get(
                f"/api/v1/evaluation/cycles/{self.cycle.pk}/scores/", HTTP_ACCEPT_LANGUAGE=language
            ).json()
            self.assertEqual(body["total"]["self_points"], "1221.13")
            self.assertEqual(body["total"]["verified_points"], "1021.47")
            self.assertEqual(body["total"]["self_points_exact"], "18317/15")
            self.assertEqual(body["total"]["maximum"], "1507.00")
            groups = {g["code"]: g for g in body["groups"]}
            self.assertEqual(groups["K1"]["self_points"], "19.13")
            self.assertEqual(groups["KL"]["verified_points"], "1002.00")
        answers = client.get(f"/api/v1/evaluation/cycles/{self.cycle.pk}/answers/").json()
        # Exact shares as text: "6/7", and "0.4" for 2/5 (a short decimal is exact).
        self.assertEqual(
            {a["question_code"]: a["option_fraction"] for a in answers},
            {**SELF, "2.02": "0.4"},
        )
