"""Reads of indicator data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    ImportRun,
    PeriodApproval,
    Value,
)
from layak.indicators.services import regions_for
from layak.regions.models import Region


@dataclass(frozen=True)
class Row:
    region: Region
    numerator: int | None
    denominator: int | None
    rate: Decimal | None


def active_definitions() -> QuerySet[Definition]:
    return Definition.objects.filter(active=True).order_by("cluster", "code")


def periods_with_values(definition: Definition, city: Region) -> list[tuple[datetime.date, str]]:
    return list(
        Value.objects.filter(definition=definition, region__code__startswith=city.code)
        .values_list("period_start", "period_label")
        .distinct()
        .order_by("-period_start")
    )


def value_table(definition: Definition, city: Region, start: datetime.date) -> list[Row]:
    """One row per region of the definition's level, with the rate computed from raw counts."""
    values = {
        v.region_id: v
        for v in Value.objects.filter(
            definition=definition, period_start=start, region__code__startswith=city.code
        )
    }
    rows = []
    for region in regions_for(definition, city):
        value = values.get(region.pk)
        if value is None:
            rows.append(Row(region, None, None, None))
        else:
            rows.append(Row(region, value.numerator, value.denominator, value.rate))
    return rows


def approval_of(
    definition: Definition, city: Region, start: datetime.date
) -> PeriodApproval | None:
    return PeriodApproval.objects.filter(
        definition=definition, city=city, period_start=start
    ).first()


def is_approved(approval: PeriodApproval | None) -> bool:
    return approval is not None and approval.status == ApprovalStatus.APPROVED


def recent_imports(definition: Definition, city: Region) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(definition=definition, city=city).defer("content")[:10]
