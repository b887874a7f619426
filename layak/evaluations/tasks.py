"""Background jobs of the evaluation (django-tasks; the database backend's worker runs them:
``layak db_worker``)."""

from __future__ import annotations

from dataclasses import dataclass

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
    AnswerStatus,
    Cycle,
    CycleReport,
    CycleStatus,
    ReminderKind,
    ReminderSent,
    ReportStatus,
)
from layak.evaluations.reports import render_cycle_report


@dataclass(frozen=True)
class _ReminderMail:
    people: list[User]
    count: int
    template: str
    subject: str


def _reminder_mail(reminder: ReminderSent) -> _ReminderMail:
    """Who receives a reminder of this kind, how many things are waiting, and the text."""
    cycle, agency = reminder.cycle, reminder.agency
    if reminder.kind == ReminderKind.ANSWER:
        people = User.objects.filter(
            agency=agency, is_active=True, role_assignments__role=Role.OPD_FOCAL
        )
        count = open_answers_of(cycle, agency.pk).count()
        template = "evaluations/email/reminder.txt"
        subject = _("[Layak] KLA evaluation: %(n)d answers due %(date)s")
    elif reminder.kind == ReminderKind.REVIEW:
        people = secretariat_of(cycle).filter(agency=agency)
        count = pending_reviews_of(cycle).count()
        template = "evaluations/email/reminder_review.txt"
        subject = _("[Layak] KLA evaluation: %(n)d answers to review by %(date)s")
    else:
        people = secretariat_of(cycle).filter(agency=agency)
        count = 1
        template = "evaluations/email/reminder_submission.txt"
        subject = _("[Layak] KLA evaluation: the self-assessment is due %(date)s")
    return _ReminderMail(list(people.exclude(email="").distinct()), count, template, subject)


@task()
def send_deadline_reminder(reminder_id: int, language: str) -> int:
    """E-mail a reminder before one of the cycle's deadlines: focal points how many of their
    agency's answers are still open; the secretariat how many answers wait for review, or
    that the self-assessment is due to be submitted. Nothing once the cycle is submitted."""
    reminder = ReminderSent.objects.select_related("cycle", "cycle__region", "agency").get(
        pk=reminder_id
    )
    if reminder.cycle.status != CycleStatus.OPEN:
        return 0
    with translation.override(language):
        mail = _reminder_mail(reminder)
        if not mail.people or not mail.count:
            return 0
        message = render_to_string(
            mail.template,
            {"reminder": reminder, "agency": reminder.agency, "count": mail.count},
        )
        send_mail(
            subject=mail.subject % {"n": mail.count, "date": reminder.deadline.isoformat()},
            message=message,
            from_email=None,
            recipient_list=[p.email for p in mail.people],
        )
    ReminderSent.objects.filter(pk=reminder.pk).update(recipients=len(mail.people))
    return len(mail.people)


def open_answers_of(cycle: Cycle, agency_id: int) -> QuerySet[Answer]:
    """Answers assigned to the agency that are not yet sent for review."""
    agency = Agency.objects.get(pk=agency_id)
    assigned = Answer.objects.filter(
        cycle=cycle, question__in=cycle.assignments.filter(agency=agency).values("question")
    )
    area = Q(area_id=agency.area_id) if agency.area_id else Q(area__isnull=True)
    return assigned.filter(area).filter(status__in=[AnswerStatus.DRAFT, AnswerStatus.RETURNED])


def pending_reviews_of(cycle: Cycle) -> QuerySet[Answer]:
    """Answers of the cycle sent for review and not yet accepted or returned."""
    return Answer.objects.filter(cycle=cycle, status=AnswerStatus.SUBMITTED)


def secretariat_of(cycle: Cycle) -> QuerySet[User]:
    """The active task-force secretariat of the cycle's city."""
    return User.objects.filter(
        is_active=True, role_assignments__role=Role.SECRETARIAT, agency__region=cycle.region
    )


@task()
def generate_cycle_report(report_id: int) -> str:
    """Render the PDF report and store it with the request; mark it failed on an error."""
    report = CycleReport.objects.select_related("cycle", "cycle__region", "cycle__instrument").get(
        pk=report_id
    )
    try:
        with translation.override(report.language):
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
