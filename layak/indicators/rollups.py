"""Roll-up tables (issue #6): the sums of each definition and period per kelurahan, kecamatan
and city, recomputed by background jobs whenever values change and nightly by
``layak refresh_rollups``. Dashboards, maps, the child profile and the public portal read
:class:`~layak.indicators.models.Rollup` rows only.

Rates are computed from summed raw counts (never averaged). Definitions derived from case data
are rolled up from the cases themselves with the one small-cell rule
(:func:`layak.cases.selectors.suppress_lines`) applied across the kelurahan, the kecamatan and
the city at once, so no published cell can be worked out from the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    Level,
    PeriodApproval,
    Rollup,
    Source,
    Value,
)
from layak.regions.models import Region, RegionLevel

_LEVEL_OF_DEPTH = {1: Level.CITY, 2: Level.KECAMATAN, 3: Level.KELURAHAN}

#: Which cases a case-derived definition counts, by definition code; any other case-derived
#: definition counts every case opened in the year.
CASE_FILTERS: dict[str, Q] = {"kekerasan-daring": Q(online_harm=True)}


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
    codes = [code]
    while code != city.code and "." in code:
        code = code.rsplit(".", 1)[0]
        codes.append(code)
    return codes


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


#: The key of the count of every case in the table of case-derived cells.
_ALL = ""


def _case_counts(cases: QuerySet[Any], city: Region) -> dict[int, dict[tuple[str, str], int]]:
    """Per year: (part, area) -> cases opened, where the part is ``_ALL`` or the code of a
    filtered definition (``CASE_FILTERS``), and the area the kelurahan, its kecamatan or the
    city (a case without a kelurahan counts for the city only)."""
    parts = {
        f"n{i}": (code, Count("pk", filter=q)) for i, (code, q) in enumerate(CASE_FILTERS.items())
    }
    counted: dict[int, dict[tuple[str, str], int]] = {}
    rows = cases.values("opened_on__year", "kelurahan__code").annotate(
        n=Count("pk"), **{name: aggregate for name, (_code, aggregate) in parts.items()}
    )
    for row in rows:
        per_year = counted.setdefault(row["opened_on__year"], {})
        code = row["kelurahan__code"] or city.code
        for area in _ancestors(city, code):
            for part, name in [(_ALL, "n"), *[(c, n) for n, (c, _a) in parts.items()]]:
                per_year[(part, area)] = per_year.get((part, area), 0) + row[name]
    return counted


def geography_lines(city: Region, codes: Iterable[str]) -> list[list[str]]:
    """The lines (in the sense of :func:`layak.cases.selectors.suppress_lines`) of published
    figures by area: the kelurahan of each kecamatan with the kecamatan, the kecamatan with the
    city. ``codes`` are the codes of the city and its areas."""
    codes = list(codes)
    kecamatan = [c for c in codes if _depth(city, c) == 1]
    kelurahan = [c for c in codes if _depth(city, c) == 2]
    lines: list[list[str]] = [[*kecamatan, city.code]]
    for kec in kecamatan:
        lines.append([kel for kel in kelurahan if kel.startswith(f"{kec}.")] + [kec])
    return lines


def _case_lines(city: Region, areas: Mapping[str, Region]) -> list[list[tuple[str, str]]]:
    """The sums that tie the published case cells together: within each part, the kelurahan
    of a kecamatan add up to it and the kecamatan to the city; within each area, a filtered
    part and the cases outside it (never published, but derivable by subtraction) add up to
    all cases. Suppressing all of them as one table means that no cell of one case-derived
    definition can be worked out from another's (e.g. the offline cases as all cases minus the
    online ones)."""
    geography = geography_lines(city, areas)
    parts = [_ALL, *CASE_FILTERS]
    lines = [[(part, code) for code in line] for part in parts for line in geography]
    for part in CASE_FILTERS:
        lines.extend([(part, area), (f"!{part}", area), (_ALL, area)] for area in areas)
    return lines


@transaction.atomic
def refresh_cases(definition: Definition, city: Region, years: Iterable[int] | None = None) -> int:
    """Roll up the cases opened each year per kelurahan, kecamatan and city, suppressed as one
    table with every other case-derived definition (:func:`_case_lines`). With
    ``LAYAK_CASE_STATS_REQUIRE_CONSENT`` only cases consenting to statistics count, as on the
    case statistics page."""
    from layak.cases.models import Case
    from layak.cases.selectors import counted_in_statistics, small_cell, suppress_lines

    _lock(city)
    cases = counted_in_statistics(Case.objects.filter(region=city))
    if years is not None:
        years = list(years)
        cases = cases.filter(opened_on__year__in=years)
    # An approved year keeps its roll-ups as approved, like its values.
    locked = {
        start.year
        for start in PeriodApproval.objects.filter(
            definition=definition, city=city, status=ApprovalStatus.APPROVED
        ).values_list("period_start", flat=True)
    }
    counted = {
        year: per_area for year, per_area in _case_counts(cases, city).items() if year not in locked
    }
    areas = _areas(city)
    lines = _case_lines(city, areas)
    own = definition.code if definition.code in CASE_FILTERS else _ALL
    expected = _expected(definition, city, areas)
    stale = Rollup.objects.filter(definition=definition, city=city).exclude(
        period_start__year__in=locked
    )
    if years is not None:
        stale = stale.filter(period_start__year__in=years)
    stale.delete()
    rows: list[Rollup] = []
    limit = small_cell()
    for year, per_area in sorted(counted.items()):
        values: dict[tuple[str, str], int] = {}
        for code in areas:
            values[(_ALL, code)] = per_area.get((_ALL, code), 0)
            for part in CASE_FILTERS:
                values[(part, code)] = per_area.get((part, code), 0)
                values[(f"!{part}", code)] = values[(_ALL, code)] - values[(part, code)]
        hidden = suppress_lines(values, lines, limit)
        for code, region in areas.items():
            count = values[(own, code)]
            shown = (own, code) not in hidden and not 0 < count < limit
            rows.append(
                Rollup(
                    definition=definition,
                    city=city,
                    region=region,
                    level=_level(city, code),
                    period_start=datetime.date(year, 1, 1),
                    period_label=str(year),
                    numerator=count if shown else None,
                    rate=definition.rate(count, None) if shown else None,
                    suppressed=not shown,
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
    """The kab/kota that use Layak: those with agencies, indicator values or cases."""
    from layak.accounts.models import Agency
    from layak.cases.models import Case

    cities = Region.objects.filter(level__in=[RegionLevel.KOTA, RegionLevel.KABUPATEN]).defer(
        "boundary"
    )
    with_agencies = set(Agency.objects.values_list("region_id", flat=True).distinct())
    return [
        city
        for city in cities.order_by("code")
        if city.pk in with_agencies
        or Value.objects.filter(region__code__startswith=f"{city.code}.").exists()
        or Value.objects.filter(region=city).exists()
        or Case.objects.filter(region=city).exists()
    ]
