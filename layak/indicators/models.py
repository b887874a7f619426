"""Indicator data (issue #6): definitions, values per region and period, approvals, targets.

Values hold raw counts (numerator, and denominator for shares and rates); rates are always
computed, never typed in.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from layak.regions.models import Region


class Unit(models.TextChoices):
    COUNT = "count", _("count")
    PERCENT = "percent", _("percentage (share)")
    PER_1000 = "per_1000", _("rate per 1,000")


class Polarity(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class Cluster(models.TextChoices):
    KL = "KL", _("Institutions")
    K1 = "K1", _("Civil rights and freedoms")
    K2 = "K2", _("Family environment and alternative care")
    K3 = "K3", _("Basic health and welfare")
    K4 = "K4", _("Education, leisure and cultural activities")
    K5 = "K5", _("Special protection")


class PeriodType(models.TextChoices):
    YEAR = "year", _("year")
    SEMESTER = "semester", _("semester")
    MONTH = "month", _("month")


class Level(models.TextChoices):
    KELURAHAN = "kelurahan", _("kelurahan")
    KECAMATAN = "kecamatan", _("kecamatan")
    CITY = "city", _("city")


class Source(models.TextChoices):
    ENTRY = "entry", _("entered or imported by the agency")
    CASES = "cases", _("derived from case data")
    MODULE = "module", _("derived from another Layak module")


class Definition(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    numerator_label = models.CharField(_("numerator"), max_length=200)
    denominator_label = models.CharField(_("denominator"), max_length=200, blank=True)
    polarity = models.CharField(_("polarity"), max_length=6, choices=Polarity.choices)
    cluster = models.CharField(_("cluster"), max_length=2, choices=Cluster.choices)
    source_agency = models.CharField(_("source agency code"), max_length=40)
    period_type = models.CharField(_("period type"), max_length=8, choices=PeriodType.choices)
    level = models.CharField(_("region level"), max_length=10, choices=Level.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default="entry")
    #: Published figures hide small numerators (children with a sensitive condition: stunting,
    #: drop-out, child marriage); case-derived figures are always suppressed.
    suppress_small = models.BooleanField(_("hide small counts in public figures"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["cluster", "code"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")

    def __str__(self) -> str:
        return self.name

    @property
    def has_denominator(self) -> bool:
        return self.unit != Unit.COUNT

    def rate(self, numerator: int, denominator: int | None) -> Decimal | None:
        """The displayed value computed from raw counts (None when undefined)."""
        if self.unit == Unit.COUNT:
            return Decimal(numerator)
        if not denominator:
            return None
        factor = 100 if self.unit == Unit.PERCENT else 1000
        return (Decimal(numerator) * factor / Decimal(denominator)).quantize(Decimal("0.1"))


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("rejected")


class ImportRun(models.Model):
    """One upload of values; the diff against what it replaced is counted here."""

    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="imports")
    city = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"), blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    periods = models.CharField(_("periods"), max_length=500, blank=True)
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("indicator import")
        verbose_name_plural = _("indicator imports")

    def __str__(self) -> str:
        return f"{self.definition.code}: {self.file_name}"

    @property
    def progress(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))


class Value(models.Model):
    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="values")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period start"))
    period_label = models.CharField(_("period"), max_length=10)
    numerator = models.PositiveIntegerField(_("numerator"))
    denominator = models.PositiveIntegerField(_("denominator"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    source_import = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["definition", "period_start", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "region", "period_start"], name="indicator_value_unique"
            )
        ]
        indexes = [models.Index(fields=["definition", "period_start"])]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")

    def __str__(self) -> str:
        return f"{self.definition.code} {self.region.code} {self.period_label}"

    @property
    def rate(self) -> Decimal | None:
        return self.definition.rate(self.numerator, self.denominator)


class ApprovalStatus(models.TextChoices):
    OPEN = "open", _("open")
    APPROVED = "approved", _("approved (locked)")


class PeriodApproval(models.Model):
    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period start"))
    period_label = models.CharField(_("period"), max_length=10)
    status = models.CharField(
        _("status"), max_length=8, choices=ApprovalStatus.choices, default=ApprovalStatus.OPEN
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    unlock_reason = models.TextField(_("reason for unlocking"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "city", "period_start"], name="indicator_approval_unique"
            )
        ]
        verbose_name = _("period approval")
        verbose_name_plural = _("period approvals")

    def __str__(self) -> str:
        return f"{self.definition.code} {self.period_label}: {self.status}"


class Target(models.Model):
    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="targets")
    city = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    #: The RAD action whose yearly target this is (targets are taken from the action plan).
    action = models.ForeignKey(
        "plans.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action"),
    )

    class Meta:
        ordering = ["definition", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "city", "year"], name="indicator_target_unique"
            )
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.definition.code} {self.year}: {self.value}"


class Rollup(models.Model):
    """Pre-computed sums of one definition and period for one area (a kelurahan, a kecamatan
    or the city), kept current by background jobs; dashboards, maps, the child profile and the
    public portal read these rows, never the raw values at request time.

    ``numerator`` is None when the cell is suppressed (case-derived data below the small-cell
    threshold, or a cell hidden so that another cannot be worked out)."""

    definition = models.ForeignKey(Definition, on_delete=models.CASCADE, related_name="rollups")
    city = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    period_start = models.DateField(_("period start"))
    period_label = models.CharField(_("period"), max_length=10)
    numerator = models.BigIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.BigIntegerField(_("denominator"), null=True, blank=True)
    rate = models.DecimalField(_("value"), max_digits=16, decimal_places=1, null=True, blank=True)
    suppressed = models.BooleanField(_("suppressed"), default=False)
    reporting = models.PositiveIntegerField(_("areas reporting"), default=0)
    expected = models.PositiveIntegerField(_("areas expected"), default=0)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["definition", "period_start", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "region", "period_start"], name="indicator_rollup_unique"
            )
        ]
        indexes = [
            models.Index(fields=["city", "level", "period_start"], name="rollup_city_level"),
            models.Index(
                fields=["definition", "city", "level", "period_start"], name="rollup_def_level"
            ),
        ]
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")

    def __str__(self) -> str:
        return f"{self.definition.code} {self.region.code} {self.period_label}"
