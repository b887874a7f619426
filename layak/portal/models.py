"""The public portal (issue #6): which indicators the public sees, and the service directory.

The portal itself stores no statistics: it reads :class:`layak.indicators.models.Rollup` rows
(already suppressed) for the definitions marked public here. The directory entries (UPTD PPA,
hotlines, SAPA 129, Puspaga, other services, and the RBRA play spaces) are data kept by the
city's task-force secretariat, so every city enters its own.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from layak.indicators.models import Definition
from layak.regions.models import Region

#: The indicators published by default (data migration 0002 and the demo), in portal order.
DEFAULT_PUBLIC_INDICATORS = (
    "kekerasan-anak",
    "akta-lahir",
    "stunting",
    "putus-sekolah",
    "rbra-jumlah",
    "forum-anak",
    "patbm",
)

#: A phone number as people write it: digits with spaces, dashes, dots, brackets, a leading +.
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ().-]{1,28}[0-9]$")

phone_validator = RegexValidator(
    PHONE_PATTERN,
    _("Enter a phone number: digits, spaces, dashes and an optional leading +."),
    code="phone",
)


def _coordinate(name: Any, limit: int) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        name,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-limit)), MaxValueValidator(Decimal(limit))],
    )


class PublicIndicator(models.Model):
    """An indicator definition published on the portal (issue #6: "public statistics").

    The default set is marked by a data migration; case-derived definitions are published only
    as suppressed roll-ups (never below 5, never below kelurahan)."""

    definition = models.OneToOneField(
        Definition, on_delete=models.CASCADE, related_name="+", verbose_name=_("indicator")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "definition__code"]
        verbose_name = _("public indicator")
        verbose_name_plural = _("public indicators")

    def __str__(self) -> str:
        return self.definition.code


class ServiceKind(models.TextChoices):
    UPTD_PPA = "uptd_ppa", _("UPTD PPA (protection service unit)")
    HOTLINE = "hotline", _("Hotline")
    SAPA129 = "sapa129", _("SAPA 129")
    PUSPAGA = "puspaga", _("Puspaga")
    OTHER = "other", _("Other service")


class LocatedEntry(models.Model):
    """What a directory entry and a play space share: a city, a kelurahan, an address and an
    optional point (WGS 84) whose precision the secretariat states."""

    city = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kab/kota")
    )
    name = models.CharField(_("name"), max_length=150)
    kelurahan = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    latitude = _coordinate(_("latitude"), 90)
    longitude = _coordinate(_("longitude"), 180)
    location_approximate = models.BooleanField(
        _("location is approximate"),
        default=False,
        help_text=_("Tick when the point on the map is only roughly where the place is."),
    )
    active = models.BooleanField(_("shown on the portal"), default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def clean(self) -> None:
        """Both coordinates or neither; the kelurahan must belong to the city."""
        errors: dict[str, str] = {}
        if (self.latitude is None) != (self.longitude is None):
            field = "longitude" if self.longitude is None else "latitude"
            errors[field] = str(_("Give both latitude and longitude, or neither."))
        kelurahan = self.kelurahan if self.kelurahan_id is not None else None
        city = self.city if self.city_id is not None else None
        if (
            kelurahan is not None
            and city is not None
            and not kelurahan.code.startswith(f"{city.code}.")
        ):
            errors["kelurahan"] = str(_("This kelurahan is not in the city."))
        if errors:
            raise ValidationError(errors)


class Service(LocatedEntry):
    """A place or line where children and families get help (issue #6, service directory):
    the UPTD PPA and its 24-hour hotline, SAPA 129, Puspaga and other services."""

    kind = models.CharField(_("kind"), max_length=10, choices=ServiceKind.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    whatsapp = models.CharField(
        _("WhatsApp"), max_length=30, blank=True, validators=[phone_validator]
    )
    hours = models.CharField(_("opening hours"), max_length=150, blank=True)
    open_24h = models.BooleanField(_("open 24 hours"), default=False)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    url = models.URLField(_("web address"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["city", "order", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="portal_service_unique")
        ]


class Manager(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    CSR = "csr", _("Company (CSR)")
    COMMUNITY = "community", _("Community")


class PlaySpace(LocatedEntry):
    """A child-friendly play space (Ruang Bermain Ramah Anak, RBRA; KLA indicator 11)."""

    manager = models.CharField(
        _("managed by"), max_length=10, choices=Manager.choices, default=Manager.GOVERNMENT
    )
    standardised = models.BooleanField(_("meets the national RBRA standard"), default=False)
    year_opened = models.PositiveSmallIntegerField(
        _("year opened"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1945), MaxValueValidator(2100)],
    )

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("child-friendly play space (RBRA)")
        verbose_name_plural = _("child-friendly play spaces (RBRA)")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="portal_playspace_unique")
        ]
