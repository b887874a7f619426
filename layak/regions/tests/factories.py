"""Small typed factories for regions."""

from __future__ import annotations

import csv
from pathlib import Path
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


CSV_HEADER = "code,level,parent_code,name,postcode"


def region_csv(*rows: str, header: str = CSV_HEADER) -> str:
    """A region CSV: the header, then one line per row (``"64.71.01,kecamatan,64.71,X,"``)."""
    return "\n".join([header, *rows]) + "\n"


def square(lng: float = 116.9, lat: float = -1.2, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON Polygon: a square with its south-west corner at ``(lng, lat)``, WGS 84."""
    ring = [
        [lng, lat],
        [lng + size, lat],
        [lng + size, lat + size],
        [lng, lat + size],
        [lng, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def feature_collection(*features: tuple[str, dict[str, Any] | None]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from ``(code, geometry)`` pairs."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code}, "geometry": geometry}
            for code, geometry in features
        ],
    }


#: The reference list of Kota Balikpapan's regions, bundled with Layak (see its README).
BALIKPAPAN_CSV = Path(__file__).resolve().parents[1] / "data" / "balikpapan-regions.csv"


def read_region_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a region CSV file as dictionaries keyed by column."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))
