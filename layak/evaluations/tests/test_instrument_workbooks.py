"""The ministry's real workbooks (issue #13, docs/instrument-spreadsheet.md): formulas and
merged cells, sheets not in the layout, grouped errors, question codes per indicator, exact
shares, zero-point questions, group maxima, city questions, order per group, who loads and
freezes instruments, and the summary an officer reads — in Bahasa Indonesia and English."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import openpyxl
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import translation

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.evaluations.instruments import (
    ImportResult,
    instrument_export,
    instrument_import_with_notes,
    rows_text,
)
from layak.evaluations.models import (
    AnswerOption,
    Band,
    Indicator,
    IndicatorGroup,
    Instrument,
    Question,
)
from layak.evaluations.permissions import (
    can_change_bands,
    can_freeze_instruments,
    can_load_instruments,
)
from layak.evaluations.spreadsheet import Sheets, read_xlsx
from layak.evaluations.tests.factories import make_instrument
from layak.evaluations.tests.test_instruments import (
    KNOWN_AGENCIES,
    QUESTION_HEADER,
    Tables,
    nothing_saved,
    rename,
    sheets_from,
    valid_tables,
    xlsx_from,
)
from layak.regions.tests.factories import make_region

F = Fraction
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Edit = Callable[[openpyxl.Workbook], None]


def workbook(tables: Tables, edit: Edit | None = None) -> bytes:
    """``tables`` as an XLSX file written by openpyxl, changed by ``edit`` before saving."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx_from(tables)))
    if edit is not None:
        edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_cached_value(content: bytes, formula: str, value: str) -> bytes:
    """``content`` with the cached value ``value`` written for the cell holding ``formula``,
    as Excel or LibreOffice save it (openpyxl writes formulas without one)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(
                    f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                )
            out.writestr(item, data)
    return target.getvalue()


def load(content: bytes, known: set[str] = KNOWN_AGENCIES) -> ImportResult:
    return instrument_import_with_notes(
        sheets=read_xlsx(io.BytesIO(content)), known_agencies=known, actor=None
    )


def load_sheets(sheets: Sheets, known: set[str] = KNOWN_AGENCIES) -> ImportResult:
    return instrument_import_with_notes(sheets=sheets, known_agencies=known, actor=None)


def refused(test: TestCase, run: Callable[[], Any]) -> list[tuple[int, str]]:
    with test.assertRaises(ImportRejected) as caught:
        run()
    nothing_saved(test)
    return caught.exception.errors


def shares_of(instrument: Instrument, indicator: str, code: str) -> list[Fraction]:
    return [
        option.fraction
        for option in AnswerOption.objects.filter(
            question__instrument=instrument,
            question__indicator__code=indicator,
            question__code=code,
        )
    ]


def in_both(run: Callable[[], Any]) -> tuple[Any, Any]:
    """``run``'s result in Bahasa Indonesia and in English."""
    with translation.override("id"):
        indonesian = run()
    with translation.override("en"):
        english = run()
    return indonesian, english


class FormulaTests(TestCase):
    def test_plain_arithmetic_formula_is_read_exactly_and_said(self) -> None:
        tables = valid_tables()
        tables["options"][2][1] = "=1/3"  # options row 3, question 1.01

        def run() -> ImportResult:
            Instrument.objects.all().delete()
            return load(xlsx_from(tables))

        indonesian, english = in_both(run)

        self.assertEqual(shares_of(english.instrument, "1", "1.01"), [F(0), F(1, 3), F(1)])
        self.assertIn("Lembar options, baris 3: =1/3 dibaca sebagai 1/3", indonesian.notes)
        self.assertIn("Sheet options, row 3: =1/3 read as 1/3", english.notes)

    def test_arithmetic_formula_for_points_is_computed(self) -> None:
        tables = valid_tables()
        tables["questions"][2][3] = "=30+10"  # 1.02: 40 points

        result = load(xlsx_from(tables))

        question = Question.objects.get(instrument=result.instrument, code="1.02")
        self.assertEqual(question.max_points, Decimal(40))

    def test_other_formula_takes_the_value_the_spreadsheet_saved(self) -> None:
        tables = valid_tables()
        tables["questions"][2][3] = "=SUM(30,10)"
        content = with_cached_value(xlsx_from(tables), "SUM(30,10)", "40")

        result = load(content)

        question = Question.objects.get(instrument=result.instrument, code="1.02")
        self.assertEqual(question.max_points, Decimal(40))

    def test_other_formula_without_a_saved_value_names_the_cell(self) -> None:
        tables = valid_tables()
        tables["questions"][2][3] = "=SUM(30,10)"  # cell D3
        content = xlsx_from(tables)

        indonesian, english = in_both(lambda: refused(self, lambda: load(content)))

        self.assertEqual(
            indonesian,
            [
                (
                    3,
                    "Lembar questions: sel D3: rumus tanpa nilai hasil hitung: buka dan simpan "
                    "berkas di Excel/LibreOffice",
                )
            ],
        )
        self.assertEqual(
            english,
            [
                (
                    3,
                    "Sheet questions: cell D3: formula without a computed value: open and save "
                    "the file in Excel/LibreOffice",
                )
            ],
        )


class MergedCellTests(TestCase):
    def test_indicator_code_merged_over_its_questions_is_read_for_each_row(self) -> None:
        tables = valid_tables()
        tables["questions"][2][0] = None  # row 3 is under the merged A2:A3

        def merge(book: openpyxl.Workbook) -> None:
            book["questions"].merge_cells("A2:A3")

        content = workbook(tables, merge)

        def run() -> ImportResult:
            Instrument.objects.all().delete()
            return load(content)

        indonesian, english = in_both(run)

        self.assertEqual(
            list(
                Question.objects.filter(instrument=english.instrument)
                .order_by("code")
                .values_list("indicator__code", "code")
            ),
            [("1", "1.01"), ("1", "1.02"), ("26", "26.01")],
        )
        self.assertEqual(
            english.notes,
            ["sheet questions, column indicator_code, rows 2–3 are merged: read as 1"],
        )
        self.assertEqual(
            indonesian.notes,
            ["lembar questions, kolom indicator_code, baris 2–3 digabung: dibaca sebagai 1"],
        )


class SheetTests(TestCase):
    def test_unknown_sheet_and_missing_options_are_named_in_the_summary(self) -> None:
        tables = valid_tables()
        del tables["options"]
        tables["Sheet1"] = [["catatan"], ["draf kementerian"]]

        def run() -> ImportResult:
            Instrument.objects.all().delete()
            return load(xlsx_from(tables))

        indonesian, english = in_both(run)

        self.assertEqual(
            english.notes,
            [
                "sheet Sheet1 is not part of the layout and was not read",
                "no options sheet: the quarter scale 0, 1/4, 1/2, 3/4, 1 is used for all questions",
            ],
        )
        self.assertEqual(
            indonesian.notes,
            [
                "lembar Sheet1 bukan bagian dari format dan tidak dibaca",
                "tidak ada lembar options: skala perempat 0, 1/4, 1/2, 3/4, 1 dipakai untuk "
                "semua pertanyaan",
            ],
        )
        self.assertEqual(
            shares_of(english.instrument, "1", "1.01"), [F(0), F(1, 4), F(1, 2), F(3, 4), F(1)]
        )

    def test_renamed_questions_sheet_gives_one_error_listing_the_sheets(self) -> None:
        tables = valid_tables()
        tables = {("Pertanyaan" if k == "questions" else k): v for k, v in tables.items()}
        content = xlsx_from(tables)

        indonesian, english = in_both(lambda: refused(self, lambda: load(content)))

        self.assertEqual(
            english,
            [
                (
                    0,
                    "Sheet questions: the sheet is missing (sheets in the workbook: instrument, "
                    "groups, indicators, Pertanyaan, options, bands)",
                )
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    0,
                    "Lembar questions: lembar tidak ada (lembar dalam berkas: instrument, "
                    "groups, indicators, Pertanyaan, options, bands)",
                )
            ],
        )


class GroupedErrorTests(TestCase):
    def test_errors_come_root_cause_first_with_repeats_collapsed(self) -> None:
        tables = valid_tables()
        # rows 5-55: 0-point questions; rows 12-40 and 55 name an indicator that is missing.
        for number in range(5, 56):
            indicator = "7" if 12 <= number <= 40 or number == 55 else "1"
            tables["questions"].append(
                [indicator, f"x{number}", "Data saja", 0, "city", "no", "dp3akb", "", number]
            )
        tables["questions"][3][4] = "provinsi"  # row 4: a row problem
        tables["bands"] = [[c for c in tables["bands"][0] if c != "name"], [1, 2, 3, 4, 5]]

        indonesian, english = in_both(
            lambda: refused(self, lambda: load_sheets(sheets_from(tables)))
        )

        self.assertEqual(
            english,
            [
                (1, "Sheet bands: missing column(s): name"),
                (
                    0,
                    "Sheet questions: indicator 7 is not in sheet indicators — rows 12–40, 55 "
                    "(30 rows)",
                ),
                (4, "Sheet questions: scope must be city, kecamatan or kelurahan, not provinsi"),
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (1, "Lembar bands: kolom tidak ditemukan: name"),
                (
                    0,
                    "Lembar questions: indikator 7 tidak ada di lembar indicators — baris "
                    "12–40, 55 (30 baris)",
                ),
                (
                    4,
                    "Lembar questions: scope harus berisi city, kecamatan, atau kelurahan, "
                    "bukan provinsi",
                ),
            ],
        )

    def test_rows_text_joins_runs(self) -> None:
        self.assertEqual(rows_text([55, 12, 13, 14, 40, 39]), "12–14, 39–40, 55")


class QuestionCodeTests(TestCase):
    def tables(self) -> Tables:
        """Indicator 1 with codes 1, 2, 2a, "2 a" and 1.1; indicator 26 with 2a as well."""
        tables = valid_tables()
        tables["questions"] = [
            QUESTION_HEADER,
            ["1", "1", "Satu", 20, "city", "yes", "dp3akb", "", 1],
            ["1", "2", "Dua", 10, "city", "yes", "dp3akb", "", 2],
            ["1", "2a", "Dua a", 10, "city", "yes", "dp3akb", "", 3],
            ["1", "2 a", "Dua spasi a", 10, "city", "yes", "dp3akb", "", 4],
            ["1", "1.1", "Satu titik satu", 10, "city", "yes", "dp3akb", "", 5],
            ["26", "2a", "Kelurahan", 40, "kelurahan", "ya", "kelurahan", "", 1],
        ]
        tables["options"] = [
            ["indicator_code", "question_code", "fraction", "label"],
            ["1", "2a", 0, "Tidak"],
            ["1", "2a", "1/3", "Sepertiga"],
            ["1", "2a", 1, "Ya"],
            ["26", "2a", 0, "Tidak"],
            ["26", "2a", 1, "Ya"],
        ]
        return tables

    def test_codes_are_unique_per_indicator_and_may_hold_spaces(self) -> None:
        result = load(xlsx_from(self.tables()))

        self.assertEqual(
            list(
                Question.objects.filter(instrument=result.instrument)
                .order_by("indicator__code", "order")
                .values_list("indicator__code", "code")
            ),
            [("1", "1"), ("1", "2"), ("1", "2a"), ("1", "2 a"), ("1", "1.1"), ("26", "2a")],
        )
        self.assertEqual(shares_of(result.instrument, "1", "2a"), [F(0), F(1, 3), F(1)])
        self.assertEqual(shares_of(result.instrument, "26", "2a"), [F(0), F(1)])

    def test_duplicate_code_within_an_indicator_names_both_rows(self) -> None:
        tables = self.tables()
        tables["questions"][4][1] = "2a"  # row 5 repeats row 4's code

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english,
            [(5, "Sheet questions: question code 2a appears twice in indicator 1 (rows 4 and 5)")],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    5,
                    "Lembar questions: kode pertanyaan 2a muncul dua kali pada indikator 1 "
                    "(baris 4 dan 5)",
                )
            ],
        )

    def test_invalid_code_says_what_is_allowed(self) -> None:
        tables = self.tables()
        tables["questions"][2][1] = "2/b"

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english,
            [
                (
                    3,
                    "Sheet questions: code 2/b is not valid: a question code has up to 30 "
                    "letters, digits, spaces, dots, hyphens or underscores and starts with a "
                    "letter or digit",
                )
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    3,
                    "Lembar questions: kode 2/b tidak valid: kode pertanyaan terdiri atas "
                    "paling banyak 30 huruf, angka, spasi, titik, tanda hubung, atau garis "
                    "bawah dan diawali huruf atau angka",
                )
            ],
        )

    def test_question_code_alone_is_accepted_when_unique(self) -> None:
        tables = valid_tables()  # options sheet without indicator_code; codes unique

        result = load(xlsx_from(tables))

        self.assertEqual(shares_of(result.instrument, "1", "1.01"), [F(0), F(1, 2), F(1)])

    def test_question_code_alone_is_refused_when_two_indicators_use_it(self) -> None:
        tables = self.tables()
        tables["options"] = [[c for c in row[1:]] for row in tables["options"]]

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english,
            [
                (
                    1,
                    "Sheet options: question codes 2a are used by several indicators: add an "
                    "indicator_code column that names each option's indicator",
                )
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    1,
                    "Lembar options: kode pertanyaan 2a dipakai oleh beberapa indikator: "
                    "tambahkan kolom indicator_code yang menyebut indikator setiap opsi",
                )
            ],
        )

    def test_export_then_import_is_lossless_with_thirds(self) -> None:
        original = load(xlsx_from(self.tables())).instrument
        content = instrument_export(original)
        exported = read_xlsx(io.BytesIO(content))
        self.assertEqual(
            [
                r.values
                for r in exported.of("options")
                if (r.get("indicator_code"), r.get("question_code")) == ("1", "2a")
            ],
            [
                {"indicator_code": "1", "question_code": "2a", "fraction": "0", "label": "Tidak"},
                {
                    "indicator_code": "1",
                    "question_code": "2a",
                    "fraction": "1/3",
                    "label": "Sepertiga",
                },
                {"indicator_code": "1", "question_code": "2a", "fraction": "1", "label": "Ya"},
            ],
        )

        copied = load_sheets(rename(exported, "Salinan")).instrument

        self.assertEqual(shares_of(copied, "1", "2a"), [F(0), F(1, 3), F(1)])
        self.assertEqual(
            sorted(
                Question.objects.filter(instrument=copied).values_list("indicator__code", "code")
            ),
            sorted(
                Question.objects.filter(instrument=original).values_list("indicator__code", "code")
            ),
        )


class ShareTests(TestCase):
    def test_rounded_decimals_are_read_as_fractions_and_said_once(self) -> None:
        tables = valid_tables()
        tables["options"] = [
            ["question_code", "fraction", "label"],
            ["1.01", 0, "Belum"],
            ["1.01", "0.3333", "Sepertiga"],
            ["1.01", 1, "Ya"],
            ["26.01", 0, "Tidak"],
            ["26.01", "0.3333", "Sepertiga"],
            ["26.01", 1, "Ya"],
        ]

        def run() -> ImportResult:
            Instrument.objects.all().delete()
            return load(xlsx_from(tables))

        indonesian, english = in_both(run)

        self.assertEqual(shares_of(english.instrument, "26", "26.01"), [F(0), F(1, 3), F(1)])
        self.assertEqual(english.notes, ["Sheet options: 0.3333 read as 1/3 — rows 3, 6 (2 rows)"])
        self.assertEqual(
            indonesian.notes, ["Lembar options: 0.3333 dibaca sebagai 1/3 — baris 3, 6 (2 baris)"]
        )

    def test_unreadable_out_of_range_and_duplicate_shares_are_refused(self) -> None:
        tables = valid_tables()
        tables["options"][2][1] = "setengah"  # row 3
        tables["options"].append(["26.01", "1.5", "Lebih"])  # row 7
        tables["options"].append(["26.01", "2/2", "Ya lagi"])  # row 8: 1 twice

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english,
            [
                (
                    3,
                    "Sheet options: share setengah is not a number, a fraction (1/3) or a "
                    "formula of numbers (=1/3)",
                ),
                (7, "Sheet options: share 1.5 is not from 0 to 1"),
                (8, "Sheet options: question 26.01 has the share 1 twice"),
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    3,
                    "Lembar options: bagian setengah bukan angka, pecahan (1/3), atau rumus "
                    "angka (=1/3)",
                ),
                (7, "Lembar options: bagian 1.5 tidak berada antara 0 sampai 1"),
                (8, "Lembar options: pertanyaan 26.01 memiliki bagian 1 dua kali"),
            ],
        )

    def test_each_question_still_needs_option_0_and_1(self) -> None:
        tables = valid_tables()
        tables["options"][5][1] = "0.9"  # 26.01 loses its option 1

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english, [(5, "Sheet options: question 26.01 needs an option 0 and an option 1")]
        )
        self.assertEqual(
            indonesian,
            [(5, "Lembar options: pertanyaan 26.01 memerlukan opsi 0 dan opsi 1")],
        )


class ZeroPointTests(TestCase):
    def test_zero_point_question_is_accepted_with_a_note_and_sums_stay_exact(self) -> None:
        tables = valid_tables()
        tables["questions"][1][3] = 60  # 1.01: 60
        tables["questions"][2][3] = 0  # 1.02: 0, data only

        def run() -> ImportResult:
            Instrument.objects.all().delete()
            return load(xlsx_from(tables))

        indonesian, english = in_both(run)

        self.assertEqual(english.notes, ["question 1.02 is worth 0 points: it asks for data only"])
        self.assertEqual(indonesian.notes, ["pertanyaan 1.02 bernilai 0 poin: hanya meminta data"])
        question = Question.objects.get(instrument=english.instrument, code="1.02")
        self.assertEqual(question.max_points, Decimal(0))

        tables["questions"][1][3] = "59.99"  # the indicator no longer adds up
        with translation.override("en"), self.assertRaises(ImportRejected) as caught:
            load(xlsx_from(tables))
        self.assertEqual(Instrument.objects.count(), 1)
        self.assertEqual(
            caught.exception.errors,
            [(2, "Sheet indicators: indicator 1 has 60 points but its questions add up to 59.99")],
        )


class GroupMaximumTests(TestCase):
    def tables(self, kl: Any) -> Tables:
        tables = valid_tables()
        tables["groups"] = [
            ["code", "name", "order", "max_points"],
            ["KL", "Kelembagaan", 1, kl],
            ["KK", "Kecamatan/Kelurahan Layak Anak", 2, None],
        ]
        return tables

    def test_group_maximum_is_stored_and_exported(self) -> None:
        instrument = load(xlsx_from(self.tables(60))).instrument

        self.assertEqual(
            list(
                IndicatorGroup.objects.filter(instrument=instrument)
                .order_by("order")
                .values_list("code", "max_points")
            ),
            [("KL", Decimal(60)), ("KK", None)],
        )
        exported = read_xlsx(io.BytesIO(instrument_export(instrument)))
        self.assertEqual(
            [(r.get("code"), r.get("max_points")) for r in exported.of("groups")],
            [("KL", "60"), ("KK", "")],
        )

    def test_group_maximum_must_match_its_indicators(self) -> None:
        content = xlsx_from(self.tables(61))

        indonesian, english = in_both(lambda: refused(self, lambda: load(content)))

        self.assertEqual(
            english, [(2, "Sheet groups: group KL has 61 points but its indicators add up to 60")]
        )
        self.assertEqual(
            indonesian,
            [
                (
                    2,
                    "Lembar groups: kelompok KL bernilai 61 poin, tetapi jumlah poin "
                    "indikatornya 60",
                )
            ],
        )


class CityQuestionTests(TestCase):
    def test_city_question_cannot_go_to_area_offices(self) -> None:
        tables = valid_tables()
        tables["questions"][2][6] = "dp3akb, kelurahan"  # 1.02 is a city question

        indonesian, english = in_both(lambda: refused(self, lambda: load(xlsx_from(tables))))

        self.assertEqual(
            english,
            [
                (
                    3,
                    "Sheet questions: a city question cannot be assigned to kecamatan/kelurahan "
                    "offices: they answer only kecamatan or kelurahan questions (set scope to "
                    "kecamatan or kelurahan, or name a city agency)",
                )
            ],
        )
        self.assertEqual(
            indonesian,
            [
                (
                    3,
                    "Lembar questions: pertanyaan tingkat kota tidak dapat diberikan kepada "
                    "kantor kecamatan/kelurahan: mereka hanya menjawab pertanyaan kecamatan "
                    "atau kelurahan (ubah scope menjadi kecamatan atau kelurahan, atau sebut "
                    "instansi tingkat kota)",
                )
            ],
        )


class OrderTests(TestCase):
    def test_indicator_order_is_within_its_group(self) -> None:
        tables = valid_tables()
        tables["groups"][1][2] = 2  # KL second
        tables["groups"][2][2] = 1  # KK first
        tables["indicators"][1][4] = 1
        tables["indicators"][2][4] = 1  # both first within their group

        instrument = load(xlsx_from(tables)).instrument

        self.assertEqual(
            [i.code for i in Indicator.objects.filter(instrument=instrument)], ["26", "1"]
        )
        exported = read_xlsx(io.BytesIO(instrument_export(instrument)))
        self.assertEqual(
            [(r.get("code"), r.get("order")) for r in exported.of("indicators")],
            [("26", "1"), ("1", "1")],
        )
        self.assertEqual(
            [(r.get("indicator_code"), r.get("code")) for r in exported.of("questions")],
            [("26", "26.01"), ("1", "1.01"), ("1", "1.02")],
        )


def _realistic_tables() -> tuple[Tables, dict[tuple[str, str], list[Fraction]]]:
    """300 questions in 26 indicators of 7 groups, numbered per indicator (1, 2, 2a, 3, 4 a
    ...), worth 1, 3 or 7 points; options in thirds, sixths, sevenths and fifths."""
    groups = ["KL", "K1", "K2", "K3", "K4", "K5", "KK"]
    sizes = [3, 4, 5, 4, 3, 4, 3]
    codes = ["1", "2", "2a", "3", "4", "4 a", "5", "6", "6a", "7", "8", "9"]
    tables: Tables = {
        "instrument": [["key", "value"], ["year", 2031], ["name", "Instrumen realistis"]],
        "groups": [["code", "name", "order", "max_points"]],
        "indicators": [["group_code", "code", "name", "max_points", "order"]],
        "questions": [QUESTION_HEADER],
        "options": [["indicator_code", "question_code", "fraction", "label"]],
        "bands": [["code", "name", "min_points", "max_points", "order", "conditions"]],
    }
    expected: dict[tuple[str, str], list[Fraction]] = {}
    number = 0
    total = 0
    for g, (group, size) in enumerate(zip(groups, sizes, strict=True), start=1):
        group_points = 0
        for order in range(1, size + 1):
            number += 1
            indicator = str(number)
            count = 12 if number <= 14 else 11
            points = [(1, 3, 7)[(number + k) % 3] for k in range(count)]
            for k, (code, worth) in enumerate(zip(codes, points, strict=False), start=1):
                tables["questions"].append(
                    [
                        indicator,
                        code,
                        f"Pertanyaan {indicator}/{code}",
                        worth,
                        "city",
                        "yes",
                        "dp3akb",
                        "",
                        k,
                    ]
                )
            indicator_points = sum(points)
            group_points += indicator_points
            tables["indicators"].append(
                [group, indicator, f"Indikator {indicator}", indicator_points, order]
            )
            # Options for the first question of each size (1, 3, 7 points) of the indicator.
            sizes_done: set[int] = set()
            for code, worth in zip(codes, points, strict=False):
                if worth in sizes_done:
                    continue
                sizes_done.add(worth)
                key = (indicator, code)
                if worth == 3:
                    written: list[Any] = [0, "=1/3" if number == 1 else "1/3", "2/3", 1]
                    shares = [F(0), F(1, 3), F(2, 3), F(1)]
                elif worth == 7:
                    written = [0, 0.142857142857143, "2/7", 1]
                    shares = [F(0), F(1, 7), F(2, 7), F(1)]
                else:
                    written = [0, "0.1667", "0.4", 1]
                    shares = [F(0), F(1, 6), F(2, 5), F(1)]
                for value in written:
                    tables["options"].append([indicator, code, value, f"Opsi {value}"])
                expected[key] = shares
        tables["groups"].append([group, f"Kelompok {group}", g, group_points])
        total += group_points
    tables["instrument"].append(["total_points", total])
    tables["bands"] += [["dasar", "Dasar", 0, 500, 1, ""], ["atas", "Atas", 501, total, 2, ""]]
    return tables, expected


class RealisticWorkbookTests(TestCase):
    def test_ministry_sized_workbook_imports_with_exact_shares(self) -> None:
        tables, expected = _realistic_tables()
        questions = tables["questions"]
        # The indicator code is merged over its questions' rows, as in the ministry's layout.
        runs: list[tuple[int, int]] = []
        start = 2
        for row in range(3, len(questions) + 2):
            if row == len(questions) + 1 or questions[row - 1][0] != questions[start - 1][0]:
                runs.append((start, row - 1))
                start = row
        for first, last in runs:
            for row in range(first + 1, last + 1):
                questions[row - 1][0] = None

        def merge(book: openpyxl.Workbook) -> None:
            for first, last in runs:
                book["questions"].merge_cells(f"A{first}:A{last}")

        content = workbook(tables, merge)

        with translation.override("en"):
            result = load(content, known={"dp3akb"})

        instrument = result.instrument
        self.assertEqual(IndicatorGroup.objects.filter(instrument=instrument).count(), 7)
        self.assertEqual(Indicator.objects.filter(instrument=instrument).count(), 26)
        self.assertEqual(Question.objects.filter(instrument=instrument).count(), 300)
        self.assertEqual(len(runs), 26)
        self.assertTrue(Question.objects.filter(instrument=instrument, code="4 a").exists())
        for (indicator, code), shares in expected.items():
            self.assertEqual(shares_of(instrument, indicator, code), shares, (indicator, code))
        self.assertEqual(shares_of(instrument, "1", "1"), [F(0), F(1, 3), F(2, 3), F(1)])
        merged = [n for n in result.notes if "are merged" in n]
        self.assertEqual(len(merged), 26)
        self.assertEqual(
            merged[0], "sheet questions, column indicator_code, rows 2–13 are merged: read as 1"
        )
        self.assertIn("Sheet options, row 3: =1/3 read as 1/3", result.notes)
        sevenths = [n for n in result.notes if n.startswith("Sheet options: 0.142857142857143")]
        self.assertEqual(len(sevenths), 1)
        self.assertRegex(sevenths[0], r"read as 1/7 — rows [0-9–, ]+ \(26 rows\)$")


class PermissionTests(TestCase):
    """Who loads, freezes and changes bands (docs: evaluations/README.md "Permissions")."""

    city_admin: User
    national_admin: User
    secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        city = make_region("64.71", "Kota Balikpapan")
        province = make_region("64", "Kalimantan Timur")
        dp3akb = make_agency(region=city, code="dp3akb")
        make_agency(region=city, code="disdukcapil")
        make_agency(region=province, code="dp3a-prov")  # a province is not a second city
        ministry = Agency.objects.create(
            region=None, code="kemenpppa", name="Kementerian PPPA", kind=AgencyKind.MINISTRY
        )
        cls.city_admin = make_person(Role.ADMIN, agency=dp3akb)
        cls.national_admin = make_person(Role.ADMIN, agency=ministry)
        cls.secretariat = make_person(Role.SECRETARIAT, agency=dp3akb)

    def upload(self, person: User, content: bytes, language: str = "id") -> Any:
        login(self.client, person)
        return self.client.post(
            "/evaluation/instruments/",
            {"file": SimpleUploadedFile("instrumen.xlsx", content, content_type=XLSX)},
            HTTP_ACCEPT_LANGUAGE=language,
        )

    def test_city_admin_of_a_one_city_deployment_loads_and_reads_the_notes(self) -> None:
        tables = valid_tables()
        del tables["options"]
        content = xlsx_from(tables)
        for language, expected in (
            (
                "id",
                "tidak ada lembar options: skala perempat 0, 1/4, 1/2, 3/4, 1 dipakai untuk "
                "semua pertanyaan",
            ),
            (
                "en",
                "no options sheet: the quarter scale 0, 1/4, 1/2, 3/4, 1 is used for all questions",
            ),
        ):
            with self.subTest(language=language):
                Instrument.objects.all().delete()

                response = self.upload(self.city_admin, content, language)

                self.assertRedirects(response, "/evaluation/instruments/")
                shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
                self.assertIn(("info", expected), shown)
                self.assertEqual(Instrument.objects.get().name, "Instrumen uji impor")
                self.assertTrue(
                    AuditEntry.objects.filter(
                        action=AuditAction.IMPORT, actor_id=self.city_admin.pk
                    ).exists()
                )

    def test_refused_upload_shows_the_grouped_errors(self) -> None:
        tables = valid_tables()
        tables = {("Pertanyaan" if k == "questions" else k): v for k, v in tables.items()}
        content = xlsx_from(tables)
        for language, expected in (
            (
                "id",
                "Lembar questions: lembar tidak ada (lembar dalam berkas: instrument, groups, "
                "indicators, Pertanyaan, options, bands)",
            ),
            (
                "en",
                "Sheet questions: the sheet is missing (sheets in the workbook: instrument, "
                "groups, indicators, Pertanyaan, options, bands)",
            ),
        ):
            with self.subTest(language=language):
                response = self.upload(self.national_admin, content, language)

                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.context["errors"], [(0, expected)])
                self.assertContains(response, expected, status_code=400)
                nothing_saved(self)

    def test_city_admin_of_a_deployment_with_two_cities_gets_403(self) -> None:
        make_agency(region=make_region("64.72", "Kota Samarinda"), code="dp3a-smd")

        response = self.upload(self.city_admin, xlsx_from(valid_tables()))

        self.assertEqual(response.status_code, 403)
        self.assertFalse(can_load_instruments(self.city_admin))
        self.assertTrue(can_load_instruments(self.national_admin))
        nothing_saved(self)

    def test_secretariat_cannot_load(self) -> None:
        response = self.upload(self.secretariat, xlsx_from(valid_tables()))

        self.assertEqual(response.status_code, 403)
        nothing_saved(self)

    def test_national_admin_freezes_and_then_nobody_changes_the_bands(self) -> None:
        instrument = make_instrument()
        self.assertTrue(can_change_bands(self.city_admin, instrument))
        login(self.client, self.city_admin)
        self.assertContains(self.client.get("/evaluation/instruments/"), "/bands/")
        self.assertNotContains(
            self.client.get("/evaluation/instruments/"), 'data-testid="freeze-form"'
        )
        self.assertEqual(
            self.client.post(f"/evaluation/instruments/{instrument.pk}/freeze/").status_code, 403
        )
        login(self.client, self.national_admin)
        self.assertContains(
            self.client.get("/evaluation/instruments/"), 'data-testid="freeze-form"'
        )

        response = self.client.post(f"/evaluation/instruments/{instrument.pk}/freeze/")

        self.assertRedirects(response, "/evaluation/instruments/")
        instrument.refresh_from_db()
        self.assertIsNotNone(instrument.frozen_at)
        self.assertEqual(instrument.frozen_by, self.national_admin)
        self.assertTrue(
            AuditEntry.objects.filter(
                action=AuditAction.UPDATE,
                object_type="evaluations.instrument",
                object_id=str(instrument.pk),
                actor_id=self.national_admin.pk,
            ).exists()
        )
        page = self.client.get("/evaluation/instruments/", HTTP_ACCEPT_LANGUAGE="id")
        self.assertContains(page, "dibekukan")
        self.assertNotContains(page, f"/evaluation/instruments/{instrument.pk}/bands/")
        page = self.client.get("/evaluation/instruments/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, '<span class="badge">frozen</span>', html=False)
        before = list(Band.objects.filter(instrument=instrument).values_list("code", flat=True))
        for person in (self.national_admin, self.city_admin):
            with self.subTest(person=person.username):
                login(self.client, person)
                response = self.client.post(
                    f"/evaluation/instruments/{instrument.pk}/bands/",
                    {"code_0": "x", "name_0": "X", "min_points_0": "0", "max_points_0": "1"},
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(
            list(Band.objects.filter(instrument=instrument).values_list("code", flat=True)), before
        )
        self.assertFalse(can_freeze_instruments(self.city_admin))

    def test_freezing_twice_says_it_is_already_frozen(self) -> None:
        instrument = make_instrument()
        login(self.client, self.national_admin)
        self.client.post(f"/evaluation/instruments/{instrument.pk}/freeze/")
        self.client.get("/evaluation/instruments/")  # shows (and uses up) the first message

        response = self.client.post(
            f"/evaluation/instruments/{instrument.pk}/freeze/", HTTP_ACCEPT_LANGUAGE="id"
        )

        self.assertRedirects(response, "/evaluation/instruments/")
        shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
        self.assertEqual(shown, [("error", "Instrumen ini sudah dibekukan.")])

    def test_freeze_is_post_only_and_unknown_instrument_is_404(self) -> None:
        login(self.client, self.national_admin)
        self.assertEqual(self.client.get("/evaluation/instruments/999999/freeze/").status_code, 405)
        self.assertEqual(
            self.client.post("/evaluation/instruments/999999/freeze/").status_code, 404
        )
