"""The one CSV and XLSX writer of Layak (issue #11, finding 10).

Every spreadsheet Layak hands out — case statistics, the SIMFONI-PPA export, dashboard and
portal CSVs, indicator values and import templates, the evaluation recap and instrument, the
Profil Anak workbook, Puspaga counts, the children's aspirations — is written here, so the
two rules below are written once:

* **Quoting.** CSV goes through :mod:`csv` (RFC 4180 quoting, ``\\r\\n`` line ends), never
  through string formatting: a comma, quote or line break in a name cannot shift columns.
* **Formula guard** (OWASP "CSV injection"). A text cell that a spreadsheet would read as a
  formula — starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or the
  full-width ``＝ ＋ － ＠`` that some spreadsheets fold to them — is prefixed with an
  apostrophe, so a category renamed to ``=HYPERLINK(...)`` arrives as text. Numbers stay
  numbers (a negative number is a number, not a formula). In XLSX, text is always written
  with ``write_string`` into a workbook opened with ``strings_to_formulas`` and
  ``strings_to_urls`` off, and gets the same apostrophe, so the cell reads the same in both
  formats.

Views build their download with :func:`csv_response` or :func:`xlsx_response`; code that
needs a richer workbook (formats, several sheets, column widths) opens it with
:func:`new_workbook` and writes each row with :func:`write_row`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.http import HttpResponse

from layak.core.formatting import xlsx_number

#: What a spreadsheet may take for the start of a formula, including the full-width forms.
FORMULA_STARTS: tuple[str, ...] = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",  # FULLWIDTH EQUALS SIGN
    "\uff0b",  # FULLWIDTH PLUS SIGN
    "\uff0d",  # FULLWIDTH HYPHEN-MINUS
    "\uff20",  # FULLWIDTH COMMERCIAL AT
)
UTF8_BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: One table of a workbook: its header and its rows.
Table = tuple[Sequence[Any], Iterable[Sequence[Any]]]


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: numbers stay numbers; text that could start
    a formula gets a leading apostrophe; ``None`` becomes an empty cell; a boolean becomes
    ``ya``/``tidak``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """The text :func:`neutralise` guarded, as it was: for importers reading back a file that
    Layak wrote, so that an export followed by an import changes nothing."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(header: Sequence[Any] | None, rows: Iterable[Sequence[Any]], *, bom: bool) -> str:
    """The rows (after ``header``, if any) as CSV text, every cell guarded; with a UTF-8
    byte-order mark first when ``bom`` (so that Excel reads the accents)."""
    buffer = io.StringIO(newline="")
    if bom:
        buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def csv_bytes(header: Sequence[Any] | None, rows: Iterable[Sequence[Any]], *, bom: bool) -> bytes:
    """:func:`csv_text` encoded as UTF-8."""
    return csv_text(header, rows, bom=bom).encode("utf-8")


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A response that the browser saves as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    safe_name = filename.replace('"', "").replace("\\", "").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


def csv_response(
    filename: str,
    header: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    *,
    bom: bool = False,
) -> HttpResponse:
    """A CSV download (see :func:`csv_text`)."""
    return download(
        csv_bytes(header, rows, bom=bom), filename=filename, content_type=CSV_CONTENT_TYPE
    )


def new_workbook(buffer: io.BytesIO) -> Any:
    """An in-memory xlsxwriter workbook that never turns text into a formula or a link."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )


def write_row(sheet: Any, row: int, values: Sequence[Any], cell_format: Any = None) -> None:
    """Write one row of an xlsxwriter sheet: numbers as numbers, ``None`` as an empty cell,
    everything else as guarded text through ``write_string``."""
    for column, value in enumerate(values):
        if value is None:
            sheet.write_blank(row, column, None, cell_format)
            continue
        if isinstance(value, Fraction):
            value = xlsx_number(value)
        safe = neutralise(value)
        if isinstance(safe, int | float | Decimal) and not isinstance(safe, bool):
            number = float(safe) if isinstance(safe, Decimal) else safe
            sheet.write_number(row, column, number, cell_format)
        else:
            sheet.write_string(row, column, str(safe), cell_format)


def xlsx_bytes(
    tables: Mapping[str, Table], number_formats: Mapping[str, Mapping[int, str]] | None = None
) -> bytes:
    """A workbook with one sheet per table: bold header, frozen first row, numbers kept as
    numbers (exact fractions as the nearest float, so Excel's sums match), text guarded.
    ``number_formats`` gives a table's columns (by index) a number format such as
    ``layak.core.formatting.SCORE_FORMAT``: Excel shows them with the reader's separators."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    bold = workbook.add_format({"bold": True})
    formats: dict[str, Any] = {}
    for name, (header, rows) in tables.items():
        sheet = workbook.add_worksheet(name)
        for column, pattern in (number_formats or {}).get(name, {}).items():
            if pattern not in formats:
                formats[pattern] = workbook.add_format({"num_format": pattern})
            sheet.set_column(column, column, 12, formats[pattern])
        write_row(sheet, 0, header, bold)
        sheet.freeze_panes(1, 0)
        for index, row in enumerate(rows, start=1):
            write_row(sheet, index, row)
    workbook.close()
    return buffer.getvalue()


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    """An XLSX download of a workbook built with this module."""
    return download(content, filename=filename, content_type=XLSX_CONTENT_TYPE)
