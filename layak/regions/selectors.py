"""Reads of the region hierarchy."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from layak.regions.models import Region, RegionLevel
from layak.regions.permissions import regions_visible_to


def codes_up_to(city_code: str, code: str) -> list[str]:
    """``code`` and the codes of the areas above it, up to ``city_code`` (nearest first)."""
    codes = [code]
    while code != city_code and "." in code:
        code = code.rsplit(".", 1)[0]
        codes.append(code)
    return codes


def kelurahan_choices(city: Region | None) -> QuerySet[Region]:
    """The kelurahan (and desa) of ``city`` by name, for a form's choice of the child's or the
    family's area; none without a city."""
    if city is None:
        return Region.objects.none()
    return Region.objects.filter(
        code__startswith=f"{city.code}.", level__in=(RegionLevel.KELURAHAN, RegionLevel.DESA)
    ).order_by("name")


def home_region() -> Region | None:
    """The deployment's home kab/kota (``LAYAK_HOME_REGION``), if loaded."""
    return Region.objects.filter(code=settings.LAYAK_HOME_REGION).first()


def region_children(user: Any, region: Region) -> QuerySet[Region]:
    return (
        regions_visible_to(user)
        .filter(parent=region)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def region_tree(user: Any, root: Region) -> list[tuple[Region, list[Region]]]:
    """The root's children, each with its own children: kecamatan with their kelurahan."""
    children = list(region_children(user, root))
    grandchildren = regions_visible_to(user).filter(parent__in=children).order_by("code")
    by_parent: dict[int, list[Region]] = {c.pk: [] for c in children}
    for region in grandchildren:
        by_parent[region.parent_id or 0].append(region)
    return [(child, by_parent[child.pk]) for child in children]


def region_ancestors(region: Region) -> list[Region]:
    codes = []
    parts = region.code.split(".")
    for i in range(1, len(parts)):
        codes.append(".".join(parts[:i]))
    return list(Region.objects.filter(code__in=codes).order_by("code"))
