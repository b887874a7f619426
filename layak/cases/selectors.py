"""Reads of the case module (issue #4): work lists, the access log and the SIMFONI rows.

Statistics are in :mod:`layak.cases.statistics`: one set of linked tables per kab/kota and
year, protected by :mod:`layak.core.disclosure` (issue #12).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from layak.cases.models import (
    Case,
    Referral,
    ReferralStatus,
    Stage,
    Victim,
)
from layak.cases.permissions import cases_on_team_of, referrals_inbox
from layak.core.models import AuditEntry

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
