"""Puspaga — Pusat Pembelajaran Keluarga, the family learning centre (issue #5).

A city's Puspaga serves families at *service points* (the main centre, the city library,
Puskesmas branches) where counsellors keep weekly *schedules*; a schedule yields the free
*slots* a family can book online or at the desk. A *booking* becomes a *session* when the family
comes: topic, mode, outcome and follow-up are plain (they feed the yearly counts and KLA
indicator 8); the counsellor's notes are encrypted and readable only by the session's counsellor
and the family's assigned counsellor (a public commitment of Puspaga Harapan Balikpapan).

A family's identifying data (name, phone, e-mail, the request note) is encrypted (Fernet, keys
from ``LAYAK_ENCRYPTION_KEYS``). Child-marriage prevention counselling yields a numbered
*certificate* for the religious court; a *hand-off* to the UPTD PPA records the family's
consent and carries only what it covers into the case intake.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.core.crypto import EncryptedCharField, EncryptedTextField
from layak.regions.models import Region


class PointKind(models.TextChoices):
    MAIN = "main", _("Main centre")
    LIBRARY = "library", _("City library")
    PUSKESMAS = "puskesmas", _("Puskesmas branch")
    OTHER = "other", _("Other place")


class Topic(models.TextChoices):
    PARENTING = "parenting", _("Parenting")
    MARITAL = "marital_conflict", _("Marital conflict")
    VIOLENCE = "domestic_violence", _("Domestic violence")
    SPECIAL_NEEDS = "special_needs", _("Children with special needs")
    TEENAGERS = "teenagers", _("Teenagers")
    CHILD_MARRIAGE = "child_marriage", _("Child-marriage prevention")
    DIGITAL = "digital_safety", _("Digital safety")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    OUTREACH = "outreach", _("Outreach")


class Source(models.TextChoices):
    ONLINE = "online", _("Online request")
    DESK = "desk", _("Registered at the desk")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses that hold a counsellor's time: a slot with one of these is taken.
HOLDS_SLOT = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class Outcome(models.TextChoices):
    ADVISED = "advised", _("Advice and information given")
    CONTINUING = "continuing", _("Counselling continues")
    COMPLETED = "completed", _("Counselling completed")
    REFERRED = "referred", _("Referred to another service")


class FollowUp(models.TextChoices):
    NONE = "none", _("None")
    SESSION = "session", _("Another session")
    PSYCHOLOGIST = "psychologist", _("Psychologist or psychiatrist")
    UPTD_PPA = "uptd_ppa", _("UPTD PPA (violence)")
    OTHER = "other", _("Other service")


class ServicePoint(models.Model):
    """A place where Puspaga counsels (Puspaga Harapan's main site, the library, Puskesmas)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    kecamatan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kecamatan"),
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    address = models.CharField(_("address"), max_length=250, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["region", "kind", "name"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="families_point_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Schedule(models.Model):
    """A counsellor's weekly hours at a service point; slots of ``slot_minutes`` follow each
    other with ``break_minutes`` between clients (sessions of up to about an hour, §4.6)."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="schedules"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="puspaga_schedules",
        verbose_name=_("counsellor"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per client"), default=60)
    break_minutes = models.PositiveSmallIntegerField(_("break between clients"), default=15)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["weekday", "start_time", "pk"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="families_schedule_order"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=15) & Q(slot_minutes__lte=240),
                name="families_schedule_slot_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_point_id}:{self.counsellor_id}:{self.weekday}"


class Family(models.Model):
    """A family (or one of its members) using Puspaga. ``code`` is the reference the family
    quotes; it reveals nothing. Identifying fields are encrypted."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    code = models.CharField(_("reference"), max_length=16, unique=True)
    name = EncryptedCharField(_("name"), max_length=150, blank=True, null=True, default="")
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, null=True, default="")
    email = EncryptedCharField(_("e-mail"), max_length=150, blank=True, null=True, default="")
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    assigned_counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="puspaga_families",
        verbose_name=_("assigned counsellor"),
    )
    source = models.CharField(_("first contact"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return self.code


class Booking(models.Model):
    """An appointment in one slot of a counsellor. The partial unique constraint makes double
    booking impossible even when two requests race for the same slot."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="bookings")
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="bookings"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="puspaga_bookings",
        verbose_name=_("counsellor"),
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    source = models.CharField(_("booked"), max_length=10, choices=Source.choices)
    request_note = EncryptedTextField(
        _("what the family wants to talk about"), blank=True, null=True, default=""
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["counsellor", "starts_at"],
                condition=Q(status__in=["booked", "attended", "no_show"]),
                name="families_booking_slot_unique",
            )
        ]
        indexes = [models.Index(fields=["counsellor", "starts_at"])]

    def __str__(self) -> str:
        return f"booking:{self.pk}"

    @property
    def has_started(self) -> bool:
        """Whether the appointment's time has come: from then on the counsellor records
        whether the family came."""
        return bool(self.starts_at <= timezone.now())

    @property
    def awaits_session(self) -> bool:
        """Booked or attended and no session recorded for it yet: the session can be
        recorded."""
        if self.status not in (BookingStatus.BOOKED, BookingStatus.ATTENDED):
            return False
        try:
            self.session  # noqa: B018 - the reverse one-to-one raises when there is none
        except ObjectDoesNotExist:
            return True
        return False


class Session(models.Model):
    """One counselling session. ``kecamatan_code`` is copied from the family's kelurahan when
    recorded, so the yearly counts need no family data. ``notes`` are confidential."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="sessions")
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="session"
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="sessions"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="puspaga_sessions",
        verbose_name=_("counsellor"),
    )
    held_on = models.DateField(_("date"), db_index=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    follow_up = models.CharField(
        _("follow-up"), max_length=14, choices=FollowUp.choices, default=FollowUp.NONE
    )
    follow_up_on = models.DateField(_("follow-up on"), null=True, blank=True)
    notes = EncryptedTextField(_("counsellor's notes"), blank=True, null=True, default="")
    kecamatan_code = models.CharField(max_length=20, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["region", "held_on"])]

    def __str__(self) -> str:
        return f"session:{self.pk}"


class Certificate(models.Model):
    """Proof of child-marriage prevention counselling, for the religious court (§3.6). The
    number ends in a random check part so numbers cannot be walked; the public check shows
    the number, date, issuing centre and the holder's initials only."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="certificate")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    initials = models.CharField(_("initials"), max_length=12, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number


class HandOff(models.Model):
    """A family handed to the UPTD PPA with its consent (UU 12/2022 TPKS; issue #5). Only the
    consent flags and the intake report are kept here, never the data handed over."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="handoffs")
    report = models.OneToOneField(
        "cases.Report", on_delete=models.PROTECT, related_name="puspaga_handoff"
    )
    consent_given_by = models.CharField(_("consent given by"), max_length=60)
    consent_on = models.DateField(_("consent given on"))
    covers_identity = models.BooleanField(_("the family's name"), default=False)
    covers_contact = models.BooleanField(_("the family's phone and e-mail"), default=False)
    covers_location = models.BooleanField(_("the kelurahan"), default=False)
    covers_narrative = models.BooleanField(_("what happened"), default=False)
    covers_child = models.BooleanField(_("the child's name, age and sex"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hand-off to the UPTD PPA")
        verbose_name_plural = _("hand-offs to the UPTD PPA")

    def __str__(self) -> str:
        return f"handoff:{self.pk}"

    @property
    def covered(self) -> list[str]:
        return [
            name
            for name in ("identity", "contact", "location", "narrative", "child")
            if getattr(self, f"covers_{name}")
        ]
