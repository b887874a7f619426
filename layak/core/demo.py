"""Deterministic synthetic demo data (issue #2). No real people: names are generated.

Each app registers a seeder from its ``AppConfig.ready()`` (core imports no app); ``layak
seed_demo`` runs them in their explicit order with one random generator, so the same ``--seed``
gives the same data. The orders in use (docs/architecture.md keeps the table):

    10 regions · 20 accounts · 30 evaluations · 40 cases · 50 families · 60 community ·
    70 participation · 80 indicators · 90 plans · 100 dashboards · 110 portal
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from layak.core.registry import OrderedRegistry

SIZES = ("small", "city", "national")

#: The password of every demo login; printed by ``make run``, never used outside demos.
DEMO_PASSWORD = "Layak-Demo-2026!"  # noqa: S105


@dataclass
class DemoContext:
    size: str
    rng: random.Random
    #: What seeders share with the ones after them (e.g. the home region, the agencies).
    shared: dict[str, Any] = field(default_factory=dict)
    #: Lines printed at the end (demo logins).
    report: list[str] = field(default_factory=list)


Seeder = Callable[[DemoContext], None]


@dataclass(frozen=True)
class DemoSeeder:
    """One app's demo data: ``seed`` runs at place ``order`` (lower first)."""

    name: str
    seed: Seeder
    order: int


_seeders: OrderedRegistry[DemoSeeder] = OrderedRegistry(
    "Demo seeder", key=lambda seeder: seeder.name, order=lambda seeder: seeder.order
)


def register_seeder(seeder: DemoSeeder) -> None:
    """Add an app's seeder; called from its ``AppConfig.ready()`` (issue #14). The order is
    explicit because seeders build on each other through ``DemoContext.shared`` (regions before
    agencies, agencies before people, ...); a name or an order taken twice fails."""
    _seeders.register(seeder)


def registered_seeders() -> list[DemoSeeder]:
    """Every registered seeder, in the order they run."""
    return _seeders.items()


def seeders() -> list[Seeder]:
    """The seed functions in the order ``layak seed_demo`` runs them."""
    return [seeder.seed for seeder in registered_seeders()]


FIRST_NAMES = [
    "Ahmad",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Oktavia",
    "Putri",
    "Rahmat",
    "Sari",
    "Taufik",
    "Utami",
    "Wahyu",
    "Yusuf",
    "Zahra",
    "Agus",
    "Bayu",
    "Dian",
    "Fajar",
    "Hasanah",
    "Irfan",
    "Rina",
]
LAST_NAMES = [
    "Pratama",
    "Saputra",
    "Wijaya",
    "Lestari",
    "Hidayat",
    "Santoso",
    "Kurniawan",
    "Permata",
    "Nugroho",
    "Siregar",
    "Rahmawati",
    "Setiawan",
    "Harahap",
    "Purnomo",
    "Utomo",
    "Syahputra",
]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
