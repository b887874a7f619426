"""Child-protection case management (issue #4).

Counting units are kept apart: a *report* (pengaduan) is what came in; it becomes a *case* or is
merged into one; a case has *victims*, *perpetrators* and *incidents*. Category lists (forms of
violence, age groups, education, ...) are :class:`Lookup` rows, editable by the administrator.

Every field that can identify a child, a reporter or a family is an encrypted field (Fernet,
keys from ``LAYAK_ENCRYPTION_KEYS``); lookups across records use keyed hashes ("blind indexes",
see :mod:`layak.cases.crypto`), never the plain value.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency
from layak.core.choices import Sex
from layak.core.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedFileField,
    EncryptedTextField,
)
from layak.regions.models import Region


class LookupKind(models.TextChoices):
    VIOLENCE_FORM = "violence_form", _("Form of violence")
    AGE_GROUP = "age_group", _("Age group")
    EDUCATION = "education", _("Education")
    OCCUPATION = "occupation", _("Occupation")
    DISABILITY = "disability", _("Disability")
    PLACE = "place", _("Place of incident")
    RELATIONSHIP = "relationship", _("Relationship of perpetrator")
    RISK = "risk", _("Risk level")
    SERVICE_TYPE = "service_type", _("Service type")


class Lookup(models.Model):
    """One entry of a category list. ``min_value``/``max_value`` bound age groups (years)."""

    kind = models.CharField(_("list"), max_length=20, choices=LookupKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    min_value = models.PositiveSmallIntegerField(_("from (years)"), null=True, blank=True)
    max_value = models.PositiveSmallIntegerField(_("to (years)"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["kind", "order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="lookup_unique")]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "id").startswith("en"):
            return self.name_en
        return self.name


class Holiday(models.Model):
    """A public holiday: not a working day for follow-up deadlines."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("24-hour hotline")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SAPA129 = "sapa129", _("SAPA 129 referral")
    PATBM = "patbm", _("PATBM activist")
    SCHOOL = "school", _("School")
    HEALTH = "health", _("Health facility")
    POLICE = "police", _("Police")
    WEB = "web", _("Public web form")
    PUSPAGA = "puspaga", _("Puspaga hand-off")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CASE = "case", _("Opened as a case")
    MERGED = "merged", _("Merged into a case")
    DISMISSED = "dismissed", _("Not a case")


class Stage(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Service plan")
    SERVICES = "services", _("Services")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


STAGE_ORDER = [s.value for s in Stage]


class Case(models.Model):
    """A case handled by a service unit (usually the UPTD PPA)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    number = models.CharField(_("case number"), max_length=80, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="cases", verbose_name=_("agency")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("case worker in charge"),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.INTAKE, db_index=True
    )
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan of the incident"),
    )
    region_code = models.CharField(_("region code"), max_length=20, db_index=True)
    risk = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.RISK},
        verbose_name=_("risk level"),
    )
    child_marriage = models.BooleanField(_("child marriage"), default=False)
    online_harm = models.BooleanField(_("online harm"), default=False)
    summary = EncryptedTextField(_("summary"), blank=True, null=True, default="")
    opened_on = models.DateField(_("opened on"), db_index=True)
    followup_due = models.DateField(_("first follow-up due"))
    followup_done_at = models.DateTimeField(_("first follow-up done"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, db_index=True)
    closure_note = EncryptedTextField(_("closure note"), blank=True, null=True, default="")
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["agency", "stage"]),
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["region", "opened_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSED

    def followup_overdue_on(self, today: datetime.date) -> bool:
        """:func:`followup_overdue_q` for this case."""
        return self.followup_done_at is None and self.followup_due < today

    @property
    def followup_overdue(self) -> bool:
        """The first follow-up is overdue today (:func:`followup_overdue_q`)."""
        return self.followup_overdue_on(timezone.localdate())


def followup_overdue_q(today: datetime.date) -> Q:
    """Cases whose first follow-up is overdue on ``today``: its deadline (``followup_due``,
    working days after opening) has passed and it is not done (issue #4). The one rule of the
    work list, the case page, the deadline job and the API (:meth:`Case.followup_overdue_on`
    is the same rule for one case)."""
    return Q(followup_done_at__isnull=True, followup_due__lt=today)


class CaseMember(models.Model):
    """A person assigned to work on a case besides its owner."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_member_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class Report(models.Model):
    """A report (pengaduan) as received, from any channel."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="case_reports", verbose_name=_("agency")
    )
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.RECEIVED,
        db_index=True,
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    anonymous = models.BooleanField(_("reporter withholds identity"), default=False)
    reporter_name = EncryptedCharField(
        _("reporter's name"), max_length=150, blank=True, null=True, default=""
    )
    reporter_contact = EncryptedCharField(
        _("reporter's phone or e-mail"), max_length=150, blank=True, null=True, default=""
    )
    reporter_relation = models.CharField(
        _("reporter's relation to the child"), max_length=60, blank=True
    )
    child_name = EncryptedCharField(
        _("child's name"), max_length=150, blank=True, null=True, default=""
    )
    child_age = models.PositiveSmallIntegerField(_("child's age (years)"), null=True, blank=True)
    child_sex = models.CharField(_("child's sex"), max_length=1, choices=Sex.choices, blank=True)
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    description = EncryptedTextField(_("what happened"), blank=True, null=True, default="")
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("case"),
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by (activist)"),
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.tracking_code


class Victim(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims")
    name = EncryptedCharField(_("name"), max_length=150, blank=True, null=True, default="")
    nik = EncryptedCharField(_("NIK"), max_length=20, blank=True, null=True, default="")
    birth_date = EncryptedDateField(_("date of birth"), null=True, blank=True)
    address = EncryptedTextField(_("address"), blank=True, null=True, default="")
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True, null=True, default="")
    guardian = EncryptedCharField(
        _("parent or guardian"), max_length=150, blank=True, null=True, default=""
    )
    # Blind indexes for the duplicate check (keyed hashes; never reversible to the value).
    nik_index = models.CharField(max_length=64, blank=True, db_index=True)
    birth_index = models.CharField(max_length=64, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age = models.PositiveSmallIntegerField(_("age at the incident (years)"))
    age_group = models.ForeignKey(
        Lookup, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("age group")
    )
    education = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.EDUCATION},
        verbose_name=_("education"),
    )
    occupation = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.OCCUPATION},
        verbose_name=_("occupation"),
    )
    disability = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.DISABILITY},
        verbose_name=_("disability"),
    )
    forms = models.ManyToManyField(
        Lookup,
        related_name="+",
        limit_choices_to={"kind": LookupKind.VIOLENCE_FORM},
        verbose_name=_("forms of violence"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")

    def __str__(self) -> str:
        return f"{self.case_id}:victim:{self.pk}"

    @property
    def is_child(self) -> bool:
        return self.age < 18


class Perpetrator(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="perpetrators")
    name = EncryptedCharField(_("name"), max_length=150, blank=True, null=True, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("age (years)"), null=True, blank=True)
    relationship = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.RELATIONSHIP},
        verbose_name=_("relationship to the victim"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("perpetrator")
        verbose_name_plural = _("perpetrators")

    def __str__(self) -> str:
        return f"{self.case_id}:perpetrator:{self.pk}"


class Incident(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    place = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.PLACE},
        verbose_name=_("place of incident"),
    )
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    description = EncryptedTextField(_("what happened"), blank=True, null=True, default="")

    class Meta:
        ordering = ["occurred_on", "pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.case_id}:incident:{self.pk}"


class Service(models.Model):
    """A service given to a victim: type, provider and dates."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    kind = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": LookupKind.SERVICE_TYPE},
        verbose_name=_("service"),
    )
    provider = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True, null=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["started_on", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.case_id}:service:{self.pk}"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:note:{self.pk}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name reveals nothing: the case's primary key and a random token.
    import secrets

    return f"cases/{instance.case_id}/{secrets.token_hex(16)}.bin"


class Attachment(models.Model):
    """A document or photo; the stored bytes are encrypted with the field keys."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = EncryptedFileField(upload_to=_attachment_path, max_length=200)
    original_name = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_photo = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:attachment:{self.pk}"


class Purpose(models.TextChoices):
    SERVICES = "services", _("Receiving services")
    SHARING = "sharing", _("Sharing with another agency")
    STATISTICS = "statistics", _("Counting in statistics")


class ConsentGiver(models.TextChoices):
    CHILD = "child", _("Child's assent")
    GUARDIAN = "guardian", _("Parent or guardian")
    SELF = "self", _("The (adult) victim")


class Consent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given_by = models.CharField(_("given by"), max_length=20, choices=ConsentGiver.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["purpose", "-given_on"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.purpose}"


class ReferralScope(models.TextChoices):
    CASE = "case", _("The case file")
    SERVICE = "service", _("A service request only")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")
    REVOKED = "revoked", _("Revoked")


ACTIVE_REFERRAL = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


class Referral(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    scope = models.CharField(_("what is shared"), max_length=20, choices=ReferralScope.choices)
    service_kind = models.ForeignKey(
        Lookup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LookupKind.SERVICE_TYPE},
        verbose_name=_("service requested"),
    )
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_in", verbose_name=_("to agency")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_in",
        verbose_name=_("to person"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_out"
    )
    message = EncryptedTextField(
        _("what the receiver needs to know"), blank=True, null=True, default=""
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    respond_by = models.DateTimeField(_("answer due"))
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedTextField(_("reason"), blank=True, null=True, default="")
    override_reason = EncryptedTextField(
        _("consent override reason"), blank=True, null=True, default=""
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.case_id}:referral:{self.pk}"

    @property
    def answer_overdue(self) -> bool:
        """Still waiting for an answer after ``respond_by`` (:func:`answer_overdue_q`)."""
        return self.status == ReferralStatus.PENDING and self.respond_by < timezone.now()


def answer_overdue_q(now: datetime.datetime) -> Q:
    """Referrals not answered in time: still pending after ``respond_by`` (issue #4). The one
    rule of the work list, the inbox and the escalation job (:attr:`Referral.answer_overdue`
    is the same rule for one referral)."""
    return Q(status=ReferralStatus.PENDING, respond_by__lt=now)


class BreakGlass(models.Model):
    """Time-limited access to a case outside one's scope, with a reason; reviewed later."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    reason = EncryptedTextField(_("reason"))
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.case_id}:break-glass:{self.pk}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    STAGE = "stage", _("Stage changed")
    ASSIGNED = "assigned", _("Person assigned")
    UNASSIGNED = "unassigned", _("Person removed")
    SERVICE = "service", _("Service recorded")
    NOTE = "note", _("Note added")
    ATTACHMENT = "attachment", _("File attached")
    REFERRAL = "referral", _("Referral")
    CONSENT = "consent", _("Consent")
    FOLLOWUP = "followup", _("First follow-up")
    MERGED = "merged", _("Report merged")
    BREAK_GLASS = "break_glass", _("Emergency access")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    OVERDUE = "overdue", _("Follow-up overdue")


class CaseEvent(models.Model):
    """The case timeline. ``detail`` holds no identifying data (codes and statuses only)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"
