"""One way to write a number or a date, in the active language (issue #13).

Every page, chart, map, PDF and message writes scores, counts, percentages, money and dates
with these functions (templates through the ``layak_format`` filters), so one figure reads the
same everywhere: Indonesian ``1.234,56`` and ``7 Desember 2026``, English ``1,234.56`` and
``7 December 2026``. Separators and month names come from Babel's CLDR data for the language.

Scores are kept exact (``fractions.Fraction``) until they are shown and rounded *once*, here,
by :func:`round_score`: two decimals, halves rounded up (away from zero) — the rule a
spreadsheet applies to a cell formatted ``0.00``, so a recap XLSX whose cells hold the exact
values shows the same figures as the page and its sums match. Bands are decided on the exact
value, never on the rounded one.

Spreadsheets get numbers, not text (:func:`xlsx_number` and the ``*_FORMAT`` number formats),
and the API gets decimals as strings with a dot (:func:`api_decimal`), never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.utils import timezone
from django.utils.translation import get_language

Number = Fraction | Decimal | int
#: Decimal places of a shown score (points of the KLA evaluation).
SCORE_PLACES = 2
#: Number formats of spreadsheet cells: Excel shows them with the reader's own separators.
SCORE_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
MONEY_FORMAT = "#,##0"


def _locale() -> str:
    language = (get_language() or "id").split("-")[0]
    return language if language in {"id", "en"} else "id"


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def round_half_up(value: Number, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero, computed exactly
    (a Fraction is rounded from its exact value, not from a float)."""
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        scaled = value * 10**places
        whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
        if 2 * rest >= scaled.denominator:
            whole += 1
        signed = -whole if value < 0 else whole
        return (Decimal(signed) * quantum).quantize(quantum)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def round_score(value: Number) -> Decimal:
    """The one rounding rule of scores: two decimals, halves up (see the module docstring)."""
    return round_half_up(value, SCORE_PLACES)


def format_decimal(value: Number, places: int) -> str:
    """A number with ``places`` decimals (halves up) and the language's separators."""
    rounded = round_half_up(value, places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(
        rounded, format=pattern, locale=_locale(), decimal_quantization=True
    )


def format_score(value: Number | None) -> str:
    """Points of the evaluation: ``1.234,56`` / ``1,234.56``; an em dash for no value."""
    return "—" if value is None else format_decimal(value, SCORE_PLACES)


def format_count(value: int | None) -> str:
    """A whole count with grouping: ``223.083`` / ``223,083``."""
    return "—" if value is None else format_decimal(value, 0)


def format_percent(value: Number | None, places: int = 1) -> str:
    """A percentage given in percent (12.5 -> ``12,5%`` / ``12.5%``)."""
    if value is None:
        return "—"
    return f"{format_decimal(value, places)}%"


def format_money(value: Number | None) -> str:
    """Rupiah without cents: ``Rp 2.066.000.000`` / ``Rp 2,066,000,000``."""
    return "—" if value is None else f"Rp {format_decimal(value, 0)}"


def format_date(value: date | datetime | None, *, short: bool = False) -> str:
    """A calendar date: ``7 Desember 2026`` / ``7 December 2026`` (short: ``7 Des 2026``)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return babel_dates.format_date(
        value, format="d MMM y" if short else "d MMMM y", locale=_locale()
    )


def xlsx_number(value: Number | None) -> float | int | None:
    """A number for a spreadsheet cell: integers stay integers, others become the nearest
    float of their exact value, so a column's SUM in Excel is the exact sum to 15 digits."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return float(value)


def api_decimal(value: Number | None, places: int = SCORE_PLACES) -> str | None:
    """A decimal for the API: a string with a dot, rounded by the one rule (``"900.50"``)."""
    return None if value is None else format(round_half_up(value, places), "f")


def exact_text(value: Number | None) -> str | None:
    """The exact value as text for the API: ``"2701/3"`` or ``"900.5"``; integers plain."""
    if value is None:
        return None
    exact = Fraction(value)
    if exact.denominator == 1:
        return str(exact.numerator)
    decimal = _decimal(exact)
    if Fraction(decimal) == exact:
        return format(decimal.normalize(), "f")
    return f"{exact.numerator}/{exact.denominator}"
