"""Loading and exporting instrument workbooks (issue #3, docs/instrument-spreadsheet.md): all
or nothing, errors numbered by sheet and row, lossless round trip, the bundled demo."""

from __future__ import annotations

import copy
import io
import tempfile
import zipfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import TestCase, override_settings

from layak.accounts.models import Agency
from layak.accounts.tests.factories import make_agency
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction, AuditEntry
from layak.evaluations.demo import DEMO_NAME, demo_instrument
from layak.evaluations.instruments import instrument_export, instrument_import
from layak.evaluations.models import (
    AnswerOption,
    Band,
    Indicator,
    IndicatorGroup,
    Instrument,
    Question,
)
from layak.evaluations.spreadsheet import Row, Sheets, read_xlsx
from layak.evaluations.tests.factories import BandSpec, make_instrument, question
from layak.regions.tests.factories import make_region

D = Decimal
F = Fraction
KNOWN_AGENCIES = {"dp3akb", "disdukcapil"}
Tables = dict[str, list[list[Any]]]

QUESTION_HEADER = [
    "indicator_code",
    "code",
    "text",
    "max_points",
    "scope",
    "evidence_required",
    "agencies",
    "data_fields",
    "order",
]


def valid_tables() -> Tables:
    """A small valid workbook. Rows as the spreadsheet numbers them: the header is row 1.

    instrument: year 2, name 3, source 4, total_points 5. questions: 1.01 row 2, 1.02 row 3
    (no options: quarters), 26.01 row 4. options: 1.01 rows 2-4, 26.01 rows 5-6.
    """
    return {
        "instrument": [
            ["key", "value"],
            ["year", 2030],
            ["name", "Instrumen uji impor"],
            ["source", "Uji"],
            ["total_points", 100],
        ],
        "groups": [
            ["code", "name", "order"],
            ["KL", "Kelembagaan", 1],
            ["KK", "Kecamatan/Kelurahan Layak Anak", 2],
        ],
        "indicators": [
            ["group_code", "code", "name", "max_points", "order"],
            ["KL", "1", "Peraturan daerah tentang KLA", 60, 1],
            ["KK", "26", "Kelurahan layak anak", 40, 2],
        ],
        "questions": [
            QUESTION_HEADER,
            ["1", "1.01", "Perda KLA sudah ada?", 20, "city", "yes", "dp3akb, disdukcapil", "", 1],
            ["1", "1.02", "Kebijakan lain?", 40, "city", "no", "dp3akb", "anak_0_18; akta", 2],
            ["26", "26.01", "Kelurahan layak anak?", 40, "kelurahan", "ya", "kelurahan", "", 1],
        ],
        "options": [
            ["question_code", "fraction", "label"],
            ["1.01", 0, "Belum ada"],
            ["1.01", 0.5, "Rancangan"],
            ["1.01", 1, "Sudah ditetapkan"],
            ["26.01", 0, "Tidak"],
            ["26.01", 1, "Ya"],
        ],
        "bands": [
            ["code", "name", "min_points", "max_points", "order", "conditions"],
            ["rendah", "Rendah", 50, 80, 1, ""],
            ["tinggi", "Tinggi", 81, 100, 2, "Syarat tambahan terpenuhi"],
        ],
    }


def sheets_from(tables: Tables) -> Sheets:
    """The workbook as ``read_xlsx`` would give it, built in memory."""
    sheets = Sheets()
    for name, (header, *rows) in tables.items():
        sheets.rows[name] = [
            Row(number, {h: str(v) for h, v in zip(header, row, strict=False)})
            for number, row in enumerate(rows, start=2)
        ]
    return sheets


def xlsx_from(tables: Tables) -> bytes:
    """The workbook as a real XLSX file written by openpyxl."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # a new workbook starts with one empty sheet
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(tables: Tables) -> Sheets:
    return read_xlsx(io.BytesIO(xlsx_from(tables)))


def do_import(sheets: Sheets, known: set[str] = KNOWN_AGENCIES) -> Instrument:
    return instrument_import(sheets=sheets, known_agencies=known, actor=None, source_name="t.xlsx")


def rename(sheets: Sheets, name: str) -> Sheets:
    sheets.rows["instrument"] = [
        Row(r.number, {**r.values, "value": name}) if r.get("key") == "name" else r
        for r in sheets.of("instrument")
    ]
    return sheets


def snapshot(instrument: Instrument) -> dict[str, Any]:
    """Everything an instrument holds except its name and identity."""
    return {
        "year": instrument.year,
        "source": instrument.source,
        "total": instrument.total_points,
        "groups": list(
            IndicatorGroup.objects.filter(instrument=instrument)
            .order_by("code")
            .values_list("code", "name", "order")
        ),
        "indicators": list(
            Indicator.objects.filter(instrument=instrument)
            .order_by("code")
            .values_list("group__code", "code", "name", "max_points", "order")
        ),
        "questions": list(
            Question.objects.filter(instrument=instrument)
            .order_by("code")
            .values_list(
                "indicator__code",
                "code",
                "text",
                "max_points",
                "scope",
                "evidence_required",
                "agency_codes",
                "data_fields",
                "order",
            )
        ),
        "options": sorted(
            (indicator, code, Fraction(numerator, denominator), label)
            for indicator, code, numerator, denominator, label in AnswerOption.objects.filter(
                question__instrument=instrument
            ).values_list(
                "question__indicator__code", "question__code", "numerator", "denominator", "label"
            )
        ),
        "bands": list(
            Band.objects.filter(instrument=instrument)
            .order_by("order")
            .values_list("code", "name", "min_points", "max_points", "order", "conditions")
        ),
    }


def nothing_saved(test: TestCase) -> None:
    test.assertEqual(Instrument.objects.count(), 0)
    test.assertEqual(IndicatorGroup.objects.count(), 0)
    test.assertEqual(Indicator.objects.count(), 0)
    test.assertEqual(Question.objects.count(), 0)
    test.assertEqual(AnswerOption.objects.count(), 0)
    test.assertEqual(Band.objects.count(), 0)
    test.assertFalse(AuditEntry.objects.filter(action=AuditAction.IMPORT).exists())


def _set(sheet: str, row: int, column: str, value: Any) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        header = tables[sheet][0]
        tables[sheet][row - 1][header.index(column)] = value

    return change


def _drop_sheet(sheet: str) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        del tables[sheet]

    return change


def _drop_column(sheet: str, column: str) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        index = tables[sheet][0].index(column)
        for row in tables[sheet]:
            del row[index]

    return change


#: (rule, change to the valid workbook, sheet, row and words of the expected error)
RULES: list[tuple[str, Callable[[Tables], None], str, int, str]] = [
    (
        "indicator points not the sum of its questions",
        _set("questions", 3, "max_points", 39),
        "indicators",
        2,
        "indicator 1 has 60 points but its questions add up to 59",
    ),
    (
        "total points not the sum of the indicators",
        _set("instrument", 5, "value", 120),
        "instrument",
        5,
        "total_points is 120 but the indicators add up to 100",
    ),
    (
        "duplicate question code",
        _set("questions", 3, "code", "1.01"),
        "questions",
        3,
        "question code 1.01 appears twice in indicator 1 (rows 2 and 3)",
    ),
    (
        "unknown agency code",
        _set("questions", 2, "agencies", "dp3akb, dinas-hantu"),
        "questions",
        2,
        "unknown agency code(s): dinas-hantu",
    ),
    (
        "unknown indicator",
        _set("questions", 4, "indicator_code", "27"),
        "questions",
        4,
        "indicator 27 is not in sheet indicators",
    ),
    (
        "bad scope",
        _set("questions", 4, "scope", "provinsi"),
        "questions",
        4,
        "scope must be city, kecamatan or kelurahan, not provinsi",
    ),
    (
        "options without 0",
        _set("options", 5, "fraction", 0.1),
        "options",
        5,
        "question 26.01 needs an option 0 and an option 1",
    ),
    (
        "options without 1",
        _set("options", 6, "fraction", 0.9),
        "options",
        5,
        "question 26.01 needs an option 0 and an option 1",
    ),
    (
        "duplicate fraction",
        _set("options", 3, "fraction", 0),
        "options",
        3,
        "question 1.01 has the share 0 twice",
    ),
    (
        "overlapping bands",
        _set("bands", 3, "min_points", 80),
        "bands",
        3,
        "overlaps band rendah",
    ),
    (
        "missing sheet",
        _drop_sheet("bands"),
        "bands",
        0,
        "the sheet is missing (sheets in the workbook: instrument, groups, indicators, "
        "questions, options)",
    ),
    (
        "missing column",
        _drop_column("questions", "scope"),
        "questions",
        1,
        "missing column(s): scope",
    ),
]


def has_error(errors: list[tuple[int, str]], sheet: str, row: int, words: str) -> bool:
    return any(
        number == row and message.startswith(f"Sheet {sheet}: ") and words in message
        for number, message in errors
    )


@override_settings(LANGUAGE_CODE="en")
class ImportTests(TestCase):
    def test_valid_workbook_creates_the_instrument(self) -> None:
        for how, reader in (("memory", sheets_from), ("xlsx", read)):
            with self.subTest(how=how):
                tables = valid_tables()
                tables["instrument"][2][1] = f"Instrumen uji ({how})"
                instrument = do_import(reader(tables))
                self.assertEqual(
                    snapshot(instrument),
                    {
                        "year": 2030,
                        "source": "Uji",
                        "total": D(100),
                        "groups": [
                            ("KK", "Kecamatan/Kelurahan Layak Anak", 2),
                            ("KL", "Kelembagaan", 1),
                        ],
                        "indicators": [
                            ("KL", "1", "Peraturan daerah tentang KLA", D(60), 1),
                            ("KK", "26", "Kelurahan layak anak", D(40), 2),
                        ],
                        "questions": [
                            (
                                "1",
                                "1.01",
                                "Perda KLA sudah ada?",
                                D(20),
                                "city",
                                True,
                                ["dp3akb", "disdukcapil"],
                                [],
                                1,
                            ),
                            (
                                "1",
                                "1.02",
                                "Kebijakan lain?",
                                D(40),
                                "city",
                                False,
                                ["dp3akb"],
                                ["anak_0_18", "akta"],
                                2,
                            ),
                            (
                                "26",
                                "26.01",
                                "Kelurahan layak anak?",
                                D(40),
                                "kelurahan",
                                True,
                                ["kelurahan"],
                                [],
                                1,
                            ),
                        ],
                        "options": [
                            ("1", "1.01", F(0), "Belum ada"),
                            ("1", "1.01", F(1, 2), "Rancangan"),
                            ("1", "1.01", F(1), "Sudah ditetapkan"),
                            ("1", "1.02", F(0), "Belum ada / tidak terpenuhi"),
                            ("1", "1.02", F(1, 4), "Terpenuhi sebagian kecil"),
                            ("1", "1.02", F(1, 2), "Terpenuhi sebagian"),
                            ("1", "1.02", F(3, 4), "Terpenuhi sebagian besar"),
                            ("1", "1.02", F(1), "Terpenuhi sepenuhnya"),
                            ("26", "26.01", F(0), "Tidak"),
                            ("26", "26.01", F(1), "Ya"),
                        ],
                        "bands": [
                            ("rendah", "Rendah", D(50), D(80), 1, ""),
                            ("tinggi", "Tinggi", D(81), D(100), 2, "Syarat tambahan terpenuhi"),
                        ],
                    },
                )
                self.assertTrue(
                    AuditEntry.objects.filter(
                        action=AuditAction.IMPORT,
                        object_type="evaluations.instrument",
                        object_id=str(instrument.pk),
                    ).exists()
                )

    def test_every_rule_refuses_the_whole_workbook_with_sheet_and_row(self) -> None:
        for rule, change, sheet, row, words in RULES:
            for how, reader in (("memory", sheets_from), ("xlsx", read)):
                with self.subTest(rule=rule, how=how):
                    tables = copy.deepcopy(valid_tables())
                    change(tables)
                    with self.assertRaises(ImportRejected) as caught:
                        do_import(reader(tables))
                    self.assertTrue(
                        has_error(caught.exception.errors, sheet, row, words),
                        f"expected Sheet {sheet} row {row}: {words}; got {caught.exception.errors}",
                    )
                    nothing_saved(self)

    def test_unknown_agency_depends_on_the_city(self) -> None:
        with self.assertRaises(ImportRejected) as caught:
            do_import(sheets_from(valid_tables()), known={"dp3akb"})
        self.assertTrue(
            has_error(
                caught.exception.errors, "questions", 2, "unknown agency code(s): disdukcapil"
            )
        )
        nothing_saved(self)

    def test_files_that_are_not_xlsx_are_refused(self) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("hello.txt", "not a workbook")
        for label, content in (
            ("garbage", b"\x00\xffthis is not a workbook\x13" * 20),
            ("empty", b""),
            ("pdf", b"%PDF-1.4\n%%EOF\n"),
            ("zip", archive.getvalue()),
        ):
            with self.subTest(label=label):
                with self.assertRaises(ImportRejected) as caught:
                    do_import(read_xlsx(io.BytesIO(content)))
                errors = caught.exception.errors
                self.assertIn(0, [row for row, _message in errors])
                self.assertTrue(
                    any(m.startswith("File: not a readable XLSX workbook") for _r, m in errors),
                    errors,
                )
                nothing_saved(self)

    def test_same_year_and_name_twice_is_refused(self) -> None:
        first = do_import(sheets_from(valid_tables()))
        before = snapshot(first)
        with self.assertRaises(ImportRejected) as caught:
            do_import(read(valid_tables()))
        self.assertTrue(
            has_error(caught.exception.errors, "instrument", 3, "already exists"),
            caught.exception.errors,
        )
        self.assertEqual(Instrument.objects.count(), 1)
        self.assertEqual(Question.objects.count(), 3)
        self.assertEqual(snapshot(first), before)

    def test_same_name_in_another_year_is_a_new_instrument(self) -> None:
        do_import(sheets_from(valid_tables()))
        tables = valid_tables()
        tables["instrument"][1][1] = 2031
        second = do_import(sheets_from(tables))
        self.assertEqual(second.year, 2031)
        self.assertEqual(Instrument.objects.count(), 2)


@override_settings(LANGUAGE_CODE="en")
class RoundTripTests(TestCase):
    instrument: Instrument

    @classmethod
    def setUpTestData(cls) -> None:
        cls.instrument = make_instrument(
            name="Instrumen asal",
            groups={
                "KL": {
                    "1": [
                        question("1.01", "13.75", evidence_required=True),
                        question(
                            "1.02",
                            "6.25",
                            fractions=("0", "0.3333", "1"),
                            agencies=("dp3akb", "disdukcapil"),
                            data_fields=("anak_0_18", "akta_terbit"),
                        ),
                    ]
                },
                "KK": {
                    "26": [
                        question("26.01", "30", scope="kelurahan", agencies=("kelurahan",)),
                        question("26.02", "50", scope="kecamatan", agencies=("kecamatan",)),
                    ]
                },
            },
            bands=[
                BandSpec("madya", "Madya", "20.5", "60"),
                BandSpec("utama", "Utama", "60.01", "100", "Syarat paripurna"),
            ],
        )

    def test_export_then_import_gives_the_same_instrument(self) -> None:
        sheets = read_xlsx(io.BytesIO(instrument_export(self.instrument)))
        self.assertEqual(sheets.problems, [])
        copied = do_import(rename(sheets, "Instrumen salinan"))
        self.assertEqual(copied.name, "Instrumen salinan")
        self.assertNotEqual(copied.pk, self.instrument.pk)
        self.assertEqual(snapshot(copied), snapshot(self.instrument))


@override_settings(LANGUAGE_CODE="en")
class CommandTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        city = make_region("64.71", "Kota Balikpapan")
        for code in sorted(KNOWN_AGENCIES):
            make_agency(region=city, code=code)

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def test_import_instrument_loads_a_workbook(self) -> None:
        path = self.folder / "instrumen.xlsx"
        path.write_bytes(xlsx_from(valid_tables()))
        out = io.StringIO()
        call_command("import_instrument", str(path), stdout=out)
        instrument = Instrument.objects.get()
        self.assertEqual(instrument.name, "Instrumen uji impor")
        self.assertEqual(instrument.questions.count(), 3)
        self.assertIn("3 questions", out.getvalue())

    def test_import_instrument_reports_rows_and_saves_nothing(self) -> None:
        tables = valid_tables()
        tables["questions"][3][4] = "provinsi"
        path = self.folder / "salah.xlsx"
        path.write_bytes(xlsx_from(tables))
        err = io.StringIO()
        with self.assertRaisesMessage(CommandError, "nothing was imported"):
            call_command("import_instrument", str(path), stdout=io.StringIO(), stderr=err)
        self.assertIn("row 4: Sheet questions: scope must be", err.getvalue())
        nothing_saved(self)

    def test_import_instrument_of_a_missing_file_fails(self) -> None:
        with self.assertRaises(CommandError):
            call_command("import_instrument", str(self.folder / "tidak-ada.xlsx"))
        nothing_saved(self)

    def test_export_instrument_writes_the_import_layout(self) -> None:
        instrument = do_import(sheets_from(valid_tables()))
        path = self.folder / "ekspor.xlsx"
        call_command("export_instrument", str(instrument.pk), str(path), stdout=io.StringIO())
        with path.open("rb") as stream:
            sheets = read_xlsx(stream)
        copied = do_import(rename(sheets, "Salinan ekspor"))
        self.assertEqual(snapshot(copied), snapshot(instrument))

    def test_export_of_an_unknown_instrument_fails(self) -> None:
        with self.assertRaisesMessage(CommandError, "No such instrument"):
            call_command("export_instrument", "999999", str(self.folder / "x.xlsx"))
        self.assertFalse((self.folder / "x.xlsx").exists())


class DemoInstrumentTests(TestCase):
    instrument: Instrument

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_regions", stdout=io.StringIO())
        call_command("load_agencies", stdout=io.StringIO())
        cls.instrument = demo_instrument()

    def test_demo_has_1000_points(self) -> None:
        self.assertEqual(self.instrument.name, DEMO_NAME)
        self.assertEqual(self.instrument.total_points, D(1000))
        total = Indicator.objects.filter(instrument=self.instrument).aggregate(t=Sum("max_points"))
        self.assertEqual(total["t"], D(1000))
        questions = Question.objects.filter(instrument=self.instrument).aggregate(
            t=Sum("max_points")
        )
        self.assertEqual(questions["t"], D(1000))

    def test_group_maxima(self) -> None:
        maxima = [
            (group.code, sum((i.max_points for i in group.indicators.all()), D(0)))
            for group in self.instrument.groups.order_by("order")
        ]
        self.assertEqual(
            maxima,
            [
                ("KL", D(164)),
                ("K1", D(115)),
                ("K2", D(156)),
                ("K3", D(150)),
                ("K4", D(110)),
                ("K5", D(205)),
                ("KK", D(100)),
            ],
        )

    def test_every_question_has_options_from_0_to_1(self) -> None:
        for q in Question.objects.filter(instrument=self.instrument).prefetch_related("options"):
            fractions = [o.fraction for o in q.options.all()]
            self.assertEqual((fractions[0], fractions[-1]), (F(0), F(1)), q.code)

    def test_demo_is_loaded_once(self) -> None:
        self.assertEqual(demo_instrument().pk, self.instrument.pk)
        self.assertEqual(Instrument.objects.count(), 1)

    def test_demo_round_trips_through_xlsx(self) -> None:
        sheets = read_xlsx(io.BytesIO(instrument_export(self.instrument)))
        copied = instrument_import(
            sheets=rename(sheets, "Salinan demo"),
            known_agencies=set(
                Agency.objects.filter(region__code="64.71").values_list("code", flat=True)
            ),
            actor=None,
        )
        self.assertEqual(snapshot(copied), snapshot(self.instrument))
