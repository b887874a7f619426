"""Children's participation through Forum Anak (issue #5; Permen PPPA 3/2025).

* A :class:`Forum` exists at city, kecamatan or kelurahan level; its facilitators are people
  holding the ``forum_facilitator`` role.
* A :class:`Member` is a child. Only minimal data is kept and everything that identifies the
  child (name, school, birth year) is an encrypted field (Fernet, ``LAYAK_ENCRYPTION_KEYS``).
  The kelurahan is a plain reference: on its own it identifies nobody and the forum's area
  lists need it. A child takes part only with recorded parental consent (:class:`Consent`);
  withdrawing it ends the membership and erases the child's data.
* An :class:`Aspiration` (suara anak) comes from the forum, from a :class:`Consultation` or from
  a child through the public form. The secretariat or a facilitator routes it to the
  responsible agency, which answers by a due date ("received > answered > acted upon"); a
  missed date escalates to the secretariat once. A child-safe version of the text, approved by
  the facilitator or the secretariat, is what the public page shows.
* :class:`PlanningProposal` records what became of an aspiration in development planning
  (Musrenbang): proposed, accepted, funded.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency
from layak.core.crypto import (
    EncryptedCharField,
    EncryptedFileField,
    EncryptedIntegerField,
    EncryptedTextField,
)
from layak.regions.models import Region


class Cluster(models.TextChoices):
    """The KLA clusters (Kelembagaan and Klaster I–V of the evaluation instrument)."""

    KELEMBAGAAN = "kelembagaan", _("Institutions (Kelembagaan)")
    CIVIL_RIGHTS = "k1", _("Cluster I: Civil rights and freedoms")
    FAMILY = "k2", _("Cluster II: Family environment and alternative care")
    HEALTH = "k3", _("Cluster III: Basic health and welfare")
    EDUCATION = "k4", _("Cluster IV: Education, free time and culture")
    PROTECTION = "k5", _("Cluster V: Special protection")


#: Short words for the clusters on the children's pages.
CLUSTER_FOR_CHILDREN = {
    Cluster.KELEMBAGAAN: _("Forum Anak and the city"),
    Cluster.CIVIL_RIGHTS: _("Rights and voice"),
    Cluster.FAMILY: _("Family"),
    Cluster.HEALTH: _("Health"),
    Cluster.EDUCATION: _("School and play"),
    Cluster.PROTECTION: _("Safety"),
}


class ForumLevel(models.TextChoices):
    CITY = "city", _("City (kota)")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")


#: The region level each forum level belongs to.
LEVEL_REGION = {
    ForumLevel.CITY: ("kota", "kabupaten"),
    ForumLevel.KECAMATAN: ("kecamatan",),
    ForumLevel.KELURAHAN: ("kelurahan", "desa"),
}


class Forum(models.Model):
    """A Forum Anak of a city, a kecamatan or a kelurahan."""

    city = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    level = models.CharField(_("level"), max_length=12, choices=ForumLevel.choices)
    name = models.CharField(_("name"), max_length=150)
    decree = models.CharField(_("decree (SK) number"), max_length=120, blank=True)
    decree_on = models.DateField(_("decree date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="facilitated_forums",
        blank=True,
        verbose_name=_("facilitators"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "region__code", "name"]
        verbose_name = _("Forum Anak")
        verbose_name_plural = _("Forum Anak")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="forum_unique_name_in_area"),
        ]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A child taking part in a forum. Identifying fields are encrypted."""

    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="members", verbose_name=_("forum")
    )
    name = EncryptedCharField(_("name"), max_length=150, blank=True, null=True, default="")
    birth_year = EncryptedIntegerField(_("year of birth"), null=True, blank=True)
    school = EncryptedCharField(_("school"), max_length=150, blank=True, null=True, default="")
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    is_board = models.BooleanField(_("board member (pengurus)"), default=False)
    kha_trained_on = models.DateField(
        _("trained in the Convention on the Rights of the Child on"), null=True, blank=True
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    erased_at = models.DateTimeField(_("data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["forum", "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return f"member:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class ConsentRelation(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GUARDIAN = "guardian", _("Guardian")


class Consent(models.Model):
    """A parent's or guardian's consent to the child's membership (who gave it, when, and
    when it was withdrawn)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="consents", verbose_name=_("member")
    )
    given_by = EncryptedCharField(
        _("given by (name)"), max_length=150, blank=True, null=True, default=""
    )
    relation = models.CharField(_("relation"), max_length=12, choices=ConsentRelation.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("parental consent")
        verbose_name_plural = _("parental consents")

    def __str__(self) -> str:
        return f"consent:{self.pk}"


class Consultation(models.Model):
    """A consultation of children (a meeting, a survey, a school visit) held by a forum."""

    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("forum")
    )
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    participants = models.PositiveIntegerField(_("children taking part"))
    girls = models.PositiveIntegerField(_("of whom girls"), null=True, blank=True)
    boys = models.PositiveIntegerField(_("of whom boys"), null=True, blank=True)
    notes = models.TextField(_("notes (no names)"), blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(girls__isnull=True)
                | models.Q(boys__isnull=True)
                | models.Q(participants__gte=models.F("girls") + models.F("boys")),
                name="consultation_counts_add_up",
            )
        ]

    def __str__(self) -> str:
        return self.topic


class Source(models.TextChoices):
    FORUM = "forum", _("Forum Anak")
    CONSULTATION = "consultation", _("Consultation")
    CHILD = "child", _("A child (public form)")


class Status(models.TextChoices):
    NEW = "new", _("New (not routed yet)")
    RECEIVED = "received", _("Received by the agency")
    ANSWERED = "answered", _("Answered")
    ACTED = "acted", _("Acted upon")
    DISMISSED = "dismissed", _("Not an aspiration")


#: Statuses in which the agency still owes something.
OPEN_STATUSES = (Status.RECEIVED,)
#: Statuses shown on the public page (once published).
PUBLIC_STATUSES = (Status.RECEIVED, Status.ANSWERED, Status.ACTED)


def overdue_q(today: datetime.date) -> Q:
    """Aspirations overdue on ``today``: routed to an agency (still owing its answer) and due
    before ``today``. The one rule behind the "overdue" filter, the flag on the pages and the
    escalation (``services.aspirations_escalate``); :attr:`Aspiration.is_overdue` is the same
    rule for one row."""
    return Q(status__in=OPEN_STATUSES, due_on__lt=today)


def _evidence_path(instance: Aspiration, filename: str) -> str:
    # The stored name reveals nothing: the aspiration's key and a random token.
    return f"participation/{instance.pk or 0}/{secrets.token_hex(16)}.bin"


class Aspiration(models.Model):
    """One aspiration (suara anak) and the responsible agency's answer."""

    city = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    forum = models.ForeignKey(
        Forum,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aspirations",
        verbose_name=_("forum"),
    )
    source = models.CharField(_("source"), max_length=14, choices=Source.choices)
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aspirations",
        verbose_name=_("consultation"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aspirations",
        verbose_name=_("voiced by (member)"),
    )
    # What the child wrote, as written: it may name people or places, so it is encrypted and
    # never shown publicly. ``public_text`` is the approved child-safe version.
    text = EncryptedTextField(_("aspiration"), blank=True, null=True, default="")
    child_name = EncryptedCharField(
        _("child's name"), max_length=150, blank=True, null=True, default=""
    )
    child_age = models.PositiveSmallIntegerField(_("child's age"), null=True, blank=True)
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    cluster = models.CharField(_("cluster"), max_length=12, choices=Cluster.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aspirations",
        verbose_name=_("responsible agency"),
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("routed by"),
    )
    due_on = models.DateField(_("answer due on"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    response = models.TextField(_("agency's response"), blank=True, max_length=4000)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    acted_at = models.DateTimeField(_("acted upon at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # Encrypted like case files (issue #11); files stored in clear before are read as they are
    # until ``layak reencrypt`` encrypts them.
    evidence = EncryptedFileField(
        upload_to=_evidence_path, max_length=200, blank=True, clear_legacy=True
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=255, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    public_text = models.TextField(_("public text"), blank=True, max_length=1000)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("aspiration")
        verbose_name_plural = _("aspirations")
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["city", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True) | ~models.Q(public_text=""),
                name="aspiration_published_has_public_text",
            )
        ]

    def __str__(self) -> str:
        return f"aspiration:{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_overdue(self) -> bool:
        """:func:`overdue_q` for this aspiration, today."""
        return bool(
            self.status in OPEN_STATUSES
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class PlanningLevel(models.TextChoices):
    KELURAHAN = "kelurahan", _("Musrenbang kelurahan")
    KECAMATAN = "kecamatan", _("Musrenbang kecamatan")
    CITY = "city", _("Musrenbang kota")


class PlanningStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    FUNDED = "funded", _("Funded")
    REJECTED = "rejected", _("Not accepted")


class PlanningProposal(models.Model):
    """What became of an aspiration in development planning (Musrenbang)."""

    aspiration = models.OneToOneField(
        Aspiration, on_delete=models.CASCADE, related_name="planning", verbose_name=_("aspiration")
    )
    level = models.CharField(_("Musrenbang"), max_length=10, choices=PlanningLevel.choices)
    year = models.PositiveSmallIntegerField(_("planning year"))
    status = models.CharField(_("outcome"), max_length=10, choices=PlanningStatus.choices)
    funded_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount (Rp)"), max_digits=15, decimal_places=0, null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Musrenbang proposal")
        verbose_name_plural = _("Musrenbang proposals")

    def __str__(self) -> str:
        return f"planning:{self.aspiration_id}"
