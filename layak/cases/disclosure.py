"""What the case module publishes (issue #12), for ``layak disclosure_audit``.

One family, ``cases``: per kab/kota and year the one linked set of case-derived cells
(:func:`layak.cases.statistics.case_tables`) — the statistics page, its CSV and API, the PATBM
figures of the evaluation — together with the roll-ups of the case-derived indicators
(``kekerasan-anak``, ``kekerasan-daring``) that dashboards, maps, the child profile, the
indicators API and the public portal read. A roll-up cell counts as published when its stored
row shows a number, whatever the page would do, so the audit checks what is really out there.
"""

from __future__ import annotations

from collections.abc import Iterable

from layak.cases.statistics import DERIVED, area_key, case_keys, case_tables, case_years
from layak.core.disclosure import Published, family, protection
from layak.regions.models import Region

#: Units whose cells only the roll-ups publish.
ROLLUP_ONLY = ("online",)


def _rollup_shown(city: Region, year: int) -> set[tuple[str, str, str]]:
    """The cells the stored roll-ups of the city-year show."""
    from layak.indicators.models import Rollup, Source
    from layak.indicators.rollups import case_unit

    shown: set[tuple[str, str, str]] = set()
    rows = (
        Rollup.objects.filter(city=city, definition__source=Source.CASES, period_start__year=year)
        .select_related("definition", "region")
        .only("numerator", "definition__code", "region__code")
    )
    for row in rows:
        if row.numerator is not None:
            shown.add(area_key(case_unit(row.definition), row.region.code))
    return shown


@family("cases", "Case statistics, PATBM report counts and case-derived roll-ups")
def collect(city: Region, year: int | None) -> Iterable[Published]:
    years = case_years(city) if year is None else [year]
    for y in years:
        tables = case_tables(city, y)
        linked = tables.linked
        published = case_keys(linked.published)
        # The page, its CSV, the API and the PATBM figures show what the protection shows;
        # online cases are published by their roll-up only; a roll-up shows what its rows show.
        shown = {
            k
            for k in published
            if not tables.is_hidden(k) and k[0] not in ROLLUP_ONLY and k[0] not in DERIVED
        }
        shown |= _rollup_shown(city, y)
        # Cells never shown themselves are known wherever the two they are the difference of
        # are shown (offline cases, PATBM reports not referred).
        shown |= {
            k
            for k in published
            if k[0] in DERIVED and all(area_key(unit, k[2]) in shown for unit in DERIVED[k[0]])
        }
        # Zeros are shown (LAYAK_SHOW_ZEROS), so a reader takes a hidden cell to be at least 1;
        # a zero nobody displays (a roll-up not written yet, a difference of hidden cells) is
        # counted as known, as the protection itself counts it: the stronger reader.
        zeros_known = protection().show_zeros
        hidden = frozenset(
            k for k in published if k not in shown and not (zeros_known and linked.values[k] == 0)
        )
        yield Published(name=f"cases {city.code} {y}", linked=linked, hidden=hidden)
