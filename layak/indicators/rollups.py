"""Roll-up tables (issue #6): the sums of each definition and period per kelurahan, kecamatan
and city, recomputed by background jobs whenever values change and nightly by
``layak refresh_rollups``. Dashboards, maps, the child profile and the public portal read
:class:`~layak.indicators.models.Rollup` rows only.

Rates are computed from summed raw counts (never averaged). Definitions derived from case data
are rolled up from the cells the case module publishes for each city-year, handed over through
the registry of :mod:`layak.indicators.sources` (filled by ``layak/cases/rollups.py`` from the
one protected set of case-derived cells, issue #12): kelurahan, kecamatan, city, online harm,
forms, sex, age, months and reports are protected together by :mod:`layak.core.disclosure`, so
no published cell can be worked out from the others. Indicators never import the case module.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    Level,
    PeriodApproval,
    Rollup,
    Source,
    Value,
)
from layak.indicators.sources import RollupSource, source_for, sources
from layak.regions.models import Region, RegionLevel
from layak.regions.selectors import codes_up_to

_LEVEL_OF_DEPTH = {1: Level.CITY, 2: Level.KECAMATAN, 3: Level.KELURAHAN}


@dataclass
class _Sum:
    numerator: int = 0
    denominator: int | None = None
    reporting: int = 0


def _depth(city: Region, code: str) -> int:
    """0 for the city itself, 1 for a kecamatan, 2 for a kelurahan/desa."""
    return code.count(".") - city.code.count(".")


def _areas(city: Region) -> dict[str, Region]:
    """The city and every kecamatan and kelurahan/desa of it, by code (one query)."""
    regions = Region.objects.filter(
        Q(pk=city.pk)
        | Q(
            code__startswith=f"{city.code}.",
            level__in=[RegionLevel.KECAMATAN, RegionLevel.KELURAHAN, RegionLevel.DESA],
        )
    ).defer("boundary")
    return {region.code: region for region in regions}


def _ancestors(city: Region, code: str) -> list[str]:
    """``code`` and the codes of the areas above it up to the city."""
    return codes_up_to(city.code, code)


def _expected(definition: Definition, city: Region, areas: Mapping[str, Region]) -> dict[str, int]:
    """How many regions of the definition's level each area holds."""
    own_depth = {Level.CITY: 0, Level.KECAMATAN: 1, Level.KELURAHAN: 2}[Level(definition.level)]
    expected: dict[str, int] = {}
    for code in areas:
        if _depth(city, code) != own_depth:
            continue
        for area in _ancestors(city, code):
            expected[area] = expected.get(area, 0) + 1
    return expected


def _lock(city: Region) -> None:
    """Serialise roll-up refreshes of one city (a row lock on PostgreSQL)."""
    Region.objects.select_for_update().filter(pk=city.pk).values_list("pk", flat=True).first()


def _level(city: Region, code: str) -> str:
    return str(_LEVEL_OF_DEPTH.get(_depth(city, code) + 1, Level.KELURAHAN))


@transaction.atomic
def refresh(
    definition: Definition, city: Region, periods: Iterable[datetime.date] | None = None
) -> int:
    """Recompute the roll-ups of ``definition`` in ``city`` for ``periods`` (all when None)
    from the stored values; returns the number of rows written. Jobs refreshing the same city
    wait for each other (the city row is locked), so none sees the other's half-done rows."""
    _lock(city)
    if definition.source == Source.CASES:
        years = None if periods is None else sorted({p.year for p in periods})
        return refresh_cases(definition, city, years)
    values = Value.objects.filter(definition=definition, region__code__startswith=city.code)
    if periods is not None:
        periods = list(periods)
        values = values.filter(period_start__in=periods)
    areas = _areas(city)
    expected = _expected(definition, city, areas)
    sums: dict[tuple[datetime.date, str], _Sum] = {}
    labels: dict[datetime.date, str] = {}
    for start, label, code, numerator, denominator in values.values_list(
        "period_start", "period_label", "region__code", "numerator", "denominator"
    ):
        if code not in areas:
            continue
        labels[start] = label
        for area in _ancestors(city, code):
            total = sums.setdefault((start, area), _Sum())
            total.numerator += numerator
            if denominator is not None:
                total.denominator = (total.denominator or 0) + denominator
            total.reporting += 1
    stale = Rollup.objects.filter(definition=definition, city=city)
    if periods is not None:
        stale = stale.filter(period_start__in=periods)
    stale.delete()
    rows = [
        Rollup(
            definition=definition,
            city=city,
            region=areas[area],
            level=_level(city, area),
            period_start=start,
            period_label=labels[start],
            numerator=total.numerator,
            denominator=total.denominator,
            rate=definition.rate(total.numerator, total.denominator),
            reporting=total.reporting,
            expected=expected.get(area, 0),
        )
        for (start, area), total in sums.items()
    ]
    Rollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


#: The unit of the case statistics (``layak.cases.statistics``) each case-derived definition
#: publishes by area; any other case-derived definition counts every case opened in the year.
CASE_UNITS: dict[str, str] = {"kekerasan-anak": "cases", "kekerasan-daring": "online"}


def case_unit(definition: Definition) -> str:
    return CASE_UNITS.get(definition.code, "cases")


def _source(name: str) -> RollupSource:
    found = source_for(name)
    if found is None:
        raise LookupError(f"No module registered the roll-up source {name!r}.")
    return found


@transaction.atomic
def refresh_cases(definition: Definition, city: Region, years: Iterable[int] | None = None) -> int:
    """Roll up the cases opened each year per kelurahan, kecamatan and city from the cells the
    case module publishes (the one protected set of case-derived cells of the city-year,
    ``layak.cases.statistics.case_tables``, registered as the ``cases`` source), so the roll-ups
    hide exactly the cells the statistics page, its CSV, the API and the PATBM figures hide; a
    hidden cell is a row with no numerator and ``suppressed``. Computing the set here fills its
    cache for the pages. With ``LAYAK_CASE_STATS_REQUIRE_CONSENT`` only cases consenting to
    statistics count."""
    source = _source(Source.CASES)
    _lock(city)
    wanted = source.years(city)
    if years is not None:
        wanted = sorted(set(wanted) & set(years))
    # An approved year keeps its roll-ups as approved, like its values.
    locked = {
        start.year
        for start in PeriodApproval.objects.filter(
            definition=definition, city=city, status=ApprovalStatus.APPROVED
        ).values_list("period_start", flat=True)
    }
    areas = _areas(city)
    unit = case_unit(definition)
    expected = _expected(definition, city, areas)
    stale = Rollup.objects.filter(definition=definition, city=city).exclude(
        period_start__year__in=locked
    )
    if years is not None:
        stale = stale.filter(period_start__year__in=list(years))
    stale.delete()
    rows: list[Rollup] = []
    for year in wanted:
        if year in locked:
            continue
        cells = source.cells(city, year, unit)
        for code, region in areas.items():
            if code not in cells:
                continue  # an area outside the city's kecamatan tree: never published
            shown = cells[code]
            rows.append(
                Rollup(
                    definition=definition,
                    city=city,
                    region=region,
                    level=_level(city, code),
                    period_start=datetime.date(year, 1, 1),
                    period_label=str(year),
                    numerator=shown,
                    rate=None if shown is None else definition.rate(shown, None),
                    suppressed=shown is None,
                    reporting=expected.get(code, 0),
                    expected=expected.get(code, 0),
                )
            )
    Rollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh_city(city: Region) -> int:
    """Every active definition of ``city`` for every period (the nightly job)."""
    return sum(refresh(d, city) for d in Definition.objects.filter(active=True))


def cities_with_data() -> list[Region]:
    """The kab/kota that use Layak: those with agencies, indicator values or records in a
    module that feeds roll-ups (cases)."""
    from layak.accounts.models import Agency

    cities = Region.objects.filter(level__in=[RegionLevel.KOTA, RegionLevel.KABUPATEN]).defer(
        "boundary"
    )
    with_agencies = set(Agency.objects.values_list("region_id", flat=True).distinct())
    feeding = sources()
    return [
        city
        for city in cities.order_by("code")
        if city.pk in with_agencies
        or Value.objects.filter(region__code__startswith=f"{city.code}.").exists()
        or Value.objects.filter(region=city).exists()
        or any(source.has_data(city) for source in feeding)
    ]
