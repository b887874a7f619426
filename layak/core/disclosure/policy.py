"""The protection every published count must keep, read from the settings.

For a primary cell (a count of 1..``LAYAK_SMALL_CELL``-1, or 0 when zeros are hidden) with value
``v``, whatever a reader can work out from everything published together must leave it an
interval ``[low, high]`` with

* ``high >= v + upper`` and ``low <= v - lower`` (the upper and lower protection levels of
  tau-Argus and sdcTable, ``LAYAK_PROTECTION_UPPER`` and ``LAYAK_PROTECTION_LOWER``, both 0 by
  default; ``lower`` is capped at ``v - floor``, as a count cannot go below its floor: 1 when
  zeros are shown, since then a hidden cell is known not to be 0), and
* ``high - low >= range`` (the sliding protection level ``LAYAK_PROTECTION_RANGE``, by default
  ``LAYAK_SMALL_CELL``): a reader cannot tell the cell within fewer than 5 values.

A lower level above 0 cannot always be met (two hidden cells known to be at least 1 add up to at
least 2, whatever else is hidden); the audit reports a cell where it is not.

No other hidden cell may be pinned to one value. All hidden cells show one mark.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext


@dataclass(frozen=True)
class Protection:
    small: int  # counts 1..small-1 are hidden (primary suppression)
    show_zeros: bool  # zeros are published as 0 (and so a hidden cell is at least 1)
    upper: int  # upper protection level
    lower: int  # lower protection level (capped at value - floor)
    range: int  # sliding protection level: high - low of a primary cell

    def floor(self, published: bool) -> int:
        """The least value a reader knows a hidden cell can take."""
        return 1 if published and self.show_zeros else 0

    def is_primary(self, value: int) -> bool:
        return 0 < value < self.small or (value == 0 and not self.show_zeros)

    def lower_level(self, value: int, floor: int) -> int:
        """The lower protection level of a cell, capped at ``value - floor``."""
        return max(0, min(self.lower, value - floor))

    def required(self, value: int, floor: int, low: float) -> tuple[int, float]:
        """(low at most, high at least) for a primary cell with ``value`` whose least value a
        reader can reach is ``low``: the upper and lower levels, and a range of ``range``."""
        low_at_most = value - self.lower_level(value, floor)
        high_at_least = max(value + self.upper, min(low, low_at_most) + self.range)
        return low_at_most, high_at_least


def protection() -> Protection:
    """The protection the settings ask for (defaults in ``config/settings.py``; a range of
    None follows ``LAYAK_SMALL_CELL``)."""
    small = int(settings.LAYAK_SMALL_CELL)
    configured_range = settings.LAYAK_PROTECTION_RANGE
    return Protection(
        small=small,
        show_zeros=settings.LAYAK_SHOW_ZEROS,
        upper=settings.LAYAK_PROTECTION_UPPER,
        lower=settings.LAYAK_PROTECTION_LOWER,
        range=small if configured_range is None else int(configured_range),
    )


def small_cell() -> int:
    """``LAYAK_SMALL_CELL``: counts from 1 to this minus one are never published."""
    return protection().small


def hidden_mark() -> str:
    """The one mark every hidden cell shows, primary or complementary, in every output."""
    return str(settings.LAYAK_HIDDEN_MARK)


def legend_text() -> str:
    """The legend under every table, chart or map that can hold a hidden cell."""
    return gettext(
        "%(mark)s = hidden to protect children: the number is small, or would let a small "
        "number be worked out."
    ) % {"mark": hidden_mark()}
