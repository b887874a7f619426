"""Modules whose records indicators are counted from, without indicators importing them.

Indicators sit below the domain modules (case management, evaluations, ...): this module
offers two registries that those modules fill, so that the roll-ups and the nightly
``layak refresh_rollups`` reach their data while the imports run one way, down (issue #14):

* :class:`RollupSource` — the counts of a definition whose ``source`` names a module (today
  ``cases``: the definitions derived from case records, ``kekerasan-anak`` and
  ``kekerasan-daring``). The module hands over the cells it publishes per area, already
  protected by disclosure control, so the roll-ups hide exactly what its own pages hide.
* :func:`after_city_refresh` — a step run for each kab/kota at the end of the nightly refresh
  (the evaluation module fills each awarded year's self-assessment score from its cycle).

A module registers from its ``rollups`` module (``layak/<app>/rollups.py``), which is imported
the first time a registry is read (like the ``disclosure`` modules of
:mod:`layak.core.disclosure`); a module may also register from its ``AppConfig.ready``.
Registering the same source or step again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from layak.regions.models import Region


@dataclass(frozen=True)
class RollupSource:
    """The records of one module that roll-ups of definitions with ``source`` count.

    * ``years(city)`` — the years whose cells the module publishes (the roll-ups of these
      years are written);
    * ``value_years(city)`` — the years the nightly job writes values for (the years the
      module counts records in);
    * ``cells(city, year, unit)`` — per area code (the city, each kecamatan and kelurahan the
      module publishes) the count as published, None when disclosure control hides it;
      ``unit`` is what a definition counts (:data:`layak.indicators.rollups.CASE_UNITS`);
    * ``has_data(city)`` — whether the city keeps records in the module (it then uses Layak
      and gets roll-ups).
    """

    source: str
    years: Callable[[Region], list[int]]
    value_years: Callable[[Region], list[int]]
    cells: Callable[[Region, int, str], Mapping[str, int | None]]
    has_data: Callable[[Region], bool]


#: A step run for one kab/kota after its roll-ups were refreshed.
CityStep = Callable[[Region], object]

_SOURCES: dict[str, RollupSource] = {}
_AFTER_REFRESH: dict[str, CityStep] = {}
_discovered = False


def register_source(source: RollupSource) -> None:
    _SOURCES[source.source] = source


def after_city_refresh(step: CityStep) -> CityStep:
    """Run ``step(city)`` for each kab/kota at the end of the nightly refresh; usable as a
    decorator."""
    _AFTER_REFRESH[f"{step.__module__}.{step.__qualname__}"] = step
    return step


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("rollups")
        _discovered = True


def source_for(source: str) -> RollupSource | None:
    """The registered source named ``source`` (a ``Definition.source``), if any."""
    _discover()
    return _SOURCES.get(source)


def sources() -> list[RollupSource]:
    _discover()
    return [_SOURCES[name] for name in sorted(_SOURCES)]


def city_refreshed(city: Region) -> None:
    """Run the registered steps for ``city`` (in the order of their names)."""
    _discover()
    for name in sorted(_AFTER_REFRESH):
        _AFTER_REFRESH[name](city)
