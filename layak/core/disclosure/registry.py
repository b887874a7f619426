"""What is published, registered by the apps that publish it.

Each app that lets counts leave the case team or the counsellors has a module
``<app>/disclosure.py`` with a collector decorated by :func:`family`: given a kab/kota and a year
(None: every year published now) it yields each set of linked tables as published — the true
counts with their relations and the cells hidden — so ``layak disclosure_audit`` can run the
attacker over all of it. Views (and API operations) that publish counts carry
:func:`publishes`, so a test can walk the URL resolver and docs/disclosure.md can list them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from layak.core.disclosure.suppression import Protected
from layak.core.disclosure.tables import Key, Linked

#: The attribute :func:`publishes` sets on a view.
ATTRIBUTE = "disclosure_families"


@dataclass(frozen=True)
class Published:
    """One set of linked tables as published: ``hidden`` are the cells shown as the mark."""

    name: str
    linked: Linked
    hidden: frozenset[Key]


Collector = Callable[[Any, "int | None"], Iterable[Published]]


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    collect: Collector


_FAMILIES: dict[str, Family] = {}


def family(name: str, title: str) -> Callable[[Collector], Collector]:
    """Register ``collect(city, year)`` as the collector of the family ``name``."""

    def register(collect: Collector) -> Collector:
        _FAMILIES[name] = Family(name, title, collect)
        return collect

    return register


class _Counts(Protocol):
    @property
    def protected(self) -> Protected: ...


def family_by_year(
    name: str,
    title: str,
    years: Callable[[Any], Iterable[int]],
    build: Callable[[Any, int], _Counts],
) -> None:
    """Register a family whose pages publish, per kab/kota and year, what ``build(city, year)``
    protects (``.protected``); ``years(city)`` are the years published now."""

    def collect(city: Any, year: int | None) -> Iterable[Published]:
        for y in years(city) if year is None else [year]:
            protected = build(city, y).protected
            yield Published(f"{name} {city.code} {y}", protected.linked, protected.hidden)

    family(name, title)(collect)


def families() -> list[Family]:
    """Every registered family (each installed app's ``disclosure`` module is imported)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("disclosure")
    return [_FAMILIES[name] for name in sorted(_FAMILIES)]


F = TypeVar("F", bound=Callable[..., Any])


def publishes(*names: str) -> Callable[[F], F]:
    """Mark a view (or API operation) as publishing counts of the families ``names``."""
    if not names:
        raise ValueError("name at least one family")

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, tuple(names))
        return view

    return mark


def published_families(view: Any) -> tuple[str, ...]:
    """The families a view publishes (empty when it publishes no counts)."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "__wrapped__", None)):
        if candidate is not None and hasattr(candidate, ATTRIBUTE):
            return tuple(getattr(candidate, ATTRIBUTE))
    return ()
