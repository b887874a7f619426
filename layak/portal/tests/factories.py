"""Small typed factories for the public portal: directory entries and a city with small case
counts rolled up (several kelurahan with 1-4 cases)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases.tests.factories import CaseWorld, make_case, make_case_world
from layak.evaluations.models import Award
from layak.indicators import rollups
from layak.portal.models import PlaySpace, Service, ServiceKind
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: Cases opened this year per kelurahan code: several small counts, two large enough to show.
CASES_PER_KELURAHAN = {
    "64.71.01.1001": 3,  # the case world's kelurahan (Manggar)
    "64.71.01.1002": 1,
    "64.71.02.1001": 2,  # the case world's second kelurahan
    "64.71.02.1002": 4,
    "64.71.03.1001": 7,
    "64.71.03.1002": 6,
}
#: The counts that must never be published as case figures.
SMALL = {1, 2, 3, 4}


@dataclass(frozen=True)
class PortalWorld:
    cases: CaseWorld
    city: Region
    dp3akb: Agency
    secretariat: User
    focal: User
    other_secretariat: User


def make_portal_world() -> PortalWorld:
    cases = make_case_world()
    dp3akb = make_agency(region=cases.city, code="dp3akb", name="DP3AKB")
    other = make_agency(region=cases.other_city, code="dp3a-smd", name="DP3A Samarinda")
    return PortalWorld(
        cases=cases,
        city=cases.city,
        dp3akb=dp3akb,
        secretariat=make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat.portal"),
        focal=make_person(Role.OPD_FOCAL, agency=dp3akb, username="focal.portal"),
        other_secretariat=make_person(
            Role.SECRETARIAT, agency=other, username="sekretariat.samarinda"
        ),
    )


def add_small_cases(world: PortalWorld) -> None:
    """Open the cases of :data:`CASES_PER_KELURAHAN` and roll the city up."""
    make_region("64.71.03", "Balikpapan Utara")
    for code, count in CASES_PER_KELURAHAN.items():
        kelurahan = make_region(code, f"Kelurahan {code[-4:]}")
        for _ in range(count):
            make_case(world.cases, kelurahan=kelurahan)
    rollups.refresh_city(world.city)


def make_award(city: Region, year: int, **overrides: Any) -> Award:
    values: dict[str, Any] = {"region": city, "year": year, "category": "Nindya"}
    values.update(overrides)
    return Award.objects.create(**values)


def make_service(city: Region, **overrides: Any) -> Service:
    values: dict[str, Any] = {
        "city": city,
        "kind": ServiceKind.SAPA129,
        "name": "SAPA 129",
        "phone": "129",
        "whatsapp": "08111-129-129",
        "open_24h": True,
    }
    values.update(overrides)
    return Service.objects.create(**values)


def make_play_space(city: Region, **overrides: Any) -> PlaySpace:
    values: dict[str, Any] = {"city": city, "name": "Taman Bekapai"}
    values.update(overrides)
    return PlaySpace.objects.create(**values)


def this_year() -> int:
    return timezone.localdate().year


def year_start() -> datetime.date:
    return datetime.date(this_year(), 1, 1)
