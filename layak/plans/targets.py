"""Indicator targets taken from the action plan (issue #6: "Targets per indicator and year,
taken from the action plan"). They belong to the plans module (issue #14): the rule reads the
plans and writes the indicators' ``Target`` rows, and plans sits above indicators.

A target is never typed in: each action of an *adopted* RAD KLA of the city names the
indicator definitions it moves (``Action.indicator_codes``) and has yearly targets
(``YearTarget``); a yearly target with a numeric ``value`` is that definition's target for that
year. When several actions give different values for the same definition and year, the most
ambitious one counts (the highest when higher is better, the lowest when lower is better), and
the target records the action it comes from. ``targets_sync`` is called by the plan services
whenever a plan is adopted or an action's indicator codes or yearly targets change. The
indicators module reads the stored targets (``targets_of``, ``target_for``) without knowing
where they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from layak.core.audit import audit_record
from layak.core.models import AuditAction
from layak.indicators.models import Definition, Polarity, Target
from layak.plans.models import Action, PlanStatus, YearTarget
from layak.regions.models import Region


@dataclass(frozen=True)
class TargetSyncResult:
    """How many targets of the city the sync added, changed and removed."""

    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed)


def _more_ambitious(polarity: str, candidate: Decimal, current: Decimal) -> bool:
    if polarity == Polarity.LOWER:
        return candidate < current
    return candidate > current


def planned_targets(city: Region) -> dict[tuple[int, int], tuple[Decimal, Action]]:
    """The target value and its action per (definition id, year), from the adopted plans of
    ``city``. Equal values keep the first action in plan and action-code order (two queries)."""
    definitions = {d.code: d for d in Definition.objects.all()}
    rows = (
        YearTarget.objects.filter(
            action__plan__region=city,
            action__plan__status=PlanStatus.ADOPTED,
            value__isnull=False,
        )
        .select_related("action")
        .order_by("action__plan__start_year", "action__plan_id", "action__code", "action_id")
    )
    wanted: dict[tuple[int, int], tuple[Decimal, Action]] = {}
    for row in rows:
        value = row.value
        if value is None:  # excluded by the query; keeps the type checker informed
            continue
        for code in row.action.indicator_codes:
            definition = definitions.get(str(code))
            if definition is None:
                continue
            key = (definition.pk, row.year)
            current = wanted.get(key)
            if current is None or _more_ambitious(definition.polarity, value, current[0]):
                wanted[key] = (value, row.action)
    return wanted


def _audit(actor: Any, target: Target, city: Region, label: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="indicators.target",
        object_id=str(target.pk),
        label=label[:200],
        fields=["value", "action"],
        region_code=city.code,
    )


@transaction.atomic
def targets_sync(*, city: Region, actor: Any = None) -> TargetSyncResult:
    """Make the stored targets of ``city`` exactly those its adopted plans give: new ones are
    added, changed values or source actions updated, targets no action gives any more removed.
    Each change is audited (field names only)."""
    wanted = planned_targets(city)
    existing = {
        (t.definition_id, t.year): t
        for t in Target.objects.select_for_update().filter(city=city).select_related("definition")
    }
    codes = dict(Definition.objects.values_list("pk", "code"))
    added = changed = removed = 0
    for key, target in existing.items():
        if key in wanted:
            continue
        label = f"{target.definition.code} {target.year}: removed"
        _audit(actor, target, city, label)
        target.delete()
        removed += 1
    for (definition_id, year), (value, action) in sorted(wanted.items()):
        found = existing.get((definition_id, year))
        if found is None:
            target = Target(definition_id=definition_id, city=city, year=year)
            added += 1
        elif found.value == value and found.action_id == action.pk:
            continue
        else:
            target = found
            changed += 1
        target.value, target.action = value, action
        target.full_clean()
        target.save()
        _audit(actor, target, city, f"{codes[definition_id]} {year}: {value} ({action.code})")
    return TargetSyncResult(added, changed, removed)
