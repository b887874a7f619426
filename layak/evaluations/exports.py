"""The cycle recap workbook (issues #3 and #13): one row per answer (a city question once, a
kecamatan/kelurahan question once per area) with its options and its exact contribution to the
city's total, then the indicator, group and total scores on a second sheet.

Scores are written as numbers holding their exact value (a third of a point is 0.333…, not
0.33) with the number format ``0.00``: Excel shows them rounded as the pages do (halves up) and
``SUM`` over the ``self_score`` column equals the TOTAL row. The option columns give each
option's share as written in the instrument (``1/3``, ``0.75``), so the file can be imported
again as history (docs/evaluation-history.md)."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from django.db.models import Count

from layak.core.exports import xlsx_bytes
from layak.core.formatting import SCORE_FORMAT
from layak.evaluations.models import Answer, Assignment, Cycle
from layak.evaluations.scoring import answer_points
from layak.evaluations.selectors import AnswerInfo, cycle_scorecard
from layak.evaluations.shares import share_text
from layak.regions.models import Region

RECAP_HEADER = (
    "group",
    "indicator",
    "indicator_name",
    "question",
    "area",
    "area_name",
    "scope",
    "maximum",
    "self_option",
    "self_score",
    "verified_option",
    "verified_score",
    "evidence_count",
    "agencies",
    "status",
)
TOTALS_HEADER = (
    "level",
    "group",
    "indicator",
    "indicator_name",
    "maximum",
    "self_score",
    "verified_score",
    "self_band",
    "verified_band",
)
#: Score columns (0-based) of each sheet, shown with two decimals.
_RECAP_SCORES = {7: SCORE_FORMAT, 9: SCORE_FORMAT, 11: SCORE_FORMAT}
_TOTALS_SCORES = {4: SCORE_FORMAT, 5: SCORE_FORMAT, 6: SCORE_FORMAT}


def _area_code(areas: dict[int, tuple[str, str]], answer: AnswerInfo) -> str:
    return areas[answer.area_id][0] if answer.area_id in areas else ""


def recap_xlsx(cycle: Cycle) -> bytes:
    """The recap of one cycle (see the module docstring)."""
    data, card = cycle_scorecard(cycle)
    indicator = {i.pk: i for i in data.indicators}
    group = {g.pk: g for g in data.groups}
    evidence: dict[int, int] = {
        row["pk"]: row["n"]
        for row in Answer.objects.filter(cycle=cycle)
        .annotate(n=Count("evidence"))
        .values("pk", "n")
    }
    statuses = dict(Answer.objects.filter(cycle=cycle).values_list("pk", "status"))
    agencies: dict[int, list[str]] = defaultdict(list)
    for assigned in (
        Assignment.objects.filter(cycle=cycle)
        .values("question_id", "agency__short_name", "agency__name")
        .order_by("agency__name")
    ):
        name = assigned["agency__short_name"] or assigned["agency__name"]
        names = agencies[assigned["question_id"]]
        if name not in names and len(names) < 8:
            names.append(name)
    areas = {
        pk: (code, name)
        for pk, code, name in Region.objects.filter(
            pk__in={a.area_id for a in data.answers if a.area_id is not None}
        ).values_list("pk", "code", "name")
    }
    answers_of: dict[int, list[AnswerInfo]] = defaultdict(list)
    for answer in data.answers:
        answers_of[answer.question_id].append(answer)
    rows = []
    for question in data.questions:
        ind = indicator[question.indicator_pk]
        maximum = Fraction(question.max_points)
        answers = sorted(answers_of.get(question.pk, []), key=lambda a: _area_code(areas, a))
        if question.pk in data.recorded or not answers:
            # A recorded (history) score or a question nobody answered: one row at city level.
            score = card.questions[question.pk]
            rows.append(
                (
                    group[ind.group_pk].name,
                    ind.code,
                    ind.name,
                    question.code,
                    "",
                    "",
                    question.scope,
                    maximum,
                    "",
                    score.self_points,
                    "",
                    score.verified_points if score.verified_count else None,
                    0,
                    ", ".join(agencies[question.pk]),
                    "",
                )
            )
            continue
        for answer in answers:
            own = data.options.get(answer.option_id) if answer.option_id else None
            verified = (
                data.options.get(answer.verified_option_id) if answer.verified_option_id else None
            )
            code, name = areas.get(answer.area_id or 0, ("", ""))
            rows.append(
                (
                    group[ind.group_pk].name,
                    ind.code,
                    ind.name,
                    question.code,
                    code,
                    name,
                    question.scope,
                    answer_points(question, Fraction(1), data.area_counts),
                    share_text(own.fraction) if own else "",
                    answer_points(question, own.fraction, data.area_counts) if own else Fraction(0),
                    share_text(verified.fraction) if verified else "",
                    answer_points(question, verified.fraction, data.area_counts)
                    if verified
                    else None,
                    evidence.get(answer.pk, 0),
                    ", ".join(agencies[question.pk]),
                    statuses.get(answer.pk, ""),
                )
            )
    totals = [
        (
            "indicator",
            group[i.group_pk].name,
            i.code,
            i.name,
            card.indicators[i.pk].maximum,
            card.indicators[i.pk].self_points,
            card.indicators[i.pk].verified_points,
            "",
            "",
        )
        for i in data.indicators
    ]
    totals += [
        (
            "group",
            g.name,
            "",
            "",
            card.groups[g.pk].maximum,
            card.groups[g.pk].self_points,
            card.groups[g.pk].verified_points,
            "",
            "",
        )
        for g in data.groups
    ]
    totals.append(
        (
            "total",
            "TOTAL",
            "",
            "",
            card.total.maximum,
            card.total.self_points,
            card.total.verified_points,
            card.self_band.name if card.self_band else "",
            card.verified_band.name if card.verified_band else "",
        )
    )
    return xlsx_bytes(
        {"recap": (RECAP_HEADER, rows), "totals": (TOTALS_HEADER, totals)},
        number_formats={"recap": _RECAP_SCORES, "totals": _TOTALS_SCORES},
    )
