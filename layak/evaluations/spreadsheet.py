"""Reading and writing the instrument workbook (layout: docs/instrument-spreadsheet.md).

A workbook is handled as ``Sheets``: for each sheet, its rows as dictionaries of text keyed by
the header, each with the row number the spreadsheet shows.

The ministry's workbooks are made by hand (issue #13), so the reader takes them as a person
sees them on screen:

* A formula of plain arithmetic (``=1/3``, ``=2/(3+4)``) is kept as its text, so that the
  importer computes it exactly (``layak.evaluations.shares.read_share``); any other formula
  (``=A2``, ``=SUM(D2:D9)``) is read as the value the spreadsheet program last computed and
  saved. A formula without such a value is a problem naming its cell.
* A merged range (an indicator code merged over its questions' rows) gives its value to every
  row of the range; each range is listed in ``Sheets.merged`` so that the import can say so.
* Sheet names are matched without regard to case or surrounding spaces; every sheet's name is
  kept in ``Sheets.found`` so that the import can name sheets it did not read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from layak.core.exports import unguard, xlsx_bytes
from layak.core.uploads import UNREADABLE_WORKBOOK
from layak.evaluations.shares import read_share

SHEETS = ("instrument", "groups", "indicators", "questions", "options", "bands")
MAX_ROWS_PER_SHEET = 20_000
#: Columns read per sheet (a layout has at most a few dozen) and the largest workbook, once
#: unzipped: a small file that unzips to gigabytes, or whose one far cell spans a huge grid,
#: is refused before it is read.
MAX_COLUMNS = 200
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024


def _unreadable(exc: BaseException) -> tuple[str, int, str]:
    return ("", 0, _("not a readable XLSX workbook (%(error)s)") % {"error": type(exc).__name__})


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class Merged:
    """A merged range of a sheet: the columns (by header) and rows it spans, and its value."""

    sheet: str
    columns: tuple[str, ...]
    first_row: int
    last_row: int
    value: str


@dataclass
class Sheets:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    #: Problems found while reading: (sheet, row, message); sheet "" and row 0: the file.
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    #: The names of every sheet of the workbook as written, in order (empty when the sheets
    #: did not come from one workbook).
    found: list[str] = field(default_factory=list)
    #: Merged ranges read as one value for each of their rows.
    merged: list[Merged] = field(default_factory=list)

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


def _is_arithmetic(formula: str) -> bool:
    """A formula of numbers and + - * / ( ) only, which the importer computes exactly."""
    return read_share(formula) is not None


@dataclass
class _Grid:
    """One sheet's cells as read: values by (row, column), cells whose formula needs the
    cached value, and the merged ranges."""

    values: dict[tuple[int, int], Any]
    cached: list[tuple[int, int]]
    merged: list[tuple[int, int, int, int]]


def _grid(sheet: Worksheet) -> _Grid:
    values: dict[tuple[int, int], Any] = {}
    cached: list[tuple[int, int]] = []
    # Only the cells the file holds (``iter_rows`` would create every cell of the sheet's
    # dimension: one far cell makes that billions). ``_cells`` is openpyxl's store of them.
    for (row_number, column), cell in sorted(sheet._cells.items()):
        if row_number > MAX_ROWS_PER_SHEET + 2 or column > MAX_COLUMNS:
            continue
        if isinstance(cell, MergedCell) or not isinstance(cell, Cell):
            continue
        value = cell.value
        if cell.data_type == "f":
            text = value if isinstance(value, str) else getattr(value, "text", "")
            if not (isinstance(text, str) and _is_arithmetic(text)):
                cached.append((row_number, column))
                continue
            value = text
        if value is not None:
            values[(row_number, column)] = value
    merged = sorted(
        (r.min_row, r.max_row, r.min_col, r.max_col)
        for r in sheet.merged_cells.ranges
        if r.min_row is not None and r.max_row is not None
    )
    return _Grid(values, cached, merged)


def _records(name: str, grid: _Grid, into: Sheets) -> list[list[Any]]:
    """The sheet as lists of values with merged ranges filled in; a row whose only values come
    from a merged range counts as empty (a range merged further down than the data)."""
    height = min(max((r for r, _c in grid.values), default=0), MAX_ROWS_PER_SHEET + 2)
    width = min(max((c for _r, c in grid.values), default=0), MAX_COLUMNS)
    records = [[grid.values.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]
    own = [any(v not in (None, "") for v in record) for record in records]
    header = [_text(h).lower() for h in records[0]] if records else []
    for first, last, left, right in grid.merged:
        value = grid.values.get((first, left))
        for r in range(first, min(last, height) + 1):
            for c in range(left, min(right, width) + 1):
                records[r - 1][c - 1] = value
        columns = tuple(h for h in header[left - 1 : right] if h)
        spans = last > first or len(columns) > 1
        if columns and first >= 2 and spans and value not in (None, ""):
            into.merged.append(Merged(name, columns, first, last, _text(value)))
    return [record if r == 0 or own[r] else [] for r, record in enumerate(records)]


def _cell_name(row: int, column: int) -> str:
    return f"{openpyxl.utils.get_column_letter(column)}{row}"


def read_xlsx(stream: IO[bytes], names: Collection[str] = SHEETS) -> Sheets:
    """Read the workbook's sheets called ``names`` (the instrument's by default; case and
    surrounding spaces ignored); an unreadable file, or one damaged further in (a truncated
    download), gives one problem on row 0 and no rows.

    Normal (not read-only) mode, since read-only mode knows no merged ranges; instrument
    workbooks are small. A second, value-only reading happens only when a cell has a formula
    other than plain arithmetic."""
    sheets = Sheets()
    try:
        content = stream.read()
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:
            sheets.problems.append(
                (
                    "",
                    0,
                    _("the workbook is too large once unpacked (more than %(mb)d MB)")
                    % {"mb": MAX_UNZIPPED_BYTES // (1024 * 1024)},
                )
            )
            return sheets
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
        grids: dict[str, _Grid] = {}
        titles: dict[str, str] = {}
        for title in workbook.sheetnames:
            sheets.found.append(title)
            name = title.strip().lower()
            if name in names and name not in grids:
                grids[name] = _grid(workbook[title])
                titles[name] = title
        workbook.close()
        if any(grid.cached for grid in grids.values()):
            computed = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
            for name, grid in grids.items():
                sheet = computed[titles[name]]
                for row, column in grid.cached:
                    value = sheet.cell(row=row, column=column).value
                    if value is None:
                        sheets.problems.append(
                            (
                                name,
                                row,
                                _(
                                    "cell %(cell)s: formula without a computed value: open "
                                    "and save the file in Excel/LibreOffice"
                                )
                                % {"cell": _cell_name(row, column)},
                            )
                        )
                    else:
                        grid.values[(row, column)] = value
            computed.close()
        for name in names:
            if name in grids:
                _rows(_records(name, grids[name], sheets), name, sheets)
    except UNREADABLE_WORKBOOK as exc:
        sheets.rows.clear()
        sheets.merged.clear()
        sheets.problems[:] = [_unreadable(exc)]
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
