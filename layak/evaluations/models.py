"""The KLA evaluation: instruments as versioned data, cycles, answers, evidence, verification
(issue #3). Structure and points: shared domain notes, sections 2.1-2.6."""

from __future__ import annotations

import secrets
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from layak.core.crypto import EncryptedFileField
from layak.core.models import RegionScopedModel


def points_field(verbose_name: Any, **options: Any) -> models.DecimalField[Decimal, Decimal]:
    """Points are kept exactly, with two decimals (e.g. 13.75 = 0.25 x 55)."""
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=2, **options)


class Instrument(models.Model):
    """A national evaluation instrument of one year: groups > indicators > questions, bands."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=300, blank=True)
    total_points = points_field(_("total points"))
    created_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    frozen_at = models.DateTimeField(
        _("frozen at"),
        null=True,
        blank=True,
        help_text=_("A frozen instrument is the national reference: nobody changes its bands."),
    )
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="instrument_unique_year_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class IndicatorGroup(models.Model):
    """Kelembagaan, Klaster I-V, or Kecamatan/Kelurahan Layak Anak."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    #: The group's maximum as the instrument declares it (checked against its indicators).
    max_points = points_field(_("maximum points"), null=True, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator group")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="group_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One of the indicators 1-26 (21A-24B included) with its maximum points; ``order`` is
    the order within its group (groups are ordered first)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(IndicatorGroup, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=300)
    max_points = points_field(_("maximum points"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["group__order", "order", "code"]
        verbose_name = _("indicator")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class QuestionScope(models.TextChoices):
    CITY = "city", _("city (answered once)")
    KECAMATAN = "kecamatan", _("each kecamatan")
    KELURAHAN = "kelurahan", _("each kelurahan")


class Question(models.Model):
    """A question of the instrument. ``code`` is unique within its indicator (the ministry
    numbers questions per indicator: 1, 2, 2a ...; spaces allowed). ``agency_codes`` name the
    responsible agencies by code; each city's cycle resolves them to its own agencies. A
    question may be worth 0 points (asked for data only)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="questions")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("code"), max_length=30)
    text = models.TextField(_("question"))
    max_points = points_field(_("maximum points"), validators=[MinValueValidator(Decimal(0))])
    scope = models.CharField(
        _("answered by"), max_length=10, choices=QuestionScope.choices, default=QuestionScope.CITY
    )
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    agency_codes = models.JSONField(_("responsible agencies"), default=list)
    data_fields = models.JSONField(_("data values asked"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "code"], name="question_code_unique_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The question as people name it: its indicator and its own code (``5 / 2a``)."""
        return question_label(self.indicator.code, self.code)


def question_order(via: str = "") -> list[str]:
    """Questions in instrument order (groups, indicators within their group, questions within
    their indicator, codes on ties); ``via`` reaches the question from another model
    (``"question__"`` for answers). The one ordering of pages, exports and the API."""
    return [
        f"{via}indicator__group__order",
        f"{via}indicator__group__code",
        f"{via}indicator__order",
        f"{via}indicator__code",
        f"{via}order",
        f"{via}code",
    ]


def question_label(indicator_code: str, question_code: str) -> str:
    """One way to name a question everywhere (pages, exports, the plan): ``5 / 2a`` for a
    code numbered within its indicator, the code alone when it already starts with its
    indicator (``4.01`` of indicator 4)."""
    if question_code.startswith(f"{indicator_code}."):
        return question_code
    return f"{indicator_code} / {question_code}"


#: Options in the order of their share (for querysets; the share itself is exact in Python).
SHARE_ORDER = Cast(F("numerator"), FloatField()) / Cast(F("denominator"), FloatField())


class AnswerOption(models.Model):
    """An answer option worth ``numerator/denominator`` of the question's maximum, exactly
    (2024: quarters; thirds, sevenths ... as the instrument says; see ``shares.py``). Stored in
    lowest terms, so that one share is one row."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    numerator = models.PositiveIntegerField(_("share numerator"))
    denominator = models.PositiveIntegerField(
        _("share denominator"), validators=[MinValueValidator(1)]
    )
    label = models.CharField(_("label"), max_length=300)

    class Meta:
        ordering = [SHARE_ORDER.asc(), "pk"]
        verbose_name = _("answer option")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "numerator", "denominator"], name="option_share_unique"
            ),
            models.CheckConstraint(
                condition=Q(denominator__gte=1) & Q(numerator__lte=F("denominator")),
                name="option_share_0_to_1",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def fraction(self) -> Fraction:
        """The exact share of the question's maximum."""
        return Fraction(self.numerator, self.denominator)

    @fraction.setter
    def fraction(self, value: Fraction | Decimal | int) -> None:
        share = Fraction(value)
        self.numerator, self.denominator = share.numerator, share.denominator

    @property
    def points(self) -> Fraction:
        """The exact points of this option for a city question (shown by ``format_score``)."""
        return Fraction(self.question.max_points) * self.fraction


class Band(models.Model):
    """A score band (category) of the instrument, e.g. Utama 801-900. A band with
    ``conditions`` is reached only when the secretariat records them as met for a cycle."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bands")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    min_points = points_field(_("from"))
    max_points = points_field(_("to"))
    order = models.PositiveSmallIntegerField(_("rank"), default=0)
    conditions = models.TextField(_("extra conditions"), blank=True)

    class Meta:
        ordering = ["order", "min_points"]
        verbose_name = _("band")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="band_code_unique"),
            models.CheckConstraint(
                condition=Q(min_points__lte=models.F("max_points")), name="band_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.min_points is not None
            and self.max_points is not None
            and self.min_points > self.max_points
        ):
            raise ValidationError({"max_points": _("The band ends before it starts.")})


class CycleStatus(models.TextChoices):
    OPEN = "open", _("open for answers")
    SUBMITTED = "submitted", _("submitted (locked)")
    #: A past cycle brought in from a file (history import): read-only, never answered here.
    CLOSED = "closed", _("closed (history)")


class Cycle(RegionScopedModel):
    """One city's evaluation of one year against one instrument (``region`` = the kab/kota)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="cycles")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    answer_deadline = models.DateField(_("answers due"))
    review_deadline = models.DateField(_("review due"))
    submission_deadline = models.DateField(_("submission due"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    conditions_met = models.JSONField(
        _("bands whose extra conditions are met"), default=list, blank=True
    )
    #: For a closed (history) cycle: the file its answers came from.
    history_source = models.CharField(_("imported from"), max_length=255, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("evaluation cycle")
        verbose_name_plural = _("evaluation cycles")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="cycle_unique_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    def clean(self) -> None:
        dates = (self.answer_deadline, self.review_deadline, self.submission_deadline)
        if all(dates) and not dates[0] <= dates[1] <= dates[2]:
            raise ValidationError(
                _("Deadlines must follow each other: answers, review, then submission.")
            )


class Assignment(models.Model):
    """A question of a cycle assigned to an agency (made automatically, editable)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="assignments")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="assignments"
    )

    class Meta:
        verbose_name = _("assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "question", "agency"], name="assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}->{self.agency_id}"


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("sent for review")
    RETURNED = "returned", _("returned for revision")
    ACCEPTED = "accepted", _("accepted")


class Answer(models.Model):
    """The self-assessed answer to a question (per kecamatan/kelurahan for area questions),
    kept apart from the verifier's option. ``version`` detects concurrent edits."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    option = models.ForeignKey(
        AnswerOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    explanation = models.TextField(_("explanation"), blank=True)
    data_values = models.JSONField(_("data values"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT
    )
    review_note = models.TextField(_("review note"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verified_option = models.ForeignKey(
        AnswerOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "question"],
                condition=Q(area__isnull=True),
                name="answer_unique_city",
            ),
            models.UniqueConstraint(
                fields=["cycle", "question", "area"],
                condition=Q(area__isnull=False),
                name="answer_unique_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.question_id}:{self.area_id or '-'}"


class RecordedScore(models.Model):
    """A question's score as a history file gives it when it cannot be expressed as
    answers: a kecamatan/kelurahan question given only as the city's figure (the ministry's
    recap). Used by the scorecard of a closed cycle in place of the areas' answers."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="recorded_scores")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    self_points = points_field(_("self-assessment score"), null=True, blank=True)
    verified_points = points_field(_("verified score"), null=True, blank=True)

    class Meta:
        verbose_name = _("recorded question score")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "question"], name="recorded_score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.question_id}"


class OfficialScore(models.Model):
    """The score the ministry declared for one indicator of a city's cycle (the official
    result), shown beside Layak's exact figure with the difference. The official total and
    category of the year are the city's ``Award``."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="official_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    points = points_field(_("official score"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("official indicator score")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "indicator"], name="official_score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.indicator_id}={self.points}"


class AnswerRevision(models.Model):
    """One saved state of an answer: its history, never changed afterwards."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    option = models.ForeignKey(
        AnswerOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    explanation = models.TextField(blank=True)
    data_values = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=AnswerStatus.choices)
    note = models.TextField(blank=True)
    action = models.CharField(max_length=30)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("answer revision")

    def __str__(self) -> str:
        return f"{self.answer_id} v{self.version}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Stored under a random name: the original name stays in the database only, and a
    # checksum of the content in the name would let whoever holds the (encrypted) files
    # confirm that a known document is among them (issue #11).
    return f"evidence/{instance.answer.cycle_id}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    """A supporting document (bukti dukung) of an answer, checked by content on upload and
    stored encrypted like case files: it can show children (issue #11). Files stored before
    that are read as they are until ``layak reencrypt`` encrypts them in place."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = EncryptedFileField(_("file"), upload_to=evidence_path, max_length=300, clear_legacy=True)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


#: The largest effort the planning accepts: far above any instrument's points, small enough
#: for the gap analysis to compute in hundredths.
MAX_EFFORT = Decimal(1_000_000)


def validate_effort(value: Decimal) -> None:
    """An effort is a finite number from 0 to ``MAX_EFFORT`` (NaN, infinity or huge values
    would break the gap analysis)."""
    if not value.is_finite() or not Decimal(0) <= value <= MAX_EFFORT:
        raise ValidationError(_("Effort must be a number from 0 to %(max)s.") % {"max": MAX_EFFORT})


class QuestionPlanning(models.Model):
    """The task force's planning inputs for the gap analysis of one question in a cycle:
    the effort of each option (default: proportional to the points gained) and whether the
    question cannot change this year."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="planning")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    impossible = models.BooleanField(_("impossible this year"), default=False)
    efforts = models.JSONField(_("effort per option"), default=dict, blank=True)

    class Meta:
        verbose_name = _("question planning")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "question"], name="planning_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.question_id}"


class ReminderKind(models.TextChoices):
    """Which deadline a reminder is about, and so who receives it."""

    ANSWER = "answer", _("answers due (focal points with open answers)")
    REVIEW = "review", _("review due (secretariat, answers waiting for review)")
    SUBMISSION = "submission", _("submission due (secretariat)")


class ReminderSent(models.Model):
    """One reminder e-mail to an agency before one of a cycle's deadlines (sent once per
    deadline and day offset): the answer deadline to agencies with open answers, the review
    and submission deadlines to the agencies of the city's secretariat."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reminders")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        max_length=12, choices=ReminderKind.choices, default=ReminderKind.ANSWER
    )
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("reminder sent")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "agency", "kind", "deadline", "days_before"],
                name="reminder_once_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.agency_id}:{self.kind}:{self.days_before}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("being prepared")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class CycleReport(models.Model):
    """A PDF report of a cycle (cover, summary, per-group tables, the plan to the next band),
    prepared in the background."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reports")
    target_band = models.CharField(_("target band"), max_length=30, blank=True)
    #: The requester's language: the worker writes the report in it.
    language = models.CharField(_("language"), max_length=10, default="id")
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="reports/", blank=True, max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("cycle report")

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.pk}"


class Award(RegionScopedModel):
    """The KLA category a kab/kota was awarded for one year (``region`` = the kab/kota): the
    official result, kept beside the city's own self-assessment score because the two differ
    (shared domain notes, 2.3). ``self_score`` is filled from the submitted cycle of the year
    by the roll-up job when the secretariat leaves it blank."""

    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category awarded"), max_length=60, blank=True)
    verified_score = points_field(_("verified score"), null=True, blank=True)
    self_score = points_field(_("self-assessment score"), null=True, blank=True)
    evaluated = models.BooleanField(
        _("evaluated that year"),
        default=True,
        help_text=_("Untick for a year without a national evaluation."),
    )
    decree = models.CharField(_("decree or source"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    public = models.BooleanField(_("shown on the public portal"), default=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("KLA category awarded")
        verbose_name_plural = _("KLA categories awarded")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="award_unique_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.category}"
