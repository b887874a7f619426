"""Suppression: primary cells, then complementary cells chosen by linear programmes.

For each hidden cell a reader can narrow too far
(:func:`~layak.core.disclosure.attacker.shortfalls`), a programme looks for the cheapest way to
move that cell up (or down) by the protection it needs while every relation of the linked tables
still holds: a change ``y`` of the cells with ``y`` zero on every published cell that stays
published. The cells the cheapest change touches are hidden; then a reader can move the cell
that far, since ``true values + y`` agrees with everything still published. Cost is the count
of a cell plus one, so small cells and few of them are hidden first, and grand totals last
(Fischetti and Salazar's model, as in tau-Argus). Hiding only grows; a cell whose programme
finds no change hides its neighbourhood, then every cell. The attacker checks each round, and
the loop ends when nothing is short or hiding more cannot help (the audit reports that case).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from layak.core.disclosure.attacker import Shortfall, attack, hideable, shortfalls
from layak.core.disclosure.lp import INF, Program
from layak.core.disclosure.policy import Protection, hidden_mark, protection
from layak.core.disclosure.tables import Key, Linked

#: A change below this is numerical noise, not a cell to hide.
TOUCH = 1e-7


@dataclass(frozen=True)
class Protected:
    """A :class:`Linked` set of tables with the cells to hide."""

    linked: Linked
    hidden: frozenset[Key]
    primary: frozenset[Key]

    def is_hidden(self, key: Key) -> bool:
        return key in self.hidden

    def shown(self, key: Key) -> int | None:
        """The number to publish, or None for a hidden cell."""
        return None if key in self.hidden else self.linked.values[key]

    def display(self, key: Key) -> str:
        return hidden_mark() if key in self.hidden else str(self.linked.values[key])

    @property
    def loss(self) -> tuple[int, int, float]:
        """Information loss: cells hidden, the sum of their counts, and that sum as a share of
        the sum of every published count."""
        published = [self.linked.values[k] for k in self.linked.published]
        hidden = [self.linked.values[k] for k in self.hidden]
        total = sum(published)
        return len(hidden), sum(hidden), (sum(hidden) / total if total else 0.0)


class _Patterns:
    """The change programme over all cells that can move (not published zeros when zeros are
    shown), built once; each shortfall re-bounds it."""

    def __init__(self, linked: Linked, policy: Protection, known: frozenset[Key]) -> None:
        self.linked = linked
        self.policy = policy
        fixed = {
            k
            for k in linked.published
            if linked.values[k] == 0 and policy.show_zeros  # a shown 0 never hides
        } | known
        self.cells = [k for k in linked.ordered() if k not in fixed]
        self.column = {key: i for i, key in enumerate(self.cells)}
        n = len(self.cells)
        # Columns: p_0..p_{n-1} (up), then q_0..q_{n-1} (down); y = p - q.
        lower = [0.0] * (2 * n)
        upper = [math.inf] * n + [float(self.room(k)) for k in self.cells]
        rows = []
        for relation in linked.canonical_relations():
            cols: list[int] = []
            coefs: list[float] = []
            slack = -sum(c * linked.values[k] for k, c in relation.terms)  # >= 0
            for key, coef in relation.terms:
                if key in self.column:
                    cols.extend([self.column[key], n + self.column[key]])
                    coefs.extend([float(coef), float(-coef)])
            if cols:
                rows.append((cols, coefs, 0.0 if relation.equal else -math.inf, float(slack)))
        self.program = Program(lower, upper, rows)
        self.n = n

    def room(self, key: Key) -> int:
        """How far a cell can go down before a reader would know it is wrong."""
        return self.linked.values[key] - self.policy.floor(key in self.linked.published)

    def change(self, key: Key, amount: int, hidden: set[Key]) -> set[Key] | None:
        """The published cells to hide so that ``key`` can move by ``amount`` (up when > 0);
        None when no change can move it so."""
        n = self.n
        i = self.column[key]
        highs = self.program.highs
        up_col, down_col = i, n + i
        target = up_col if amount > 0 else down_col
        other = down_col if amount > 0 else up_col
        saved = [
            (target, 0.0, math.inf if amount > 0 else float(self.room(key))),
            (other, 0.0, math.inf if amount < 0 else float(self.room(key))),
        ]
        highs.changeColBounds(target, float(abs(amount)), float(abs(amount)))
        highs.changeColBounds(other, 0.0, 0.0)
        costs: dict[int, float] = {}
        for j, cell in enumerate(self.cells):
            if cell in hidden or cell not in self.linked.published:
                continue
            weight = float(self.linked.values[cell] + 1)
            costs[j] = weight
            costs[n + j] = weight
        value, x = self.program.solve(costs)
        for col, low, high in saved:
            highs.changeColBounds(col, low, INF if math.isinf(high) else high)
        if math.isnan(value) or not x:
            return None
        return {
            cell
            for j, cell in enumerate(self.cells)
            if cell not in hidden and cell in self.linked.published and x[j] + x[n + j] > TOUCH
        }


def _neighbours(linked: Linked, key: Key, policy: Protection) -> set[Key]:
    """Every published cell sharing a relation with ``key`` that may be hidden (before
    ``known``)."""
    found: set[Key] = set()
    for relation in linked.relations:
        keys = [k for k, _c in relation.terms]
        if key in keys:
            found.update(set(keys) & hideable(linked, policy))
    return found


def protect(
    linked: Linked,
    policy: Protection | None = None,
    *,
    start: Iterable[Key] = (),
    known: Iterable[Key] = (),
) -> Protected:
    """Hide the primary cells and the fewest, smallest complementary cells that leave no hidden
    cell short of the protection, over every relation of ``linked`` at once.

    ``start``: cells already hidden elsewhere (a city total hidden by the national roll-up that
    is protected apart, as tau-Argus's modular method does); they stay hidden here.

    ``known``: cells a reader already knows (released before, or published by another set):
    constants here, never hidden, never counted on to protect another cell and not protected
    themselves, even when small."""
    policy = policy or protection()
    kept = frozenset(known)
    primary = frozenset(
        k for k in linked.published if policy.is_primary(linked.values[k]) and k not in kept
    )
    hidden = set(primary) | ((set(start) & linked.published) - kept)
    if not hidden:
        return Protected(linked, frozenset(), primary)
    patterns: _Patterns | None = None
    stuck: set[Key] = set()
    while True:
        found = shortfalls(linked, hidden, policy, attack(linked, hidden, policy))
        if not found:
            break
        patterns = patterns or _Patterns(linked, policy, kept)
        before = len(hidden)
        for short in sorted(found, key=_order):
            failed = False
            for amount in _moves(short):
                added = patterns.change(short.key, amount, hidden)
                if added is None:
                    failed = True
                else:
                    hidden |= added
            if failed and short.key not in stuck:
                # No change can move it so: hide its neighbourhood, then every cell tied to it.
                stuck.add(short.key)
                grow = _neighbours(linked, short.key, policy) - hidden - kept
                hidden |= grow or (_connected(linked, short.key, policy) - kept)
        if len(hidden) == before:
            # What is left cannot be met by hiding more (a lower protection level above what
            # the floor of hidden cells allows): the audit reports it.
            break
    return Protected(linked, frozenset(hidden), primary)


def _connected(linked: Linked, key: Key, policy: Protection) -> set[Key]:
    """Every cell that may be hidden and is tied to ``key`` through relations."""
    reached, frontier = {key}, [key]
    touching: dict[Key, list[int]] = {}
    for i, relation in enumerate(linked.relations):
        for cell, _c in relation.terms:
            touching.setdefault(cell, []).append(i)
    while frontier:
        cell = frontier.pop()
        for i in touching.get(cell, []):
            for other, _c in linked.relations[i].terms:
                if other not in reached:
                    reached.add(other)
                    frontier.append(other)
    return reached & hideable(linked, policy)


def _order(short: Shortfall) -> tuple[int, int, str]:
    return (0 if short.primary else 1, short.value, repr(short.key))


def _moves(short: Shortfall) -> list[int]:
    """The moves a shortfall needs: up to the high it must reach, down to the low."""
    low_needed, high_needed = short.needed
    moves = []
    if short.interval.high < high_needed:
        moves.append(math.ceil(high_needed) - short.value)
    if short.interval.low > low_needed:
        moves.append(math.floor(low_needed) - short.value)
    return [m for m in moves if m != 0]
