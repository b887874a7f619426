"""Deterministic synthetic demo data (issue #2). No real people: names are generated.

Each app contributes a seeder; ``layak seed_demo`` runs them in ``SEEDERS`` order with one
random generator, so the same ``--seed`` gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


def seeders() -> list[Seeder]:
    from layak.accounts.demo import seed_accounts
    from layak.cases.demo import seed_cases
    from layak.community.demo import seed_community
    from layak.dashboards.demo import seed_dashboards
    from layak.evaluations.demo import seed_evaluations
    from layak.families.demo import seed_families
    from layak.indicators.demo import seed_indicators
    from layak.participation.demo import seed_participation
    from layak.plans.demo import seed_plans
    from layak.portal.demo import seed_portal
    from layak.regions.demo import seed_regions

    return [
        seed_regions,
        seed_accounts,
        seed_evaluations,
        seed_cases,
        seed_families,
        seed_community,
        seed_participation,
        seed_indicators,
        seed_plans,
        seed_dashboards,
        seed_portal,
    ]


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
