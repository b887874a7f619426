"""Reads of the case module (issue #4): work lists and their rows, the case file, search,
the access log and the SIMFONI rows.

Statistics are in :mod:`layak.cases.statistics`: one set of linked tables per kab/kota and
year, protected by :mod:`layak.core.disclosure` (issue #12).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from layak.cases import crypto
from layak.cases.models import (
    BreakGlass,
    Case,
    Referral,
    ReferralStatus,
    Report,
    ReportStatus,
    Stage,
    Victim,
    followup_overdue_q,
)
from layak.cases.permissions import (
    break_glass_to_review,
    cases_on_team_of,
    referrals_inbox,
    reports_visible_to,
)
from layak.core.models import AuditEntry

# -- list rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """A case as every list shows it (pages and API): its victims' names masked — a list never
    shows a child's name, only the case file does — and whether its first follow-up is
    overdue (:func:`layak.cases.models.followup_overdue_q`)."""

    case: Case
    victims: list[str]
    overdue: bool


def case_row(case: Case, victims: Iterable[Victim], today: datetime.date | None = None) -> CaseRow:
    """The row of ``case`` whose victims are already loaded."""
    today = today or timezone.localdate()
    return CaseRow(
        case=case,
        victims=[crypto.mask_name(victim.name) for victim in victims],
        overdue=case.followup_overdue_on(today),
    )


def case_rows(cases: Iterable[Case], today: datetime.date | None = None) -> list[CaseRow]:
    """The rows of ``cases``, their victims read in one query."""
    cases = list(cases)
    today = today or timezone.localdate()
    victims: dict[int, list[Victim]] = {}
    for victim in (
        Victim.objects.filter(case__in=[c.pk for c in cases]).only("name", "case_id").order_by("pk")
    ):
        victims.setdefault(victim.case_id, []).append(victim)
    return [case_row(case, victims.get(case.pk, []), today) for case in cases]


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
    return my_cases(user).filter(followup_overdue_q(today))


def due_today(user: Any, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return my_cases(user).filter(followup_done_at__isnull=True, followup_due=today)


def referrals_waiting(user: Any) -> QuerySet[Referral]:
    return referrals_inbox(user).filter(status=ReferralStatus.PENDING).order_by("respond_by")


def reports_waiting(user: Any) -> QuerySet[Report]:
    """Reports received and not yet made a case, merged or dismissed."""
    return reports_visible_to(user).filter(case__isnull=True, status=ReportStatus.RECEIVED)


def break_glass_unreviewed(user: Any) -> QuerySet[BreakGlass]:
    """Emergency accesses the supervising case manager has still to review."""
    return break_glass_to_review(user).filter(reviewed_at__isnull=True)


def search_cases(user: Any, query: str) -> list[Case]:
    """The person's own cases whose number contains ``query`` or whose (decrypted) victim name
    contains it, compared without case and accents; at most 50 of each."""
    query = query.strip()
    if not query:
        return []
    team = cases_on_team_of(user).select_related("kelurahan", "owner")
    by_number = list(team.filter(number__icontains=query)[:50])
    wanted = crypto.normalise_name(query)
    by_name: list[Case] = []
    if wanted:
        ids = {
            v.case_id
            for v in Victim.objects.filter(case__in=team.values("pk")).only("name", "case_id")
            if wanted in crypto.normalise_name(v.name)
        }
        by_name = list(team.filter(pk__in=ids)[:50])
    return list({c.pk: c for c in by_number + by_name}.values())


def case_file(user: Any, case: Case) -> dict[str, Any]:
    """What the case page shows of ``case`` besides its forms: each part read with what its
    rows display, and ``user``'s running emergency access to it (if any)."""
    return {
        "victims": case.victims.select_related(
            "age_group", "education", "occupation", "disability"
        ).prefetch_related("forms"),
        "perpetrators": case.perpetrators.select_related("relationship"),
        "incidents": case.incidents.select_related("place", "kelurahan"),
        "services": case.services.select_related("kind", "provider", "recorded_by"),
        "notes": case.notes.select_related("author")[:100],
        "attachments": case.attachments.select_related("uploaded_by"),
        "consents": case.consents.select_related("recorded_by"),
        "referrals": case.referrals.select_related(
            "to_agency", "to_user", "from_user", "service_kind"
        ),
        "members": case.members.select_related("user"),
        "events": case.events.select_related("actor")[:100],
        "reports": case.reports.all(),
        "glass": case.break_glass.filter(
            user_id=getattr(user, "pk", 0), expires_at__gt=timezone.now()
        ).first(),
    }


def access_log(case: Case) -> QuerySet[AuditEntry]:
    """Who opened, changed, exported or downloaded this case's file."""
    return AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by(
        "-seq"
    )


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


def simfoni_rows_of(user: Any, year: int) -> list[dict[str, Any]]:
    """The SIMFONI-PPA rows of the cases on ``user``'s team opened in ``year``."""
    return list(simfoni_rows(cases_on_team_of(user).filter(opened_on__year=year)))


def team_case_by_number(user: Any, number: str) -> Case | None:
    """The case on ``user``'s team with this number (a report is merged into it)."""
    return cases_on_team_of(user).filter(number=number.strip()).first()
