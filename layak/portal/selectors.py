"""Reads of the public portal (issue #6). Statistics come from roll-ups only.

Every figure goes through the one disclosure-control module (:mod:`layak.core.disclosure`) and
shows one mark when hidden (:func:`~layak.core.disclosure.hidden_mark`):

* case-derived definitions are suppressed upstream, in the roll-ups (``Rollup.suppressed``), over
  every case-derived table at once; the portal hides exactly what the roll-up hides, so the page,
  its CSV, the dashboards and the API show the same cells;
* definitions marked ``suppress_small`` (children with a sensitive condition: stunting, drop-out,
  child marriage) are suppressed here, per definition and period, over the area hierarchy
  (kelurahan add up to their kecamatan, kecamatan to the city) by
  :func:`~layak.core.disclosure.protect` (:func:`small_tables`); a hidden numerator hides its
  rate too, since a reader who knows the denominator could work the numerator out of the rate.
  :mod:`layak.portal.disclosure` registers these tables for ``layak disclosure_audit``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from layak.core.disclosure import Key, Linked, Protected, hidden_mark
from layak.core.disclosure.caching import protect_cached
from layak.core.formatting import format_decimal
from layak.evaluations.models import Award
from layak.families.selectors import Slot, free_slots
from layak.indicators.models import Definition, Level, Rollup, Source, Unit
from layak.portal.models import PlaySpace, PublicIndicator, Service
from layak.regions.models import Region, RegionLevel
from layak.regions.selectors import codes_up_to

#: How many of the latest periods a statistics table shows.
PERIODS_SHOWN = 3
#: How many free Puspaga times the directory lists per service point.
TIMES_PER_POINT = 3
#: The levels the portal ever publishes (roll-ups stop at kelurahan; this says so again).
PUBLIC_LEVELS = (Level.CITY, Level.KECAMATAN, Level.KELURAHAN)
#: Shown for a figure nobody entered (not a hidden one: that shows the hidden mark).
MISSING = "—"


# -- the display rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published figure: ``text`` as shown, ``number`` for a CSV (None when hidden or
    missing), ``hidden`` when disclosure control hides it (``text`` is then the hidden mark)."""

    text: str
    number: Decimal | None
    hidden: bool = False


def _format(value: Decimal, unit: str) -> str:
    """A published figure in the reader's language (:mod:`layak.core.formatting`)."""
    if unit == Unit.COUNT:
        return format_decimal(value, 0)
    text = format_decimal(value, 1)
    return f"{text} %" if unit == Unit.PERCENT else f"{text} ‰"


def hides_small(definition: Definition) -> bool:
    """Whether the portal suppresses ``definition`` itself (``suppress_small``, not from cases:
    case-derived roll-ups come suppressed)."""
    return definition.suppress_small and definition.source != Source.CASES


@dataclass(frozen=True)
class SmallTable:
    """One period of a ``suppress_small`` definition as the portal publishes it: the numerator
    of every area with the sums a reader knows, and the cells to hide."""

    definition: Definition
    start: datetime.date
    label: str
    protected: Protected
    #: The key of each roll-up's numerator, by roll-up primary key.
    keys: dict[int, Key]

    @property
    def linked(self) -> Linked:
        return self.protected.linked

    @property
    def hidden_rollups(self) -> set[int]:
        return {pk for pk, key in self.keys.items() if self.protected.is_hidden(key)}


def _small_table(
    city: Region, definition: Definition, start: datetime.date, cells: dict[str, Rollup]
) -> SmallTable:
    """The linked table of one period: a cell per area holding its numerator (published when
    its rate is shown), each area the sum of the areas below it (plus an unpublished rest when
    a value was entered for the area itself)."""

    def key(code: str) -> tuple[str, str, str]:
        return (definition.code, start.isoformat(), code)

    linked = Linked()
    values = {code: rollup.numerator or 0 for code, rollup in cells.items()}
    for code, rollup in sorted(cells.items()):
        linked.cell(key(code), values[code], published=rollup.rate is not None)
    children: dict[str, list[str]] = {}
    for code in sorted(cells):
        up = next((c for c in codes_up_to(city.code, code)[1:] if c in cells), None)
        if up is not None:
            children.setdefault(up, []).append(code)
    for up, codes in children.items():
        parts: list[Key] = [key(code) for code in codes]
        rest = values[up] - sum(values[code] for code in codes)
        if rest < 0:  # not a sum (cannot happen with roll-ups): a reader can use no sum
            continue
        if rest:
            parts.append(linked.cell((*key(up), "rest"), rest, published=False))
        linked.add_sum(key(up), parts)
    label = next(iter(cells.values())).period_label if cells else ""
    return SmallTable(
        definition,
        start,
        label,
        protect_cached(linked, f"indicators:{definition.code}:{start.isoformat()}"),
        {rollup.pk: key(code) for code, rollup in cells.items()},
    )


def small_tables(
    city: Region, definition: Definition, rollups: Iterable[Rollup]
) -> list[SmallTable]:
    """The published tables of a ``suppress_small`` definition, one per period (oldest first);
    empty for any other definition. ``rollups`` are the city's roll-ups of ``definition`` (at
    the public levels) of the periods published; each period is its own table."""
    if not hides_small(definition):
        return []
    periods: dict[datetime.date, dict[str, Rollup]] = {}
    for rollup in rollups:
        periods.setdefault(rollup.period_start, {})[rollup.region.code] = rollup
    return [
        _small_table(city, definition, start, cells) for start, cells in sorted(periods.items())
    ]


def small_hidden(city: Region, definition: Definition, rollups: Iterable[Rollup]) -> set[int]:
    """The roll-ups (by pk) of a ``suppress_small`` definition that the portal must not show:
    numerators of 1..4 and whatever else would let them be worked out from the kelurahan, the
    kecamatan and the city of the same period (:func:`small_tables`)."""
    hidden: set[int] = set()
    for table in small_tables(city, definition, rollups):
        hidden |= table.hidden_rollups
    return hidden


def public_cell(definition: Definition, rollup: Rollup | None, hidden: bool = False) -> Cell:
    """How the portal shows one roll-up cell of ``definition``. Hidden when the roll-up is
    suppressed (case-derived data) or ``hidden`` (by :func:`small_hidden`): nothing else, so
    every output that reads the same roll-ups hides the same cells."""
    if rollup is None:
        return Cell(MISSING, None)
    if hidden or rollup.suppressed:
        return Cell(hidden_mark(), None, hidden=True)
    if definition.source == Source.CASES:
        if rollup.numerator is None:
            return Cell(MISSING, None)
        return Cell(_format(Decimal(rollup.numerator), Unit.COUNT), Decimal(rollup.numerator))
    if rollup.rate is None:
        return Cell(MISSING, None)
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
    careful = [d for d in definitions if hides_small(d) and d.pk in latest]
    tables: dict[int, list[Rollup]] = {}
    if careful:
        query = Q()
        for definition in careful:
            query |= Q(definition=definition, period_start=latest[definition.pk].period_start)
        for rollup in (
            _rollups(city)
            .filter(query)
            .select_related("region")
            .only(
                "definition_id",
                "period_start",
                "period_label",
                "numerator",
                "rate",
                "suppressed",
                "region__code",
            )
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
                public_cell(definition, found, found is not None and found.pk in hidden),
            )
        )
    return summaries


def summaries_hide(summaries: Iterable[Summary]) -> bool:
    """Whether a summary table holds a hidden cell (and so shows the legend)."""
    return any(s.cell.hidden for s in summaries)


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

    @property
    def has_hidden(self) -> bool:
        """Whether a cell is hidden (the table then shows the legend of the hidden mark)."""
        return any(cell.hidden for row in self.rows for cell in row.cells)


def _published_starts(
    city: Region, definition: Definition, periods: int = PERIODS_SHOWN
) -> list[datetime.date]:
    """The latest ``periods`` periods of ``definition`` with roll-ups, oldest first."""
    starts = sorted(
        set(
            _rollups(city)
            .filter(definition=definition)
            .order_by()
            .values_list("period_start", flat=True)
            .distinct()
        ),
        reverse=True,
    )[:periods]
    starts.reverse()
    return starts


def published_small_tables(
    city: Region, definition: Definition, year: int | None = None
) -> list[SmallTable]:
    """The tables of a ``suppress_small`` definition the portal publishes now (the periods of
    :func:`indicator_table`; of ``year`` only when given), built as the page builds them."""
    if not hides_small(definition):
        return []
    starts = [s for s in _published_starts(city, definition) if year is None or s.year == year]
    if not starts:
        return []
    rollups = (
        _rollups(city)
        .filter(definition=definition, period_start__in=starts)
        .select_related("region")
        .defer("region__boundary")
    )
    return small_tables(city, definition, rollups)


def indicator_table(
    city: Region, definition: Definition, periods: int = PERIODS_SHOWN
) -> IndicatorTable:
    """The figures of ``definition`` for the city, each kecamatan and each kelurahan over the
    latest ``periods`` periods, areas in code order (a kecamatan followed by its kelurahan)."""
    rollups = _rollups(city).filter(definition=definition)
    starts = _published_starts(city, definition, periods)
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
