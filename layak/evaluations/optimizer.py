"""Gap analysis: the least effort that lifts a city's KLA evaluation total to a target.

A city has a current answer for every question of the instrument. Moving a question to a better
option gains points and costs an *effort* (editable by users; by default the points gained, see
``default_effort``). Questions that cannot change this year are simply left out of the
candidates. Given the target total (the lower bound of the band the city aims for), the plan is
the set of improvements, at most one new option per question, whose gains add up to at least
``target - current`` with the least total effort. Among plans of equal effort the one changing
the fewest questions wins; among those, the one whose list of (question key, option key) pairs
comes first in sorted order, so the answer never depends on the order of the input.

This is a multiple-choice knapsack in its minimisation form, solved exactly by dynamic
programming over *exact* gains (issue #13): gains are fractions (an option of 1/3 on a
kelurahan question of 34 areas gains max/102), scaled to whole units of their least common
denominator and divided by their greatest common divisor, so the plan adds exactly what the
scorecard will add and reaches the band exactly, without rounding. Efforts have at most two
decimals (they are estimates typed by people; the default is the gain rounded to the cent).

Time is O(candidates x steps), memory O(questions x steps) bytes: each option is one NumPy
vector operation, and per question only the option chosen at each step is kept (one byte). With
quarter options on whole-point questions a 1000-point instrument needs at most 4000 steps;
per-area questions make steps finer (1/136 of a point for 34 kelurahan). Should an instrument
ever need more than ``MAX_CELLS`` candidate-steps, the search counts gains rounded *down* to the
cent instead: the plan still reaches the target (it never promises more than it gains) but is
marked ``exact=False``, since a slightly cheaper plan could exist.

Plain values in, plain values out: no models, so pages, exports, the API and tests share it.
Costs too large for 64-bit integers fall back to a pure-Python version of the same programme.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from layak.core.formatting import Number, format_count, format_decimal, format_score, round_half_up

ZERO = Fraction(0)
CENT = Decimal("0.01")
_INT64_MAX = 2**63 - 1
#: The most candidate x step cells the exact search takes (about a second with NumPy).
MAX_CELLS = 1_000_000_000


def _hundredths(value: Decimal, what: str) -> int:
    """``value`` as a whole number of hundredths; ValueError if it has finer decimals."""
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value}.")
    scaled = Fraction(value) * 100
    if scaled.denominator != 1:
        raise ValueError(f"{what} may have at most two decimals, not {value}.")
    return scaled.numerator


@dataclass(frozen=True)
class Improvement:
    """One candidate: move question ``question`` from its current option to ``option``."""

    question: str  # question key, e.g. "5 / 2a", or "5 / 2a · Klandasan Ilir" for an area
    option: str  # option key
    gain: Fraction  # exact points gained over the current option (> 0)
    effort: Decimal  # >= 0, at most two decimals
    agency: str = ""  # who must do it, for grouping the plan
    label: str = ""  # human text of the option, for the explanation

    def __post_init__(self) -> None:
        if isinstance(self.gain, Decimal) and not self.gain.is_finite():
            raise ValueError(f"gain must be a finite number, not {self.gain}.")
        object.__setattr__(self, "gain", Fraction(self.gain))
        if self.gain <= 0:
            raise ValueError(f"The gain of {self.question}/{self.option} must be positive.")
        if _hundredths(self.effort, "effort") < 0:
            raise ValueError(f"The effort of {self.question}/{self.option} must not be negative.")


@dataclass(frozen=True)
class Plan:
    """The cheapest plan. ``chosen`` is empty when the target is already reached (then
    ``gain_needed`` is 0) or cannot be reached (then ``reachable`` is false and
    ``max_reachable_total`` says how far improving every candidate would go)."""

    reachable: bool
    current_total: Fraction
    target_total: Fraction
    gain_needed: Fraction
    chosen: tuple[Improvement, ...]  # sorted by question key
    total_gain: Fraction
    total_effort: Decimal
    max_reachable_total: Fraction
    #: False only when the search had to round gains down to the cent (see the docstring).
    exact: bool = True

    def by_agency(self) -> dict[str, list[Improvement]]:
        """The chosen improvements per agency, agencies in sorted order ("" = none given)."""
        groups: dict[str, list[Improvement]] = {}
        for improvement in sorted(self.chosen, key=lambda i: i.agency):
            groups.setdefault(improvement.agency, []).append(improvement)
        return groups

    def explanation(self) -> list[str]:
        """The plan in plain sentences, in the active language."""
        current = _number(self.current_total)
        target = _bound(self.target_total)
        if self.gain_needed <= 0:
            return [
                _(
                    "The current score is %(current)s and the target band starts at %(target)s, "
                    "so the target is already reached. No changes are needed."
                )
                % {"current": current, "target": target}
            ]
        lines = [
            _(
                "The current score is %(current)s; the target band starts at %(target)s, "
                "so %(needed)s more points are needed."
            )
            % {"current": current, "target": target, "needed": _number(self.gain_needed)}
        ]
        if not self.reachable:
            lines.append(
                _(
                    "Even improving every possible question reaches only %(maximum)s, below the "
                    "target %(target)s. Only the improvements marked possible this year were "
                    "counted."
                )
                % {"maximum": _number(self.max_reachable_total), "target": target}
                if self.exact
                else _(
                    "The instrument's points are too finely divided for an exact search, and "
                    "with gains counted rounded down to the cent no plan could be shown to "
                    "reach the target %(target)s."
                )
                % {"target": target}
            )
            return lines
        count = len(self.chosen)
        lines.append(
            ngettext(
                "The cheapest way is to improve %(count)d question with a total effort of "
                "%(effort)s.",
                "The cheapest way is to improve %(count)d questions with a total effort of "
                "%(effort)s.",
                count,
            )
            % {"count": count, "effort": _number(self.total_effort)}
        )
        for improvement in self.chosen:
            lines.append(
                _(
                    "Question %(question)s: move to '%(option)s' "
                    "(+%(gain)s points, effort %(effort)s)."
                )
                % {
                    "question": improvement.question,
                    "option": improvement.label or improvement.option,
                    "gain": _number(improvement.gain),
                    "effort": _number(improvement.effort),
                }
            )
        lines.append(
            _("Together these add %(gain)s points, for a total of %(total)s.")
            % {
                "gain": _number(self.total_gain),
                "total": _number(self.current_total + self.total_gain),
            }
        )
        if self.exact:
            lines.append(
                _(
                    "No cheaper combination reaches the target: the plan was computed exactly "
                    "over every combination of at most one new option per question, not "
                    "estimated. Among combinations with the same effort, it changes the fewest "
                    "questions."
                )
            )
        else:
            lines.append(
                _(
                    "The instrument's points are too finely divided for an exact search, so "
                    "gains were counted rounded down to the cent: the plan reaches the target, "
                    "but a slightly cheaper one may exist."
                )
            )
        return lines


def _number(value: Number) -> str:
    return format_score(value)


def _bound(value: Number) -> str:
    """A band bound as it was written (bands are usually whole numbers: 901, not 901,00)."""
    exact = Fraction(value)
    if exact.denominator == 1:
        return format_count(exact.numerator)
    return format_decimal(exact, 2)


def default_effort(gain: Number) -> Decimal:
    """The effort assumed until a user edits it: the points gained, to the cent."""
    return round_half_up(gain, 2)


def cheapest_plan(
    improvements: Iterable[Improvement], *, current_total: Number, target_total: Number
) -> Plan:
    """The least-effort set of improvements, at most one per question, that lifts
    ``current_total`` to at least ``target_total`` exactly (see the module docstring)."""
    for total, name in ((current_total, "current_total"), (target_total, "target_total")):
        if isinstance(total, Decimal) and not total.is_finite():
            raise ValueError(f"{name} must be a finite number, not {total}.")
    current_total, target_total = Fraction(current_total), Fraction(target_total)
    per_question: dict[str, dict[str, Improvement]] = {}
    for improvement in improvements:
        by_option = per_question.setdefault(improvement.question, {})
        if improvement.option in by_option:
            raise ValueError(
                f"Question {improvement.question} lists option {improvement.option} twice."
            )
        by_option[improvement.option] = improvement
    questions = sorted(per_question)
    # Within a question the options are tried in key order, so ties go to the smallest key.
    candidates = [
        [per_question[question][option] for option in sorted(per_question[question])]
        for question in questions
    ]
    max_gain = sum((max(c.gain for c in row) for row in candidates), ZERO)
    gain_needed = target_total - current_total

    def plan(reachable: bool, chosen: Sequence[Improvement] = (), exact: bool = True) -> Plan:
        return Plan(
            reachable=reachable,
            current_total=current_total,
            target_total=target_total,
            gain_needed=max(gain_needed, ZERO),
            chosen=tuple(chosen),
            total_gain=sum((c.gain for c in chosen), ZERO),
            total_effort=sum((c.effort for c in chosen), Decimal(0)),
            max_reachable_total=current_total + max_gain,
            exact=exact,
        )

    if gain_needed <= 0:
        return plan(True)
    if max_gain < gain_needed:
        return plan(False)

    exact = True
    scale_by = math.lcm(*(c.gain.denominator for row in candidates for c in row))
    gains = [[int(c.gain * scale_by) for c in row] for row in candidates]
    step = math.gcd(*(gain for row in gains for gain in row))
    needed = math.ceil(gain_needed * scale_by / step)
    if needed * sum(len(row) for row in candidates) > MAX_CELLS:
        # Too fine to search exactly: gains rounded down to the cent (never over-promising).
        exact, scale_by = False, 100
        gains = [[math.floor(c.gain * 100) for c in row] for row in candidates]
        step = math.gcd(*(gain for row in gains for gain in row)) or 1
        needed = math.ceil(gain_needed * 100 / step)
        if sum(max(row) for row in gains) < needed * step:
            # Reachable exactly, but not with gains counted to the cent: say so.
            return plan(False, exact=False)
    units = [[gain // step for gain in row] for row in gains]
    # Effort and the number of changes in one integer: effort first, each change adds 1.
    scale = len(questions) + 1
    keys = [[_hundredths(c.effort, "effort") * scale + 1 for c in row] for row in candidates]
    # Larger than any real cost; every position holding it is overwritten (see _add_question).
    infinity = sum(max(row) for row in keys) + 1

    if infinity <= _INT64_MAX // 2 and max(len(row) for row in candidates) < 127:
        return plan(True, _choose_vectorised(candidates, units, keys, needed, infinity), exact)

    # costs[i][c]: the least cost for questions i.. to gain at least c steps; its length is the
    # most those questions can gain (capped at `needed`) plus one.
    costs: list[Sequence[int]] = [[0]] * (len(questions) + 1)
    current: Sequence[int] = [0]
    for i in range(len(questions) - 1, -1, -1):
        size = min(needed, len(current) - 1 + max(units[i]))
        current = _add_question(current, list(zip(units[i], keys[i], strict=True)), size, infinity)
        costs[i] = current

    chosen: list[Improvement] = []
    remaining = needed
    for i, row in enumerate(candidates):
        here, rest = costs[i][remaining], costs[i + 1]
        for improvement, gain, key in zip(row, units[i], keys[i], strict=True):
            after = max(0, remaining - gain)
            if after < len(rest) and rest[after] + key == here:
                chosen.append(improvement)
                remaining = after
                break
        # Otherwise leaving the question unchanged is what reached `here`.
    return plan(True, chosen, exact)


def _choose_vectorised(
    candidates: list[list[Improvement]],
    units: list[list[int]],
    keys: list[list[int]],
    needed: int,
    infinity: int,
) -> list[Improvement]:
    """The same dynamic programme with NumPy, keeping per question only which option reached
    each position (one byte per position) instead of every cost: about 20 times faster and
    8 times smaller. Ties are settled exactly as ``_add_question`` and the walk back below
    settle them: an option over keeping, the first option over later ones."""
    count = len(candidates)
    choices: list[np.ndarray] = [np.empty(0, dtype=np.int8)] * count
    current = np.zeros(1, dtype=np.int64)
    for i in range(count - 1, -1, -1):
        length = len(current)
        size = min(needed, length - 1 + max(units[i]))
        costs = np.full(size + 1, infinity, dtype=np.int64)
        costs[:length] = current[: size + 1]
        choice = np.full(size + 1, -1, dtype=np.int8)
        for j, (gain, key) in enumerate(zip(units[i], keys[i], strict=True)):
            end = min(size + 1, length + gain)
            head = min(gain, end)
            # Below `gain` steps this option alone suffices, at cost `key`.
            seg, mark = costs[:head], choice[:head]
            better = (key < seg) | ((key == seg) & (mark == -1))
            seg[better] = key
            mark[better] = j
            if gain < end:
                moved = current[: end - gain] + key
                seg, mark = costs[gain:end], choice[gain:end]
                better = (moved < seg) | ((moved == seg) & (mark == -1))
                seg[better] = moved[better]
                mark[better] = j
        choices[i] = choice
        current = costs
    chosen: list[Improvement] = []
    remaining = needed
    for i, row in enumerate(candidates):
        j = int(choices[i][remaining]) if remaining < len(choices[i]) else -1
        if j >= 0:
            chosen.append(row[j])
            remaining = max(0, remaining - units[i][j])
    return chosen


def _add_question(
    previous: Sequence[int], options: list[tuple[int, int]], size: int, infinity: int
) -> Sequence[int]:
    """The costs after adding one question: ``new[c]`` is the least of keeping the question
    (``previous[c]``) and each option ``(gain, key)`` (``key + previous[max(0, c - gain)]``).

    Both ``previous`` and the result are non-decreasing in ``c`` and start at 0. Positions
    ``previous`` cannot reach start at ``infinity``; the option with the largest gain covers
    them all, because ``size`` is at most ``len(previous) - 1`` plus that gain. Used when costs
    do not fit in 64 bits.
    """
    length = len(previous)
    new = list(previous) + [infinity] * (size + 1 - length)
    for gain, key in options:
        end = min(size + 1, length + gain)
        head = min(gain, end)
        start = bisect_right(new, key, 0, head)
        new[start:head] = [key] * (head - start)
        if gain < end:
            new[gain:end] = [
                kept if kept <= (moved := cost + key) else moved
                for kept, cost in zip(new[gain:end], previous, strict=False)
            ]
    return new
