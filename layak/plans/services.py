"""Every change to plans, actions, progress, meetings and follow-ups (issue #6)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.accounts.models import Agency, User
from layak.core.audit import audit_record
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.models import AuditAction
from layak.core.uploads import check_upload
from layak.evaluations.models import Indicator, Instrument
from layak.evaluations.selectors import unresolved_question_names
from layak.plans.models import (
    Action,
    Attendance,
    Decision,
    FollowUp,
    Meeting,
    Milestone,
    Plan,
    PlanStatus,
    ProgressReport,
    YearTarget,
)
from layak.plans.targets import targets_sync
from layak.regions.models import Region


def _codes(values: Iterable[str]) -> list[str]:
    """Codes trimmed, without blanks and duplicates, in the order given."""
    seen: list[str] = []
    for value in values:
        code = value.strip()
        if code and code not in seen:
            seen.append(code)
    return seen


def _check_evaluation_codes(indicator_codes: list[str], question_codes: list[str]) -> None:
    """Codes must exist in the newest evaluation instrument, when one is loaded."""
    instrument = Instrument.objects.order_by("-year", "-created_at").first()
    if instrument is None:
        return
    errors: dict[str, str] = {}
    unknown, ambiguous = unresolved_question_names(instrument.pk, question_codes)
    if unknown:
        errors["question_codes"] = _("Unknown question codes: %(codes)s") % {
            "codes": ", ".join(unknown)
        }
    elif ambiguous:
        errors["question_codes"] = _(
            "These codes belong to several indicators' questions; write them as "
            "'indicator / code' (for example 5 / 2a): %(codes)s"
        ) % {"codes": ", ".join(ambiguous)}
    known_indicators = set(
        Indicator.objects.filter(instrument=instrument, code__in=indicator_codes).values_list(
            "code", flat=True
        )
    )
    unknown = [c for c in indicator_codes if c not in known_indicators]
    if unknown:
        errors["evaluation_indicator_codes"] = _("Unknown indicator codes: %(codes)s") % {
            "codes": ", ".join(unknown)
        }
    if errors:
        raise ValidationError(errors)


def _audit(
    actor: Any, action: AuditAction, obj: models.Model, region: Region, *fields: str
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        label=str(obj)[:200],
        fields=fields,
        region_code=region.code,
    )


@transaction.atomic
def plan_create(*, actor: Any, region: Region, title: str, start_year: int, end_year: int) -> Plan:
    """A new RAD KLA of ``region``, in draft."""
    plan = Plan(region=region, title=title, start_year=start_year, end_year=end_year)
    plan.full_clean()
    plan.save()
    _audit(actor, AuditAction.CREATE, plan, region, "title", "start_year", "end_year")
    return plan


@transaction.atomic
def plan_adopt(*, actor: Any, plan: Plan) -> Plan:
    """Mark the plan adopted (enacted with the Perda / Perwali); its yearly targets become the
    city's indicator targets (``layak.plans.targets``)."""
    plan.status = PlanStatus.ADOPTED
    plan.save(update_fields=["status"])
    _audit(actor, AuditAction.UPDATE, plan, plan.region, "status")
    targets_sync(city=plan.region, actor=actor)  # the plan's yearly targets now count
    return plan


@transaction.atomic
def action_create(
    *,
    actor: Any,
    plan: Plan,
    code: str,
    title: str,
    cluster: str,
    agency: Agency,
    evaluation_indicator_codes: Iterable[str] = (),
    question_codes: Iterable[str] = (),
    indicator_codes: Iterable[str] = (),
    budget_line: str = "",
    budget_amount: Decimal = Decimal("0"),
) -> Action:
    """An action of ``plan`` owned by an agency of the plan's city; evaluation codes are
    checked against the newest instrument."""
    if agency.region_id != plan.region_id:
        raise ValidationError({"agency": _("The owner must be an agency of the city.")})
    action = Action(
        plan=plan,
        code=code,
        title=title,
        cluster=cluster,
        agency=agency,
        evaluation_indicator_codes=_codes(evaluation_indicator_codes),
        question_codes=_codes(question_codes),
        indicator_codes=_codes(indicator_codes),
        budget_line=budget_line,
        budget_amount=budget_amount,
    )
    action.full_clean()
    _check_evaluation_codes(action.evaluation_indicator_codes, action.question_codes)
    action.save()
    _audit(actor, AuditAction.CREATE, action, plan.region, "code", "title", "agency")
    return action


@transaction.atomic
def target_set(
    *, actor: Any, action: Action, year: int, target: str, value: Decimal | None = None
) -> YearTarget:
    """Set the target of one plan year (replacing an earlier one). In an adopted plan, the
    indicator targets of the city follow (``layak.plans.targets``)."""
    if not action.plan.start_year <= year <= action.plan.end_year:
        raise ValidationError({"year": _("The year must lie within the plan period.")})
    row = YearTarget.objects.filter(action=action, year=year).first() or YearTarget(
        action=action, year=year
    )
    row.target, row.value = target, value
    row.full_clean()
    row.save()
    _audit(actor, AuditAction.UPDATE, row, action.plan.region, "target", "value")
    if action.plan.status == PlanStatus.ADOPTED:
        targets_sync(city=action.plan.region, actor=actor)
    return row


@transaction.atomic
def milestone_create(*, actor: Any, action: Action, title: str, due_on: datetime.date) -> Milestone:
    milestone = Milestone(action=action, title=title, due_on=due_on)
    milestone.full_clean()
    milestone.save()
    _audit(actor, AuditAction.CREATE, milestone, action.plan.region, "title", "due_on")
    return milestone


@transaction.atomic
def milestone_done(*, actor: Any, milestone: Milestone, done_on: datetime.date) -> Milestone:
    milestone.done_on = done_on
    milestone.full_clean()
    milestone.save(update_fields=["done_on"])
    _audit(actor, AuditAction.UPDATE, milestone, milestone.action.plan.region, "done_on")
    return milestone


@transaction.atomic
def progress_report(
    *,
    actor: Any,
    action: Action,
    reported_on: datetime.date,
    text: str,
    percent: int,
    evidence: UploadedFile | None = None,
) -> ProgressReport:
    """A progress report with optional evidence, accepted only by its content."""
    report = ProgressReport(
        action=action,
        reported_on=reported_on,
        text=text,
        percent=percent,
        created_by=actor if isinstance(actor, User) else None,
    )
    fields = ["reported_on", "text", "percent"]
    content: bytes | None = None
    if evidence is not None:
        checked = check_upload(evidence)
        report.evidence_name = (evidence.name or "")[:255]
        report.evidence_extension = checked.extension
        report.evidence_content_type = checked.content_type
        evidence.seek(0)
        content = evidence.read()
        fields.append("evidence")
    report.full_clean()
    if content is not None:
        # Encrypted in memory: only ciphertext reaches the disk (issue #11).
        save_encrypted_file(report.evidence, "evidence", content)
    report.save()
    _audit(actor, AuditAction.CREATE, report, action.plan.region, *fields)
    return report


def progress_evidence_read(*, actor: Any, report: ProgressReport) -> bytes:
    """The decrypted evidence of a progress report (one stored in clear before issue #11 as
    it is); the download is audited."""
    content = read_encrypted_file(report.evidence)
    with transaction.atomic():
        _audit(actor, AuditAction.DOWNLOAD, report, report.action.plan.region, "evidence")
    return content


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    region: Region,
    held_on: datetime.date,
    title: str,
    agenda: str = "",
    minutes: str = "",
) -> Meeting:
    meeting = Meeting(region=region, held_on=held_on, title=title, agenda=agenda, minutes=minutes)
    meeting.full_clean()
    meeting.save()
    _audit(actor, AuditAction.CREATE, meeting, region, "held_on", "title", "agenda", "minutes")
    return meeting


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, agenda: str, minutes: str) -> Meeting:
    meeting.agenda, meeting.minutes = agenda, minutes
    meeting.full_clean()
    meeting.save(update_fields=["agenda", "minutes"])
    _audit(actor, AuditAction.UPDATE, meeting, meeting.region, "agenda", "minutes")
    return meeting


@transaction.atomic
def attendance_set(
    *, actor: Any, meeting: Meeting, agency: Agency, status: str, representative: str = ""
) -> Attendance:
    if agency.region_id != meeting.region_id:
        raise ValidationError({"agency": _("The agency must belong to the city.")})
    row = Attendance.objects.filter(meeting=meeting, agency=agency).first() or Attendance(
        meeting=meeting, agency=agency
    )
    row.status, row.representative = status, representative
    row.full_clean()
    row.save()
    _audit(actor, AuditAction.UPDATE, row, meeting.region, "status", "representative")
    return row


@transaction.atomic
def decision_add(*, actor: Any, meeting: Meeting, text: str) -> Decision:
    decision = Decision(meeting=meeting, text=text)
    decision.full_clean()
    decision.save()
    _audit(actor, AuditAction.CREATE, decision, meeting.region, "text")
    return decision


@transaction.atomic
def followup_create(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    agency: Agency,
    due_on: datetime.date,
    owner: User | None = None,
) -> FollowUp:
    """A follow-up item, due no earlier than the meeting, owned by an agency of the city."""
    followup = FollowUp(meeting=meeting, text=text, agency=agency, owner=owner, due_on=due_on)
    followup.full_clean()
    followup.save()
    _audit(actor, AuditAction.CREATE, followup, meeting.region, "text", "agency", "due_on")
    return followup


@transaction.atomic
def followup_close(
    *, actor: Any, followup: FollowUp, done_on: datetime.date, note: str = ""
) -> FollowUp:
    followup.done_on, followup.done_note = done_on, note
    followup.full_clean()
    followup.save(update_fields=["done_on", "done_note"])
    _audit(actor, AuditAction.UPDATE, followup, followup.meeting.region, "done_on", "done_note")
    return followup


def remind_days() -> int:
    return int(settings.LAYAK_PLANS_REMIND_DAYS)


@transaction.atomic
def followup_reminders_enqueue(*, today: datetime.date) -> int:
    """Mark and enqueue reminders of open follow-ups: once ``remind_days()`` before the due
    date, once on or after it. Each stage is sent at most once per follow-up."""
    from layak.plans.tasks import send_followup_reminder

    now = timezone.now()
    open_items = FollowUp.objects.select_for_update().filter(done_on__isnull=True)
    due = list(open_items.filter(due_on__lte=today, reminded_due_at__isnull=True))
    before = list(
        open_items.filter(
            due_on__gt=today,
            due_on__lte=today + datetime.timedelta(days=remind_days()),
            reminded_before_at__isnull=True,
        )
    )
    for stage, items, field in (
        ("due", due, "reminded_due_at"),
        ("before", before, "reminded_before_at"),
    ):
        for item in items:
            FollowUp.objects.filter(pk=item.pk).update(**{field: now})
            transaction.on_commit(partial(send_followup_reminder.enqueue, item.pk, stage))
    return len(due) + len(before)


@transaction.atomic
def profile_export_record(*, actor: Any, city: Region, year: int, kind: str) -> None:
    """Audit a download of the Profil Anak of ``city`` for ``year`` as an export (``kind``:
    the format, e.g. "xlsx"); the PDF is audited by `core.documents` when downloaded."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="plans.profile",
        object_id=f"{city.code}-{year}",
        label=f"Profil Anak {city.name} {year}",
        fields=[kind],
        region_code=city.code,
    )
