"""State changes of the public portal (issue #6): the directory kept by the secretariat.

Every save is validated (``full_clean`` plus the rules below), audited in the same transaction,
and makes the cached portal pages stale once committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.models import AuditAction
from layak.indicators.models import Definition
from layak.portal import caching
from layak.portal.models import (
    DEFAULT_PUBLIC_INDICATORS,
    LocatedEntry,
    PlaySpace,
    PublicIndicator,
    Service,
)
from layak.portal.selectors import city_kelurahan
from layak.regions.maps import polygons

E = TypeVar("E", bound=LocatedEntry)


def _city_frame(entry: LocatedEntry) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """(min lon, max lon, min lat, max lat) of the city's kelurahan boundaries, if loaded."""
    points = [
        pt
        for geometry in city_kelurahan(entry.city).values_list("boundary", flat=True)
        if geometry
        for poly in polygons(geometry)
        for ring in poly
        for pt in ring
    ]
    if not points:
        return None
    return (
        Decimal(str(min(p[0] for p in points))),
        Decimal(str(max(p[0] for p in points))),
        Decimal(str(min(p[1] for p in points))),
        Decimal(str(max(p[1] for p in points))),
    )


def _check_point(entry: LocatedEntry) -> None:
    """A point must fall inside the city's map (a swapped latitude and longitude, or a point
    in another city, would otherwise be left off the map without anyone noticing)."""
    if entry.latitude is None or entry.longitude is None:
        return
    frame = _city_frame(entry)
    if frame is None:
        return
    min_lon, max_lon, min_lat, max_lat = frame
    if not (min_lon <= entry.longitude <= max_lon and min_lat <= entry.latitude <= max_lat):
        raise ValidationError(
            {"latitude": _("This point is outside the city. Check latitude and longitude.")}
        )


def _save(actor: Any, entry: E, changed: Iterable[str]) -> E:
    created = entry.pk is None
    entry.full_clean()
    _check_point(entry)
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=entry,
        fields=list(changed),
        label=entry.name,
        region_code=entry.city.code,
    )
    transaction.on_commit(caching.bump)
    return entry


@transaction.atomic
def service_save(*, actor: Any, service: Service, changed: Iterable[str]) -> Service:
    """Create or update a directory entry (the form sets the city and the fields)."""
    return _save(actor, service, changed)


@transaction.atomic
def play_space_save(*, actor: Any, space: PlaySpace, changed: Iterable[str]) -> PlaySpace:
    """Create or update an RBRA play space (the form sets the city and the fields)."""
    return _save(actor, space, changed)


def _deactivate(actor: Any, entry: E) -> E:
    entry.active = False
    entry.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=entry,
        fields=["active"],
        label=entry.name,
        region_code=entry.city.code,
    )
    transaction.on_commit(caching.bump)
    return entry


@transaction.atomic
def service_deactivate(*, actor: Any, service: Service) -> Service:
    """Take an entry off the portal; it stays on record and can be shown again by editing."""
    return _deactivate(actor, service)


@transaction.atomic
def play_space_deactivate(*, actor: Any, space: PlaySpace) -> PlaySpace:
    return _deactivate(actor, space)


@transaction.atomic
def public_indicators_set(*, actor: Any, codes: list[str]) -> list[PublicIndicator]:
    """Publish exactly the definitions ``codes`` on the portal, in that order."""
    definitions = {d.code: d for d in Definition.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in definitions]
    if unknown:
        raise ValidationError(
            _("Unknown indicator: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        )
    PublicIndicator.objects.exclude(definition__code__in=codes).delete()
    rows = []
    for order, code in enumerate(codes):
        row, _created = PublicIndicator.objects.update_or_create(
            definition=definitions[code], defaults={"order": order}
        )
        rows.append(row)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="portal.publicindicator",
        label=",".join(codes),
    )
    transaction.on_commit(caching.bump)
    return rows


def public_indicators_load_defaults() -> int:
    """Mark the default set public where none is marked yet (the demo, a flushed test
    database); returns how many rows were written."""
    if PublicIndicator.objects.exists():
        return 0
    found = {d.code: d for d in Definition.objects.filter(code__in=DEFAULT_PUBLIC_INDICATORS)}
    rows = [
        PublicIndicator(definition=found[code], order=order)
        for order, code in enumerate(DEFAULT_PUBLIC_INDICATORS)
        if code in found
    ]
    PublicIndicator.objects.bulk_create(rows)
    return len(rows)
