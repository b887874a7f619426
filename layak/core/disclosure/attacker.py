"""The attacker: for every hidden cell, the least and the most it can be, given every number
published together, that counts are whole and not negative, and what the hidden mark means
(a hidden published cell is at least 1 when zeros are shown)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from layak.core.disclosure.lp import Program
from layak.core.disclosure.policy import Protection, protection
from layak.core.disclosure.tables import Key, Linked, Relation

#: Tolerance for LP bounds before rounding to whole counts.
EPS = 1e-6


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when a reader cannot bound it from above

    @property
    def width(self) -> float:
        return self.high - self.low

    def __str__(self) -> str:
        high = "inf" if math.isinf(self.high) else f"{self.high:g}"  # plain ASCII for cron mail
        return f"[{self.low:g}, {high}]"


@dataclass(frozen=True)
class Shortfall:
    key: Key
    value: int
    interval: Interval
    primary: bool
    needed: tuple[float, float]  # (low at most, high at least)

    def __str__(self) -> str:
        kind = "primary" if self.primary else "complementary"
        return (
            f"{self.key!r} ({kind}) can be narrowed to {self.interval}; "
            f"needs low <= {self.needed[0]:g} and high >= {self.needed[1]:g}"
        )


class _Union:
    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def find(self, key: Key) -> Key:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def join(self, keys: list[Key]) -> None:
        first = self.find(keys[0])
        for key in keys[1:]:
            other = self.find(key)
            if other != first:
                self.parent[other] = first


def unknown_components(
    relations: list[Relation], unknown: set[Key]
) -> list[tuple[list[Key], list[int]]]:
    """Groups of unknown cells tied by ``relations`` (each with the indexes of its relations);
    the attacker's programme splits into one per group, since known cells are constants."""
    union = _Union()
    for key in sorted(unknown, key=repr):
        union.find(key)
    touching: list[tuple[int, list[Key]]] = []
    for i, relation in enumerate(relations):
        keys = [k for k, _c in relation.terms if k in unknown]
        if keys:
            union.join(keys)
            touching.append((i, keys))
    members: dict[Key, list[Key]] = {}
    for key in sorted(unknown, key=repr):
        members.setdefault(union.find(key), []).append(key)
    rows: dict[Key, list[int]] = {}
    for i, keys in touching:
        rows.setdefault(union.find(keys[0]), []).append(i)
    return [(cells, rows.get(root, [])) for root, cells in members.items()]


def attack(
    linked: Linked, hidden: Iterable[Key], policy: Protection | None = None
) -> dict[Key, Interval]:
    """The interval a reader can narrow each hidden cell to (whole-number bounds of the linear
    programme, solved with HiGHS: min and max of each cell)."""
    policy = policy or protection()
    hidden = set(hidden)
    unknown = hidden | (set(linked.values) - linked.published)
    result: dict[Key, Interval] = {}
    relations = linked.canonical_relations()
    for cells, row_ids in unknown_components(relations, unknown):
        targets = [k for k in cells if k in hidden]
        if not targets:
            continue
        column = {key: i for i, key in enumerate(cells)}
        lower = [float(policy.floor(k in linked.published)) for k in cells]
        upper = [math.inf] * len(cells)
        rows = []
        for i in row_ids:
            relation = relations[i]
            constant = sum(c * linked.values[k] for k, c in relation.terms if k not in column)
            cols = [column[k] for k, _c in relation.terms if k in column]
            coefs = [float(c) for k, c in relation.terms if k in column]
            rows.append((cols, coefs, -constant if relation.equal else -math.inf, -constant))
        if not rows:
            for key in targets:
                result[key] = Interval(lower[column[key]], math.inf)
            continue
        program = Program(lower, upper, rows)
        for key in targets:
            low, _x = program.solve({column[key]: 1.0})
            high, _x = program.solve({column[key]: 1.0}, maximize=True)
            if math.isnan(low) or math.isnan(high):
                raise ValueError("the published cells contradict their relations")
            result[key] = Interval(
                float(math.ceil(low - EPS)),
                high if math.isinf(high) else float(math.floor(high + EPS)),
            )
    return result


def shortfalls(
    linked: Linked,
    hidden: Iterable[Key],
    policy: Protection | None = None,
    intervals: dict[Key, Interval] | None = None,
) -> list[Shortfall]:
    """The hidden cells a reader can narrow too far: a primary cell short of its protection
    levels, or any hidden cell pinned to one value. Empty means the tables are safe."""
    policy = policy or protection()
    hidden = set(hidden)
    intervals = intervals if intervals is not None else attack(linked, hidden, policy)
    reach = _reach(linked, hidden, policy)
    found: list[Shortfall] = []
    for key in sorted(hidden, key=repr):
        value = linked.values[key]
        interval = intervals[key]
        if key in linked.published and policy.is_primary(value):
            floor = max(policy.floor(True), int(reach[key].low)) if key in reach else None
            needed = policy.required(
                value, policy.floor(True) if floor is None else floor, interval.low
            )
            primary = True
        elif interval.width >= 1:
            continue
        else:
            needed, primary = (value, value + 1), False  # pinned: it must be able to move
        if interval.low > needed[0] or interval.high < needed[1]:
            found.append(Shortfall(key, value, interval, primary, needed))
    return found


def hideable(linked: Linked, policy: Protection) -> set[Key]:
    """The published cells that may be hidden (a shown zero never is)."""
    return {k for k in linked.published if linked.values[k] > 0 or not policy.show_zeros}


def _reach(linked: Linked, hidden: set[Key], policy: Protection) -> dict[Key, Interval]:
    """With a lower protection level: how low each hidden primary cell could be pushed if every
    cell that may be hidden were hidden. A lower level beyond that is out of anybody's reach
    (a kecamatan of two hidden 1s is at least 2 whatever is published) and is capped there."""
    if policy.lower <= 0:
        return {}
    everything = hideable(linked, policy) | hidden
    return attack(linked, everything, policy)
