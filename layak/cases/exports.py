"""Downloads of the case module: the statistics table as CSV, and the SIMFONI-PPA export
(issue #4): one row per victim, in SIMFONI-PPA categories, as XLSX or
CSV, so that agencies that must also report to SIMFONI-PPA type nothing twice.

The rows come from :func:`layak.cases.selectors.simfoni_rows` and hold no name, NIK, address,
phone number or narrative. The layout (columns, their meaning, category codes and how they map to
SIMFONI-PPA fields) is documented in ``docs/simfoni-export.md``; keep the two in step.

Cells are written by the one writer of :mod:`layak.core.exports` (quoting and the formula
guard), so a value typed into a case can never run as a formula on the receiving computer.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from layak.cases.statistics import Statistic
from layak.core.exports import csv_bytes, neutralise, new_workbook, write_row

#: The columns of the statistics CSV: a hidden cell carries the one hidden mark.
STATISTIC_HEADER = ("key", "label", "value")


def statistic_rows(table: Statistic) -> list[tuple[str, str, str]]:
    """The rows of the statistics CSV: each published cell as shown, then the total."""
    return [
        *[(cell.key, cell.label, cell.display) for cell in table.cells],
        ("total", _("Total"), table.total_display),
    ]


def statistic_filename(city_code: str, year: int, unit: str, dimension: str) -> str:
    return f"cases-{city_code}-{year}-{unit}-{dimension}.csv"


#: The columns in order: (machine key, header in Indonesian). The key is what
#: ``simfoni_rows`` yields and what the second sheet of the workbook lists; it never changes
#: when a header is reworded.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_number", "Nomor kasus"),
    ("victim_no", "No. korban"),
    ("opened_on", "Tanggal pencatatan"),
    ("stage", "Tahap penanganan"),
    ("kelurahan_code", "Kode wilayah kelurahan"),
    ("kelurahan", "Kelurahan kejadian"),
    ("sex", "Jenis kelamin korban"),
    ("age", "Usia korban (tahun)"),
    ("age_group", "Kelompok usia"),
    ("education", "Pendidikan korban"),
    ("occupation", "Pekerjaan korban"),
    ("disability", "Disabilitas"),
    ("forms", "Bentuk kekerasan"),
    ("place", "Tempat kejadian"),
    ("perpetrator_relationship", "Hubungan pelaku dengan korban"),
    ("services", "Layanan yang diterima"),
    ("child_marriage", "Perkawinan anak"),
    ("online_harm", "Kekerasan berbasis daring"),
)
KEYS: tuple[str, ...] = tuple(key for key, _header in COLUMNS)
HEADERS: tuple[str, ...] = tuple(header for _key, header in COLUMNS)

DATA_SHEET = "simfoni"
COLUMNS_SHEET = "kolom"


def _cells(rows: Iterable[Mapping[str, Any]]) -> Iterable[list[Any]]:
    for row in rows:
        yield [neutralise(row.get(key)) for key in KEYS]


def simfoni_xlsx(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A workbook: sheet ``simfoni`` with the Indonesian headers and one row per victim, and
    sheet ``kolom`` listing each column's machine key and header."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(DATA_SHEET)
    write_row(sheet, 0, HEADERS, bold)
    sheet.freeze_panes(1, 0)
    for index, cells in enumerate(_cells(rows), start=1):
        write_row(sheet, index, cells)
    sheet.set_column(0, len(COLUMNS) - 1, 18)
    legend = workbook.add_worksheet(COLUMNS_SHEET)
    write_row(legend, 0, ("kolom", "kunci"), bold)
    for index, (key, header) in enumerate(COLUMNS, start=1):
        write_row(legend, index, (header, key))
    legend.set_column(0, 1, 32)
    workbook.close()
    return buffer.getvalue()


def simfoni_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The same rows as CSV: UTF-8 with a byte-order mark (so Excel reads the accents),
    comma-separated, Indonesian headers on the first line."""
    return csv_bytes(HEADERS, _cells(rows), bom=True)
