"""Synthetic demo data of this module: Balikpapan values of every active definition for
2021-2025 at each definition's level and period type, with believable trends (birth
certificates rising from about 88 to 97 %, stunting, drop-outs and child-marriage
dispensations falling), violence cases rolled up from the demo cases, the years up to 2024
approved by the secretariat, and the roll-ups computed at once.

The child population is drawn so that the city has about 222,921 children in 2023 (shared
domain notes, 4.2), spread unevenly over the kelurahan; the other counts are shares of it.
Deterministic for a given seed; a value already stored is left as it is.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from layak.accounts.models import User
from layak.core.demo import DemoContext
from layak.indicators import rollups
from layak.indicators.loader import load_definitions
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    PeriodApproval,
    Source,
    Value,
)
from layak.indicators.periods import period_label
from layak.indicators.services import (
    case_years,
    is_locked,
    period_approve,
    regions_for,
    rollup_case_violence,
)
from layak.regions.models import Region, RegionLevel

YEARS = range(2021, 2026)
#: Years up to this one are approved (locked) by the secretariat.
APPROVED_UNTIL = 2024
#: Children aged 0-17 in Balikpapan, semester I 2023 (shared domain notes, 4.2).
CHILDREN_2023 = 222_921
CHILDREN_YEAR = 2023
GROWTH = 0.011
SECRETARIAT = "sekretariat"

#: (numerator, denominator); the denominator is None for counts.
Counts = tuple[int, int | None]
Key = tuple[str, int, datetime.date]  # definition code, region pk, period start


@dataclass
class _Kelurahan:
    region: Region
    share: float  # of the city's children
    offsets: dict[str, float]
    school_risk: float
    rbra: int  # certified play spaces so far


def _trend(first: float, last: float, year: int) -> float:
    """The city-wide level of a share in ``year``, moving in a straight line over ``YEARS``."""
    step = (year - YEARS[0]) / (len(YEARS) - 1)
    return first + (last - first) * step


def _clamp(value: float, high: float = 0.995) -> float:
    return max(0.0, min(high, value))


class _Generator:
    """Draws every value; ``add`` keeps them by (code, region, period start)."""

    def __init__(self, rng: random.Random, city: Region, kelurahan: list[Region]) -> None:
        self.rng = rng
        self.city = city
        self.values: dict[Key, Counts] = {}
        weights = [rng.uniform(0.45, 1.6) for _ in kelurahan]
        total = sum(weights)
        self.kelurahan = [
            _Kelurahan(
                region=region,
                share=weight / total,
                offsets={
                    "akta-lahir": rng.uniform(-0.025, 0.015),
                    "kia": rng.uniform(-0.05, 0.05),
                    "stunting": rng.uniform(-0.04, 0.05),
                    "imunisasi-dasar": rng.uniform(-0.03, 0.03),
                    "persalinan-faskes": rng.uniform(-0.015, 0.008),
                },
                school_risk=rng.uniform(0.6, 1.5),
                rbra=1 if rng.random() < 0.25 else 0,
            )
            for region, weight in zip(kelurahan, weights, strict=True)
        ]

    def add(self, code: str, region: Region, start: datetime.date, counts: Counts) -> None:
        self.values[(code, region.pk, start)] = counts

    def share(self, first: float, last: float, year: int, offset: float, noise: float) -> float:
        return _trend(first, last, year) + offset + self.rng.uniform(-noise, noise)

    def kelurahan_year(self, year: int) -> dict[int, int]:
        """Every kelurahan-level value of ``year``; returns the children per kelurahan."""
        rng = self.rng
        start = datetime.date(year, 1, 1)
        growth = (1 + GROWTH) ** (year - CHILDREN_YEAR)
        children: dict[int, int] = {}
        for kel in self.kelurahan:
            region, off = kel.region, kel.offsets
            pop = round(CHILDREN_2023 * kel.share * growth * rng.uniform(0.995, 1.005))
            children[region.pk] = pop
            self.add("penduduk-anak", region, start, (pop, None))
            akta = _clamp(self.share(0.88, 0.97, year, off["akta-lahir"], 0.004))
            self.add("akta-lahir", region, start, (round(pop * akta), pop))
            kia = _clamp(self.share(0.52, 0.81, year, off["kia"], 0.01))
            self.add("kia", region, start, (round(pop * kia), pop))
            under_five = round(pop * 0.27 * rng.uniform(0.82, 0.9))
            stunted = _clamp(self.share(0.215, 0.148, year, off["stunting"], 0.008))
            self.add("stunting", region, start, (round(under_five * stunted), under_five))
            infants = round(pop * 0.054 * rng.uniform(0.97, 1.03))
            immunised = _clamp(self.share(0.86, 0.95, year, off["imunisasi-dasar"], 0.01))
            self.add("imunisasi-dasar", region, start, (round(infants * immunised), infants))
            births = round(pop * 0.056 * rng.uniform(0.97, 1.03))
            facility = _clamp(self.share(0.955, 0.99, year, off["persalinan-faskes"], 0.004), 1)
            self.add("persalinan-faskes", region, start, (round(births * facility), births))
            out_of_school = _trend(0.011, 0.0055, year) * kel.school_risk
            self.add(
                "anak-tidak-sekolah",
                region,
                start,
                (round(pop * out_of_school * rng.uniform(0.85, 1.15)), None),
            )
            dropped = _trend(0.0016, 0.0007, year) * kel.school_risk
            self.add(
                "putus-sekolah", region, start, (round(pop * dropped * rng.uniform(0.8, 1.2)), None)
            )
            if year > YEARS[0] and rng.random() < 0.15 + 0.05 * (year - YEARS[0]):
                kel.rbra += 1
            self.add("rbra-jumlah", region, start, (kel.rbra, None))
        return children

    def kecamatan_year(
        self, year: int, kecamatan: list[Region], fixed: dict[str, dict[int, int]]
    ) -> None:
        """The kecamatan-level shares of ``year``, never falling from one year to the next."""
        start = datetime.date(year, 1, 1)
        previous = datetime.date(year - 1, 1, 1)
        for kec in kecamatan:
            members = [k for k in self.kelurahan if k.region.code.startswith(f"{kec.code}.")]
            n = len(members)
            if not n:
                continue

            def rising(code: str, total: int, first: float, last: float, kec: Region = kec) -> None:
                drawn = round(total * _clamp(self.share(first, last, year, 0, 0.08), 1))
                before = self.values.get((code, kec.pk, previous))
                floor = before[0] if before else 0
                self.add(code, kec, start, (min(total, max(floor, drawn)), total))

            rising("forum-anak", n, 0.55, 1.0)
            rising("patbm", n, 0.6, 1.0)
            rising("puskesmas-ramah-anak", fixed["puskesmas"][kec.pk], 0.35, 0.9)
            schools = fixed["schools"][kec.pk] + (year - YEARS[0]) // 2
            rising("sra", schools, 0.28, 0.66)
            with_rbra = sum(1 for k in members if k.rbra > 0)
            self.add("rbra-cakupan", kec, start, (with_rbra, n))

    def city_year(self, year: int) -> None:
        rng = self.rng
        start = datetime.date(year, 1, 1)
        dispensations = _trend(96, 47, year) * rng.uniform(0.93, 1.07)
        self.add("dispensasi-kawin", self.city, start, (round(dispensations), None))
        for month in range(1, 13):
            busy = 10 if month in (6, 7, 12) else 0
            served = round(_trend(55, 105, year)) + busy + rng.randint(-8, 8)
            self.add("puspaga-layanan", self.city, datetime.date(year, month, 1), (served, None))


def _labels(definitions: dict[str, Definition]) -> Callable[[str, datetime.date], str]:
    def label(code: str, start: datetime.date) -> str:
        return period_label(definitions[code].period_type, start)

    return label


def seed_indicators(context: DemoContext) -> None:
    load_definitions()
    city = Region.objects.filter(code=settings.LAYAK_HOME_REGION).first()
    if city is None:
        return
    definitions = {d.code: d for d in Definition.objects.filter(active=True)}
    kelurahan = list(regions_for(definitions["penduduk-anak"], city))
    kecamatan = list(
        Region.objects.filter(code__startswith=f"{city.code}.", level=RegionLevel.KECAMATAN)
        .defer("boundary")
        .order_by("code")
    )
    rng = context.rng
    generator = _Generator(rng, city, kelurahan)
    fixed = {
        "puskesmas": {kec.pk: rng.randint(3, 6) for kec in kecamatan},
        "schools": {kec.pk: rng.randint(45, 80) for kec in kecamatan},
    }
    for year in YEARS:
        generator.kelurahan_year(year)
        generator.kecamatan_year(year, kecamatan, fixed)
        generator.city_year(year)

    by_id = {d.pk: d.code for d in definitions.values()}
    stored = {
        (by_id.get(definition_id, ""), region_id, start)
        for definition_id, region_id, start in Value.objects.filter(
            region__code__startswith=city.code, period_start__year__in=list(YEARS)
        ).values_list("definition_id", "region_id", "period_start")
    }
    label = _labels(definitions)
    new = [  # case-derived definitions are counted from the demo cases below
        Value(
            definition=definitions[code],
            region_id=region_id,
            period_start=start,
            period_label=label(code, start),
            numerator=numerator,
            denominator=denominator,
        )
        for (code, region_id, start), (numerator, denominator) in generator.values.items()
        if code in definitions and (code, region_id, start) not in stored
    ]
    Value.objects.bulk_create(new, batch_size=2000)

    for derived in (d for d in definitions.values() if d.source == Source.CASES):
        for year in case_years(city):
            if not is_locked(derived, city, datetime.date(year, 1, 1)):
                rollup_case_violence(city=city, year=year, code=derived.code)

    approved = _approve(city, definitions, generator.values, label)
    rollups.refresh_city(city)
    if new:
        context.report.append(
            f"Demo indicators: {len(new)} values for {YEARS[0]}-{YEARS[-1]}, "
            f"{approved} periods approved up to {APPROVED_UNTIL}."
        )
    else:
        context.report.append("Demo indicators: demo data already present.")


def _approve(
    city: Region,
    definitions: dict[str, Definition],
    values: dict[Key, Counts],
    label: Callable[[str, datetime.date], str],
) -> int:
    """Approve every period up to ``APPROVED_UNTIL`` that has values; returns how many."""
    secretariat = User.objects.filter(username=SECRETARIAT).first()
    if secretariat is None:
        return 0
    done = set(
        PeriodApproval.objects.filter(city=city, status=ApprovalStatus.APPROVED).values_list(
            "definition_id", "period_start"
        )
    )
    periods = sorted(
        {(code, start) for code, _region, start in values if start.year <= APPROVED_UNTIL}
    )
    count = 0
    for code, start in periods:
        definition = definitions.get(code)
        if definition is None or (definition.pk, start) in done:
            continue
        period_approve(
            actor=secretariat,
            definition=definition,
            city=city,
            start=start,
            label=label(code, start),
        )
        count += 1
    return count
