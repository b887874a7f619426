"""Changes to what the dashboards show: the city's challenges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.models import AuditAction
from layak.dashboards.models import Challenge
from layak.indicators.models import Definition
from layak.regions.models import Region


def _own_challenges(city: Region) -> dict[str, Challenge]:
    """The city's own challenges, copied from the defaults the first time it changes one."""
    own = {c.code: c for c in Challenge.objects.select_for_update().filter(city=city)}
    if own:
        return own
    copies = [
        Challenge(
            city=city,
            code=c.code,
            name=c.name,
            order=c.order,
            indicator_codes=list(c.indicator_codes),
            description=c.description,
        )
        for c in Challenge.objects.filter(city__isnull=True)
    ]
    Challenge.objects.bulk_create(copies)
    return {c.code: c for c in Challenge.objects.filter(city=city)}


@transaction.atomic
def challenge_update(
    *,
    actor: Any,
    city: Region,
    code: str,
    name: str,
    order: int,
    indicator_codes: Sequence[str],
    description: str = "",
) -> Challenge:
    """Change one challenge of ``city``: its name, place on the overview, key indicators (in
    order) and description. The indicators must be active definitions; a challenge may have
    none yet (issue #6: digital protection has no indicator yet)."""
    own = _own_challenges(city)
    challenge = own.get(code)
    if challenge is None:
        raise Challenge.DoesNotExist(code)
    codes = list(dict.fromkeys(c.strip() for c in indicator_codes if c.strip()))
    known = set(
        Definition.objects.filter(active=True, code__in=codes).values_list("code", flat=True)
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(
            {"indicator_codes": _("Unknown indicators: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    challenge.name = name
    challenge.order = order
    challenge.indicator_codes = codes
    challenge.description = description
    challenge.full_clean()
    challenge.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=challenge,
        label=f"{challenge.code}"[:200],
        fields=["name", "order", "indicator_codes", "description"],
        region_code=city.code,
    )
    return challenge
