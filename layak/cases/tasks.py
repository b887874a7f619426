"""Background jobs of the case module: e-mails that never carry identifying data (only the
case number and a link), and the daily deadline check (``layak case_deadlines``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.cases.models import (
    BreakGlass,
    Case,
    CaseEvent,
    EventKind,
    Referral,
    Stage,
    answer_overdue_q,
    followup_overdue_q,
)
from layak.core.permissions import within_scope


def supervisors_of(case: Case) -> list[User]:
    """The case managers of the owning agency whose scope covers the case."""
    managers = User.objects.filter(
        agency_id=case.agency_id, is_active=True, role_assignments__role=Role.CASE_MANAGER
    ).select_related("scope_region")
    return [
        m
        for m in managers
        if m.scope_code is None
        or Case.objects.filter(within_scope(m.scope_code, "region_code"), pk=case.pk).exists()
    ]


def _mail(people: list[User], subject: str, body: str) -> int:
    recipients = [p.email for p in people if p.email]
    if recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    return len(recipients)


def _link(case: Case) -> str:
    return f"{settings.LAYAK_BASE_URL}{reverse('cases:case', args=[case.pk])}"


@task()
def notify_break_glass(grant_id: int) -> int:
    grant = BreakGlass.objects.select_related("case", "user").get(pk=grant_id)
    with translation.override(settings.LANGUAGE_CODE):
        return _mail(
            supervisors_of(grant.case),
            _("[Layak] Emergency access to case %(number)s") % {"number": grant.case.number},
            _(
                "%(who)s opened case %(number)s with emergency access until %(until)s.\n"
                "Review the reason: %(link)s"
            )
            % {
                "who": grant.user.display_name,
                "number": grant.case.number,
                "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M"),
                "link": _link(grant.case),
            },
        )


def check_deadlines() -> tuple[int, int]:
    """Escalate referrals not answered in time and flag cases whose first follow-up is overdue.

    Each is escalated once; returns (referrals escalated, cases flagged).
    """
    now = timezone.now()
    referrals = list(
        Referral.objects.filter(answer_overdue_q(now), escalated_at__isnull=True).select_related(
            "case", "to_agency"
        )
    )
    today = timezone.localdate()
    flagged_before = CaseEvent.objects.filter(kind=EventKind.OVERDUE).values("case_id")
    cases = list(
        Case.objects.filter(followup_overdue_q(today), anonymised_at__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .exclude(pk__in=flagged_before)
    )
    with transaction.atomic():
        for referral in referrals:
            Referral.objects.filter(pk=referral.pk).update(escalated_at=now)
            CaseEvent.objects.create(
                case=referral.case, kind=EventKind.REFERRAL, detail=f"escalated #{referral.pk}"
            )
        for case in cases:
            CaseEvent.objects.create(
                case=case, kind=EventKind.OVERDUE, detail=str(case.followup_due)
            )
    with translation.override(settings.LANGUAGE_CODE):
        for referral in referrals:
            _mail(
                supervisors_of(referral.case),
                _("[Layak] Referral of case %(number)s not answered")
                % {"number": referral.case.number},
                _("%(agency)s has not answered the referral of case %(number)s in time: %(link)s")
                % {
                    "agency": referral.to_agency.name,
                    "number": referral.case.number,
                    "link": _link(referral.case),
                },
            )
        for case in cases:
            _mail(
                supervisors_of(case),
                _("[Layak] First follow-up of case %(number)s overdue") % {"number": case.number},
                _("The first follow-up of case %(number)s was due on %(date)s: %(link)s")
                % {
                    "number": case.number,
                    "date": case.followup_due.isoformat(),
                    "link": _link(case),
                },
            )
    return len(referrals), len(cases)
