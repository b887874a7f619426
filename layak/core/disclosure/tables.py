"""Linked tables: the cells published together and what a reader knows ties them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

Key = Hashable

#: One linear relation: sum(coefficient * cell) <= 0, or == 0 when ``equal``.
Terms = tuple[tuple[Key, int], ...]


@dataclass(frozen=True)
class Relation:
    terms: Terms
    equal: bool


@dataclass
class Linked:
    """Every cell published together (a page, its CSV and its API; by kelurahan, kecamatan and
    city; by form, sex and age; months of a year) and the relations between them.

    ``published=False`` cells take part in relations but are never shown (victims of unknown
    sex, cases outside the online ones): a reader does not know them, only that they are whole
    and not negative."""

    values: dict[Key, int] = field(default_factory=dict)
    published: set[Key] = field(default_factory=set)
    relations: list[Relation] = field(default_factory=list)

    def cell(self, key: Key, value: int, *, published: bool = True) -> Key:
        value = int(value)
        if value < 0:
            raise ValueError(f"a count cannot be negative: {key!r}")
        if key in self.values and self.values[key] != value:
            raise ValueError(f"cell {key!r} declared twice with different values")
        self.values[key] = value
        if published:
            self.published.add(key)
        return key

    def _known(self, keys: Iterable[Key]) -> None:
        for key in keys:
            if key not in self.values:
                raise KeyError(f"relation names an undeclared cell: {key!r}")

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        """``total == sum(parts)``: a row or column with its total."""
        parts = list(parts)
        self._known([total, *parts])
        if self.values[total] != sum(self.values[p] for p in parts):
            raise ValueError(f"cells do not add up to {total!r}")
        self.relations.append(Relation(((total, 1), *((p, -1) for p in parts)), True))

    def add_below(self, part: Key, whole: Key) -> None:
        """``part <= whole``: online cases are some of all cases."""
        self._known([part, whole])
        if self.values[part] > self.values[whole]:
            raise ValueError(f"{part!r} exceeds {whole!r}")
        self.relations.append(Relation(((part, 1), (whole, -1)), False))

    def add_cover(self, whole: Key, parts: Iterable[Key]) -> None:
        """Each part <= whole <= sum(parts): a breakdown where one unit can be in several parts
        (forms of violence of a victim)."""
        parts = list(parts)
        for part in parts:
            self.add_below(part, whole)
        if parts:
            if self.values[whole] > sum(self.values[p] for p in parts):
                raise ValueError(f"the parts do not cover {whole!r}")
            self.relations.append(Relation(((whole, 1), *((p, -1) for p in parts)), False))

    def add_hierarchy(
        self,
        counts: Mapping[str, int],
        key: Callable[[str], Key],
        parent: Callable[[str], str | None],
        *,
        published: bool = True,
    ) -> None:
        """Cells for area codes whose counts add up to their parent's (kelurahan to kecamatan,
        kecamatan to city). Every code's parent must be in ``counts`` too (or None)."""
        children: dict[str, list[str]] = {}
        for code, value in counts.items():
            self.cell(key(code), value, published=published)
            up = parent(code)
            if up is not None:
                children.setdefault(up, []).append(code)
        for up, codes in children.items():
            self.add_sum(key(up), [key(c) for c in sorted(codes)])

    def merge(self, other: Linked) -> None:
        for key, value in other.values.items():
            self.cell(key, value, published=key in other.published)
        self.relations.extend(other.relations)

    def canonical_relations(self) -> list[Relation]:
        """The relations in a stable order, each with its terms in a stable order: tables built
        in another order give the same programmes, so the same cells are hidden."""
        return sorted(
            (Relation(tuple(sorted(r.terms, key=repr)), r.equal) for r in self.relations),
            key=lambda r: (r.equal, repr(r.terms)),
        )

    def ordered(self) -> list[Key]:
        """The cells in a stable order (the same data gives the same order)."""
        return sorted(self.values, key=repr)
