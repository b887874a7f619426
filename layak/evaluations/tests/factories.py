"""Small typed factories for the KLA evaluation (issue #3): a tiny instrument built directly
with the ORM, a city with kecamatan and kelurahan, and a cycle opened through the service."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.evaluations import services
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    Band,
    Cycle,
    Indicator,
    IndicatorGroup,
    Instrument,
    Question,
    QuestionScope,
)
from layak.evaluations.shares import read_share
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

QUARTER_FRACTIONS = ("0", "0.25", "0.5", "0.75", "1")


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    points: str
    scope: str = QuestionScope.CITY
    fractions: tuple[str, ...] = QUARTER_FRACTIONS
    agencies: tuple[str, ...] = ("dp3akb",)
    evidence_required: bool = False
    data_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class BandSpec:
    code: str
    name: str
    min_points: str
    max_points: str
    conditions: str = ""


def question(code: str, points: str, **overrides: Any) -> QuestionSpec:
    return QuestionSpec(code, points, **overrides)


#: The 2019 bands (Permen PPPA 12/2011 scoring as applied since 2019).
BANDS_2019 = (
    BandSpec("pratama", "Pratama", "500", "600"),
    BandSpec("madya", "Madya", "601", "700"),
    BandSpec("nindya", "Nindya", "701", "800"),
    BandSpec("utama", "Utama", "801", "900"),
    BandSpec("kla", "KLA", "901", "1000"),
)

#: A 1000-point instrument whose options reach every band boundary: 500 + 100 + 300 + 99 + 1
#: points, quarter options, and a 1-point question that can also score 0.5 or 0.99.
THOUSAND_POINTS: dict[str, dict[str, list[QuestionSpec]]] = {
    "KL": {"1": [question("1.01", "500"), question("1.02", "100")]},
    "K1": {
        "2": [
            question("2.01", "300"),
            question("2.02", "99"),
            question("2.03", "1", fractions=("0", "0.5", "0.99", "1")),
        ]
    },
}


def make_instrument(
    *,
    year: int = 2024,
    name: str = "Instrumen uji",
    groups: Mapping[str, Mapping[str, Sequence[QuestionSpec]]] | None = None,
    bands: Sequence[BandSpec] = BANDS_2019,
    total_points: str | None = None,
) -> Instrument:
    """An instrument of ``groups`` (group code > indicator code > questions); each
    indicator's maximum is the sum of its questions, the total the sum of the indicators."""
    groups = groups if groups is not None else THOUSAND_POINTS
    total = sum(
        (
            Decimal(q.points)
            for indicators in groups.values()
            for qs in indicators.values()
            for q in qs
        ),
        Decimal(0),
    )
    instrument = Instrument.objects.create(
        year=year,
        name=name,
        source="test",
        total_points=Decimal(total_points) if total_points is not None else total,
    )
    indicator_order = 0
    for group_order, (group_code, indicators) in enumerate(groups.items(), start=1):
        group = IndicatorGroup.objects.create(
            instrument=instrument, code=group_code, name=f"Group {group_code}", order=group_order
        )
        for indicator_code, questions in indicators.items():
            indicator_order += 1
            indicator = Indicator.objects.create(
                instrument=instrument,
                group=group,
                code=indicator_code,
                name=f"Indicator {indicator_code}",
                max_points=sum((Decimal(q.points) for q in questions), Decimal(0)),
                order=indicator_order,
            )
            for order, spec in enumerate(questions, start=1):
                made = Question.objects.create(
                    instrument=instrument,
                    indicator=indicator,
                    code=spec.code,
                    text=f"Question {spec.code}?",
                    max_points=Decimal(spec.points),
                    scope=spec.scope,
                    evidence_required=spec.evidence_required,
                    agency_codes=list(spec.agencies),
                    data_fields=list(spec.data_fields),
                    order=order,
                )
                AnswerOption.objects.bulk_create(
                    [
                        AnswerOption(
                            question=made,
                            numerator=_share(f).numerator,
                            denominator=_share(f).denominator,
                            label=f"Option {f}",
                        )
                        for f in spec.fractions
                    ]
                )
    Band.objects.bulk_create(
        [
            Band(
                instrument=instrument,
                code=band.code,
                name=band.name,
                min_points=Decimal(band.min_points),
                max_points=Decimal(band.max_points),
                order=order,
                conditions=band.conditions,
            )
            for order, band in enumerate(bands, start=1)
        ]
    )
    return instrument


@dataclass(frozen=True)
class City:
    """Kota Balikpapan (64.71) with two kecamatan and three kelurahan, its agencies (dp3akb,
    disdukcapil, one office per kecamatan and kelurahan) and a secretariat."""

    city: Region
    kecamatan: list[Region]
    kelurahan: list[Region]
    dp3akb: Agency
    disdukcapil: Agency
    kelurahan_offices: list[Agency]
    secretariat: User


KECAMATAN_CODES = ("64.71.01", "64.71.02")
KELURAHAN_CODES = ("64.71.01.1001", "64.71.01.1002", "64.71.02.1001")


def make_city() -> City:
    city = make_region("64.71", "Kota Balikpapan")
    kecamatan = [make_region(code, f"Kecamatan {code}") for code in KECAMATAN_CODES]
    kelurahan = [make_region(code, f"Kelurahan {code}") for code in KELURAHAN_CODES]
    # An area of another city, never counted for Balikpapan.
    make_region("64.72.01.1001", "Kelurahan di Samarinda")
    dp3akb = make_agency(region=city, code="dp3akb", name="DP3AKB")
    disdukcapil = make_agency(region=city, code="disdukcapil", name="Disdukcapil")
    for area in kecamatan:
        make_agency(
            region=city,
            code=f"kec-{area.code.replace('.', '-')}",
            name=f"Kantor {area.name}",
            kind=AgencyKind.KECAMATAN_OFFICE,
            area=area,
        )
    offices = [
        make_agency(
            region=city,
            code=f"kel-{area.code.replace('.', '-')}",
            name=f"Kantor {area.name}",
            kind=AgencyKind.KELURAHAN_OFFICE,
            area=area,
        )
        for area in kelurahan
    ]
    return City(
        city=city,
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        dp3akb=dp3akb,
        disdukcapil=disdukcapil,
        kelurahan_offices=offices,
        secretariat=make_person(Role.SECRETARIAT, agency=dp3akb),
    )


def make_cycle(
    *,
    city: Region,
    instrument: Instrument,
    actor: User,
    year: int = 2026,
) -> Cycle:
    """A cycle opened through ``services.cycle_open`` with fixed deadlines in ``year``."""
    return services.cycle_open(
        actor=actor,
        city=city,
        instrument=instrument,
        year=year,
        answer_deadline=datetime.date(year, 3, 31),
        review_deadline=datetime.date(year, 4, 15),
        submission_deadline=datetime.date(year, 4, 30),
    )


def answer_of(cycle: Cycle, code: str, area: str | None = None) -> Answer:
    """The answer of question ``code`` (for area questions, of the region coded ``area``)."""
    answers = Answer.objects.filter(cycle=cycle, question__code=code)
    if area is None:
        return answers.get(area__isnull=True)
    return answers.get(area__code=area)


def _share(text: str) -> Fraction:
    share = read_share(text)
    if share is None:
        raise ValueError(f"not a share: {text}")
    return share.value


def option_of(instrument: Instrument, code: str, fraction: str) -> AnswerOption:
    """The option of question ``code`` worth ``fraction`` (``"0.25"``, ``"1/3"``) of its
    maximum."""
    share = read_share(fraction)
    if share is None:
        raise ValueError(f"not a share: {fraction}")
    return AnswerOption.objects.get(
        question__instrument=instrument,
        question__code=code,
        numerator=share.value.numerator,
        denominator=share.value.denominator,
    )


def set_options(
    cycle: Cycle, fractions: Mapping[str, str | None], *, verified: bool = False
) -> None:
    """Set the (self or verified) option of city questions by code; ``None`` clears it."""
    field = "verified_option" if verified else "option"
    for code, fraction in fractions.items():
        option = option_of(cycle.instrument, code, fraction) if fraction is not None else None
        Answer.objects.filter(cycle=cycle, question__code=code, area__isnull=True).update(
            **{field: option}
        )


def set_share(
    cycle: Cycle,
    code: str,
    share: str | None,
    *,
    area: str | None = None,
    verified: bool = False,
) -> None:
    """Set the (self or verified) option of one answer of question ``code`` (of the region
    coded ``area`` for area questions) to the option worth ``share`` (``"1/3"``); ``None``
    clears it."""
    option = option_of(cycle.instrument, code, share) if share is not None else None
    field = "verified_option" if verified else "option"
    Answer.objects.filter(pk=answer_of(cycle, code, area).pk).update(**{field: option})
