"""What the case module hands to the indicator roll-ups (issue #14: indicators sit below cases
and never import them).

Registers the ``cases`` source of :mod:`layak.indicators.sources`: the definitions derived
from case records (``kekerasan-anak``, ``kekerasan-daring``) are rolled up per kelurahan,
kecamatan and city from the one protected set of case-derived cells of each city-year
(:func:`layak.cases.statistics.case_tables`), so dashboards, maps, the child profile and the
public portal hide exactly what the statistics page hides. Imported by the registry's discovery
of ``rollups`` modules.
"""

from __future__ import annotations

from layak.cases.models import Case
from layak.cases.statistics import case_keys, case_tables, case_years
from layak.indicators.models import Source
from layak.indicators.sources import RollupSource, register_source
from layak.regions.models import Region


def opened_years(city: Region) -> list[int]:
    """The years in which ``city`` opened cases."""
    return sorted({d.year for d in Case.objects.filter(region=city).dates("opened_on", "year")})


def area_cells(city: Region, year: int, unit: str) -> dict[str, int | None]:
    """Per area code the count of ``unit`` the city-year publishes (None: hidden)."""
    tables = case_tables(city, year)
    return {
        key[2]: tables.shown(key)
        for key in case_keys(tables.linked.published)
        if key[0] == unit and key[1] == "area"
    }


def has_cases(city: Region) -> bool:
    return Case.objects.filter(region=city).exists()


register_source(
    RollupSource(
        source=Source.CASES,
        years=case_years,
        value_years=opened_years,
        cells=area_cells,
        has_data=has_cases,
    )
)
