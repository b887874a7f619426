"""Downloads of indicator data: the indicator page's table as CSV and the entry template as
XLSX. The rows are built here, the files by the one writer of :mod:`layak.core.exports`
(quoting and the formula guard); views only return the response."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

from layak.core.disclosure import hidden_mark
from layak.core.exports import new_workbook, write_row
from layak.indicators.models import Definition
from layak.indicators.selectors import Row, published_table
from layak.indicators.services import COLUMNS, regions_for
from layak.regions.models import Region

#: The columns of the indicator table CSV.
VALUES_HEADER = ("region_code", "region", "period", "numerator", "denominator", "rate")


def values_filename(definition: Definition, label: str) -> str:
    return f"{definition.code}-{label}.csv"


def values_rows(
    definition: Definition, city: Region, start: datetime.date, label: str
) -> list[Sequence[object]]:
    """The page's table (:func:`~layak.indicators.selectors.published_table`) as CSV rows: a
    hidden cell carries the one hidden mark in each of its figures."""
    mark = hidden_mark()

    def figures(row: Row) -> list[object]:
        if row.hidden:
            return [mark, mark if definition.has_denominator else None, mark]
        return [row.numerator, row.denominator, row.rate]

    return [
        [row.region.code, row.region.name, label, *figures(row)]
        for row in published_table(definition, city, start)
    ]


def template_filename(definition: Definition) -> str:
    return f"{definition.code}-template.xlsx"


def template_xlsx(definition: Definition, city: Region, label: str) -> bytes:
    """The import template of ``definition`` for ``city`` and one period: the columns the
    import reads, one row per region of the definition's level, codes kept as text."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    sheet = workbook.add_worksheet(definition.code[:31])
    write_row(sheet, 0, list(COLUMNS), workbook.add_format({"bold": True}))
    text = workbook.add_format({"num_format": "@"})
    for index, region in enumerate(regions_for(definition, city), start=1):
        write_row(sheet, index, [region.code, label], text)
    sheet.set_column(0, 3, 18)
    workbook.close()
    return buffer.getvalue()
