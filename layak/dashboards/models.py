"""The challenges the task force steers by (issue #6), shown on the city overview.

A challenge groups the indicators the task force watches for one problem (violence, child
marriage, drop-out...). They are data, not code: rows without a city are the defaults seeded by
the migration; a city that edits its challenges gets its own copy of them
(:func:`layak.dashboards.services.challenge_update`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layak.regions.models import Region


class Challenge(models.Model):
    """One challenge named by the Gugus Tugas KLA (coordination meeting of 7 Nov 2025, shared
    domain notes 4), with the codes of its key indicator definitions in display order. A
    challenge may have no indicator yet (digital protection)."""

    city = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city"),
        help_text=_("Empty for the defaults every city starts with."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    indicator_codes = models.JSONField(_("indicator codes"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="challenge_unique_city_code"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(city__isnull=True), name="challenge_unique_default"
            ),
        ]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return self.name
