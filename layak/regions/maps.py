"""A small server-side SVG renderer for region boundaries (GeoJSON, WGS 84 [lng, lat]).

One picture for pages, PDFs and the public portal, without any JavaScript or remote tiles.
A shape whose value is hidden by disclosure control (``MapShape.hidden``) is filled with the
hatch of :mod:`layak.core.charts` (never shaded as 0 or as "no data"); the page puts the legend
of the hatch beside the map.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from layak.core.charts import hatch_id, hatch_pattern


@dataclass(frozen=True)
class MapShape:
    code: str
    name: str
    geometry: dict[str, Any]
    css_class: str = ""
    href: str = ""
    #: The area's value is hidden by disclosure control: drawn hatched.
    hidden: bool = False


def polygons(geometry: dict[str, Any]) -> list[list[list[Sequence[float]]]]:
    """The polygons (lists of rings) of a Polygon or MultiPolygon geometry."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


Project = Callable[[Sequence[float]], tuple[float, float]]
MARGIN = 4


def projection(shapes: Iterable[MapShape], width: int) -> tuple[Project, int] | None:
    """The [lng, lat] -> (x, y) function of a map of ``shapes`` ``width`` pixels wide, and its
    height; None without any point. Equirectangular, corrected for latitude: good enough at
    city scale. Markers drawn over a map use the same function."""
    points = [pt for s in shapes for poly in polygons(s.geometry) for ring in poly for pt in ring]
    if not points:
        return None
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    min_y = min(p[1] for p in points)
    max_y = max(p[1] for p in points)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    scale = (width - 2 * MARGIN) / span_x
    height = int(span_y * scale) + 2 * MARGIN

    def project(pt: Sequence[float]) -> tuple[float, float]:
        return MARGIN + (pt[0] - min_x) * kx * scale, MARGIN + (max_y - pt[1]) * scale

    return project, height


def render_svg(shapes: Iterable[MapShape], *, width: int = 640, title: str = "") -> SafeString:
    """An SVG with one labelled path per shape, scaled to ``width``, north up; hidden shapes
    are filled with a hatch pattern (``fill`` attribute, so the shape has no ``region-shape``
    class whose stylesheet fill would cover it) and carry ``data-hidden="true"``."""
    shapes = [s for s in shapes if s.geometry]
    frame = projection(shapes, width)
    if frame is None:
        return mark_safe("")  # noqa: S308  (empty string)
    to_xy, height = frame

    def project(pt: Sequence[float]) -> str:
        x, y = to_xy(pt)
        return f"{x:.1f},{y:.1f}"

    # A map of links is a group of links; a plain map is one image.
    role = "group" if any(s.href for s in shapes) else "img"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="region-map" role="{role}" aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    pattern = hatch_id(f"map {title}")
    if any(s.hidden for s in shapes):
        parts.append(hatch_pattern(pattern))
    for shape in shapes:
        d = " ".join(
            "M" + " L".join(project(pt) for pt in ring) + " Z"
            for poly in polygons(shape.geometry)
            for ring in poly
        )
        if shape.hidden:
            path = (
                f'<path d="{d}" class="region-hidden {escape(shape.css_class)}" '
                f'fill="url(#{pattern})" stroke="#1a1a1a" stroke-width="1" '
                f'data-code="{escape(shape.code)}" data-hidden="true">'
                f"<title>{escape(shape.name)}</title></path>"
            )
        else:
            path = (
                f'<path d="{d}" class="region-shape {escape(shape.css_class)}" '
                f'data-code="{escape(shape.code)}"><title>{escape(shape.name)}</title></path>'
            )
        if shape.href:
            path = f'<a href="{escape(shape.href)}" aria-label="{escape(shape.name)}">{path}</a>'
        parts.append(path)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)
