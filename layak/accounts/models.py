"""Agencies (OPD and partners), people, their roles and location scope (issue #2)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from layak.accounts.roles import Role
from layak.core.permissions import code_within
from layak.regions.models import LEVEL_DEPTH, Region


class AgencyKind(models.TextChoices):
    OPD = "opd", _("City agency (OPD)")
    SERVICE_UNIT = "service_unit", _("Service unit (UPTD, Puspaga)")
    KECAMATAN_OFFICE = "kecamatan_office", _("Kecamatan office")
    KELURAHAN_OFFICE = "kelurahan_office", _("Kelurahan office")
    VERTICAL = "vertical", _("Vertical institution (Kemenag, police, court)")
    COMMUNITY = "community", _("Community group (Forum Anak, PATBM)")
    PARTNER = "partner", _("Partner (NGO, business, university)")
    PROVINCE = "province", _("Provincial agency")
    MINISTRY = "ministry", _("Ministry")


class Agency(models.Model):
    """An organisation whose people use Layak.

    ``region`` is the kab/kota (or province, for provincial agencies) the agency belongs to;
    only a ministry has none. ``area`` is the kecamatan or kelurahan a local office serves.
    """

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("region"),
    )
    code = models.SlugField(_("short code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("parent agency"),
    )
    area = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("area served"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="agency_code_unique_in_region"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def _ancestor_ids(self) -> set[int]:
        """The agencies above this one; stops at a cycle already stored."""
        seen: set[int] = set()
        parent_id = self.parent_id
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            parent_id = (
                Agency.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
            )
        return seen

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.region_id is None and self.kind != AgencyKind.MINISTRY:
            errors["region"] = str(_("Only a ministry has no region."))
        if self.region is not None and LEVEL_DEPTH[self.region.level] > 2:
            errors["region"] = str(_("An agency belongs to a province or a kab/kota."))
        if self.area is not None and (
            self.region is None or not code_within(self.area.code, self.region.code)
        ):
            errors["area"] = str(_("The area served must lie within the agency's region."))
        if self.parent_id is not None and self.pk is not None and self.pk in self._ancestor_ids():
            errors["parent"] = str(_("An agency cannot be its own parent."))
        if self.parent is not None and self.parent.region_id != self.region_id:
            errors["parent"] = str(_("The parent agency must belong to the same region."))
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person who logs in. Belongs to one agency, holds roles, works within a location scope.

    ``scope_region`` is a province, kab/kota, kecamatan or kelurahan; empty means national
    (only for ministry staff and superusers).
    """

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("agency"),
    )
    scope_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location scope"),
    )
    position = models.CharField(_("position"), max_length=120, blank=True)

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def scope_code(self) -> str | None:
        """The region code of the person's scope; None means national."""
        return self.scope_region.code if self.scope_region is not None else None

    def clean(self) -> None:
        super().clean()
        agency, scope = self.agency, self.scope_region
        if agency is None or scope is None:
            return
        if agency.region is not None and not code_within(scope.code, agency.region.code):
            raise ValidationError(
                {"scope_region": _("The scope must lie within the agency's region.")}
            )


class RoleAssignment(models.Model):
    """A role held by a person."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class TotpUnlockAttempt(models.Model):
    """A try at lifting one's own log-in delay with a TOTP code (issue #11, finding 8).

    Kept so that wrong codes are limited per account (``LAYAK_TOTP_UNLOCK_LIMIT``): the
    unlock page must not become a way to guess codes.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    attempted_at = models.DateTimeField(_("attempted at"), auto_now_add=True, db_index=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["-attempted_at"]
        verbose_name = _("TOTP unlock attempt")
        verbose_name_plural = _("TOTP unlock attempts")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.attempted_at:%Y-%m-%d %H:%M}"


class DualControlKind(models.TextChoices):
    ROLE_GRANT = "role_grant", _("Grant of a case role")
    TOTP_RESET = "totp_reset", _("Reset of a lost authenticator")


class DualControlStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DualControlRequest(models.Model):
    """A change that takes two people (issue #11, finding 5).

    Granting a role that reads case files takes the administrator who asks and a second
    person who approves — the case intake agency's case manager or another administrator;
    until then the role is pending, not held. Resetting a lost authenticator takes a case
    manager and an administrator, two different people. The asker never decides.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DualControlKind.choices)
    subject = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="dual_control_requests",
        verbose_name=_("person concerned"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DualControlStatus.choices,
        default=DualControlStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("two-person request")
        verbose_name_plural = _("two-person requests")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="dual_control_two_people",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject", "role"],
                condition=models.Q(status="pending"),
                name="dual_control_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="totp_reset", role="")
                | (models.Q(kind="role_grant") & ~models.Q(role="")),
                name="dual_control_role_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject_id}:{self.role}"
