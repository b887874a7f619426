"""Reads of the KLA evaluation for pages, exports, the API and the benchmark (issue #3).

``cycle_scorecard`` loads everything a cycle's scores need in a fixed number of queries, however
many questions the instrument has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from layak.accounts.models import Agency
from layak.accounts.scope import city_of
from layak.evaluations.models import (
    SHARE_ORDER,
    Answer,
    AnswerOption,
    AnswerStatus,
    Assignment,
    Band,
    Cycle,
    CycleStatus,
    Indicator,
    IndicatorGroup,
    Question,
    QuestionPlanning,
    RecordedScore,
    question_label,
    question_order,
    validate_effort,
)
from layak.evaluations.optimizer import Improvement, Plan, cheapest_plan, default_effort
from layak.evaluations.permissions import answers_visible_to
from layak.evaluations.scoring import (
    BandInfo,
    GroupInfo,
    IndicatorInfo,
    QuestionInfo,
    Scorecard,
    answer_points,
    band_for,
    compute_scorecard,
)
from layak.regions.models import Region, RegionLevel

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OptionInfo:
    pk: int
    question_id: int
    fraction: Fraction  # the exact share of the question's maximum
    label: str


@dataclass(frozen=True)
class AnswerInfo:
    pk: int
    question_id: int
    area_id: int | None
    option_id: int | None
    verified_option_id: int | None
    status: str


@dataclass
class CycleData:
    """Everything about a cycle's instrument and answers, loaded once."""

    cycle: Cycle
    groups: list[GroupInfo]
    indicators: list[IndicatorInfo]
    questions: list[QuestionInfo]
    bands: list[BandInfo]
    options: dict[int, OptionInfo]
    options_of: dict[int, list[OptionInfo]]
    answers: list[AnswerInfo]
    area_counts: dict[str, int]
    question_codes: dict[int, str] = field(default_factory=dict)
    #: Question scores a history file gave directly (closed cycles only): (self, verified).
    recorded: dict[int, tuple[Fraction | None, Fraction | None]] = field(default_factory=dict)


def load_cycle_data(cycle: Cycle) -> CycleData:
    """Seven queries (eight for a closed cycle), whatever the size of the instrument."""
    instrument = cycle.instrument_id
    groups = [
        GroupInfo(g.pk, g.code, g.name)
        for g in IndicatorGroup.objects.filter(instrument_id=instrument).order_by("order", "code")
    ]
    indicators = [
        IndicatorInfo(i.pk, i.code, i.name, i.group_id, i.max_points)
        for i in Indicator.objects.filter(instrument_id=instrument).order_by(
            "group__order", "order", "code"
        )
    ]
    questions = [
        QuestionInfo(
            q["pk"],
            q["code"],
            q["indicator_id"],
            q["max_points"],
            q["scope"],
            question_label(q["indicator__code"], q["code"]),
        )
        for q in Question.objects.filter(instrument_id=instrument)
        .order_by(*question_order())
        .values("pk", "code", "indicator_id", "indicator__code", "max_points", "scope")
    ]
    bands = [
        BandInfo(b.code, b.name, b.min_points, b.max_points, b.conditions)
        for b in Band.objects.filter(instrument_id=instrument).order_by("order", "min_points")
    ]
    # Plain tuples, not model instances: loading is most of a scorecard's time (bench/).
    options = {
        pk: OptionInfo(pk, question, Fraction(numerator, denominator), label)
        for pk, question, numerator, denominator, label in AnswerOption.objects.filter(
            question__instrument_id=instrument
        )
        .order_by("question_id", SHARE_ORDER, "pk")
        .values_list("pk", "question_id", "numerator", "denominator", "label")
    }
    options_of: dict[int, list[OptionInfo]] = defaultdict(list)
    for option in options.values():
        options_of[option.question_id].append(option)
    answers = [
        AnswerInfo(*row)
        for row in Answer.objects.filter(cycle=cycle).values_list(
            "pk", "question_id", "area_id", "option_id", "verified_option_id", "status"
        )
    ]
    city = cycle.region.code
    counts = Region.objects.filter(code__startswith=f"{city}.").aggregate(
        kecamatan=Count("pk", filter=Q(level=RegionLevel.KECAMATAN)),
        kelurahan=Count("pk", filter=Q(level__in=[RegionLevel.KELURAHAN, RegionLevel.DESA])),
    )
    return CycleData(
        cycle=cycle,
        groups=groups,
        indicators=indicators,
        questions=questions,
        bands=bands,
        options=options,
        options_of=dict(options_of),
        answers=answers,
        area_counts={"city": 1, **counts},
        question_codes={q.pk: q.label for q in questions},
        recorded=_recorded(cycle),
    )


def _recorded(cycle: Cycle) -> dict[int, tuple[Fraction | None, Fraction | None]]:
    if cycle.status != CycleStatus.CLOSED:
        return {}
    return {
        question: (
            Fraction(own) if own is not None else None,
            Fraction(verified) if verified is not None else None,
        )
        for question, own, verified in RecordedScore.objects.filter(cycle=cycle).values_list(
            "question_id", "self_points", "verified_points"
        )
    }


def scorecard_of(data: CycleData, overrides: dict[int, int | None] | None = None) -> Scorecard:
    """Scores from loaded data; ``overrides`` maps answer pk to a hypothetical option pk
    (what-if), without touching the stored answers."""
    overrides = overrides or {}
    self_fractions: dict[int, list[Fraction | None]] = defaultdict(list)
    verified_fractions: dict[int, list[Fraction | None]] = defaultdict(list)
    for answer in data.answers:
        option_id = overrides.get(answer.pk, answer.option_id)
        option = data.options.get(option_id) if option_id else None
        self_fractions[answer.question_id].append(option.fraction if option else None)
        verified = (
            data.options.get(answer.verified_option_id) if answer.verified_option_id else None
        )
        verified_fractions[answer.question_id].append(verified.fraction if verified else None)
    return compute_scorecard(
        questions=data.questions,
        indicators=data.indicators,
        groups=data.groups,
        bands=data.bands,
        self_fractions=self_fractions,
        verified_fractions=verified_fractions,
        area_counts=data.area_counts,
        conditions_met=data.cycle.conditions_met,
        recorded=data.recorded,
    )


def cycle_scorecard(cycle: Cycle) -> tuple[CycleData, Scorecard]:
    data = load_cycle_data(cycle)
    return data, scorecard_of(data)


@dataclass(frozen=True)
class AgencyProgress:
    agency_id: int
    agency_name: str
    total: int
    answered: int
    evidence_complete: int
    accepted: int
    overdue: bool


def agency_progress(cycle: Cycle) -> list[AgencyProgress]:
    """Per agency: answers assigned, answered, with evidence where required, accepted."""
    today = timezone.localdate()
    rows = (
        Assignment.objects.filter(cycle=cycle)
        .values("agency_id", "agency__name", "agency__area_id")
        .annotate(n=Count("pk"))
        .order_by("agency__name")
    )
    answers = Answer.objects.filter(cycle=cycle).annotate(evidence_count=Count("evidence"))
    stats: dict[tuple[int, int | None], list[int]] = {}
    for answer in answers.values(
        "question_id",
        "area_id",
        "option_id",
        "status",
        "evidence_count",
        "question__evidence_required",
    ):
        stats[(answer["question_id"], answer["area_id"])] = [
            int(answer["option_id"] is not None),
            int(answer["evidence_count"] > 0 or not answer["question__evidence_required"]),
            int(answer["status"] == AnswerStatus.ACCEPTED),
        ]
    by_agency: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for assignment in Assignment.objects.filter(cycle=cycle).values(
        "agency_id", "question_id", "agency__area_id", "question__scope"
    ):
        area = assignment["agency__area_id"] if assignment["question__scope"] != "city" else None
        values = stats.get((assignment["question_id"], area))
        if values is None:
            continue
        totals = by_agency[assignment["agency_id"]]
        totals[0] += 1
        for i in range(3):
            totals[i + 1] += values[i]
    result = []
    for row in rows:
        total, answered, evidence, accepted = by_agency.get(row["agency_id"], [0, 0, 0, 0])
        if total == 0:
            continue
        result.append(
            AgencyProgress(
                agency_id=row["agency_id"],
                agency_name=row["agency__name"],
                total=total,
                answered=answered,
                evidence_complete=evidence,
                accepted=accepted,
                overdue=today > cycle.answer_deadline and answered < total,
            )
        )
    return result


def whatif_answer_ids(user: Any, cycle: Cycle) -> frozenset[int]:
    """The answers of the cycle this person may change on the what-if page: those they may
    read (all for readers of every answer, their own agency's for a focal point)."""
    return frozenset(answers_visible_to(user).filter(cycle=cycle).values_list("pk", flat=True))


def work_list(user: Any, cycle: Cycle) -> QuerySet[Answer]:
    """The answers this person may see in a cycle, in instrument order, ready for a table."""
    return (
        answers_visible_to(user)
        .filter(cycle=cycle)
        .select_related("question", "question__indicator", "area", "option")
        .annotate(evidence_count=Count("evidence"))
        .order_by(*question_order("question__"), "area__code")
    )


def improvements_for(data: CycleData) -> list[Improvement]:
    """Every possible improvement of the current self-assessment, with the task force's
    efforts (default: the points gained) and without questions marked impossible."""
    planning = {p.question_id: p for p in QuestionPlanning.objects.filter(cycle=data.cycle)}
    by_question: dict[int, list[AnswerInfo]] = defaultdict(list)
    for answer in data.answers:
        by_question[answer.question_id].append(answer)
    agencies: dict[int, str] = {}
    for row in (
        Assignment.objects.filter(cycle=data.cycle)
        .values("question_id", "agency__short_name", "agency__name")
        .order_by("agency__name")
    ):
        agencies.setdefault(row["question_id"], row["agency__short_name"] or row["agency__name"])
    area_names = dict(
        Region.objects.filter(
            pk__in={a.area_id for a in data.answers if a.area_id is not None}
        ).values_list("pk", "name")
    )
    result: list[Improvement] = []
    for question in data.questions:
        plan = planning.get(question.pk)
        if plan is not None and plan.impossible:
            continue
        answers = by_question.get(question.pk, [])
        for answer in answers:
            current = data.options.get(answer.option_id) if answer.option_id else None
            current_fraction = current.fraction if current else Fraction(0)
            for option in data.options_of.get(question.pk, []):
                if option.fraction <= current_fraction:
                    continue
                # Exact: the plan adds exactly what the scorecard will add.
                gain = answer_points(question, option.fraction - current_fraction, data.area_counts)
                if gain <= 0:
                    continue
                effort = default_effort(gain)
                if plan is not None:
                    effort = _stored_effort(plan.efforts.get(str(option.pk)), effort)
                key = (
                    question.label
                    if answer.area_id is None
                    else f"{question.label} · {area_names.get(answer.area_id, '')}"
                )
                result.append(
                    Improvement(
                        question=key,
                        option=str(option.pk),
                        gain=gain,
                        effort=effort.quantize(CENT),
                        agency=agencies.get(question.pk, ""),
                        label=option.label,
                    )
                )
    return result


def _stored_effort(stored: Any, default: Decimal) -> Decimal:
    """A stored effort, or ``default`` when there is none or it is not a valid effort (saved
    before efforts were checked: NaN, infinity, huge values)."""
    if stored is None:
        return default
    try:
        effort = Decimal(str(stored))
        validate_effort(effort)
    except (InvalidOperation, ValueError, ValidationError):
        return default
    return effort


def gap_analysis(data: CycleData, card: Scorecard, target_code: str) -> Plan | None:
    """The cheapest plan from the exact current self-assessed total to the target band."""
    target = next((b for b in data.bands if b.code == target_code), None)
    if target is None:
        return None
    return cheapest_plan(
        improvements_for(data),
        current_total=card.total.self_points,
        target_total=Fraction(target.min_points),
    )


def next_band(data: CycleData, card: Scorecard) -> BandInfo | None:
    """The band above the current one (the default target of the gap analysis)."""
    current = band_for(card.total.self_points, data.bands, data.cycle.conditions_met)
    ordered = sorted(data.bands, key=lambda b: b.min_points)
    if current is None:
        return ordered[0] if ordered else None
    higher = [b for b in ordered if b.min_points > current.min_points]
    return higher[0] if higher else None


def work_progress(user: Any, cycle: Cycle) -> dict[str, int]:
    """How far this person's own work list is: answers, answered, sent, accepted, returned."""
    counts: dict[str, int] = (
        answers_visible_to(user)
        .filter(cycle=cycle)
        .aggregate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(option__isnull=False)),
            sent=Count("pk", filter=Q(status__in=[AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED])),
            accepted=Count("pk", filter=Q(status=AnswerStatus.ACCEPTED)),
            returned=Count("pk", filter=Q(status=AnswerStatus.RETURNED)),
        )
    )
    return counts


@dataclass(frozen=True)
class GroupProgress:
    group: GroupInfo
    total: int
    answered: int
    evidence_complete: int
    accepted: int


def group_progress(data: CycleData) -> list[GroupProgress]:
    """Per indicator group: answers, answered, with evidence where required, accepted."""
    with_evidence = set(
        Answer.objects.filter(cycle=data.cycle, evidence__isnull=False).values_list("pk", flat=True)
    )
    needs_evidence = set(
        Question.objects.filter(
            instrument_id=data.cycle.instrument_id, evidence_required=True
        ).values_list("pk", flat=True)
    )
    group_of_indicator = {i.pk: i.group_pk for i in data.indicators}
    group_of_question = {q.pk: group_of_indicator[q.indicator_pk] for q in data.questions}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for answer in data.answers:
        row = counts[group_of_question[answer.question_id]]
        row[0] += 1
        row[1] += answer.option_id is not None
        row[2] += answer.pk in with_evidence or answer.question_id not in needs_evidence
        row[3] += answer.status == AnswerStatus.ACCEPTED
    return [GroupProgress(g, *counts[g.pk]) for g in data.groups]


def unresolved_question_names(instrument_id: int, names: list[str]) -> tuple[list[str], list[str]]:
    """Which of ``names`` name no question of the instrument, and which name several: a
    question is named as it is shown (``question_label``: ``5 / 2a``, or ``4.01``), or by
    its bare code when that code is unique in the instrument."""
    labels: set[str] = set()
    codes: dict[str, int] = defaultdict(int)
    for indicator_code, code in Question.objects.filter(instrument_id=instrument_id).values_list(
        "indicator__code", "code"
    ):
        labels.add(question_label(indicator_code, code))
        codes[code] += 1
    unknown = [n for n in names if n not in labels and codes.get(n, 0) == 0]
    ambiguous = [n for n in names if n not in labels and codes.get(n, 0) > 1]
    return unknown, ambiguous


def known_agency_codes(user: Any) -> set[str]:
    """The agency codes an instrument workbook loaded by ``user`` may name: those of the
    kab/kota the person works in (``accounts.scope.city_of``); for those who load the shared
    instruments without a city (superusers, national administrators) those known in any
    region."""
    city = city_of(user)
    if city is None:
        return set(
            Agency.objects.filter(region__isnull=False).values_list("code", flat=True).distinct()
        )
    return set(Agency.objects.filter(region=city).values_list("code", flat=True))
