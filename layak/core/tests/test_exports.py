"""The one CSV/XLSX writer (issue #11, finding 10): RFC 4180 quoting, the formula guard in
both formats, numbers kept as numbers, the download headers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from django.test import SimpleTestCase

from layak.core import exports

HYPERLINK = '=HYPERLINK("http://x","y")'


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


class NeutraliseTests(SimpleTestCase):
    def test_every_formula_start_gets_an_apostrophe(self) -> None:
        for value in (
            "=1+1",
            "+62 812",
            "-",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "\uff1dHYPERLINK()",
            "\uff0b1",
            "\uff0d1",
            "\uff20x",
        ):
            self.assertEqual(exports.neutralise(value), "'" + value, repr(value))

    def test_plain_values_pass_unchanged(self) -> None:
        for value, expected in (
            ("Fisik", "Fisik"),
            ("<5", "<5"),
            ("", ""),
            (None, ""),
            (12, 12),
            (-3, -3),
            (2.5, 2.5),
            (Decimal("-9.5"), Decimal("-9.5")),
            (True, "ya"),
            (False, "tidak"),
        ):
            self.assertEqual(exports.neutralise(value), expected, repr(value))

    def test_unguard_gives_back_the_text(self) -> None:
        for value in (HYPERLINK, "-", "+62", "\uff20x", "'quoted'", "Fisik", ""):
            self.assertEqual(exports.unguard(exports.neutralise(value)), value, repr(value))

    def test_guarding_twice_changes_nothing(self) -> None:
        once = exports.neutralise(HYPERLINK)
        self.assertEqual(exports.neutralise(once), once)


class CsvTests(SimpleTestCase):
    def test_quoting_keeps_commas_quotes_and_line_breaks_in_their_cell(self) -> None:
        content = exports.csv_bytes(
            ("key", "label"), [("a", 'Kota, "lama"\nbaru'), ("b", 3)], bom=False
        )
        self.assertEqual(
            content, b'key,label\r\na,"Kota, ""lama""\nbaru"\r\nb,3\r\n', content.decode()
        )
        self.assertEqual(read_csv(content)[1], ["a", 'Kota, "lama"\nbaru'])

    def test_a_formula_is_text_in_the_csv(self) -> None:
        rows = read_csv(exports.csv_bytes(["=h"], [[HYPERLINK], [-4]], bom=False))
        self.assertEqual(rows, [["'=h"], ["'" + HYPERLINK], ["-4"]])

    def test_the_byte_order_mark_only_when_asked(self) -> None:
        self.assertTrue(exports.csv_bytes(None, [["é"]], bom=True).startswith(b"\xef\xbb\xbf"))
        self.assertEqual(exports.csv_bytes(None, [["é"]], bom=False), "é\r\n".encode())

    def test_csv_response_is_an_attachment_with_the_file_name(self) -> None:
        response = exports.csv_response('a"b.csv', ["x"], [[1]])
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="ab.csv"')
        self.assertEqual(response.content, b"x\r\n1\r\n")


class XlsxTests(SimpleTestCase):
    def test_text_is_never_a_formula_and_numbers_stay_numbers(self) -> None:
        content = exports.xlsx_bytes(
            {
                "data": (
                    ("label", "value"),
                    [
                        (HYPERLINK, 3),
                        ("http://example.invalid/", Decimal("2.5")),
                        ("+62", None),
                        ("\uff1d1", -1),
                    ],
                )
            }
        )
        sheet = openpyxl.load_workbook(io.BytesIO(content))["data"]
        cells = [cell for row in sheet.iter_rows() for cell in row]
        self.assertTrue(cells)
        self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
        self.assertEqual(sheet["A2"].value, "'" + HYPERLINK)
        self.assertEqual(sheet["A2"].data_type, "s")
        self.assertEqual(sheet["B2"].value, 3)
        self.assertEqual(sheet["A3"].value, "http://example.invalid/")
        self.assertFalse(sheet["A3"].hyperlink)
        self.assertEqual(sheet["B3"].value, 2.5)
        self.assertEqual(sheet["A4"].value, "'+62")
        self.assertIsNone(sheet["B4"].value)
        self.assertEqual(sheet["A5"].value, "'\uff1d1")
        self.assertEqual(sheet["B5"].value, -1)

    def test_write_row_leaves_empty_cells_out(self) -> None:
        buffer = io.BytesIO()
        workbook = exports.new_workbook(buffer)
        sheet = workbook.add_worksheet("s")
        exports.write_row(sheet, 0, ["a", None, "=b"])
        workbook.close()
        loaded = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["s"]
        self.assertEqual([c.value for c in loaded[1]], ["a", None, "'=b"])

    def test_xlsx_response_headers(self) -> None:
        response = exports.xlsx_response("r.xlsx", b"PK")
        self.assertEqual(response["Content-Type"], exports.XLSX_CONTENT_TYPE)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="r.xlsx"')
