"""Reads of the dashboards (issue #6). They read Rollup, Award, Target and Challenge rows only
(never raw values or cases), each page with a fixed number of queries whatever the number of
kecamatan and kelurahan.

Case-derived cells come suppressed from the roll-up (``Rollup.suppressed``, by the one
disclosure-control module); every page, chart, CSV and API shows such a cell as the one hidden
mark (:func:`layak.core.disclosure.hidden_mark`) and never its number; charts draw it hatched."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from layak.core.charts import Bar, bar_chart
from layak.core.disclosure import hidden_mark
from layak.core.formatting import format_count, format_decimal
from layak.dashboards.charts import sparkline
from layak.dashboards.models import Challenge
from layak.evaluations.awards import awards_of
from layak.evaluations.models import Award, Cycle, CycleStatus
from layak.indicators.models import (
    Cluster,
    Definition,
    Level,
    PeriodType,
    Polarity,
    Rollup,
    Target,
    Unit,
)
from layak.indicators.periods import period_end
from layak.regions.models import Region, RegionLevel

#: How many periods a trend shows (and its table and CSV hold), the latest last.
SERIES_LENGTH = 12
#: The figure listed beside each kecamatan or kelurahan unless another is asked for.
DEFAULT_FIGURE = "penduduk-anak"
#: The highest total of the KLA evaluation (the bars of the score history are shares of it).
KLA_MAX_POINTS = Decimal(1000)


@dataclass(frozen=True)
class Point:
    """One period of one indicator in one area, as the roll-up holds it."""

    period: str
    start: datetime.date
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    suppressed: bool
    #: Areas that reported and areas expected to (0 and 0 for a figure not summed from areas).
    reporting: int = 0
    expected: int = 0
    #: Decimals shown: none for a count, one for a share or rate (as the roll-up keeps it).
    places: int = 1

    @property
    def display(self) -> str:
        """The value as shown, in the reader's language (:mod:`layak.core.formatting`): the
        hidden mark for a suppressed cell, never its number; "—" when there is no value."""
        if self.suppressed:
            return hidden_mark()
        return "—" if self.value is None else format_decimal(self.value, self.places)

    @property
    def numerator_display(self) -> str:
        """The numerator as shown (the hidden mark for a suppressed cell)."""
        if self.suppressed:
            return hidden_mark()
        return format_count(self.numerator)

    @property
    def csv_value(self) -> Decimal | str | None:
        """The value in a CSV: the number itself (a spreadsheet reads it in any language), the
        hidden mark for a suppressed cell, empty when there is no value."""
        return hidden_mark() if self.suppressed else self.value

    @property
    def numerator_csv(self) -> int | str | None:
        """The numerator in a CSV (the hidden mark for a suppressed cell)."""
        return hidden_mark() if self.suppressed else self.numerator


def _point(row: Rollup, definition: Definition) -> Point:
    places = 0 if definition.unit == Unit.COUNT else 1  # a count has no decimals
    value = None if row.suppressed else row.rate
    if value is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return Point(
        period=row.period_label,
        start=row.period_start,
        numerator=None if row.suppressed else row.numerator,
        denominator=None if row.suppressed else row.denominator,
        value=value,
        suppressed=row.suppressed,
        reporting=row.reporting,
        expected=row.expected,
        places=places,
    )


@dataclass(frozen=True)
class Series:
    """The trend of one definition in one area, oldest period first, with the city's target
    for the year of the latest period."""

    definition: Definition
    area: Region
    points: list[Point]
    #: The city's target of each year (set for city-wide series only).
    targets: dict[int, Decimal] = field(default_factory=dict)

    @property
    def target(self) -> Decimal | None:
        """The target of the latest period's year."""
        return self.target_of(self.latest)

    def target_of(self, point: Point | None) -> Decimal | None:
        return None if point is None else self.targets.get(point.start.year)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def previous(self) -> Point | None:
        return self.points[-2] if len(self.points) > 1 else None

    def incomplete(self, point: Point | None) -> bool:
        """Whether ``point`` is a sum over part of its period or part of its areas (the year so
        far, or not every kelurahan reported): a count of it is not comparable."""
        if point is None:
            return False
        if point.reporting < point.expected:
            return True
        return period_end(self.definition.period_type, point.start) > timezone.localdate()

    @property
    def latest_incomplete(self) -> bool:
        return self.incomplete(self.latest)

    def _count_incomplete(self, point: Point | None) -> bool:
        return self.definition.unit == Unit.COUNT and self.incomplete(point)

    @property
    def change(self) -> Decimal | None:
        latest, previous = self.latest, self.previous
        if latest is None or previous is None or latest.value is None or previous.value is None:
            return None
        if self._count_incomplete(latest) or self._count_incomplete(previous):
            return None
        return latest.value - previous.value

    @property
    def comparable(self) -> bool:
        """Whether the latest value can be set against a yearly target: a count of a month or
        semester cannot, nor a count of a period not over or not fully reported."""
        if self._count_incomplete(self.latest):
            return False
        return self.definition.period_type == PeriodType.YEAR or self.definition.unit != Unit.COUNT

    @property
    def on_track(self) -> bool | None:
        """Whether the latest value meets the target, by the definition's polarity; None when
        there is no target, no value or nothing comparable."""
        latest = self.latest
        if self.target is None or latest is None or latest.value is None or not self.comparable:
            return None
        if self.definition.polarity == Polarity.LOWER:
            return latest.value <= self.target
        return latest.value >= self.target

    @property
    def status(self) -> str:
        """``on-track``, ``off-track`` or ``unknown`` (for CSS classes, tests and CSV)."""
        return {True: "on-track", False: "off-track"}.get(self.on_track, "unknown")  # type: ignore[arg-type]

    @property
    def title(self) -> str:
        return _("%(indicator)s, %(area)s: trend") % {
            "indicator": self.definition.name,
            "area": self.area.name,
        }

    @property
    def has_hidden(self) -> bool:
        """Whether a point is hidden (the chart and table then show the legend)."""
        return any(p.suppressed for p in self.points)

    @property
    def chart(self) -> SafeString:
        return sparkline(
            [p.value for p in self.points],
            title=self.title,
            target=self.target if self.comparable else None,
            hidden=[p.suppressed for p in self.points],
            labels=[p.period for p in self.points],
        )


def _series_by_definition(
    rows: Iterable[Rollup],
    definitions: dict[int, Definition],
    areas: dict[int, Region],
    targets: dict[int, dict[int, Decimal]] | None = None,
) -> dict[tuple[int, int], Series]:
    """Series keyed by (definition id, region id) from roll-up rows ordered by period."""
    points: dict[tuple[int, int], list[Point]] = {}
    for row in rows:
        points.setdefault((row.definition_id, row.region_id), []).append(
            _point(row, definitions[row.definition_id])
        )
    result: dict[tuple[int, int], Series] = {}
    for (definition_id, region_id), found in points.items():
        yearly = (targets or {}).get(definition_id, {})
        result[(definition_id, region_id)] = Series(
            definitions[definition_id], areas[region_id], found[-SERIES_LENGTH:], yearly
        )
    return result


def _targets(city: Region, definition_ids: Sequence[int]) -> dict[int, dict[int, Decimal]]:
    """The city's targets of each definition by year (one query)."""
    targets: dict[int, dict[int, Decimal]] = {}
    for definition_id, year, value in Target.objects.filter(
        city=city, definition_id__in=definition_ids
    ).values_list("definition_id", "year", "value"):
        targets.setdefault(definition_id, {})[year] = value
    return targets


def _rollups(
    city: Region, definition_ids: Sequence[int], region_ids: Sequence[int]
) -> list[Rollup]:
    return list(
        Rollup.objects.filter(city=city, definition_id__in=definition_ids, region_id__in=region_ids)
        .only(
            "definition_id",
            "region_id",
            "period_start",
            "period_label",
            "numerator",
            "denominator",
            "rate",
            "suppressed",
            "reporting",
            "expected",
        )
        .order_by("definition_id", "period_start")
    )


def city_series(city: Region, definitions: Sequence[Definition]) -> list[Series]:
    """The city-wide trend and target of each of ``definitions`` (in their order); a definition
    without data gets an empty series. Two queries."""
    by_id = {d.pk: d for d in definitions}
    ids = list(by_id)
    found = _series_by_definition(
        _rollups(city, ids, [city.pk]), by_id, {city.pk: city}, _targets(city, ids)
    )
    return [found.get((d.pk, city.pk)) or Series(d, city, []) for d in definitions]


def trend(city: Region, place: Region, definition: Definition) -> Series:
    """The series of one chart: the city's (with targets) or one area's."""
    if place.pk == city.pk:
        return city_series(city, [definition])[0]
    found = _series_by_definition(
        _rollups(city, [definition.pk], [place.pk]), {definition.pk: definition}, {place.pk: place}
    )
    return found.get((definition.pk, place.pk)) or Series(definition, place, [])


def active_definitions() -> dict[str, Definition]:
    return {d.code: d for d in Definition.objects.filter(active=True).order_by("cluster", "code")}


# -- challenges ---------------------------------------------------------------------------------


def challenges_of(city: Region) -> list[Challenge]:
    """The city's own challenges once it has edited them, else the defaults (one query)."""
    rows = list(Challenge.objects.filter(Q(city=city) | Q(city__isnull=True)))
    own = [c for c in rows if c.city_id == city.pk]
    return own or [c for c in rows if c.city_id is None]


@dataclass(frozen=True)
class ChallengeBlock:
    challenge: Challenge
    series: list[Series]

    @property
    def name(self) -> str:
        return _(self.challenge.name)

    @property
    def description(self) -> str:
        return _(self.challenge.description) if self.challenge.description else ""


# -- drill-down ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaFigure:
    """A kecamatan or kelurahan with one key figure (its latest roll-up of one definition)."""

    region: Region
    point: Point | None


_CHILD_LEVELS: dict[str, list[str]] = {
    RegionLevel.KOTA: [RegionLevel.KECAMATAN],
    RegionLevel.KABUPATEN: [RegionLevel.KECAMATAN],
    RegionLevel.KECAMATAN: [RegionLevel.KELURAHAN, RegionLevel.DESA],
}


def figure_choices(parent: Region) -> list[Definition]:
    """The definitions that can be listed beside the areas below ``parent``."""
    below_kecamatan = parent.level == RegionLevel.KECAMATAN
    levels = [Level.KELURAHAN] if below_kecamatan else [Level.KELURAHAN, Level.KECAMATAN]
    return [d for d in active_definitions().values() if d.level in levels]


def pick_figure(parent: Region, code: str) -> tuple[Definition | None, list[Definition]]:
    """The figure asked for (``code``) if it fits ``parent``'s children, else the default."""
    choices = figure_choices(parent)
    by_code = {d.code: d for d in choices}
    chosen = by_code.get(code) or by_code.get(DEFAULT_FIGURE) or (choices[0] if choices else None)
    return chosen, choices


def areas_below(city: Region, parent: Region, figure: Definition | None) -> list[AreaFigure]:
    """The kecamatan of a city or the kelurahan of a kecamatan, each with the latest value of
    ``figure``. Two queries."""
    regions = list(
        Region.objects.filter(
            code__startswith=f"{parent.code}.", level__in=_CHILD_LEVELS.get(parent.level, [])
        )
        .defer("boundary")
        .order_by("code")
    )
    latest: dict[int, Point] = {}
    if figure is not None:
        level = Level.KECAMATAN if parent.pk == city.pk else Level.KELURAHAN
        for row in Rollup.objects.filter(
            city=city,
            definition=figure,
            level=level,
            region__code__startswith=f"{parent.code}.",
        ).order_by("period_start"):
            latest[row.region_id] = _point(row, figure)
    return [AreaFigure(region, latest.get(region.pk)) for region in regions]


def areas_hide(areas: Iterable[AreaFigure]) -> bool:
    """Whether a list of areas shows a hidden figure (and so the legend)."""
    return any(a.point is not None and a.point.suppressed for a in areas)


# -- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityOverview:
    city: Region
    awards: list[Award]
    open_cycle_year: int | None
    challenges: list[ChallengeBlock]
    figure: Definition | None
    figure_choices: list[Definition]
    kecamatan: list[AreaFigure]
    award_chart: SafeString = field(default_factory=lambda: SafeString(""))

    @property
    def kecamatan_hide(self) -> bool:
        return areas_hide(self.kecamatan)


def award_chart(awards: Sequence[Award], title: str) -> SafeString:
    bars = [
        Bar(
            str(a.year),
            (a.self_score or Decimal(0), a.verified_score or Decimal(0)),
            max(KLA_MAX_POINTS, a.self_score or KLA_MAX_POINTS, a.verified_score or KLA_MAX_POINTS),
        )
        for a in sorted(awards, key=lambda a: a.year)
        if a.evaluated
    ]
    return bar_chart(bars, series=[_("Self-assessment score"), _("Verified score")], title=title)


def city_overview(city: Region, *, figure_code: str = "") -> CityOverview:
    """The KLA status and score history, the challenges with their key indicators, and the
    kecamatan to drill down to. Nine queries."""
    awards = list(awards_of(city))
    open_year = (
        Cycle.objects.filter(region=city, status=CycleStatus.OPEN)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    challenges = challenges_of(city)
    definitions = active_definitions()
    wanted = [
        definitions[code]
        for challenge in challenges
        for code in challenge.indicator_codes
        if code in definitions
    ]
    series = {
        s.definition.code: s for s in city_series(city, list({d.pk: d for d in wanted}.values()))
    }
    blocks = [
        ChallengeBlock(c, [series[code] for code in c.indicator_codes if code in series])
        for c in challenges
    ]
    figure, choices = pick_figure(city, figure_code)
    return CityOverview(
        city=city,
        awards=awards,
        open_cycle_year=open_year,
        challenges=blocks,
        figure=figure,
        figure_choices=choices,
        kecamatan=areas_below(city, city, figure),
        award_chart=award_chart(awards, _("KLA score history, %(city)s") % {"city": city.name}),
    )


@dataclass(frozen=True)
class ClusterPage:
    city: Region
    cluster: str
    label: str
    series: list[Series]


def cluster_page(city: Region, cluster: str) -> ClusterPage:
    """Every active definition of ``cluster`` with its city trend and target. Three queries."""
    definitions = list(Definition.objects.filter(active=True, cluster=cluster).order_by("code"))
    return ClusterPage(city, cluster, str(Cluster(cluster).label), city_series(city, definitions))


@dataclass(frozen=True)
class AreaRow:
    """One definition in an area beside the same definition in the whole city."""

    definition: Definition
    area: Series
    city: Series

    @property
    def city_latest(self) -> Point | None:
        """The city's point of the area's latest period (not the city's own latest, which may
        be of another period)."""
        latest = self.area.latest
        if latest is None:
            return None
        return next((p for p in self.city.points if p.start == latest.start), None)

    @property
    def table(self) -> list[tuple[str, Point | None, Point | None]]:
        """The periods of the area's series with the area's and the city's point of each."""
        city = {p.start: p for p in self.city.points}
        return [(p.period, p, city.get(p.start)) for p in self.area.points]


@dataclass(frozen=True)
class AreaPage:
    city: Region
    area: Region
    parent: Region | None
    rows: list[AreaRow]
    figure: Definition | None
    figure_choices: list[Definition]
    children: list[AreaFigure]

    @property
    def children_hide(self) -> bool:
        return areas_hide(self.children)


def area_levels(area: Region) -> list[str]:
    """The definition levels that have roll-ups for ``area``."""
    if area.level == RegionLevel.KECAMATAN:
        return [Level.KELURAHAN, Level.KECAMATAN]
    return [Level.KELURAHAN]


def area_page(city: Region, area: Region, *, figure_code: str = "") -> AreaPage:
    """Every definition measured in ``area`` with the city's value beside it, and for a
    kecamatan its kelurahan with one key figure each. At most five queries."""
    levels = area_levels(area)
    definitions = [d for d in active_definitions().values() if d.level in levels]
    by_id = {d.pk: d for d in definitions}
    found = _series_by_definition(
        _rollups(city, list(by_id), [area.pk, city.pk]), by_id, {area.pk: area, city.pk: city}
    )
    rows = [
        AreaRow(
            d,
            found.get((d.pk, area.pk)) or Series(d, area, []),
            found.get((d.pk, city.pk)) or Series(d, city, []),
        )
        for d in definitions
    ]
    figure: Definition | None = None
    choices: list[Definition] = []
    children: list[AreaFigure] = []
    if area.level == RegionLevel.KECAMATAN:
        figure, choices = pick_figure(area, figure_code)
        children = areas_below(city, area, figure)
    parent = area.parent if area.parent_id and area.parent_id != city.pk else None
    return AreaPage(city, area, parent, rows, figure, choices, children)
