"""A small named world for the dashboards: Kota Balikpapan with indicator values for two years,
roll-ups computed, a target, awards and violence cases (one kelurahan below the small-cell
limit); readers of Balikpapan and of Samarinda."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases.tests.factories import CaseWorld, make_case, make_case_world
from layak.dashboards.defaults import load_default_challenges
from layak.evaluations.models import Award
from layak.indicators import rollups
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Target, Value
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

YEARS = (2023, 2024)
#: Cases opened this year per kelurahan code; the third kelurahan stays below 5.
CASES = {"64.71.01.1001": 6, "64.71.02.1001": 7, "64.71.01.1002": 2}


@dataclass(frozen=True)
class DashboardWorld:
    cases: CaseWorld
    city: Region
    kecamatan: Region
    kelurahan: Region
    small: Region
    other_city: Region
    secretariat: User
    focal: User
    no_role: User
    other_reader: User


def value(code: str, region: Region, year: int, numerator: int, denominator: int | None) -> None:
    Value.objects.update_or_create(
        definition=Definition.objects.get(code=code),
        region=region,
        period_start=datetime.date(year, 1, 1),
        defaults={
            "period_label": str(year),
            "numerator": numerator,
            "denominator": denominator,
        },
    )


def add_kelurahan(kecamatan: Region, number: int) -> Region:
    """One more kelurahan of ``kecamatan`` with values for every year of ``YEARS``."""
    region = make_region(f"{kecamatan.code}.{2000 + number}", f"Kelurahan {number}")
    fill(region, number)
    return region


def fill(region: Region, seed: int) -> None:
    for offset, year in enumerate(YEARS):
        children = 1000 + 10 * seed
        value("penduduk-anak", region, year, children, None)
        value("akta-lahir", region, year, 800 + 50 * offset + seed % 7, children)
        value("putus-sekolah", region, year, 3 + offset + seed % 3, None)


def make_dashboard_world(kelurahan: int = 6) -> DashboardWorld:
    """``kelurahan`` kelurahan in two kecamatan (at least the three of ``CASES``)."""
    load_definitions()
    load_default_challenges()  # browser tests flush the rows the migration loaded
    cases = make_case_world()
    small = make_region("64.71.01.1002", "Manggar Baru")
    regions = [cases.kelurahan, cases.kelurahan2, small]
    for number, region in enumerate(regions):
        fill(region, number)
    for number in range(len(regions), kelurahan):
        add_kelurahan(cases.kecamatan if number % 2 else cases.kecamatan2, number)
    for code, count in CASES.items():
        for _i in range(count):
            make_case(cases, kelurahan=Region.objects.get(code=code))
    Target.objects.create(
        definition=Definition.objects.get(code="akta-lahir"),
        city=cases.city,
        year=YEARS[-1],
        value=Decimal("70.00"),
    )
    Target.objects.create(
        definition=Definition.objects.get(code="putus-sekolah"),
        city=cases.city,
        year=YEARS[-1],
        value=Decimal("1.00"),
    )
    Award.objects.create(
        region=cases.city, year=2023, category="Madya", self_score=Decimal("710.50")
    )
    Award.objects.create(
        region=cases.city,
        year=2024,
        category="Nindya",
        self_score=Decimal("802.00"),
        verified_score=Decimal("781.25"),
    )
    rollups.refresh_city(cases.city)
    home = make_agency(region=cases.city, code="dp3akb")
    other = make_agency(region=cases.other_city, code="dp3a-smd")
    return DashboardWorld(
        cases=cases,
        city=cases.city,
        kecamatan=cases.kecamatan,
        kelurahan=cases.kelurahan,
        small=small,
        other_city=cases.other_city,
        secretariat=make_person(Role.SECRETARIAT, agency=home),
        focal=make_person(Role.OPD_FOCAL, agency=home),
        no_role=make_person(agency=home),
        other_reader=make_person(Role.SECRETARIAT, agency=other),
    )
