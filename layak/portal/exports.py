"""The portal's CSV downloads (issue #6): their header and rows, written by
:mod:`layak.core.exports` in the views.

A hidden cell holds the hidden mark (as on the page); a missing one is empty. No note row: the
CSV stays one header and data rows; the page beside the link has the legend.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from layak.core.disclosure import hidden_mark
from layak.indicators.models import Definition, Level
from layak.portal import selectors
from layak.regions.models import Region


def cell_value(cell: selectors.Cell) -> Any:
    """What a CSV cell holds for a published figure: the number, the hidden mark, or empty."""
    return hidden_mark() if cell.hidden else cell.number


def summary_header() -> list[str]:
    return [_("indicator code"), _("indicator"), _("area"), _("period"), _("value")]


def summary_rows(city: Region | None) -> list[list[Any]]:
    """The key figures of the statistics page, one row per public indicator."""
    if city is None:
        return []
    return [
        [s.definition.code, s.definition.name, city.name, s.period_label, cell_value(s.cell)]
        for s in selectors.indicator_summaries(city)
    ]


def indicator_header() -> list[str]:
    return [_("area code"), _("area"), _("level"), _("period"), _("value")]


def indicator_rows(city: Region, definition: Definition) -> list[list[Any]]:
    """One public indicator: a row per area and period, as its page shows them."""
    table = selectors.indicator_table(city, definition)
    return [
        [row.code, row.name, str(Level(row.level).label), period, cell_value(cell)]
        for row in table.rows
        for period, cell in zip(table.periods, row.cells, strict=True)
    ]
