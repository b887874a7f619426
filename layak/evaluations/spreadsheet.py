"""Reading and writing the instrument workbook (layout: docs/instrument-spreadsheet.md).

A workbook is handled as ``Sheets``: for each sheet, its rows as dictionaries of text keyed by
the header, each with the row number the spreadsheet shows.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from layak.core.exports import unguard, xlsx_bytes

SHEETS = ("instrument", "groups", "indicators", "questions", "options", "bands")
MAX_ROWS_PER_SHEET = 20_000
#: What a damaged or truncated workbook raises, on opening or (read-only mode reads sheets
#: lazily) while its rows are read: broken ZIP data, broken XML (ElementTree's and lxml's
#: parse errors are SyntaxErrors), missing parts.
UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,
    SyntaxError,
)


def _unreadable(exc: Exception) -> tuple[str, int, str]:
    return ("", 0, _("not a readable XLSX workbook (%(error)s)") % {"error": type(exc).__name__})


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Sheets:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    #: Problems found while reading: (sheet, row, message).
    problems: list[tuple[str, int, str]] = field(default_factory=list)

    def of(self, sheet: str) -> list[Row]:
        return self.rows.get(sheet, [])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Spreadsheets store 0.25 as a float; keep the shortest exact decimal text.
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    # A workbook Layak exported has its formula-like texts guarded with an apostrophe.
    return unguard(str(value)).strip()


def _rows(records: Iterable[Sequence[Any]], sheet: str, into: Sheets) -> None:
    iterator = iter(records)
    header_row = next(iterator, None)
    if header_row is None:
        into.rows[sheet] = []
        return
    header = [_text(h).lower() for h in header_row]
    rows: list[Row] = []
    for number, record in enumerate(iterator, start=2):
        values = {h: _text(v) for h, v in zip(header, record, strict=False) if h}
        if not any(values.values()):
            continue
        if len(rows) >= MAX_ROWS_PER_SHEET:
            into.problems.append((sheet, number, f"more than {MAX_ROWS_PER_SHEET} rows"))
            break
        rows.append(Row(number, values))
    into.rows[sheet] = rows


def read_xlsx(stream: IO[bytes]) -> Sheets:
    """Read the workbook's known sheets; an unreadable file, or one damaged further in (a
    truncated download), gives one problem on row 0 and no rows."""
    sheets = Sheets()
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except UNREADABLE as exc:
        sheets.problems.append(_unreadable(exc))
        return sheets
    try:
        for sheet in SHEETS:
            if sheet in workbook.sheetnames:
                _rows(workbook[sheet].iter_rows(values_only=True), sheet, sheets)
    except UNREADABLE as exc:
        sheets.rows.clear()
        sheets.problems.append(_unreadable(exc))
    finally:
        workbook.close()
    return sheets


def read_csv_folder(folder: Path, files: Mapping[str, str]) -> Sheets:
    """Read sheets from CSV files (``files`` maps sheet name to file name); for bundled data."""
    sheets = Sheets()
    for sheet, name in files.items():
        with (folder / name).open(encoding="utf-8", newline="") as stream:
            _rows(csv.reader(stream), sheet, sheets)
    return sheets


def write_xlsx(tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per table (header, rows), numbers kept as numbers; written by
    the one writer of :mod:`layak.core.exports` (text never becomes a formula)."""
    return xlsx_bytes(tables)
