"""Read API of the KLA evaluation under /api/v1/ (issue #3), through the same permission
functions and selectors as the pages.

Numbers are strings, never floats (issue #13): a score is given rounded by the one rule of
``layak.core.formatting`` (``"900.33"``, what the pages show) and exactly (``"2701/3"``); an
option's share exactly (``"1/3"``, ``"0.75"``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from layak.core.formatting import api_decimal, exact_text
from layak.evaluations.models import Instrument, question_order
from layak.evaluations.permissions import (
    answers_visible_to,
    cycles_visible_to,
    get_cycle_for,
    instruments_visible_to,
)
from layak.evaluations.scoring import Score
from layak.evaluations.selectors import cycle_scorecard

router = Router(tags=["evaluations"])


class ErrorOut(Schema):
    detail: str


class InstrumentOut(Schema):
    id: int
    year: int
    name: str
    total_points: str


class CycleOut(Schema):
    id: int
    region_code: str
    year: int
    status: str
    instrument_id: int


class ScoreOut(Schema):
    code: str
    name: str
    maximum: str
    self_points: str
    verified_points: str
    projected_points: str
    self_points_exact: str
    verified_points_exact: str
    answers_verified: int
    answers: int


class ScorecardOut(Schema):
    cycle_id: int
    total: ScoreOut
    self_band: str | None
    verified_band: str | None
    projected_band: str | None
    verification_in_progress: bool
    groups: list[ScoreOut]
    indicators: list[ScoreOut]


class AnswerOut(Schema):
    id: int
    indicator_code: str
    question_code: str
    area_code: str | None
    option_fraction: str | None
    verified_fraction: str | None
    status: str


def _instrument(i: Instrument) -> InstrumentOut:
    return InstrumentOut(
        id=i.pk, year=i.year, name=i.name, total_points=api_decimal(i.total_points) or ""
    )


@router.get("/instruments/", response={200: list[InstrumentOut], 401: ErrorOut})
def instrument_list(request: HttpRequest) -> list[InstrumentOut]:
    return [_instrument(i) for i in instruments_visible_to(request.user)]


@router.get("/cycles/", response={200: list[CycleOut], 401: ErrorOut})
def cycle_list(request: HttpRequest) -> list[CycleOut]:
    return [
        CycleOut(
            id=c.pk,
            region_code=c.region.code,
            year=c.year,
            status=c.status,
            instrument_id=c.instrument_id,
        )
        for c in cycles_visible_to(request.user)
    ]


@router.get(
    "/cycles/{cycle_id}/scores/", response={200: ScorecardOut, 401: ErrorOut, 404: ErrorOut}
)
def cycle_scores(request: HttpRequest, cycle_id: int) -> ScorecardOut:
    cycle = get_cycle_for(request.user, cycle_id, action="view")
    data, card = cycle_scorecard(cycle)

    def out(code: str, name: str, score: Score) -> ScoreOut:
        return ScoreOut(
            code=code,
            name=name,
            maximum=api_decimal(score.maximum) or "",
            self_points=api_decimal(score.self_points) or "",
            verified_points=api_decimal(score.verified_points) or "",
            projected_points=api_decimal(score.projected_points) or "",
            self_points_exact=exact_text(score.self_points) or "",
            verified_points_exact=exact_text(score.verified_points) or "",
            answers_verified=score.verified_count,
            answers=score.answer_count,
        )

    return ScorecardOut(
        cycle_id=cycle.pk,
        total=out("total", "Total", card.total),
        self_band=card.self_band.code if card.self_band else None,
        verified_band=card.verified_band.code if card.verified_band else None,
        projected_band=card.projected_band.code if card.projected_band else None,
        verification_in_progress=card.verification_in_progress,
        groups=[out(g.code, g.name, card.groups[g.pk]) for g in data.groups],
        indicators=[out(i.code, i.name, card.indicators[i.pk]) for i in data.indicators],
    )


@router.get(
    "/cycles/{cycle_id}/answers/", response={200: list[AnswerOut], 401: ErrorOut, 404: ErrorOut}
)
def cycle_answers(request: HttpRequest, cycle_id: int) -> list[AnswerOut]:
    cycle = get_cycle_for(request.user, cycle_id, action="view")
    answers = (
        answers_visible_to(request.user)
        .filter(cycle=cycle)
        .select_related("question__indicator", "area", "option", "verified_option")
        .order_by(*question_order("question__"), "area__code")
    )
    return [
        AnswerOut(
            id=a.pk,
            indicator_code=a.question.indicator.code,
            question_code=a.question.code,
            area_code=a.area.code if a.area else None,
            option_fraction=exact_text(a.option.fraction) if a.option else None,
            verified_fraction=exact_text(a.verified_option.fraction) if a.verified_option else None,
            status=a.status,
        )
        for a in answers
    ]
