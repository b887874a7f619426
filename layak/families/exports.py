"""The Puspaga counts as CSV (issue #5): file name, header and rows, written by
:mod:`layak.core.exports` in the view.

The cells are the page's cells (``selectors.service_counts``): a hidden cell holds the one
hidden mark, so the file shows nothing the page hides.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from layak.families.selectors import ServiceCounts


def counts_filename(data: ServiceCounts) -> str:
    return f"puspaga-{data.city.code}-{data.year}.csv"


def counts_header(data: ServiceCounts) -> list[str]:
    """``dimension, key, label``, one column per mode, ``total``."""
    return ["dimension", "key", "label", *(mode for mode, _label in data.modes), "total"]


def counts_rows(data: ServiceCounts) -> list[list[Any]]:
    """The table by topic, then the table by kecamatan, each closed by its total row."""
    rows: list[list[Any]] = []
    for table in (data.by_topic, data.by_kecamatan):
        for row in table.rows:
            rows.append([table.dimension, row.key, row.label, *row.cells, row.total])
        rows.append([table.dimension, "total", _("Total"), *table.mode_totals, table.total])
    return rows
