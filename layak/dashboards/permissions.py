"""Who may see the dashboards and change what they show.

* Reading: everyone who reads indicator data of a kab/kota (the secretariat, OPD focal points,
  administrators, leadership), for their own kab/kota only.
* Editing the challenges of the city overview: the secretariat.
* An area (kecamatan, kelurahan/desa) outside the person's kab/kota answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from layak.accounts.scope import city_of
from layak.dashboards.models import Challenge
from layak.indicators.permissions import can_use_indicators, is_secretariat
from layak.regions.models import Region, RegionLevel

AREA_LEVELS = (RegionLevel.KECAMATAN, RegionLevel.KELURAHAN, RegionLevel.DESA)


def can_view_dashboards(user: Any) -> bool:
    return can_use_indicators(user)


def can_manage_challenges(user: Any) -> bool:
    return can_view_dashboards(user) and bool(is_secretariat(user))


def get_area_for(user: Any, code: str) -> Region:
    """A kecamatan or kelurahan/desa of the person's kab/kota; 404 for any other region."""
    city = city_of(user)
    area = (
        Region.objects.filter(code=code, level__in=AREA_LEVELS)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .first()
    )
    if city is None or area is None or not area.code.startswith(f"{city.code}."):
        raise Http404
    return area


def get_challenge_for(user: Any, code: str) -> Challenge:
    """One challenge of the person's kab/kota (its own, else the default); 404 otherwise."""
    from layak.dashboards.selectors import challenges_of

    city = city_of(user)
    if city is None:
        raise Http404
    for challenge in challenges_of(city):
        if challenge.code == code:
            return challenge
    raise Http404
