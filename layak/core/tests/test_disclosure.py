"""The disclosure-control engine (issue #12): linked tables, the attacker and suppression.

Every test here rebuilds a small set of published tables by hand, works out on paper what a
reader can learn from them, and checks that :func:`attack` says the same and that
:func:`protect` leaves nothing a reader can narrow too far. The two leaks that opened issue #12
are rebuilt first.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterable, Sequence

import pytest
from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.utils.module_loading import module_has_submodule
from django.views import View

from layak.core.disclosure import (
    Interval,
    Linked,
    Protected,
    Published,
    attack,
    families,
    family,
    hidden_mark,
    legend_text,
    protect,
    protection,
    published_families,
    publishes,
    registry,
    shortfalls,
    small_cell,
)

Key = tuple[str, ...]


def _table(
    cells: dict[str, int],
    *,
    sums: Iterable[tuple[str, Sequence[str]]] = (),
    below: Iterable[tuple[str, str]] = (),
    covers: Iterable[tuple[str, Sequence[str]]] = (),
    unpublished: Iterable[str] = (),
    order: Sequence[str] | None = None,
) -> Linked:
    """A Linked set with keys ``(name,)``; ``order`` is the order the cells are declared in."""
    hidden_parts = set(unpublished)
    linked = Linked()
    for name in order or list(cells):
        linked.cell((name,), cells[name], published=name not in hidden_parts)
    for total, parts in sums:
        linked.add_sum((total,), [(p,) for p in parts])
    for part, whole in below:
        linked.add_below((part,), (whole,))
    for whole, parts in covers:
        linked.add_cover((whole,), [(p,) for p in parts])
    return linked


def _k(*names: str) -> set[Key]:
    return {(n,) for n in names}


def _grid(
    rows: list[list[int]], *, relations_reversed: bool = False
) -> Linked:  # a 2-D table with row, column and grand totals
    linked = Linked()
    n_rows, n_cols = len(rows), len(rows[0])
    for i in range(n_rows):
        for j in range(n_cols):
            linked.cell((f"r{i}", f"c{j}"), rows[i][j])
        linked.cell((f"r{i}", "all"), sum(rows[i]))
    for j in range(n_cols):
        linked.cell(("all", f"c{j}"), sum(row[j] for row in rows))
    linked.cell(("all", "all"), sum(map(sum, rows)))
    sums: list[tuple[Key, list[Key]]] = [
        ((f"r{i}", "all"), [(f"r{i}", f"c{j}") for j in range(n_cols)]) for i in range(n_rows)
    ]
    sums += [(("all", f"c{j}"), [(f"r{i}", f"c{j}") for i in range(n_rows)]) for j in range(n_cols)]
    sums.append((("all", "all"), [(f"r{i}", "all") for i in range(n_rows)]))
    sums.append((("all", "all"), [("all", f"c{j}") for j in range(n_cols)]))
    for total, parts in reversed(sums) if relations_reversed else sums:
        linked.add_sum(total, parts)
    return linked


def _assert_protected(linked: Linked, p: Protected) -> None:
    """What every protected result must satisfy, checked without trusting ``protect``."""
    assert shortfalls(linked, p.hidden) == []
    policy = protection()
    for key in linked.published:
        value = linked.values[key]
        if policy.is_primary(value):
            assert key in p.hidden, key
        if key in p.hidden:
            assert p.shown(key) is None
            assert p.display(key) == hidden_mark()
        else:
            assert p.shown(key) == value
            assert p.display(key) == str(value)
    if policy.show_zeros:
        assert not any(linked.values[k] == 0 for k in p.hidden)


# --- The two leaks of issue #12 ----------------------------------------------------------------

# Kecamatan Balikpapan Timur 2025 on /publik/statistik/kekerasan-anak/: total 26, cells 8 and
# 10 and two cells shown as "<5".
TIMUR = {"total": 26, "a": 8, "b": 10, "c": 4, "d": 4}
TIMUR_SUMS = [("total", ["a", "b", "c", "d"])]


def test_old_less_than_five_labels_pinned_both_hidden_cells_to_four() -> None:
    # "<5" told a reader that each hidden cell is at most 4: model that as a published 4 that
    # each hidden cell lies below. Then 26 - 8 - 10 = 8 = 4 + 4 pins both.
    linked = _table(
        {**TIMUR, "old label": 4}, sums=TIMUR_SUMS, below=[("c", "old label"), ("d", "old label")]
    )
    old_hidden = _k("c", "d")
    assert attack(linked, old_hidden) == {
        ("c",): Interval(4, 4),
        ("d",): Interval(4, 4),
    }
    found = shortfalls(linked, old_hidden)
    assert [s.key for s in found] == [("c",), ("d",)]
    assert all(s.interval.width == 0 for s in found)


def test_the_one_mark_leaves_the_old_pair_between_1_and_7() -> None:
    # The mark says only "hidden": a reader knows c + d = 8 and that each is at least 1.
    linked = _table(TIMUR, sums=TIMUR_SUMS)
    assert attack(linked, _k("c", "d")) == {("c",): Interval(1, 7), ("d",): Interval(1, 7)}
    p = protect(linked)
    assert p.hidden == _k("c", "d")
    _assert_protected(linked, p)
    assert [p.display((n,)) for n in ("total", "a", "b", "c", "d")] == [
        "26",
        "8",
        "10",
        hidden_mark(),
        hidden_mark(),
    ]
    assert "<5" not in {p.display(k) for k in linked.values}


@override_settings(LAYAK_PROTECTION_UPPER=4)
def test_with_an_upper_level_of_four_the_old_pair_is_short_and_protect_hides_the_8() -> None:
    # Each 4 must be able to reach 8: [1, 7] is short; hiding the 8 (the cheapest cell) lets
    # each of c, d move in [1, 14].
    linked = _table(TIMUR, sums=TIMUR_SUMS)
    found = shortfalls(linked, _k("c", "d"))
    assert [(s.key, s.needed) for s in found] == [(("c",), (4, 8)), (("d",), (4, 8))]
    p = protect(linked)
    assert p.hidden == _k("a", "c", "d")
    assert attack(linked, p.hidden)[("c",)] == Interval(1, 14)
    _assert_protected(linked, p)


# /api/v1/families/counts/?year=2026, domestic violence: in person "<5", online 0, outreach
# "<5", total 16. The outreach count was 13: the old complementary cell was labelled "<5".
PUSPAGA = {"total": 16, "in person": 3, "online": 0, "outreach": 13}
PUSPAGA_SUMS = [("total", ["in person", "online", "outreach"])]


def test_old_puspaga_labels_were_untrue() -> None:
    # If "<5" were true of both hidden cells they could not add up to 16 - 0: the published
    # numbers contradict the labels, and the attacker says so.
    linked = _table(
        {**PUSPAGA, "old label": 4},
        sums=PUSPAGA_SUMS,
        below=[("in person", "old label")],
    )
    with pytest.raises(ValueError, match="exceeds"):
        linked.add_below(("outreach",), ("old label",))


def test_puspaga_row_is_protected_with_one_mark() -> None:
    linked = _table(PUSPAGA, sums=PUSPAGA_SUMS)
    # Hiding only the 3 gives it away: 16 - 0 - 13.
    assert attack(linked, _k("in person")) == {("in person",): Interval(3, 3)}
    p = protect(linked)
    assert p.primary == _k("in person")
    assert p.hidden == _k("in person", "outreach")
    assert p.display(("in person",)) == p.display(("outreach",)) == hidden_mark()
    assert p.shown(("online",)) == 0
    assert attack(linked, p.hidden)[("in person",)] == Interval(1, 15)
    _assert_protected(linked, p)


# --- Relations ---------------------------------------------------------------------------------


def test_cover_each_form_at_most_the_victims_and_victims_at_most_the_sum_of_forms() -> None:
    # 10 victims; physical 6, sexual 5, neglect 0 (a victim can suffer several forms).
    linked = _table(
        {"victims": 10, "physical": 6, "sexual": 5, "neglect": 0},
        covers=[("victims", ["physical", "sexual", "neglect"])],
    )
    # victims >= max(6, 5) and <= 6 + 5 + 0
    assert attack(linked, _k("victims")) == {("victims",): Interval(6, 11)}
    # physical <= 10 and 10 <= physical + 5
    assert attack(linked, _k("physical")) == {("physical",): Interval(5, 10)}


def test_cover_with_a_small_form_is_protected() -> None:
    linked = _table(
        {"victims": 7, "physical": 6, "sexual": 2, "psychic": 5},
        covers=[("victims", ["physical", "sexual", "psychic"])],
    )
    # Hidden alone, sexual lies in [1, 7] (<= victims; the others already cover 7).
    assert attack(linked, _k("sexual")) == {("sexual",): Interval(1, 7)}
    p = protect(linked)
    assert p.hidden == _k("sexual")
    _assert_protected(linked, p)


def test_below_online_cases_are_some_of_all_cases() -> None:
    linked = _table(
        {"all": 30, "all A": 5, "all B": 25, "online A": 3, "online B": 10},
        sums=[("all", ["all A", "all B"])],
        below=[("online A", "all A"), ("online B", "all B")],
    )
    # Online A hidden alone: at most all A = 5, short of 1 + 5.
    assert attack(linked, _k("online A")) == {("online A",): Interval(1, 5)}
    assert shortfalls(linked, _k("online A"))
    p = protect(linked)
    assert p.hidden == _k("online A", "all A", "all B")
    intervals = attack(linked, p.hidden)
    # all B >= online B = 10, so all A <= 20 and online A <= 20.
    assert intervals[("all B",)] == Interval(10, 29)
    assert intervals[("online A",)] == Interval(1, 20)
    _assert_protected(linked, p)


def test_unpublished_part_is_unknown_and_may_be_zero() -> None:
    # Victims by sex; 2 of unknown sex are never shown.
    cells = {"total": 20, "boys": 3, "girls": 15, "unknown": 2}
    sums = [("total", ["boys", "girls", "unknown"])]
    linked = _table(cells, sums=sums, unpublished=["unknown"])
    # boys + unknown = 5 and unknown >= 0 (not 1: it is not a hidden published cell).
    assert attack(linked, _k("boys")) == {("boys",): Interval(1, 5)}
    p = protect(linked)
    assert ("unknown",) not in p.hidden
    assert p.hidden == _k("boys", "girls")
    assert attack(linked, p.hidden)[("boys",)] == Interval(1, 19)
    _assert_protected(linked, p)
    # Were the unknown part published, hiding the boys alone would pin them.
    published = _table(cells, sums=sums)
    assert attack(published, _k("boys")) == {("boys",): Interval(3, 3)}


def test_a_cell_in_no_relation_is_unbounded_above() -> None:
    linked = _table({"alone": 2})
    assert attack(linked, _k("alone")) == {("alone",): Interval(1, math.inf)}
    assert protect(linked).hidden == _k("alone")


# --- Zeros and settings ------------------------------------------------------------------------

ZEROS = {"total": 12, "none": 0, "few": 3, "many": 9}
ZEROS_SUMS = [("total", ["none", "few", "many"])]


def test_zeros_are_shown_and_a_hidden_cell_is_at_least_one() -> None:
    linked = _table(ZEROS, sums=ZEROS_SUMS)
    p = protect(linked)
    assert p.hidden == _k("few", "many")
    assert p.display(("none",)) == "0"
    assert attack(linked, p.hidden)[("few",)] == Interval(1, 11)
    _assert_protected(linked, p)


@override_settings(LAYAK_SHOW_ZEROS=False)
def test_zeros_hidden_when_show_zeros_is_off() -> None:
    linked = _table(ZEROS, sums=ZEROS_SUMS)
    p = protect(linked)
    assert p.primary == _k("none", "few")
    assert p.display(("none",)) == hidden_mark()
    intervals = attack(linked, p.hidden)
    # A hidden cell may now be 0.
    assert intervals[("few",)].low == 0
    assert intervals[("none",)].low == 0
    _assert_protected(linked, p)


RANGE = {"total": 40, "a": 2, "b": 18, "c": 20}
RANGE_SUMS = [("total", ["a", "b", "c"])]


def test_default_protection_hides_one_complementary_cell() -> None:
    linked = _table(RANGE, sums=RANGE_SUMS)
    p = protect(linked)
    assert p.hidden == _k("a", "b")
    assert attack(linked, p.hidden)[("a",)] == Interval(1, 19)


def test_known_cells_are_never_chosen_nor_protected() -> None:
    linked = _table(RANGE, sums=RANGE_SUMS)
    # With "b" already known to a reader, the complementary cell must be another one.
    p = protect(linked, known=[("b",)])
    assert ("b",) not in p.hidden and ("a",) in p.hidden and len(p.hidden) == 2
    _assert_protected(linked, p)
    # A small cell the reader already knows is no secret to keep: nothing is hidden for it.
    assert protect(linked, known=[("a",)]).hidden == frozenset()


@override_settings(LAYAK_PROTECTION_RANGE=30)
def test_protection_range_widens_what_is_hidden() -> None:
    linked = _table(RANGE, sums=RANGE_SUMS)
    # [1, 19] is too narrow for a range of 30.
    assert [s.needed for s in shortfalls(linked, _k("a", "b"))] == [(2, 31)]
    p = protect(linked)
    assert p.hidden == _k("a", "b", "c")
    assert attack(linked, p.hidden)[("a",)] == Interval(1, 38)
    _assert_protected(linked, p)


@override_settings(LAYAK_PROTECTION_UPPER=18)
def test_upper_protection_level() -> None:
    linked = _table(RANGE, sums=RANGE_SUMS)
    assert [s.needed for s in shortfalls(linked, _k("a", "b"))] == [(2, 20)]
    p = protect(linked)
    assert p.hidden == _k("a", "b", "c")
    _assert_protected(linked, p)


COVER_LOW = {"victims": 10, "physical": 4, "sexual": 6}
COVER_LOW_COVERS = [("victims", ["physical", "sexual"])]


def test_without_a_lower_level_a_cell_may_sit_at_its_least_value() -> None:
    linked = _table(COVER_LOW, covers=COVER_LOW_COVERS)
    # physical >= 10 - 6 = 4: a reader knows it is at least its true value, which is allowed.
    assert attack(linked, _k("physical")) == {("physical",): Interval(4, 10)}
    assert protect(linked).hidden == _k("physical")


@override_settings(LAYAK_PROTECTION_LOWER=1)
def test_lower_protection_level() -> None:
    linked = _table(COVER_LOW, covers=COVER_LOW_COVERS)
    # low at most 4 - 1; high at least min(4, 3) + 5.
    assert [s.needed for s in shortfalls(linked, _k("physical"))] == [(3, 8)]
    p = protect(linked)
    assert p.hidden == _k("physical", "sexual")
    assert attack(linked, p.hidden)[("physical",)].low <= 3
    _assert_protected(linked, p)


@override_settings(LAYAK_SMALL_CELL=3, LAYAK_PROTECTION_RANGE=None)
def test_small_cell_setting_moves_the_primary_threshold() -> None:
    assert small_cell() == 3
    assert protection().range == 3
    linked = _table(
        {"total": 13, "two": 2, "three": 3, "eight": 8}, sums=[("total", ["two", "three", "eight"])]
    )
    p = protect(linked)
    assert p.primary == _k("two")
    assert ("three",) not in p.primary
    _assert_protected(linked, p)


# --- The one mark ------------------------------------------------------------------------------


def test_primary_and_complementary_cells_show_the_same_mark() -> None:
    linked = _table(PUSPAGA, sums=PUSPAGA_SUMS)
    p = protect(linked)
    primary, complementary = ("in person",), ("outreach",)
    assert primary in p.primary and complementary not in p.primary
    assert complementary in p.hidden
    assert p.display(primary) == p.display(complementary) == "[c]"
    with override_settings(LAYAK_HIDDEN_MARK="*"):
        assert p.display(primary) == p.display(complementary) == hidden_mark() == "*"
    assert "[c]" in legend_text()


# --- Determinism -------------------------------------------------------------------------------


def test_same_data_declared_in_another_order_hides_the_same_cells() -> None:
    names = list(TIMUR)
    forwards = protect(_table(TIMUR, sums=TIMUR_SUMS, order=names))
    backwards = protect(_table(TIMUR, sums=TIMUR_SUMS, order=names[::-1]))
    assert forwards.hidden == backwards.hidden
    rows = [[6, 5, 6, 12, 2], [12, 0, 12, 1, 4]]
    assert protect(_grid(rows)).hidden == protect(_grid(rows)).hidden


def test_relations_declared_in_another_order_hide_the_same_cells() -> None:
    rows = [[6, 5, 6, 12, 2], [12, 0, 12, 1, 4]]
    assert protect(_grid(rows)).hidden == protect(_grid(rows, relations_reversed=True)).hidden


# --- Robustness of the programmes --------------------------------------------------------------


def test_attack_on_a_fully_hidden_two_by_two_table() -> None:
    # HiGHS answered kUnknown on a warm re-solve of this unbounded maximum (fixed in lp.py).
    linked = _grid([[4, 1], [1, 3]])
    everything = set(linked.values)
    intervals = attack(linked, everything)
    assert intervals[("r0", "c1")] == Interval(1, math.inf)


@pytest.mark.parametrize("relations_reversed", [False, True])
@pytest.mark.parametrize("rows", [[[0, 4, 1], [6, 1, 3]], [[2, 2], [2, 12]], [[4, 1], [1, 3]]])
def test_protect_small_tables(rows: list[list[int]], relations_reversed: bool) -> None:
    linked = _grid(rows, relations_reversed=relations_reversed)
    _assert_protected(linked, protect(linked))


@override_settings(LAYAK_PROTECTION_LOWER=1)
def test_an_unreachable_lower_level_is_capped_at_what_any_publication_reveals() -> None:
    # 2 = 1 + 1 (+ a shown 0): both parts are at least 1, so the total is at least 2 whatever is
    # hidden; a lower level of 1 cannot be met by anyone, so it is capped there (the floor the
    # mark itself gives) instead of blocking publication, and protect() stops.
    linked = _table({"total": 2, "a": 1, "b": 1, "z": 0}, sums=[("total", ["a", "b", "z"])])
    p = protect(linked)
    assert p.hidden == _k("total", "a", "b")
    assert shortfalls(linked, p.hidden) == []
    # A reachable lower level is still required: 3 = 2 + 1 can show the 3 as low as 2.
    linked = _table({"total": 3, "a": 2, "b": 1, "z": 0}, sums=[("total", ["a", "b", "z"])])
    assert [(s.key, s.needed) for s in shortfalls(linked, _k("a", "b"))] != []


@override_settings(LAYAK_PROTECTION_LOWER=1)
def test_an_unreachable_lower_level_hides_nothing_unrelated() -> None:
    linked = _table(
        {"total": 2, "a": 1, "b": 1, "z": 0, "other": 30, "x": 10, "y": 20},
        sums=[("total", ["a", "b", "z"]), ("other", ["x", "y"])],
    )
    p = protect(linked)
    # Nothing links "other", "x", "y" to the small cells: hiding them protects nothing.
    assert p.hidden == _k("total", "a", "b")


# --- Linked refuses what does not add up -------------------------------------------------------


def test_linked_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        Linked().cell(("a",), -1)


def test_linked_refuses_a_cell_declared_twice_with_different_values() -> None:
    linked = Linked()
    linked.cell(("a",), 3)
    linked.cell(("a",), 3)
    with pytest.raises(ValueError, match="twice"):
        linked.cell(("a",), 4)


def test_linked_refuses_sums_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="add up"):
        _table({"total": 10, "a": 3, "b": 6}, sums=[("total", ["a", "b"])])


def test_linked_refuses_undeclared_keys() -> None:
    linked = _table({"total": 3, "a": 3})
    with pytest.raises(KeyError):
        linked.add_sum(("total",), [("a",), ("b",)])
    with pytest.raises(KeyError):
        linked.add_below(("b",), ("total",))
    with pytest.raises(KeyError):
        linked.add_cover(("b",), [("a",)])
    assert linked.relations == []


def test_linked_refuses_a_part_above_its_whole_and_a_cover_that_does_not_cover() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        _table({"online": 4, "all": 3}, below=[("online", "all")])
    with pytest.raises(ValueError, match="cover"):
        _table(
            {"victims": 9, "physical": 4, "sexual": 4}, covers=[("victims", ["physical", "sexual"])]
        )


def test_hierarchy_adds_kelurahan_to_kecamatan_to_city() -> None:
    counts = {"64": 12, "64.01": 9, "64.02": 3, "64.01.1": 4, "64.01.2": 5, "64.02.1": 3}

    def parent(code: str) -> str | None:
        return code.rsplit(".", 1)[0] if "." in code else None

    linked = Linked()
    linked.add_hierarchy(counts, key=lambda code: ("area", code), parent=parent)
    assert len(linked.relations) == 3
    p = protect(linked)
    area = {("area", code) for code in ("64.01.1", "64.02", "64.02.1")}
    assert p.primary == area
    # 64.02 = 64.02.1 = 3 = 12 - 9: the city or the kecamatan 64.01 must be hidden too, and
    # 64.01.1 = 9 - 5 needs 64.01 or 64.01.2.
    assert p.hidden & {("area", "64"), ("area", "64.01")}
    assert p.hidden & {("area", "64.01"), ("area", "64.01.2")}
    _assert_protected(linked, p)
    bad = dict(counts, **{"64.02.1": 2})
    with pytest.raises(ValueError, match="add up"):
        Linked().add_hierarchy(bad, key=lambda code: ("area", code), parent=parent)


# --- Information loss --------------------------------------------------------------------------


def test_information_loss() -> None:
    linked = _table(TIMUR, sums=TIMUR_SUMS)
    p = protect(linked)
    # c and d hidden: 2 cells, 8 of 26 + 8 + 10 + 4 + 4 = 52 published.
    cells, count, share = p.loss
    assert (cells, count) == (2, 8)
    assert share == pytest.approx(8 / 52)
    nothing = protect(_table({"total": 20, "a": 10, "b": 10}, sums=[("total", ["a", "b"])]))
    assert nothing.hidden == frozenset()
    assert nothing.loss == (0, 0, 0.0)
    assert protect(_table({"zero": 0})).loss == (0, 0, 0.0)


# --- Registry ----------------------------------------------------------------------------------


def test_publishes_marks_function_and_class_views() -> None:
    @publishes("cases", "families")
    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    class Page(View):
        pass

    publishes("portal")(Page)

    @functools.wraps(page)
    def wrapper(request: HttpRequest) -> HttpResponse:
        return page(request)

    def plain(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    assert published_families(page) == ("cases", "families")
    assert published_families(Page.as_view()) == ("portal",)
    assert published_families(wrapper) == ("cases", "families")
    assert published_families(plain) == ()
    with pytest.raises(ValueError):
        publishes()


def test_families_autodiscovers_each_apps_disclosure_module() -> None:
    modules = [
        f"{config.name}.disclosure"
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, "disclosure")
    ]
    assert modules, "no app registers what it publishes"
    saved_modules = {name: sys.modules.pop(name) for name in modules if name in sys.modules}
    saved_families = dict(registry._FAMILIES)
    registry._FAMILIES.clear()
    try:
        found = families()
        names = [f.name for f in found]
        assert names == sorted(names)
        assert names, "autodiscovery registered no family"
        for name in modules:
            assert name in sys.modules
    finally:
        registry._FAMILIES.clear()
        registry._FAMILIES.update(saved_families)
        sys.modules.update(saved_modules)


def test_family_registers_a_collector() -> None:
    linked = _table(TIMUR, sums=TIMUR_SUMS)

    @family("test-only", "A family registered by a test")
    def collect(city: object, year: int | None) -> Iterable[Published]:
        yield Published(name="test", linked=linked, hidden=protect(linked).hidden)

    try:
        registered = {f.name: f for f in families()}
        assert registered["test-only"].title == "A family registered by a test"
        (published,) = list(registered["test-only"].collect(None, 2025))
        assert shortfalls(published.linked, published.hidden) == []
    finally:
        registry._FAMILIES.pop("test-only", None)
    assert "test-only" not in {f.name for f in families()}
