"""Indicators derived from other Layak modules (``Definition.source == "module"``).

A module registers, in its ``AppConfig.ready``, a :class:`Derivation` for a definition code:
a function giving the raw counts of one city and year per region of the definition's level.
``layak refresh_rollups`` (nightly) writes them as that definition's values for the years the
module holds data; an approved (locked) year is left alone, and years before the module was
used keep what the agency entered or imported.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from layak.regions.models import Region


@dataclass(frozen=True)
class DerivedRow:
    region: Region
    period_start: datetime.date
    numerator: int
    denominator: int | None = None


#: (city, year) -> the rows of that year, or None when the module holds nothing for the year.
Compute = Callable[[Region, int], "list[DerivedRow] | None"]


@dataclass(frozen=True)
class Derivation:
    code: str
    compute: Compute


_DERIVATIONS: dict[str, Derivation] = {}


def register(derivation: Derivation) -> None:
    _DERIVATIONS[derivation.code] = derivation


def derivation_for(code: str) -> Derivation | None:
    return _DERIVATIONS.get(code)


def end_of(year: int) -> datetime.date:
    """The last day of ``year``, or today for the current year."""
    from django.utils import timezone

    return min(timezone.localdate(), datetime.date(year, 12, 31))
