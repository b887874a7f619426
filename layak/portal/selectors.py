"""Reads of the public portal (issue #6). Statistics come from roll-ups only.

The one display rule for case-derived figures lives here (:func:`public_cell`): roll-ups are
already suppressed by :func:`layak.cases.selectors.suppress_lines`, and on top of that no
case-derived value below ``LAYAK_SMALL_CELL`` is ever shown as a number — not a suppressed cell,
not a 0 — so a public page can never say "this kelurahan had 2 cases" or "none". Definitions
marked ``suppress_small`` (children with a sensitive condition: stunting, drop-out, child
marriage) are suppressed here by the same rule (:func:`small_hidden`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from layak.cases.selectors import small_cell, suppress_lines
from layak.evaluations.models import Award
from layak.families.selectors import Slot, free_slots
from layak.indicators.models import Definition, Level, Rollup, Source, Unit
from layak.indicators.rollups import geography_lines
from layak.portal.models import PlaySpace, PublicIndicator, Service
from layak.regions.models import Region, RegionLevel

#: How many of the latest periods a statistics table shows.
PERIODS_SHOWN = 3
#: How many free Puspaga times the directory lists per service point.
TIMES_PER_POINT = 3
#: The levels the portal ever publishes (roll-ups stop at kelurahan; this says so again).
PUBLIC_LEVELS = (Level.CITY, Level.KECAMATAN, Level.KELURAHAN)


# -- the display rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published figure: ``text`` as shown, ``number`` for a CSV (None when hidden or
    missing), ``hidden`` when a case-derived value is below the small-cell threshold."""

    text: str
    number: Decimal | None
    hidden: bool = False


def fewer_than_text() -> str:
    return _("fewer than %(limit)d") % {"limit": small_cell()}


def _format(value: Decimal, unit: str) -> str:
    if unit == Unit.COUNT:
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    text = formats.number_format(value, 1, use_l10n=True, force_grouping=True)
    return f"{text} %" if unit == Unit.PERCENT else f"{text} ‰"


def small_hidden(city: Region, definition: Definition, rollups: Iterable[Rollup]) -> set[int]:
    """The roll-ups (by pk) of a definition that hides small counts (``suppress_small``, e.g.
    stunted or drop-out children) which the portal must not show: numerators of 1..4 and, by
    the one small-cell rule, whatever else would let them be worked out within a kecamatan or
    the city. Each period is its own table."""
    if not definition.suppress_small or definition.source == Source.CASES:
        return set()
    periods: dict[datetime.date, dict[str, Rollup]] = {}
    for rollup in rollups:
        periods.setdefault(rollup.period_start, {})[rollup.region.code] = rollup
    hidden: set[int] = set()
    for cells in periods.values():
        values = {code: r.numerator or 0 for code, r in cells.items()}
        for code in suppress_lines(values, geography_lines(city, values)):
            hidden.add(cells[code].pk)
    return hidden


def public_cell(definition: Definition, rollup: Rollup | None, hidden: bool = False) -> Cell:
    """How the portal shows one roll-up cell of ``definition`` (``hidden``: by
    :func:`small_hidden`)."""
    if hidden:
        return Cell(fewer_than_text(), None, hidden=True)
    if definition.source == Source.CASES:
        if (
            rollup is None
            or rollup.suppressed
            or rollup.numerator is None
            or rollup.numerator < small_cell()
        ):
            return Cell(fewer_than_text(), None, hidden=True)
        return Cell(_format(Decimal(rollup.numerator), Unit.COUNT), Decimal(rollup.numerator))
    if rollup is None or rollup.rate is None:
        return Cell("—", None)
    number = rollup.rate
    if definition.unit == Unit.COUNT:
        number = number.quantize(Decimal(1))  # a count has no decimals, in the CSV either
    return Cell(_format(number, definition.unit), number)


# -- public indicators -----------------------------------------------------------------------


def public_definitions() -> list[Definition]:
    """The active definitions published on the portal, in the portal's order."""
    return [
        p.definition
        for p in PublicIndicator.objects.filter(definition__active=True).select_related(
            "definition"
        )
    ]


def public_definition(code: str) -> Definition | None:
    for definition in public_definitions():
        if definition.code == code:
            return definition
    return None


def publishable_definitions() -> list[Definition]:
    """Every active definition, by cluster and code: what the secretariat may publish."""
    return list(Definition.objects.filter(active=True).order_by("cluster", "code"))


def public_codes() -> list[str]:
    """The codes marked public (inactive definitions too), in the portal's order."""
    return list(PublicIndicator.objects.values_list("definition__code", flat=True))


def _rollups(city: Region) -> QuerySet[Rollup]:
    return Rollup.objects.filter(city=city, level__in=PUBLIC_LEVELS)


@dataclass(frozen=True)
class Summary:
    """The latest city-wide figure of one public indicator."""

    definition: Definition
    period_label: str
    cell: Cell


def indicator_summaries(city: Region) -> list[Summary]:
    """The latest city figure of each public indicator (two queries)."""
    definitions = public_definitions()
    latest: dict[int, Rollup] = {}
    for rollup in (
        _rollups(city).filter(level=Level.CITY, definition__in=definitions).order_by("period_start")
    ):
        latest[rollup.definition_id] = rollup
    # A city figure that hides small counts is hidden exactly as in its table (one query).
    careful = [d for d in definitions if d.suppress_small and d.pk in latest]
    tables: dict[int, list[Rollup]] = {}
    if careful:
        query = Q()
        for definition in careful:
            query |= Q(definition=definition, period_start=latest[definition.pk].period_start)
        for rollup in (
            _rollups(city)
            .filter(query)
            .select_related("region")
            .only("definition_id", "period_start", "numerator", "region__code")
        ):
            tables.setdefault(rollup.definition_id, []).append(rollup)
    summaries = []
    for definition in definitions:
        found = latest.get(definition.pk)
        hidden = small_hidden(city, definition, tables.get(definition.pk, []))
        summaries.append(
            Summary(
                definition,
                found.period_label if found else "",
                public_cell(definition, found, found.pk in hidden) if found else Cell("—", None),
            )
        )
    return summaries


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    level: str
    cells: list[Cell]


@dataclass(frozen=True)
class IndicatorTable:
    definition: Definition
    periods: list[str]
    rows: list[AreaRow]

    @property
    def from_cases(self) -> bool:
        return self.definition.source == Source.CASES


def indicator_table(
    city: Region, definition: Definition, periods: int = PERIODS_SHOWN
) -> IndicatorTable:
    """The figures of ``definition`` for the city, each kecamatan and each kelurahan over the
    latest ``periods`` periods, areas in code order (a kecamatan followed by its kelurahan)."""
    rollups = _rollups(city).filter(definition=definition)
    starts = sorted(
        set(rollups.order_by().values_list("period_start", flat=True).distinct()), reverse=True
    )[:periods]
    starts.reverse()
    found: dict[tuple[str, datetime.date], Rollup] = {}
    labels: dict[datetime.date, str] = {}
    areas: dict[str, Region] = {}
    selected = list(
        rollups.filter(period_start__in=starts).select_related("region").defer("region__boundary")
    )
    for rollup in selected:
        found[(rollup.region.code, rollup.period_start)] = rollup
        labels[rollup.period_start] = rollup.period_label
        areas[rollup.region.code] = rollup.region
    hidden = small_hidden(city, definition, selected)

    def cell(code: str, start: datetime.date) -> Cell:
        rollup = found.get((code, start))
        return public_cell(definition, rollup, rollup is not None and rollup.pk in hidden)

    rows = [
        AreaRow(
            code,
            areas[code].name,
            str(_level_of(city, code)),
            [cell(code, start) for start in starts],
        )
        for code in sorted(areas)
    ]
    return IndicatorTable(definition, [labels[s] for s in starts], rows)


def _level_of(city: Region, code: str) -> Level:
    depth = code.count(".") - city.code.count(".")
    return {0: Level.CITY, 1: Level.KECAMATAN}.get(depth, Level.KELURAHAN)


# -- the KLA category ------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardYear:
    """One year of the city's KLA history; ``evaluated`` is None for a year without a record."""

    year: int
    category: str
    verified_score: Decimal | None
    evaluated: bool | None
    note: str = ""


def award_history(city: Region) -> list[AwardYear]:
    """The public awards of ``city``, latest first, with the years between them that have no
    record shown as such."""
    awards = {a.year: a for a in Award.objects.filter(region=city, public=True).order_by("-year")}
    if not awards:
        return []
    history = []
    for year in range(max(awards), min(awards) - 1, -1):
        award = awards.get(year)
        if award is None:
            history.append(AwardYear(year, "", None, None))
        elif not award.evaluated:
            history.append(AwardYear(year, "", None, False, award.note))
        else:
            history.append(AwardYear(year, award.category, award.verified_score, True, award.note))
    return history


def current_award(history: Iterable[AwardYear]) -> AwardYear | None:
    """The latest year the city was evaluated and given a category."""
    return next((a for a in history if a.evaluated and a.category), None)


# -- the directory ---------------------------------------------------------------------------


def directory(city: Region) -> list[Service]:
    return list(
        Service.objects.filter(city=city, active=True)
        .select_related("kelurahan")
        .defer("kelurahan__boundary")
    )


def play_spaces(city: Region) -> list[PlaySpace]:
    return list(
        PlaySpace.objects.filter(city=city, active=True)
        .select_related("kelurahan")
        .defer("kelurahan__boundary")
    )


def city_kelurahan(city: Region) -> QuerySet[Region]:
    """The city's kelurahan and desa with their boundaries (for the map)."""
    return Region.objects.filter(
        code__startswith=f"{city.code}.",
        level__in=[RegionLevel.KELURAHAN, RegionLevel.DESA],
    ).order_by("code")


@dataclass(frozen=True)
class PointTimes:
    """The next free Puspaga times at one service point."""

    service_point: str
    slots: list[Slot]


def puspaga_times(city: Region, per_point: int = TIMES_PER_POINT) -> list[PointTimes]:
    """The next free times per service point, from the same selector the booking form uses."""
    grouped: dict[str, list[Slot]] = {}
    for slot in free_slots(city):
        times = grouped.setdefault(slot.service_point, [])
        if len(times) < per_point:
            times.append(slot)
    return [PointTimes(name, slots) for name, slots in grouped.items()]
