"""RAD KLA (Rencana Aksi Daerah Kabupaten/Kota Layak Anak) and Gugus Tugas KLA meetings
(issue #6; shared domain notes, section 2.6: a Perda must contain the RAD, which covers
kelembagaan and the five clusters and is monitored yearly)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency
from layak.core.crypto import EncryptedFileField
from layak.core.models import RegionScopedModel


def overdue_q(today: datetime.date) -> Q:
    """Milestones and follow-ups that are overdue on ``today``: past their due date and not
    done. The one rule, for queries; :func:`is_overdue` is the same rule for one row."""
    return Q(done_on__isnull=True, due_on__lt=today)


def is_overdue(
    due_on: datetime.date, done_on: datetime.date | None, today: datetime.date | None = None
) -> bool:
    """:func:`overdue_q` for one milestone or follow-up (``today``: the local date)."""
    return done_on is None and due_on < (today or timezone.localdate())


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class Cluster(models.TextChoices):
    KL = "KL", _("Institutional (kelembagaan)")
    K1 = "K1", _("Cluster I: civil rights and freedoms")
    K2 = "K2", _("Cluster II: family environment and alternative care")
    K3 = "K3", _("Cluster III: basic health and welfare")
    K4 = "K4", _("Cluster IV: education, leisure and culture")
    K5 = "K5", _("Cluster V: special protection")


class Plan(RegionScopedModel):
    """A RAD KLA of one kab/kota for a period of years."""

    title = models.CharField(_("title"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )

    class Meta:
        ordering = ["-start_year", "title"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="plan_years_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_year}–{self.end_year})"

    def clean(self) -> None:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The last year cannot precede the first.")})


class Action(models.Model):
    """One action of a plan, owned by an agency (OPD) of the plan's city. It names the
    evaluation indicators and questions it moves (codes of the instrument) and indicators of
    the indicators module (free codes), and its budget: the APBD line and amount."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    cluster = models.CharField(_("cluster"), max_length=2, choices=Cluster.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="plan_actions", verbose_name=_("owner")
    )
    evaluation_indicator_codes = models.JSONField(
        _("evaluation indicators"), default=list, blank=True
    )
    question_codes = models.JSONField(_("evaluation questions"), default=list, blank=True)
    indicator_codes = models.JSONField(_("indicators"), default=list, blank=True)
    budget_line = models.CharField(_("APBD budget line"), max_length=300, blank=True)
    budget_amount = models.DecimalField(
        _("budget (Rp)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["plan", "code"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_action_code_unique"),
            models.CheckConstraint(
                condition=Q(budget_amount__gte=0), name="plan_action_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class YearTarget(models.Model):
    """What an action should reach in one year of the plan."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.CharField(_("target"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["action", "year"]
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        constraints = [
            models.UniqueConstraint(fields=["action", "year"], name="plan_target_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.target}"


class Milestone(models.Model):
    """A dated step of an action; missed when past due and not done."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=300)
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        """Past due and not done (:func:`is_overdue`): a missed milestone."""
        return is_overdue(self.due_on, self.done_on)


def progress_evidence_path(instance: ProgressReport, filename: str) -> str:
    # Stored under a random name: the original name stays in the database only (no extension:
    # the content is encrypted, issue #11).
    return f"plans/progress/{instance.action_id}/{uuid.uuid4().hex}.bin"


class ProgressReport(models.Model):
    """A progress report of an action by its owner agency: percent of the year's target."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    reported_on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent of the year's target"), validators=[MaxValueValidator(100)]
    )
    # Encrypted like case files (issue #11); files stored in clear before are read as they are
    # until ``layak reencrypt`` encrypts them.
    evidence = EncryptedFileField(
        _("evidence"),
        upload_to=progress_evidence_path,
        blank=True,
        max_length=300,
        clear_legacy=True,
    )
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)
    evidence_extension = models.CharField(max_length=10, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="plan_progress_percent")
        ]

    def __str__(self) -> str:
        return f"{self.reported_on}: {self.percent}%"


class Meeting(RegionScopedModel):
    """A meeting of the city's Gugus Tugas KLA (task force)."""

    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("task-force meeting")
        verbose_name_plural = _("task-force meetings")

    def __str__(self) -> str:
        return f"{self.held_on}: {self.title}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    REPRESENTED = "represented", _("Represented")


class Attendance(models.Model):
    """Whether an agency attended a meeting, and who represented it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("attendance"), max_length=12, choices=AttendanceStatus.choices)
    representative = models.CharField(_("representative"), max_length=150, blank=True)

    class Meta:
        ordering = ["agency__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="plan_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.status}"


class Decision(models.Model):
    """A decision taken in a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:60]


class FollowUp(models.Model):
    """A follow-up item of a meeting, owned by an agency (optionally one person), with a due
    date. Reminded by e-mail once before it is due and once when due (``reminded_*_at``)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="followups")
    text = models.TextField(_("follow-up"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="plan_followups", verbose_name=_("owner")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_followups",
        verbose_name=_("person in charge"),
    )
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("how it was done"), blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def overdue(self) -> bool:
        """Past due and not done (:func:`is_overdue`)."""
        return is_overdue(self.due_on, self.done_on)

    def clean(self) -> None:
        meeting = self.meeting if self.meeting_id else None
        if meeting is not None and self.due_on and self.due_on < meeting.held_on:
            raise ValidationError({"due_on": _("The due date cannot precede the meeting.")})
        if self.agency_id and meeting is not None and self.agency.region_id != meeting.region_id:
            raise ValidationError({"agency": _("The owner must be an agency of the city.")})
        if self.owner is not None and self.owner.agency_id != self.agency_id:
            raise ValidationError({"owner": _("The person must work for the owner agency.")})
