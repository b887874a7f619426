"""Period labels: ``2025`` (year), ``2025-S1`` (semester), ``2025-03`` (month)."""

from __future__ import annotations

import datetime
import re

from layak.indicators.models import PeriodType

_PATTERNS = {
    PeriodType.YEAR: re.compile(r"^(\d{4})$"),
    PeriodType.SEMESTER: re.compile(r"^(\d{4})-S([12])$"),
    PeriodType.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
}
FORMATS: dict[str, str] = {
    PeriodType.YEAR: "YYYY",
    PeriodType.SEMESTER: "YYYY-S1",
    PeriodType.MONTH: "YYYY-MM",
}


def parse_period(period_type: str, text: str) -> tuple[datetime.date, str] | None:
    """The start date and normalised label of ``text``, or None if it is not a period."""
    text = text.strip().upper()
    if text.endswith(".0"):  # a year typed as a number in a spreadsheet
        text = text[:-2]
    match = _PATTERNS[PeriodType(period_type)].match(text)
    if match is None:
        return None
    year = int(match.group(1))
    if not 1900 <= year <= 2100:
        return None
    if period_type == PeriodType.YEAR:
        return datetime.date(year, 1, 1), text
    if period_type == PeriodType.SEMESTER:
        return datetime.date(year, 1 if match.group(2) == "1" else 7, 1), text
    month = int(match.group(2))
    if not 1 <= month <= 12:
        return None
    return datetime.date(year, month, 1), text


def period_label(period_type: str, start: datetime.date) -> str:
    if period_type == PeriodType.YEAR:
        return f"{start.year}"
    if period_type == PeriodType.SEMESTER:
        return f"{start.year}-S{1 if start.month < 7 else 2}"
    return f"{start.year}-{start.month:02d}"


#: How many months a period of each type lasts.
PERIOD_MONTHS: dict[str, int] = {PeriodType.YEAR: 12, PeriodType.SEMESTER: 6, PeriodType.MONTH: 1}


def period_end(period_type: str, start: datetime.date) -> datetime.date:
    """The first day after the period that starts on ``start``."""
    month = start.month - 1 + PERIOD_MONTHS[PeriodType(period_type)]
    return datetime.date(start.year + month // 12, month % 12 + 1, 1)


def periods_per_year(period_type: str) -> int:
    return 12 // PERIOD_MONTHS[PeriodType(period_type)]


def period_starts(period_type: str, year: int) -> list[datetime.date]:
    """The starts of every period of ``year``, in order."""
    months = PERIOD_MONTHS[PeriodType(period_type)]
    return [datetime.date(year, month, 1) for month in range(1, 13, months)]
