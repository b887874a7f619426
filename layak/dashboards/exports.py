"""The CSV of every dashboard page and chart (issue #6): file name, header and rows, written by
:mod:`layak.core.exports` in the views.

A hidden cell holds the one hidden mark (no note row, so the file stays a header and data rows;
the page offering it carries the legend); a missing value is an empty cell; a figure is written
as a number, so a spreadsheet reads it in any language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from layak.dashboards import selectors
from layak.evaluations.awards import awards_of
from layak.indicators.models import Definition
from layak.regions.models import Region


@dataclass(frozen=True)
class CsvTable:
    """One download: the file's name, its header and its rows."""

    filename: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


SUMMARY_HEADER = [
    "indicator_code",
    "indicator",
    "unit",
    "polarity",
    "latest_period",
    "latest_value",
    "previous_period",
    "previous_value",
    "change",
    "target",
    "status",
]
AWARDS_HEADER = ["year", "category", "self_score", "verified_score", "evaluated"]
AREA_HEADER = [
    "indicator_code",
    "indicator",
    "area_code",
    "area",
    "period",
    "area_value",
    "city_value",
]
TREND_HEADER = [
    "indicator_code",
    "area_code",
    "area",
    "period",
    "numerator",
    "denominator",
    "value",
    "target",
    "areas_reporting",
    "areas_expected",
    "complete",
]


def _value(point: selectors.Point | None) -> Any:
    return point.csv_value if point is not None else None


def summary_row(series: selectors.Series) -> list[Any]:
    """One indicator's latest and previous figure, change, target and status."""
    latest, previous = series.latest, series.previous
    return [
        series.definition.code,
        series.definition.name,
        series.definition.unit,
        series.definition.polarity,
        latest.period if latest else None,
        _value(latest),
        previous.period if previous else None,
        _value(previous),
        series.change,
        series.target,
        series.status,
    ]


def challenges_csv(overview: selectors.CityOverview) -> CsvTable:
    """The city overview: each challenge's indicators."""
    return CsvTable(
        f"{slugify(overview.city.name)}-kla-challenges.csv",
        ["challenge_code", "challenge", *SUMMARY_HEADER],
        [
            [block.challenge.code, block.name, *summary_row(series)]
            for block in overview.challenges
            for series in block.series
        ],
    )


def awards_csv(city: Region) -> CsvTable:
    """The city's KLA awards, latest year first."""
    return CsvTable(
        f"{slugify(city.name)}-kla-awards.csv",
        AWARDS_HEADER,
        [
            [a.year, a.category, a.self_score, a.verified_score, a.evaluated]
            for a in awards_of(city)
        ],
    )


def cluster_csv(page: selectors.ClusterPage) -> CsvTable:
    """One cluster's indicators."""
    return CsvTable(
        f"{slugify(page.city.name)}-cluster-{page.cluster}.csv",
        SUMMARY_HEADER,
        [summary_row(series) for series in page.series],
    )


def area_csv(page: selectors.AreaPage) -> CsvTable:
    """Every indicator of a kecamatan or kelurahan beside the city's value of the same
    period."""
    area = page.area
    return CsvTable(
        f"{slugify(page.city.name)}-{area.code}-{slugify(area.name)}-indicators.csv",
        AREA_HEADER,
        [
            [
                row.definition.code,
                row.definition.name,
                area.code,
                area.name,
                row.area.latest.period if row.area.latest else None,
                _value(row.area.latest),
                _value(row.city_latest),
            ]
            for row in page.rows
        ],
    )


def trend_csv(city: Region, definition: Definition, series: selectors.Series) -> CsvTable:
    """The series behind one chart, oldest period first."""
    place = series.area
    return CsvTable(
        f"{slugify(city.name)}-{definition.code}-{place.code}-trend.csv",
        TREND_HEADER,
        [
            [
                definition.code,
                place.code,
                place.name,
                point.period,
                point.numerator_csv,
                point.denominator,
                point.csv_value,
                series.target_of(point),
                point.reporting,
                point.expected,
                not series.incomplete(point),
            ]
            for point in series.points
        ],
    )
