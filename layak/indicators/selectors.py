"""Reads of indicator data."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    ImportRun,
    Level,
    PeriodApproval,
    Polarity,
    Rollup,
    Value,
)
from layak.indicators.services import regions_for
from layak.regions.maps import MapShape
from layak.regions.models import Region, RegionLevel


@dataclass(frozen=True)
class Row:
    region: Region
    numerator: int | None
    denominator: int | None
    rate: Decimal | None


def active_definitions() -> QuerySet[Definition]:
    return Definition.objects.filter(active=True).order_by("cluster", "code")


def periods_with_values(definition: Definition, city: Region) -> list[tuple[datetime.date, str]]:
    """The periods of ``city`` with data, latest first (from the city's roll-up rows: one per
    period, so this does not grow with the number of values)."""
    return list(
        Rollup.objects.filter(definition=definition, city=city, level=Level.CITY)
        .values_list("period_start", "period_label")
        .order_by("-period_start")
    )


def value_table(definition: Definition, city: Region, start: datetime.date) -> list[Row]:
    """One row per region of the definition's level, with the rate computed from raw counts."""
    values = {
        v.region_id: v
        for v in Value.objects.filter(
            definition=definition, period_start=start, region__code__startswith=city.code
        )
    }
    rows = []
    for region in regions_for(definition, city):
        value = values.get(region.pk)
        if value is None:
            rows.append(Row(region, None, None, None))
        else:
            rate = definition.rate(value.numerator, value.denominator)
            rows.append(Row(region, value.numerator, value.denominator, rate))
    return rows


def approval_of(
    definition: Definition, city: Region, start: datetime.date
) -> PeriodApproval | None:
    return PeriodApproval.objects.filter(
        definition=definition, city=city, period_start=start
    ).first()


def is_approved(approval: PeriodApproval | None) -> bool:
    return approval is not None and approval.status == ApprovalStatus.APPROVED


def recent_imports(definition: Definition, city: Region) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(definition=definition, city=city).defer("content")[:10]


# -- choropleth map ----------------------------------------------------------------------------

#: The number of shade classes; ``shade-0`` is the lightest, ``shade-4`` the darkest.
SHADES = 5
NO_DATA_CLASS = "shade-none"


@dataclass(frozen=True)
class LegendRow:
    css_class: str
    label: str


@dataclass(frozen=True)
class MapRow:
    region: Region
    numerator: int | None
    denominator: int | None
    rate: Decimal | None
    css_class: str


@dataclass(frozen=True)
class Choropleth:
    level: str
    shapes: list[MapShape]
    legend: list[LegendRow]
    rows: list[MapRow]


def map_levels(definition: Definition) -> list[str]:
    """The levels a definition can be mapped at: its own and the coarser kecamatan level."""
    if definition.level == Level.KELURAHAN:
        return [Level.KECAMATAN, Level.KELURAHAN]
    if definition.level == Level.KECAMATAN:
        return [Level.KECAMATAN]
    return []


def classify(rates: list[Decimal], polarity: str) -> tuple[dict[Decimal, int], list[LegendRow]]:
    """Shade classes for ``rates`` by five equal intervals between the lowest and highest rate.

    The darkest shade (``shade-4``) always marks the least favourable values: the highest
    rates when lower is better, the lowest rates when higher is better. When all rates are
    equal there is a single class, the middle shade. Returns the shade index of each rate and
    the legend, lightest shade first.
    """
    if not rates:
        return {}, []
    low, high = min(rates), max(rates)

    def shade(interval: int) -> int:
        return SHADES - 1 - interval if polarity == Polarity.HIGHER else interval

    if low == high:
        middle = SHADES // 2
        return {low: middle}, [LegendRow(f"shade-{middle}", f"{low}")]
    step = (high - low) / SHADES
    bounds = [low + step * i for i in range(SHADES)] + [high]
    classes = {r: shade(min(SHADES - 1, int((r - low) / step))) for r in set(rates)}
    legend = [
        LegendRow(
            f"shade-{shade(i)}",
            f"{bounds[i].quantize(Decimal('0.1'))} – {bounds[i + 1].quantize(Decimal('0.1'))}",
        )
        for i in range(SHADES)
    ]
    legend.sort(key=lambda row: row.css_class)
    return classes, legend


def choropleth(
    definition: Definition,
    city: Region,
    start: datetime.date,
    *,
    level: str,
    kecamatan: Region | None = None,
    href: Callable[[Region], str] | None = None,
) -> Choropleth:
    """Map, legend and table of one definition and period at ``level`` (kecamatan/kelurahan),
    read from the roll-ups (kecamatan sums are computed there from the kelurahan's raw counts).
    ``kecamatan`` limits a kelurahan map to one kecamatan. Two queries whatever the number of
    regions. Suppressed case-derived cells have no value and are shaded as "no data"."""
    prefix = f"{(kecamatan or city).code}."
    levels = (
        [RegionLevel.KECAMATAN]
        if level == Level.KECAMATAN
        else [RegionLevel.KELURAHAN, RegionLevel.DESA]
    )
    regions = list(
        Region.objects.filter(code__startswith=prefix, level__in=levels).order_by("code")
    )
    measured: dict[str, tuple[int | None, int | None, Decimal | None]] = {
        code: (n, d, None if n is None else definition.rate(n, d))
        for code, n, d in Rollup.objects.filter(
            definition=definition,
            city=city,
            period_start=start,
            level=level,
            region__code__startswith=prefix,
        ).values_list("region__code", "numerator", "denominator")
    }
    rates = [rate for _n, _d, rate in measured.values() if rate is not None]
    classes, legend = classify(rates, definition.polarity)
    rows: list[MapRow] = []
    shapes: list[MapShape] = []
    for region in regions:
        numerator, denominator, rate = measured.get(region.code, (None, None, None))
        css_class = NO_DATA_CLASS if rate is None else f"shade-{classes[rate]}"
        rows.append(MapRow(region, numerator, denominator, rate, css_class))
        if region.boundary:
            shapes.append(
                MapShape(
                    code=region.code,
                    name=f"{region.name}: {'—' if rate is None else rate}",
                    geometry=region.boundary,
                    css_class=css_class,
                    href=href(region) if href else "",
                )
            )
    return Choropleth(level, shapes, legend, rows)
