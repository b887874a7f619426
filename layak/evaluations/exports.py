"""The cycle recap workbook (issue #3): group, indicator, question, maximum, self score,
verified score, evidence count, agencies, status — per answer row, with totals."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from layak.evaluations.models import Answer, Assignment, Cycle
from layak.evaluations.selectors import cycle_scorecard
from layak.evaluations.spreadsheet import write_xlsx

RECAP_HEADER = (
    "group",
    "indicator",
    "question",
    "area",
    "maximum",
    "self_score",
    "verified_score",
    "evidence_count",
    "agencies",
    "status",
)


def recap_xlsx(cycle: Cycle) -> bytes:
    """One row per question with its scores (area questions: the city-level share), then one
    row per indicator and group total; all numbers kept as numbers."""
    data, card = cycle_scorecard(cycle)
    indicator = {i.pk: i for i in data.indicators}
    group = {g.pk: g for g in data.groups}
    evidence: dict[int, int] = defaultdict(int)
    statuses: dict[int, set[str]] = defaultdict(set)
    for row in (
        Answer.objects.filter(cycle=cycle)
        .annotate(n=Count("evidence"))
        .values("question_id", "n", "status")
    ):
        evidence[row["question_id"]] += row["n"]
        statuses[row["question_id"]].add(row["status"])
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
    rows = []
    for question in data.questions:
        score = card.questions[question.pk]
        ind = indicator[question.indicator_pk]
        rows.append(
            (
                group[ind.group_pk].name,
                f"{ind.code}. {ind.name}",
                question.code,
                question.scope,
                question.max_points,
                score.self_display,
                score.verified_display,
                evidence[question.pk],
                ", ".join(agencies[question.pk]),
                ", ".join(sorted(statuses[question.pk])),
            )
        )
    totals = (
        [
            (
                group[i.group_pk].name,
                f"{i.code}. {i.name}",
                "",
                "",
                i.max_points,
                card.indicators[i.pk].self_display,
                card.indicators[i.pk].verified_display,
                "",
                "",
                "",
            )
            for i in data.indicators
        ]
        + [
            (
                g.name,
                "",
                "",
                "",
                card.groups[g.pk].maximum,
                card.groups[g.pk].self_display,
                card.groups[g.pk].verified_display,
                "",
                "",
                "",
            )
            for g in data.groups
        ]
        + [
            (
                "TOTAL",
                "",
                "",
                "",
                card.total.maximum,
                card.total.self_display,
                card.total.verified_display,
                "",
                card.self_band.name if card.self_band else "",
                card.verified_band.name if card.verified_band else "",
            ),
        ]
    )
    return write_xlsx({"recap": (RECAP_HEADER, rows), "totals": (RECAP_HEADER, totals)})
