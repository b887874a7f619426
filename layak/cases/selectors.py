"""Reads of the case module (issue #4): work lists, the access log, and statistics.

Statistics leave the case team, so every count goes through :func:`suppress`: a cell below
``LAYAK_SMALL_CELL`` (5) is shown as "<5", and when that alone would let a reader subtract it
from the total, the next smallest cell is hidden too.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from layak.cases.models import (
    Case,
    Consent,
    Lookup,
    LookupKind,
    Purpose,
    Referral,
    ReferralStatus,
    Report,
    Sex,
    Stage,
    Victim,
)
from layak.cases.permissions import cases_on_team_of, referrals_inbox
from layak.core.models import AuditEntry
from layak.regions.models import Region

KECAMATAN_CODE_LENGTH = 8  # "64.71.01"


def small_cell() -> int:
    return int(getattr(settings, "LAYAK_SMALL_CELL", 5))


def hidden_text() -> str:
    """What a hidden (small or complementary) cell shows instead of its number: "<5"."""
    return f"<{small_cell()}"


# -- work lists ----------------------------------------------------------------------------


def my_cases(user: Any) -> QuerySet[Case]:
    """Open cases on the person's team, most urgent first."""
    return (
        cases_on_team_of(user)
        .exclude(stage=Stage.CLOSED)
        .select_related("owner", "kelurahan", "risk")
        .defer("kelurahan__boundary")  # a map outline per row is not needed in a list
        .order_by("followup_due", "-opened_on", "-pk")
    )


def overdue_cases(user: Any, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return my_cases(user).filter(followup_done_at__isnull=True, followup_due__lt=today)


def due_today(user: Any, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return my_cases(user).filter(followup_done_at__isnull=True, followup_due=today)


def referrals_waiting(user: Any) -> QuerySet[Referral]:
    return referrals_inbox(user).filter(status=ReferralStatus.PENDING).order_by("respond_by")


def access_log(case: Case) -> QuerySet[AuditEntry]:
    """Who opened, changed, exported or downloaded this case's file."""
    return AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by(
        "-seq"
    )


# -- statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    value: int | None  # None: suppressed

    @property
    def display(self) -> str:
        return hidden_text() if self.value is None else str(self.value)


@dataclass(frozen=True)
class Statistic:
    unit: str
    dimension: str
    cells: list[Cell]
    total: int | None

    @property
    def total_display(self) -> str:
        return hidden_text() if self.total is None else str(self.total)


def suppress_lines(
    values: Mapping[Any, int], lines: Iterable[Iterable[Any]], limit: int | None = None
) -> set[Any]:
    """The keys to hide so that no hidden value can be worked out within any ``line``.

    The one small-cell rule of Layak. A line is a set of published values tied by a sum (the
    cells with their total, a row or a column of a table, the kelurahan of one kecamatan).
    Values of 1..threshold-1 are hidden; within each line the hidden values must then be at
    least two and add up to the threshold (two hidden cells summing to 2 are both 1), otherwise
    the next smallest value of the line is hidden too, until every line holds (hiding only
    grows, so it ends)."""
    limit = small_cell() if limit is None else limit
    hidden = {k for k, v in values.items() if 0 < v < limit}
    line_list = [list(line) for line in lines]
    changed = True
    while changed:
        changed = False
        for line in line_list:
            if _line_holds(values, line, hidden, limit):
                continue
            rest = sorted((values[k], str(k), k) for k in line if k not in hidden and values[k])
            if not rest:
                continue
            hidden.add(rest[0][2])
            changed = True
    return hidden


def _line_holds(values: Mapping[Any, int], line: list[Any], hidden: set[Any], limit: int) -> bool:
    inside = [k for k in line if k in hidden]
    return not inside or (len(inside) >= 2 and sum(values[k] for k in inside) >= limit)


def suppress(
    counts: Mapping[str, int], total: int, groups: Mapping[str, str] | None = None
) -> tuple[dict[str, int | None], int | None]:
    """One line of cells with its total (and, given ``groups`` as kelurahan -> kecamatan, the
    kecamatan sums published elsewhere) suppressed by :func:`suppress_lines`. When the cells
    cannot be protected within the total, the total is hidden as well."""
    limit = small_cell()
    everything = list(counts)
    lines: list[list[str]] = []
    if groups:
        members: dict[str, list[str]] = {}
        for key in counts:
            members.setdefault(groups.get(key, key), []).append(key)
        lines.extend(members.values())
    lines.append(everything)
    hidden = suppress_lines(counts, lines, limit)
    protected = _line_holds(counts, everything, hidden, limit)
    shown: dict[str, int | None] = {k: (None if k in hidden else v) for k, v in counts.items()}
    shown_total: int | None = None if (0 < total < limit or not protected) else total
    return shown, shown_total


UNITS = ("victims", "cases", "reports")
DIMENSIONS = ("form", "age_group", "sex", "kecamatan", "kelurahan", "month")
REPORT_DIMENSIONS = ("kecamatan", "kelurahan", "month", "channel")


def _consenting(cases: QuerySet[Case], on: datetime.date) -> QuerySet[Case]:
    consent = Consent.objects.filter(
        case=OuterRef("pk"), purpose=Purpose.STATISTICS, given_on__lte=on
    ).exclude(withdrawn_on__lte=on)
    return cases.filter(Exists(consent))


def counted_in_statistics(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases any statistics may count (the statistics page, the indicator roll-ups): all
    of them, or with ``LAYAK_CASE_STATS_REQUIRE_CONSENT`` those consenting to statistics today."""
    if getattr(settings, "LAYAK_CASE_STATS_REQUIRE_CONSENT", False):
        return _consenting(cases, timezone.localdate())
    return cases


def _base_cases(region_filter: Q, year: int) -> QuerySet[Case]:
    return counted_in_statistics(Case.objects.filter(region_filter, opened_on__year=year))


def _labels(kind: str) -> dict[str, str]:
    return {
        str(p): str(lookup) for p, lookup in ((x.pk, x) for x in Lookup.objects.filter(kind=kind))
    }


def _region_labels(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def case_statistics(*, region_filter: Q, year: int, unit: str, dimension: str) -> Statistic:
    """Counts of ``unit`` (victims, cases or reports) by ``dimension`` for one year.

    ``region_filter`` applies to ``Case``/``Report`` rows (path ``region__code``). Forms of
    violence are several per victim, so their cells add up to more than the total.
    """
    if unit not in UNITS:
        raise ValueError(unit)
    if unit == "reports":
        return _report_statistics(region_filter, year, dimension)
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    cases = _base_cases(region_filter, year)
    victims = Victim.objects.filter(case__in=cases.values("pk"))
    counter = "pk" if unit == "victims" else "case_id"
    raw: dict[str, int]
    labels: dict[str, str]
    if dimension in ("kecamatan", "kelurahan"):
        length = KECAMATAN_CODE_LENGTH if dimension == "kecamatan" else 13
        source = cases if unit == "cases" else victims
        path = "region_code" if unit == "cases" else "case__region_code"
        rows = (
            source.filter(**{f"{path}__regex": r"^\d+\.\d+\.\d+"})
            .annotate(k=Substr(path, 1, length))
            .values("k")
            .annotate(n=Count("pk", distinct=True))
        )
        raw = {r["k"]: r["n"] for r in rows if r["k"]}
        labels = _region_labels(raw)
    elif dimension == "month":
        source = cases if unit == "cases" else victims
        path = "opened_on" if unit == "cases" else "case__opened_on"
        rows = (
            source.annotate(k=TruncMonth(path)).values("k").annotate(n=Count("pk", distinct=True))
        )
        raw = {r["k"].strftime("%Y-%m"): r["n"] for r in rows if r["k"]}
        labels = {k: k for k in raw}
    else:
        field = {"form": "forms", "age_group": "age_group", "sex": "sex"}[dimension]
        rows = victims.values(field).annotate(n=Count(counter, distinct=True))
        raw = {str(r[field]): r["n"] for r in rows if r[field] is not None}
        if dimension == "sex":
            labels = {str(k): str(v) for k, v in Sex.choices}
        else:
            kind = LookupKind.VIOLENCE_FORM if dimension == "form" else LookupKind.AGE_GROUP
            labels = _labels(kind)
    total = cases.count() if unit == "cases" else victims.count()
    groups = {k: k[:KECAMATAN_CODE_LENGTH] for k in raw} if dimension == "kelurahan" else None
    return _statistic(unit, dimension, raw, labels, total, groups)


def _statistic(
    unit: str,
    dimension: str,
    raw: dict[str, int],
    labels: dict[str, str],
    total: int,
    groups: Mapping[str, str] | None = None,
) -> Statistic:
    shown, shown_total = suppress(raw, total, groups)
    order = sorted(raw, key=lambda k: labels.get(k, k) if dimension not in ("month",) else k)
    if dimension in ("form", "age_group"):
        positions = {
            str(pk): i
            for i, pk in enumerate(
                Lookup.objects.order_by("kind", "order").values_list("pk", flat=True)
            )
        }
        order = sorted(raw, key=lambda k: positions.get(k, 0))
    cells = [Cell(k, labels.get(k, k), shown[k]) for k in order]
    return Statistic(unit, dimension, cells, shown_total)


def _report_statistics(region_filter: Q, year: int, dimension: str) -> Statistic:
    if dimension not in REPORT_DIMENSIONS:
        raise ValueError(dimension)
    reports = Report.objects.filter(region_filter, received_at__year=year)
    if dimension == "channel":
        rows = reports.values("channel").annotate(n=Count("pk"))
        raw = {r["channel"]: r["n"] for r in rows}
        from layak.cases.models import Channel

        labels = {str(k): str(v) for k, v in Channel.choices}
    elif dimension == "month":
        rows = reports.annotate(k=TruncMonth("received_at")).values("k").annotate(n=Count("pk"))
        raw = {r["k"].strftime("%Y-%m"): r["n"] for r in rows if r["k"]}
        labels = {k: k for k in raw}
    else:
        length = KECAMATAN_CODE_LENGTH if dimension == "kecamatan" else 13
        rows = (
            reports.filter(kelurahan__isnull=False)
            .annotate(k=Substr("kelurahan__code", 1, length))
            .values("k")
            .annotate(n=Count("pk"))
        )
        raw = {r["k"]: r["n"] for r in rows}
        labels = _region_labels(raw)
    groups = {k: k[:KECAMATAN_CODE_LENGTH] for k in raw} if dimension == "kelurahan" else None
    return _statistic("reports", dimension, raw, labels, reports.count(), groups)


def statistics_years(region_filter: Q) -> list[int]:
    years = {d.year for d in Case.objects.filter(region_filter).dates("opened_on", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


# -- SIMFONI-PPA export rows ----------------------------------------------------------------


def simfoni_rows(cases: QuerySet[Case]) -> Iterable[dict[str, Any]]:
    """One row per victim in SIMFONI-PPA categories, without names or other identifiers."""
    victims = (
        Victim.objects.filter(case__in=cases.values("pk"))
        .select_related(
            "case",
            "case__kelurahan",
            "case__risk",
            "age_group",
            "education",
            "occupation",
            "disability",
        )
        .prefetch_related(
            "forms",
            "case__perpetrators__relationship",
            "case__incidents__place",
            "case__services__kind",
        )
        .order_by("case__number", "pk")
    )
    per_case: dict[int, int] = {}
    for victim in victims.iterator(chunk_size=500):
        case = victim.case
        per_case[case.pk] = per_case.get(case.pk, 0) + 1
        incidents = list(case.incidents.all())
        yield {
            "case_number": case.number,
            "victim_no": per_case[case.pk],
            "opened_on": case.opened_on.isoformat(),
            "stage": case.stage,
            "kelurahan_code": case.kelurahan.code if case.kelurahan else "",
            "kelurahan": case.kelurahan.name if case.kelurahan else "",
            "sex": victim.sex,
            "age": victim.age,
            "age_group": victim.age_group.code if victim.age_group else "",
            "education": victim.education.name if victim.education else "",
            "occupation": victim.occupation.name if victim.occupation else "",
            "disability": victim.disability.name if victim.disability else "",
            "forms": "; ".join(f.name for f in victim.forms.all()),
            "place": "; ".join(sorted({i.place.name for i in incidents if i.place})),
            "perpetrator_relationship": "; ".join(
                sorted({p.relationship.name for p in case.perpetrators.all() if p.relationship})
            ),
            "services": "; ".join(sorted({s.kind.name for s in case.services.all()})),
            "child_marriage": "ya" if case.child_marriage else "tidak",
            "online_harm": "ya" if case.online_harm else "tidak",
        }
