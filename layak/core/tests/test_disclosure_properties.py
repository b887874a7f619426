"""Property tests of the disclosure-control engine (issue #12), with Hypothesis.

Random hierarchies (city, kecamatan, kelurahan), cross-classified 2-D and 3-D tables with all
their margins, and linked sets (areas by form of violence, by sex with an unpublished unknown
part, online cases below all cases) are protected with :func:`protect`; then, without trusting
the engine:

* every small count is hidden, every shown cell is its true value, a shown zero is never hidden;
* :func:`shortfalls` finds nothing;
* the attacker is checked against an independent integer search (a depth-first enumeration of
  whole-number values of the unknown cells): for a few hidden cells the bounds :func:`attack`
  reports are reached by whole numbers, and one past them is not.

The tests are pure (no database) and run in the normal suite on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from layak.core.disclosure import (
    Interval,
    Linked,
    Protected,
    attack,
    hidden_mark,
    protect,
    protection,
    shortfalls,
)
from layak.core.disclosure.tables import Key

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)

# --- Counts: mostly small, some large ----------------------------------------------------------

small = st.integers(min_value=0, max_value=6)
counts = st.one_of(small, small, small, st.integers(min_value=7, max_value=60))


# --- (a) Hierarchies: city -> 1..6 kecamatan -> 1..8 kelurahan ---------------------------------


@st.composite
def hierarchies(draw: st.DrawFn, max_kecamatan: int = 6, max_kelurahan: int = 8) -> Linked:
    kelurahan: dict[str, int] = {}
    for k in range(draw(st.integers(1, max_kecamatan))):
        for v in range(draw(st.integers(1, max_kelurahan))):
            kelurahan[f"64.71.{k + 1:02d}.{1001 + v}"] = draw(counts)
    values = dict(kelurahan)
    for code, value in kelurahan.items():
        for parent in (code.rsplit(".", 1)[0], "64.71"):
            values[parent] = values.get(parent, 0) + value
    values.setdefault("64.71", 0)
    linked = Linked()
    linked.add_hierarchy(values, key=_area, parent=_parent)
    return linked


def _area(code: str) -> Key:
    return ("area", code)


def _parent(code: str) -> str | None:
    return None if code == "64.71" else code.rsplit(".", 1)[0]


# --- (b) Cross-classified tables with every margin ---------------------------------------------


@st.composite
def cross_tables(draw: st.DrawFn, dims: tuple[int, ...]) -> Linked:
    """A table of ``len(dims)`` variables (each with 2..dims[i] categories) with every margin:
    the keys are tuples of category names, "all" for a margin."""
    sizes = [draw(st.integers(2, n)) for n in dims]
    inner: dict[tuple[int, ...], int] = {}

    def fill(prefix: tuple[int, ...]) -> None:
        if len(prefix) == len(sizes):
            inner[prefix] = draw(counts)
            return
        for i in range(sizes[len(prefix)]):
            fill((*prefix, i))

    fill(())
    return _with_margins(inner, sizes)


def _with_margins(inner: dict[tuple[int, ...], int], sizes: list[int]) -> Linked:
    def key(index: tuple[int | None, ...]) -> Key:
        return tuple("all" if i is None else f"v{d}.{i}" for d, i in enumerate(index))

    def value(index: tuple[int | None, ...]) -> int:
        return sum(
            v
            for cell, v in inner.items()
            if all(i is None or i == c for i, c in zip(index, cell, strict=True))
        )

    def every(dims: int) -> list[tuple[int | None, ...]]:
        if dims == 0:
            return [()]
        return [(*rest, i) for rest in every(dims - 1) for i in [*range(sizes[dims - 1]), None]]

    linked = Linked()
    indexes = every(len(sizes))
    for index in indexes:
        linked.cell(key(index), value(index))
    for index in indexes:
        for d, i in enumerate(index):
            if i is None:
                parts = [(*index[:d], c, *index[d + 1 :]) for c in range(sizes[d])]
                linked.add_sum(key(index), [key(p) for p in parts])
    return linked


# --- (c) Linked sets: areas by form, by sex, online below all ----------------------------------

FORMS = ("physical", "psychic", "sexual", "neglect")


@dataclass
class Area:
    victims: int
    forms: dict[str, int]
    boys: int
    girls: int
    online: int


@st.composite
def areas(draw: st.DrawFn) -> Area:
    boys, girls, unknown = draw(small), draw(small), draw(st.integers(0, 2))
    victims = boys + girls + unknown
    forms = {}
    # every victim suffers at least one form; some suffer more
    first = {f: 0 for f in FORMS}
    for _v in range(victims):
        first[draw(st.sampled_from(FORMS))] += 1
    for f in FORMS:
        forms[f] = min(victims, first[f] + draw(st.integers(0, 2)))
    online = draw(st.integers(0, victims))
    return Area(victims, forms, boys, girls, online)


def _form(area: Area, form: str) -> int:
    return area.forms[form]


@st.composite
def linked_sets(draw: st.DrawFn) -> Linked:
    """City -> kecamatan -> kelurahan, each area with victims, victims by form (a cover), by
    sex (boys + girls + an unpublished unknown), and online cases (below all)."""
    kelurahan: dict[str, Area] = {}
    for k in range(draw(st.integers(1, 2))):
        for v in range(draw(st.integers(1, 3))):
            kelurahan[f"64.71.{k + 1:02d}.{1001 + v}"] = draw(areas())
    codes: dict[str, list[str]] = {}
    for code in kelurahan:
        for parent in (code.rsplit(".", 1)[0], "64.71"):
            codes.setdefault(parent, []).append(code)
    every = {**{c: [c] for c in kelurahan}, **codes}
    linked = Linked()

    def measure(name: str, of: Callable[[Area], int], published: bool = True) -> None:
        values = {code: sum(of(kelurahan[c]) for c in members) for code, members in every.items()}
        linked.add_hierarchy(
            values,
            key=lambda code: (name, code),
            parent=_parent,
            published=published,
        )

    measure("victims", lambda a: a.victims)
    for form in FORMS:
        measure(form, functools.partial(_form, form=form))
    measure("boys", lambda a: a.boys)
    measure("girls", lambda a: a.girls)
    measure("unknown sex", lambda a: a.victims - a.boys - a.girls, published=False)
    measure("online", lambda a: a.online)
    for code in every:
        # at every level each form <= victims <= the sum of the forms (sums of covers cover)
        linked.add_cover(("victims", code), [(form, code) for form in FORMS])
        linked.add_sum(("victims", code), [("boys", code), ("girls", code), ("unknown sex", code)])
        linked.add_below(("online", code), ("victims", code))
    return linked


# --- The checks --------------------------------------------------------------------------------


def _check(linked: Linked, p: Protected, *, brute_cells: int = 3) -> None:
    policy = protection()
    assert shortfalls(linked, p.hidden) == []
    assert p.hidden <= linked.published
    for key in linked.published:
        value = linked.values[key]
        if policy.is_primary(value):
            assert key in p.hidden, key
            assert key in p.primary
        if key in p.hidden:
            assert p.shown(key) is None
            assert p.display(key) == hidden_mark()
        else:
            assert p.shown(key) == value
            assert p.display(key) == str(value)
        if value == 0 and policy.show_zeros:
            assert key not in p.hidden, key
    intervals = attack(linked, p.hidden)
    for key in p.hidden:
        interval = intervals[key]
        assert interval.low <= linked.values[key] <= interval.high
    # The attacker against an independent integer search, for a few hidden cells.
    chosen = sorted(p.hidden, key=lambda k: (k not in p.primary, repr(k)))[:brute_cells]
    search = _Search(linked, set(p.hidden))
    for key in chosen:
        _check_interval(search, key, intervals[key])


def _check_interval(search: _Search, key: Key, interval: Interval) -> None:
    """Whole numbers reach both ends of ``interval`` and never go past them (within the search
    bound); None from the search (budget spent) skips that check."""
    low = int(interval.low)
    verdicts = [(search.feasible(key, low), True, f"{key!r} cannot be {low}")]
    if low - 1 >= search.floor[key]:
        verdicts.append((search.feasible(key, low - 1), False, f"{key!r} can be {low - 1}"))
    if math.isinf(interval.high):
        target = max(low, search.linked.values[key]) + 2 * protection().range
        verdicts.append((search.feasible(key, target), True, f"{key!r} cannot reach {target}"))
    else:
        high = int(interval.high)
        verdicts.append((search.feasible(key, high), True, f"{key!r} cannot be {high}"))
        verdicts.append((search.feasible(key, high + 1), False, f"{key!r} can be {high + 1}"))
    for found, expected, message in verdicts:
        if found is None:
            event("integer search budget spent")
            continue
        assert found is expected, f"attack says {interval}: {message}"


class _Search:
    """Depth-first search for whole-number values of the unknown cells (the hidden and the
    unpublished ones, each from its floor to a bound) that satisfy every relation, with
    interval pruning: independent of the engine's linear programmes.

    Past ``budget`` nodes the search
    gives up (None). A "no" is a proof within the bound only, which is generous: the sum of
    every count plus the value sought."""

    def __init__(self, linked: Linked, hidden: set[Key], budget: int = 3_000) -> None:
        policy = protection()
        self.linked = linked
        unknown = hidden | (set(linked.values) - linked.published)
        self.unknown = sorted(unknown, key=repr)
        self.floor = {k: policy.floor(k in linked.published) for k in self.unknown}
        self.total = sum(linked.values.values())
        self.bound = self.total
        self.budget = budget
        self.rows: list[tuple[int, list[tuple[Key, int]], bool]] = []
        for relation in linked.relations:
            constant = sum(c * linked.values[k] for k, c in relation.terms if k not in unknown)
            terms = [(k, c) for k, c in relation.terms if k in unknown]
            if terms:
                self.rows.append((constant, terms, relation.equal))
        self.equations = [(constant, terms) for constant, terms, equal in self.rows if equal]
        # the most constrained cells first
        weight: dict[Key, int] = {k: 0 for k in self.unknown}
        for _c, terms, _e in self.rows:
            for k, _coef in terms:
                weight[k] += 1
        self.order = sorted(self.unknown, key=lambda k: (-weight[k], repr(k)))

    def feasible(self, key: Key, value: int) -> bool | None:
        if value < self.floor[key]:
            return False
        self.bound = self.total + value
        self.nodes = 0
        try:
            return self._dfs({key: value})
        except _BudgetSpent:
            return None

    def _consistent(self, assigned: dict[Key, int]) -> bool:
        for constant, terms, equal in self.rows:
            low = high = constant
            for k, c in terms:
                if k in assigned:
                    low += c * assigned[k]
                    high += c * assigned[k]
                elif c > 0:
                    low += c * self.floor[k]
                    high += c * self.bound
                else:
                    low += c * self.bound
                    high += c * self.floor[k]
            if low > 0 or (equal and high < 0):
                return False
        return True

    def _propagate(self, assigned: dict[Key, int]) -> dict[Key, int] | None:
        """Fix every cell that an equation leaves as its only unknown, until none is left."""
        assigned = dict(assigned)
        changed = True
        while changed:
            changed = False
            for constant, terms in self.equations:
                free: tuple[Key, int] | None = None
                rest = constant
                for k, c in terms:
                    value = assigned.get(k)
                    if value is not None:
                        rest += c * value
                    elif free is None:
                        free = (k, c)
                    else:
                        break  # two unknowns: this equation fixes nothing yet
                else:
                    if free is None:
                        continue
                    k, c = free
                    if rest % c:
                        return None
                    v = -rest // c
                    if v < self.floor[k] or v > self.bound:
                        return None
                    assigned[k] = v
                    changed = True
        return assigned if self._consistent(assigned) else None

    def _dfs(self, assigned: dict[Key, int]) -> bool:
        self.nodes += 1
        if self.nodes > self.budget:
            raise _BudgetSpent
        settled = self._propagate(assigned)
        if settled is None:
            return False
        free = [k for k in self.order if k not in settled]
        if not free:
            return True
        k = free[0]
        return any(self._dfs({**settled, k: v}) for v in range(self.floor[k], self.bound + 1))


class _BudgetSpent(Exception):
    pass


# --- The properties ----------------------------------------------------------------------------


@PROPERTY
@given(hierarchies())
def test_hierarchies_are_protected(linked: Linked) -> None:
    _check(linked, protect(linked))


@PROPERTY
@given(cross_tables((5, 6)))
def test_two_way_tables_are_protected(linked: Linked) -> None:
    _check(linked, protect(linked))


@settings(PROPERTY, max_examples=25)
@given(cross_tables((3, 3, 3)))
def test_three_way_tables_are_protected(linked: Linked) -> None:
    _check(linked, protect(linked))


@settings(PROPERTY, max_examples=25)
@given(linked_sets())
def test_linked_sets_are_protected(linked: Linked) -> None:
    _check(linked, protect(linked))


@PROPERTY
@given(cross_tables((4, 4)))
def test_zeros_hidden_when_not_shown(linked: Linked) -> None:
    with override_settings(LAYAK_SHOW_ZEROS=False):
        p = protect(linked)
        for key in linked.published:
            if linked.values[key] == 0:
                assert key in p.hidden
        _check(linked, p)


@PROPERTY
@given(hierarchies(max_kecamatan=3, max_kelurahan=4), st.randoms(use_true_random=False))
def test_the_same_data_in_another_order_hides_the_same_cells(
    linked: Linked, rnd: random.Random
) -> None:
    shuffled = Linked()
    keys = list(linked.values)
    rnd.shuffle(keys)
    for key in keys:
        shuffled.cell(key, linked.values[key], published=key in linked.published)
    shuffled.relations.extend(linked.relations)  # the same relations, cells declared anew
    assert protect(shuffled).hidden == protect(linked).hidden


@pytest.mark.parametrize("values", [[3, 1, 2], [4, 4, 8, 10], [0, 2, 2, 20]])
def test_the_integer_search_agrees_with_hand_worked_rows(values: list[int]) -> None:
    """The independent search itself can fail: a one-row table with its total, everything
    small hidden, checked against intervals worked out by hand."""
    linked = Linked()
    names = [(f"c{i}",) for i in range(len(values))]
    for name, value in zip(names, values, strict=True):
        linked.cell(name, value)
    linked.cell(("total",), sum(values))
    linked.add_sum(("total",), names)
    hidden: set[Key] = {n for n, v in zip(names, values, strict=True) if 0 < v < 5}
    search = _Search(linked, hidden)
    shown = sum(v for n, v in zip(names, values, strict=True) if n not in hidden)
    rest = sum(values) - shown  # what the hidden cells add up to
    for cell in hidden:
        high = rest - (len(hidden) - 1)  # the others are at least 1
        assert search.feasible(cell, 1) is True
        assert search.feasible(cell, high) is (high >= 1)
        assert search.feasible(cell, high + 1) is False
        assert search.feasible(cell, 0) is False
        _check_interval(search, cell, Interval(1, high))
        with pytest.raises(AssertionError):
            _check_interval(search, cell, Interval(1, high + 1))
