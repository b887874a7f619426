"""Small typed factories for regions."""

from __future__ import annotations

from typing import Any

from layak.regions.models import Region, RegionLevel

_LEVEL_BY_DEPTH = {
    1: RegionLevel.PROVINSI,
    2: RegionLevel.KOTA,
    3: RegionLevel.KECAMATAN,
    4: RegionLevel.KELURAHAN,
}


def make_region(code: str, name: str = "", **overrides: Any) -> Region:
    """A region with its parents created as needed (``64.71.01`` creates ``64`` and ``64.71``)."""
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        return existing
    parts = code.split(".")
    parent = make_region(".".join(parts[:-1])) if len(parts) > 1 else None
    values: dict[str, Any] = {
        "code": code,
        "level": _LEVEL_BY_DEPTH[len(parts)],
        "parent": parent,
        "name": name or f"Region {code}",
    }
    values.update(overrides)
    return Region.objects.create(**values)
