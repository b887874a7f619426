"""Profil Anak (issue #6): the yearly child profile of a kab/kota by the five KLA clusters, the
document the evaluation asks for (domain notes 2.2, indicator 2), as a page, a PDF and a
workbook.

Everything comes from :class:`~layak.indicators.models.Rollup` rows (never values or cases at
request time) for the chosen year and the two years before it, plus the approvals, targets,
source agencies and awards of the city: a fixed handful of queries whatever the city's size.

Definitions collected more often than yearly (monthly, per semester) are shown for the year as
the sums of the year's periods (numerators and denominators summed, the rate computed from the
sums); their completeness counts area-periods, so twelve monthly reports make a full year.
Suppressed case-derived cells (hidden by disclosure control in the roll-ups,
:mod:`layak.core.disclosure`) stay hidden and show the one hidden mark
(:func:`~layak.core.disclosure.hidden_mark`), never a number; a year summed from periods is
hidden when one of them is. Every table, sheet and PDF table that holds a hidden cell carries
the legend (:func:`~layak.core.disclosure.legend_text`). Missing data shows "—".
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from layak.accounts.models import Agency
from layak.core.disclosure import hidden_mark, legend_text, small_cell
from layak.core.exports import new_workbook, write_row
from layak.evaluations.awards import awards_of
from layak.evaluations.models import Award
from layak.indicators.models import (
    ApprovalStatus,
    Cluster,
    Definition,
    Level,
    PeriodApproval,
    PeriodType,
    Rollup,
    Source,
    Target,
    Unit,
)
from layak.indicators.periods import periods_per_year
from layak.regions.models import Region, RegionLevel

#: The definition whose figures make the child-population section (domain notes 4.2).
POPULATION_CODE = "penduduk-anak"
#: How many years the profile shows: the chosen year and the ones before it.
YEARS_SHOWN = 3
FIRST_YEAR = 2000
#: Shown for a figure that is missing or undefined (never for a hidden one).
MISSING = "—"


@dataclass(frozen=True)
class Cell:
    """One area's figure for one year. ``present`` is False when nothing was reported."""

    unit: str
    present: bool = False
    suppressed: bool = False
    numerator: int | None = None
    denominator: int | None = None
    rate: Decimal | None = None
    reporting: int = 0
    expected: int = 0

    @property
    def number(self) -> int | Decimal | None:
        """The figure as a number for a spreadsheet (None: suppressed, missing or undefined)."""
        if not self.present or self.suppressed or self.rate is None:
            return None
        if self.unit == Unit.COUNT:
            return int(self.rate)
        return self.rate

    @property
    def display(self) -> str:
        if self.suppressed:
            return hidden_mark()
        if not self.present:
            return _("no data")
        if self.rate is None:
            return MISSING
        decimals = 0 if self.unit == Unit.COUNT else 1
        return number_format(self.rate, decimals, use_l10n=True, force_grouping=True)

    @property
    def completeness(self) -> str:
        if not self.expected:
            return ""
        return f"{self.reporting}/{self.expected}"


@dataclass(frozen=True)
class AreaRow:
    """An area (kecamatan or kelurahan) and its cells, oldest year first."""

    region: Region
    cells: list[Cell]
    parent_code: str = ""

    @property
    def has_hidden(self) -> bool:
        return any(cell.suppressed for cell in self.cells)


@dataclass(frozen=True)
class IndicatorProfile:
    definition: Definition
    agency: str
    #: City figures, oldest year first (the last one is the profile's year).
    city: list[Cell]
    kecamatan: list[AreaRow]
    kelurahan: list[AreaRow]
    target: Decimal | None
    #: True/False: every period of the year with data approved or not; None: no approval
    #: applies (derived from case data) or there is no data for the year.
    approved: bool | None

    @property
    def current(self) -> Cell:
        return self.city[-1]

    @property
    def city_hidden(self) -> bool:
        """Whether a city figure is hidden (the cluster table then shows the legend)."""
        return any(cell.suppressed for cell in self.city)

    @property
    def areas_hidden(self) -> bool:
        """Whether a kecamatan or kelurahan figure is hidden."""
        return any(row.has_hidden for row in [*self.kecamatan, *self.kelurahan])

    @property
    def has_hidden(self) -> bool:
        return self.city_hidden or self.areas_hidden

    @property
    def has_data(self) -> bool:
        return any(cell.present for cell in self.city) or any(
            cell.present for row in self.kecamatan for cell in row.cells
        )

    @property
    def from_cases(self) -> bool:
        return self.definition.source == Source.CASES

    @property
    def by_kecamatan(self) -> list[tuple[AreaRow, list[AreaRow]]]:
        """Each kecamatan row with the rows of its kelurahan (the population table)."""
        return [
            (kec, [kel for kel in self.kelurahan if kel.parent_code == kec.region.code])
            for kec in self.kecamatan
        ]

    @property
    def target_display(self) -> str:
        if self.target is None:
            return ""
        decimals = 0 if self.target == self.target.to_integral_value() else 1
        return number_format(self.target, decimals, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class ClusterProfile:
    code: str
    label: str
    indicators: list[IndicatorProfile]

    @property
    def has_hidden(self) -> bool:
        """Whether the cluster's table of city figures holds a hidden cell."""
        return any(i.city_hidden for i in self.indicators)


@dataclass(frozen=True)
class ChildProfile:
    city: Region
    year: int
    #: The years shown, oldest first; the last is ``year``.
    years: list[int]
    generated_at: datetime.datetime
    population: IndicatorProfile | None
    clusters: list[ClusterProfile]
    awards: list[Award]
    #: Every indicator, in cluster order (KL, K1 … K5).
    indicators: list[IndicatorProfile] = field(default_factory=list)

    @property
    def approved_count(self) -> int:
        return sum(1 for i in self.indicators if i.approved)

    @property
    def small_cell(self) -> int:
        return small_cell()

    @property
    def has_hidden(self) -> bool:
        return any(i.has_hidden for i in self.indicators)

    @property
    def mark(self) -> str:
        return hidden_mark()

    @property
    def legend(self) -> str:
        return legend_text()


def profile_years(city: Region) -> list[int]:
    """The years with roll-up rows for ``city``, latest first."""
    dates = Rollup.objects.filter(city=city).dates("period_start", "year", order="DESC")
    return [d.year for d in dates]


def default_year(city: Region) -> int:
    """The latest year with agency data (case-derived rows alone start each new year), else
    the latest with any roll-up, else the current year."""
    entered = Rollup.objects.filter(city=city, definition__source=Source.ENTRY).dates(
        "period_start", "year", order="DESC"
    )
    years = [d.year for d in entered[:1]] or profile_years(city)
    return years[0] if years else timezone.localdate().year


def is_valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= timezone.localdate().year + 1


def _combine(definition: Definition, rows: Sequence[Rollup]) -> Cell:
    """The year's cell from the roll-ups of its periods (one for a yearly definition)."""
    if not rows:
        return Cell(unit=definition.unit)
    if len(rows) == 1 and definition.period_type == PeriodType.YEAR:
        row = rows[0]
        return Cell(
            unit=definition.unit,
            present=True,
            suppressed=row.suppressed or row.numerator is None,
            numerator=row.numerator,
            denominator=row.denominator,
            rate=row.rate,
            reporting=row.reporting,
            expected=row.expected,
        )
    periods = periods_per_year(definition.period_type)
    if any(row.suppressed or row.numerator is None for row in rows):
        return Cell(unit=definition.unit, present=True, suppressed=True)
    numerator = sum(row.numerator or 0 for row in rows)
    denominators = [row.denominator for row in rows if row.denominator is not None]
    denominator = sum(denominators) if denominators else None
    return Cell(
        unit=definition.unit,
        present=True,
        numerator=numerator,
        denominator=denominator,
        rate=definition.rate(numerator, denominator),
        reporting=sum(row.reporting for row in rows),
        expected=max(row.expected for row in rows) * periods,
    )


def _areas(city: Region) -> tuple[list[Region], list[Region]]:
    """The kecamatan and the kelurahan/desa of ``city`` (one query), in code order."""
    regions = list(
        Region.objects.filter(
            code__startswith=f"{city.code}.",
            level__in=[RegionLevel.KECAMATAN, RegionLevel.KELURAHAN, RegionLevel.DESA],
        )
        .defer("boundary")
        .order_by("code")
    )
    return (
        [r for r in regions if r.level == RegionLevel.KECAMATAN],
        [r for r in regions if r.level != RegionLevel.KECAMATAN],
    )


def _approvals(city: Region, year: int) -> dict[int, dict[datetime.date, bool]]:
    approvals: dict[int, dict[datetime.date, bool]] = defaultdict(dict)
    for definition_id, start, status in PeriodApproval.objects.filter(
        city=city, period_start__year=year
    ).values_list("definition_id", "period_start", "status"):
        approvals[definition_id][start] = status == ApprovalStatus.APPROVED
    return approvals


def _agency_names(city: Region, codes: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for code, name, short_name in Agency.objects.filter(
        region=city, code__in=set(codes)
    ).values_list("code", "name", "short_name"):
        names[code] = name or short_name
    return names


def child_profile(city: Region, year: int) -> ChildProfile:
    """The profile of ``city`` for ``year`` (and the two years before, for comparison)."""
    years = list(range(year - YEARS_SHOWN + 1, year + 1))
    definitions = list(Definition.objects.filter(active=True).order_by("cluster", "code"))
    kecamatan, kelurahan = _areas(city)
    # (definition, region, year) -> the year's roll-up rows (one per period).
    rows: dict[tuple[int, int, int], list[Rollup]] = defaultdict(list)
    for rollup in Rollup.objects.filter(
        city=city,
        definition__active=True,
        period_start__gte=datetime.date(years[0], 1, 1),
        period_start__lte=datetime.date(year, 12, 31),
    ).order_by("period_start"):
        rows[(rollup.definition_id, rollup.region_id, rollup.period_start.year)].append(rollup)
    targets = {t.definition_id: t.value for t in Target.objects.filter(city=city, year=year)}
    approvals = _approvals(city, year)
    agencies = _agency_names(city, (d.source_agency for d in definitions))

    def cells(definition: Definition, region: Region) -> list[Cell]:
        return [_combine(definition, rows.get((definition.pk, region.pk, y), [])) for y in years]

    def approved(definition: Definition) -> bool | None:
        if definition.source == Source.CASES:
            return None
        starts = {r.period_start for r in rows.get((definition.pk, city.pk, year), [])}
        if not starts:
            return None
        of_definition = approvals.get(definition.pk, {})
        return all(of_definition.get(start, False) for start in starts)

    indicators = [
        IndicatorProfile(
            definition=d,
            agency=agencies.get(d.source_agency, d.source_agency),
            city=cells(d, city),
            kecamatan=[AreaRow(k, cells(d, k)) for k in kecamatan] if d.level != Level.CITY else [],
            kelurahan=[
                AreaRow(k, cells(d, k), parent_code=k.code.rsplit(".", 1)[0]) for k in kelurahan
            ]
            if d.level == Level.KELURAHAN
            else [],
            target=targets.get(d.pk),
            approved=approved(d),
        )
        for d in definitions
    ]
    labels = dict(Cluster.choices)
    clusters = [
        ClusterProfile(
            code=str(code),
            label=str(labels[code]),
            indicators=[i for i in indicators if i.definition.cluster == code],
        )
        for code in Cluster.values
    ]
    return ChildProfile(
        city=city,
        year=year,
        years=years,
        generated_at=timezone.localtime(),
        population=next((i for i in indicators if i.definition.code == POPULATION_CODE), None),
        clusters=clusters,
        awards=[a for a in awards_of(city) if a.year <= year],
        indicators=[i for c in clusters for i in c.indicators],
    )


# -- documents ---------------------------------------------------------------------------------

SUMMARY_SHEET = "Ringkasan"
AWARDS_SHEET = "Penghargaan"


def approval_text(indicator: IndicatorProfile) -> str:
    if indicator.from_cases:
        return _("derived from case data")
    if indicator.approved is None:
        return _("no data")
    return _("approved") if indicator.approved else _("not yet approved")


def render_profile_pdf(profile: ChildProfile) -> bytes:
    """The profile as a PDF (WeasyPrint, fonts installed on the server; nothing fetched)."""
    html = render_to_string("plans/profile_pdf.html", {"profile": profile})
    # Imported here: WeasyPrint needs Debian's Pango, which only PDF generation requires.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def build_profile_pdf(params: Mapping[str, Any]) -> bytes:
    """The background builder of the PDF (:mod:`layak.core.documents`): ``params`` holds the
    city's primary key and the year the view checked."""
    city = Region.objects.get(pk=params["city"])
    return render_profile_pdf(child_profile(city, int(params["year"])))


def _cell_value(cell: Cell) -> int | float | str | None:
    """A figure for the workbook: a number, the hidden mark, or None (empty)."""
    if cell.suppressed:
        return hidden_mark()
    number = cell.number
    if number is None:
        return None
    return float(number) if isinstance(number, Decimal) else number


def _write_row(sheet: Any, row: int, values: Sequence[Any], cell_format: Any = None) -> None:
    # The one guarded writer; an empty figure is no cell at all.
    write_row(sheet, row, values, cell_format)


def _write_legend(sheet: Any, row: int, hidden: bool) -> None:
    """The legend of the hidden mark one blank row under a sheet's table that holds one."""
    if hidden:
        _write_row(sheet, row + 1, [legend_text()])


def profile_xlsx(profile: ChildProfile) -> bytes:
    """The profile as a workbook: sheet ``Ringkasan`` with one row per indicator, one sheet per
    cluster (``KL``, ``K1`` … ``K5``) with the city, kecamatan and kelurahan rows of each
    indicator, and sheet ``Penghargaan`` with the awards. Numbers are numbers; hidden cells
    hold the hidden mark, and a sheet with one has the legend one blank row under its table."""
    years = [str(y) for y in profile.years]
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    bold = workbook.add_format({"bold": True})
    summary = workbook.add_worksheet(SUMMARY_SHEET)
    _write_row(
        summary,
        0,
        [
            _("Cluster"),
            _("Code"),
            _("Indicator"),
            _("Unit"),
            *years,
            _("Target"),
            _("Areas reporting"),
            _("Areas expected"),
            _("Approval"),
            _("Source agency"),
        ],
        bold,
    )
    summary.freeze_panes(1, 0)
    line = 1
    for cluster in profile.clusters:
        for indicator in cluster.indicators:
            definition = indicator.definition
            _write_row(
                summary,
                line,
                [
                    cluster.code,
                    definition.code,
                    definition.name,
                    definition.get_unit_display(),
                    *[_cell_value(c) for c in indicator.city],
                    float(indicator.target) if indicator.target is not None else None,
                    indicator.current.reporting if indicator.current.present else None,
                    indicator.current.expected if indicator.current.present else None,
                    approval_text(indicator),
                    indicator.agency,
                ],
            )
            line += 1
    _write_legend(summary, line, any(c.has_hidden for c in profile.clusters))
    summary.set_column(2, 2, 40)
    for cluster in profile.clusters:
        sheet = workbook.add_worksheet(cluster.code)
        _write_row(
            sheet,
            0,
            [_("Code"), _("Indicator"), _("Level"), _("Region code"), _("Region"), *years],
            bold,
        )
        sheet.freeze_panes(1, 0)
        line = 1
        for indicator in cluster.indicators:
            definition = indicator.definition
            areas = [
                (_("city"), AreaRow(profile.city, indicator.city)),
                *[(_("kecamatan"), row) for row in indicator.kecamatan],
                *[(_("kelurahan"), row) for row in indicator.kelurahan],
            ]
            for level, area in areas:
                _write_row(
                    sheet,
                    line,
                    [
                        definition.code,
                        definition.name,
                        level,
                        area.region.code,
                        area.region.name,
                        *[_cell_value(c) for c in area.cells],
                    ],
                )
                line += 1
        _write_legend(sheet, line, any(i.has_hidden for i in cluster.indicators))
        sheet.set_column(1, 1, 36)
        sheet.set_column(4, 4, 24)
    awards = workbook.add_worksheet(AWARDS_SHEET)
    _write_row(
        awards,
        0,
        [_("Year"), _("Category awarded"), _("Verified score"), _("Self-assessment score")],
        bold,
    )
    for index, award in enumerate(profile.awards, start=1):
        _write_row(
            awards,
            index,
            [
                award.year,
                award.category if award.evaluated else _("not evaluated"),
                float(award.verified_score) if award.verified_score is not None else None,
                float(award.self_score) if award.self_score is not None else None,
            ],
        )
    workbook.close()
    return buffer.getvalue()
