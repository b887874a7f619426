"""The KLA categories a kab/kota was awarded, beside its self-assessment scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from layak.accounts.scope import city_of
from layak.core.audit import audit_record
from layak.core.models import AuditAction
from layak.evaluations.models import Award, Cycle, CycleStatus
from layak.regions.models import Region


def awards_of(city: Region) -> QuerySet[Award]:
    """The awards of ``city``, latest year first."""
    return Award.objects.filter(region=city).order_by("-year")


def cycle_self_score(cycle: Cycle) -> Decimal:
    from layak.evaluations.selectors import cycle_scorecard

    _data, card = cycle_scorecard(cycle)
    return card.total.self_display


@transaction.atomic
def awards_fill_self_scores(city: Region) -> int:
    """Fill the blank self-assessment score of each award from the submitted cycle of its
    year; a score the secretariat typed is kept. Returns how many were filled."""
    filled = 0
    blanks = {a.year: a for a in Award.objects.filter(region=city, self_score__isnull=True)}
    for cycle in Cycle.objects.filter(
        region=city, status=CycleStatus.SUBMITTED, year__in=list(blanks)
    ):
        award = blanks[cycle.year]
        award.self_score = cycle_self_score(cycle)
        award.save(update_fields=["self_score"])
        filled += 1
    return filled


def can_manage_awards(user: Any) -> bool:
    """The secretariat (or administrator) of a kab/kota records the categories it was awarded."""
    from layak.evaluations.permissions import is_secretariat

    return bool(is_secretariat(user)) and city_of(user) is not None


@dataclass(frozen=True)
class AwardData:
    year: int
    category: str
    verified_score: Decimal | None
    self_score: Decimal | None
    evaluated: bool
    decree: str
    note: str
    public: bool


@transaction.atomic
def award_save(*, actor: Any, city: Region, data: AwardData) -> Award:
    """Create or replace the record of one year; audited."""
    award = Award.objects.select_for_update().filter(region=city, year=data.year).first()
    created = award is None
    award = award or Award(region=city, year=data.year)
    for name, value in asdict(data).items():
        setattr(award, name, value)
    if not data.evaluated:
        award.category = ""
        setattr(award, "verified_score", None)  # noqa: B010  (typed non-null by points_field)
    elif not data.category.strip():
        raise ValidationError({"category": _("Give the category awarded, or untick 'evaluated'.")})
    award.full_clean()
    award.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=award,
        label=str(award),
        fields=list(asdict(data)),
        region_code=city.code,
    )
    return award


@transaction.atomic
def award_delete(*, actor: Any, award: Award) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=award,
        label=str(award),
        region_code=award.region.code,
    )
    award.delete()
