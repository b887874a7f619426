"""Reads of indicator data.

A case-derived definition (``Source.CASES``) publishes the cells of its roll-ups, protected by
:mod:`layak.core.disclosure`: a cell hidden there (``Rollup.suppressed``) is a row with
``hidden`` set, shown everywhere as the one mark (:func:`layak.core.disclosure.hidden_mark`) and
drawn hatched on the map — never as 0, "—" or "no data", which mean that nothing was entered."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from layak.core.disclosure import hidden_mark
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    ImportRun,
    Level,
    PeriodApproval,
    Polarity,
    Rollup,
    Source,
    Target,
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
    #: Hidden by disclosure control (the numbers are then None): shown as the mark.
    hidden: bool = False


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


def periods_entered(definition: Definition, city: Region) -> list[tuple[datetime.date, str]]:
    """The periods of ``city`` with entered (or derived) values, latest first: read from the
    values themselves, so that a reader of raw values never touches the roll-ups."""
    return list(
        Value.objects.filter(definition=definition, region__code__startswith=city.code)
        .values_list("period_start", "period_label")
        .order_by("-period_start")
        .distinct()
    )


def published_table(definition: Definition, city: Region, start: datetime.date) -> list[Row]:
    """The table the indicator page and its CSV publish: the raw values (:func:`value_table`),
    except for a case-derived definition, whose cells are those of its roll-ups at the
    definition's level, hidden cells included (``Row.hidden``), so that the page, the CSV, the
    map and every other reader of the roll-ups show the same protected cells."""
    if definition.source != Source.CASES:
        return value_table(definition, city, start)
    cells = {
        region_id: (numerator, denominator, rate, suppressed)
        for region_id, numerator, denominator, rate, suppressed in Rollup.objects.filter(
            definition=definition, city=city, period_start=start, level=definition.level
        ).values_list("region_id", "numerator", "denominator", "rate", "suppressed")
    }
    rows = []
    for region in regions_for(definition, city):
        numerator, denominator, rate, suppressed = cells.get(region.pk, (None, None, None, False))
        if suppressed:
            rows.append(Row(region, None, None, None, hidden=True))
        else:
            rows.append(Row(region, numerator, denominator, rate))
    return rows


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
#: The class of an area whose value is hidden by disclosure control (drawn hatched).
HIDDEN_CLASS = "hidden-cell"


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
    #: Hidden by disclosure control (the numbers are then None): the mark, and hatched.
    hidden: bool = False


@dataclass(frozen=True)
class Choropleth:
    level: str
    shapes: list[MapShape]
    legend: list[LegendRow]
    rows: list[MapRow]

    @property
    def has_hidden(self) -> bool:
        """Whether an area is hidden (the map's legend then explains the hatch)."""
        return any(row.hidden for row in self.rows)


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
    regions. A case-derived cell hidden by disclosure control (``Rollup.suppressed``) is a
    hidden row and a hatched shape titled with the mark, never shaded as 0 or as "no data"."""
    prefix = f"{(kecamatan or city).code}."
    levels = (
        [RegionLevel.KECAMATAN]
        if level == Level.KECAMATAN
        else [RegionLevel.KELURAHAN, RegionLevel.DESA]
    )
    regions = list(
        Region.objects.filter(code__startswith=prefix, level__in=levels).order_by("code")
    )
    measured: dict[str, tuple[int | None, int | None, Decimal | None]] = {}
    hidden: set[str] = set()
    for code, n, d, suppressed in Rollup.objects.filter(
        definition=definition,
        city=city,
        period_start=start,
        level=level,
        region__code__startswith=prefix,
    ).values_list("region__code", "numerator", "denominator", "suppressed"):
        if suppressed:
            hidden.add(code)
        else:
            measured[code] = (n, d, None if n is None else definition.rate(n, d))
    rates = [rate for _n, _d, rate in measured.values() if rate is not None]
    classes, legend = classify(rates, definition.polarity)
    rows: list[MapRow] = []
    shapes: list[MapShape] = []
    for region in regions:
        is_hidden = region.code in hidden
        numerator, denominator, rate = measured.get(region.code, (None, None, None))
        if is_hidden:
            css_class, shown = HIDDEN_CLASS, hidden_mark()
        elif rate is None:
            css_class, shown = NO_DATA_CLASS, "—"
        else:
            css_class, shown = f"shade-{classes[rate]}", str(rate)
        rows.append(MapRow(region, numerator, denominator, rate, css_class, hidden=is_hidden))
        if region.boundary:
            shapes.append(
                MapShape(
                    code=region.code,
                    name=f"{region.name}: {shown}",
                    geometry=region.boundary,
                    css_class=css_class,
                    href=href(region) if href else "",
                    hidden=is_hidden,
                )
            )
    return Choropleth(level, shapes, legend, rows)


def targets_of(definition: Definition, city: Region) -> list[Target]:
    """The targets of ``definition`` in ``city`` by year, with their action and plan. The
    targets are made from the adopted action plans (``layak.plans.targets.targets_sync``);
    nobody types them in."""
    return list(
        Target.objects.filter(definition=definition, city=city)
        .select_related("action", "action__plan")
        .order_by("year")
    )


def target_for(definition: Definition, city: Region, year: int) -> Target | None:
    """The target of ``definition`` in ``city`` for ``year``, if the action plan gives one."""
    return (
        Target.objects.filter(definition=definition, city=city, year=year)
        .select_related("action")
        .first()
    )
