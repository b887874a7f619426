"""Which kab/kota a person works in: the one rule, used by every app.

A person works where their agency belongs (``Agency.region``):

* an agency of a **kabupaten or kota** — the person works in that kab/kota: :func:`city_of`
  returns it. Pages that serve one kab/kota (the evaluation, indicator entry, the action plan,
  Puspaga, Forum Anak, the portal directory, case intake) use it;
* a **provincial** agency (e.g. the province's DP3A) — the person works across the kab/kota of
  the province, not in one of them: :func:`city_of` returns None, :func:`work_level` says
  ``province``, and the region-scoped lists (``accounts.permissions.home_filter``) show the
  whole province. A one-city page refuses them (403), as it refuses anyone without a city;
* a **national** agency (a ministry: no region) — likewise None, :func:`work_level` says
  ``national``, and the region-scoped lists show every region;
* **no agency** (a bare superuser, someone not yet placed) — None, and no level.

Write access to a kab/kota's data always needs a person of that kab/kota; province and
national staff read through ``home_filter`` where an app allows it.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied

from layak.regions.models import Region, RegionLevel

CITY_LEVELS = (RegionLevel.KABUPATEN, RegionLevel.KOTA)

WorkLevel = Literal["city", "province", "national"]


def city_of(user: Any) -> Region | None:
    """The kab/kota ``user`` works in; None for province and national staff, and for anyone
    without an agency (or not logged in)."""
    agency = getattr(user, "agency", None)
    if agency is None or agency.region_id is None:
        return None
    region: Region = agency.region
    return region if region.level in CITY_LEVELS else None


def city_id_of(user: Any) -> int | None:
    """The primary key of :func:`city_of`, or None."""
    city = city_of(user)
    return city.pk if city is not None else None


def require_city(user: Any) -> Region:
    """:func:`city_of`, or PermissionDenied for a person who works in no single kab/kota."""
    city = city_of(user)
    if city is None:
        raise PermissionDenied
    return city


def work_level(user: Any) -> WorkLevel | None:
    """Where ``user`` works: one kab/kota, a province, the whole country; None without an
    agency."""
    agency = getattr(user, "agency", None)
    if agency is None:
        return None
    if agency.region_id is None:
        return "national"
    return "city" if agency.region.level in CITY_LEVELS else "province"
