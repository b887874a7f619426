"""PATBM: community-based child protection groups (issue #5; domain notes 3.4 and 4.6).

A PATBM group (in Balikpapan "PPATBM", one in every kelurahan) is already an
:class:`~layak.accounts.models.Agency` of kind ``community`` whose ``area`` is the kelurahan
(``layak load_agencies`` creates ``patbm-<kelurahan code>``). :class:`PatbmGroup` is that
agency's profile: status and founding decree (SK). Members (activists) are people outside the
city's staff: their name and phone are encrypted at rest. Activities record who took part only
as counts by age band and sex, never names. Early-detection reports are not stored here: they go
straight into the case intake (``layak.cases``), where the activist sees only their status.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from layak.accounts.models import Agency
from layak.core.crypto import EncryptedCharField, EncryptedFileField


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("Being formed")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class PatbmGroup(models.Model):
    """The profile of one PATBM group (an Agency of kind ``community`` serving a kelurahan)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.PROTECT, related_name="patbm_group", verbose_name=_("agency")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=GroupStatus.choices,
        default=GroupStatus.FORMING,
        db_index=True,
    )
    decree_number = models.CharField(_("founding decree (SK) number"), max_length=100, blank=True)
    decree_date = models.DateField(_("founding decree (SK) date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__area__code"]
        verbose_name = _("PATBM group")
        verbose_name_plural = _("PATBM groups")

    def __str__(self) -> str:
        return str(self.agency)

    @property
    def region_code(self) -> str:
        """The code of the kelurahan the group serves (its agency's area)."""
        area = self.agency.area
        return area.code if area is not None else ""

    def clean(self) -> None:
        if self.decree_date is not None and self.decree_date > timezone.localdate():
            raise ValidationError({"decree_date": _("The date cannot be in the future.")})


class MemberPosition(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    TREASURER = "treasurer", _("Treasurer")
    MEMBER = "member", _("Member")


class Member(models.Model):
    """An activist of a group. Name and phone are personal data, encrypted at rest; ``user``
    links the member to their Layak login once they have one."""

    group = models.ForeignKey(
        PatbmGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("group")
    )
    name = EncryptedCharField(_("name"), max_length=150)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True, null=True, default="")
    position = models.CharField(
        _("position"), max_length=10, choices=MemberPosition.choices, default=MemberPosition.MEMBER
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patbm_memberships",
        verbose_name=_("Layak login"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "-is_active", "position", "pk"]
        verbose_name = _("PATBM member")
        verbose_name_plural = _("PATBM members")

    def __str__(self) -> str:
        return f"{self.group_id}:member:{self.pk}"

    def clean(self) -> None:
        if self.joined_on is not None and self.joined_on > timezone.localdate():
            raise ValidationError({"joined_on": _("The date cannot be in the future.")})


class Training(models.Model):
    """A training a member attended (e.g. DP3AKB's activist training)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("member")
    )
    topic = models.CharField(_("topic"), max_length=200)
    date = models.DateField(_("date"))
    organiser = models.CharField(_("organiser"), max_length=200)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return f"{self.member_id}:training:{self.pk}"

    def clean(self) -> None:
        if self.date is not None and self.date > timezone.localdate():
            raise ValidationError({"date": _("The date cannot be in the future.")})


class ActivityKind(models.TextChoices):
    SOCIALISATION = "socialisation", _("Socialisation")
    PARENTING = "parenting", _("Parenting session")
    CYBERBULLYING = "cyberbullying", _("Cyberbullying education")
    PATROL = "patrol", _("Early detection patrol")
    OTHER = "other", _("Other")


#: The participant counts of an activity: (field name, age band, sex). No names, ever.
PARTICIPANT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("girls_0_5", "0-5", "F"),
    ("boys_0_5", "0-5", "M"),
    ("girls_6_12", "6-12", "F"),
    ("boys_6_12", "6-12", "M"),
    ("girls_13_17", "13-17", "F"),
    ("boys_13_17", "13-17", "M"),
    ("women", "18+", "F"),
    ("men", "18+", "M"),
)


def _count(label: StrOrPromise) -> models.PositiveIntegerField[int, int]:
    return models.PositiveIntegerField(label, default=0)


class Activity(models.Model):
    """One activity of a group: what, when, where, and how many took part by age band and sex."""

    group = models.ForeignKey(
        PatbmGroup, on_delete=models.CASCADE, related_name="activities", verbose_name=_("group")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    date = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=200)
    girls_0_5 = _count(_("girls 0-5"))
    boys_0_5 = _count(_("boys 0-5"))
    girls_6_12 = _count(_("girls 6-12"))
    boys_6_12 = _count(_("boys 6-12"))
    girls_13_17 = _count(_("girls 13-17"))
    boys_13_17 = _count(_("boys 13-17"))
    women = _count(_("women (18+)"))
    men = _count(_("men (18+)"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["group", "date"])]

    def __str__(self) -> str:
        return f"{self.group_id}:activity:{self.pk}"

    @property
    def children(self) -> int:
        return sum(getattr(self, f) for f, band, _sex in PARTICIPANT_FIELDS if band != "18+")

    @property
    def adults(self) -> int:
        return self.women + self.men

    @property
    def participants(self) -> int:
        return self.children + self.adults

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.date is not None and self.date > timezone.localdate():
            errors["date"] = _("The date cannot be in the future.")
        counts = [getattr(self, f) for f, _band, _sex in PARTICIPANT_FIELDS]
        if any(c is None or c < 0 for c in counts):
            errors["__all__"] = _("Participant counts cannot be negative.")
        elif sum(counts) == 0:
            errors["__all__"] = _("Enter at least one participant.")
        if errors:
            raise ValidationError(errors)


def _photo_path(instance: ActivityPhoto, filename: str) -> str:
    # The stored name reveals nothing: the activity's key and a random token (no extension:
    # the content is encrypted, issue #11).
    return f"community/{instance.activity_id}/{secrets.token_hex(16)}.bin"


class ActivityPhoto(models.Model):
    """A photo of an activity, checked by content; the uploaded file name is not kept. Stored
    without its EXIF/location and encrypted: photos can show children (issue #11). Photos
    stored in clear before that are served as they are until ``layak reencrypt`` encrypts them."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="photos", verbose_name=_("activity")
    )
    file = EncryptedFileField(upload_to=_photo_path, max_length=200, clear_legacy=True)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return f"{self.activity_id}:photo:{self.pk}"
