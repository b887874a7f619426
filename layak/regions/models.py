"""The Kemendagri region hierarchy: province > kab/kota > kecamatan > kelurahan/desa (issue #2).

Regions are keyed by their official code (Kepmendagri on region codes), whose dotted parts nest:
``64`` Kalimantan Timur > ``64.71`` Kota Balikpapan > ``64.71.01`` Balikpapan Timur >
``64.71.01.1001`` Manggar.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINSI = "provinsi", _("province")
    KABUPATEN = "kabupaten", _("regency (kabupaten)")
    KOTA = "kota", _("city (kota)")
    KECAMATAN = "kecamatan", _("district (kecamatan)")
    KELURAHAN = "kelurahan", _("urban village (kelurahan)")
    DESA = "desa", _("village (desa)")


#: Depth in the hierarchy of each level (1 = province).
LEVEL_DEPTH: dict[str, int] = {
    RegionLevel.PROVINSI: 1,
    RegionLevel.KABUPATEN: 2,
    RegionLevel.KOTA: 2,
    RegionLevel.KECAMATAN: 3,
    RegionLevel.KELURAHAN: 4,
    RegionLevel.DESA: 4,
}

#: The shape of an official code at each depth.
CODE_PATTERNS: dict[int, re.Pattern[str]] = {
    1: re.compile(r"^\d{2}$"),
    2: re.compile(r"^\d{2}\.\d{2}$"),
    3: re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
    4: re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
}

POSTCODE_PATTERN = re.compile(r"^\d{5}$")


class Region(models.Model):
    """One administrative region with its official code, name, postcode and boundary."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )
    name = models.CharField(_("name"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[self.level]

    def clean(self) -> None:
        pattern = CODE_PATTERNS.get(LEVEL_DEPTH.get(self.level, 0))
        if pattern is None or not pattern.match(self.code):
            raise ValidationError({"code": _("The code does not have the shape of its level.")})
        if self.postcode and not POSTCODE_PATTERN.match(self.postcode):
            raise ValidationError({"postcode": _("A postcode has five digits.")})
