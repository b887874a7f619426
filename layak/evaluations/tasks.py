"""Background jobs of the evaluation (django-tasks; the database backend's worker runs them:
``layak db_worker``)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.evaluations.models import (
    Answer,
    Cycle,
    CycleReport,
    ReminderSent,
    ReportStatus,
)
from layak.evaluations.reports import render_cycle_report


@task()
def send_deadline_reminder(reminder_id: int, language: str) -> int:
    """E-mail the agency's focal points how many of their answers are still open."""
    reminder = ReminderSent.objects.select_related("cycle", "cycle__region", "agency").get(
        pk=reminder_id
    )
    agency = reminder.agency
    people = list(
        User.objects.filter(
            agency=agency, is_active=True, role_assignments__role=Role.OPD_FOCAL
        ).exclude(email="")
    )
    open_answers = open_answers_of(reminder.cycle, agency.pk).count()
    if not people or not open_answers:
        return 0
    with translation.override(language):
        message = render_to_string(
            "evaluations/email/reminder.txt",
            {"reminder": reminder, "agency": agency, "open_answers": open_answers},
        )
        send_mail(
            subject=_("[Layak] KLA evaluation: %(n)d answers due %(date)s")
            % {"n": open_answers, "date": reminder.deadline.isoformat()},
            message=message,
            from_email=None,
            recipient_list=[p.email for p in people],
        )
    ReminderSent.objects.filter(pk=reminder.pk).update(recipients=len(people))
    return len(people)


def open_answers_of(cycle: Cycle, agency_id: int) -> QuerySet[Answer]:
    """Answers assigned to the agency that are not yet sent for review."""
    agency = Agency.objects.get(pk=agency_id)
    assigned = Answer.objects.filter(
        cycle=cycle, question__in=cycle.assignments.filter(agency=agency).values("question")
    )
    area = Q(area_id=agency.area_id) if agency.area_id else Q(area__isnull=True)
    return assigned.filter(area).filter(status__in=["draft", "returned"])


@task()
def generate_cycle_report(report_id: int) -> str:
    """Render the PDF report and store it with the request; mark it failed on an error."""
    report = CycleReport.objects.select_related("cycle", "cycle__region", "cycle__instrument").get(
        pk=report_id
    )
    try:
        content = render_cycle_report(report.cycle, report.target_band)
    except Exception:
        CycleReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    report.file.save(
        f"kla-{report.cycle.region.code}-{report.cycle.year}-{report.pk}.pdf",
        ContentFile(content),
        save=False,
    )
    report.status = ReportStatus.DONE
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "status", "finished_at"])
    return str(report.file.name)
