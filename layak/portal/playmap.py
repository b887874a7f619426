"""The map of RBRA play spaces: the city's kelurahan drawn by
:func:`layak.regions.maps.render_svg`, with one numbered marker per play space on top.

The markers are placed with :func:`layak.regions.maps.projection`, the frame ``render_svg``
draws the shapes in. The numbers match the table beside the map, which is the accessible
alternative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from layak.regions.maps import MapShape, projection, render_svg


@dataclass(frozen=True)
class Marker:
    number: int
    label: str
    longitude: float
    latitude: float


def render_with_markers(
    shapes: Sequence[MapShape], markers: Iterable[Marker], *, title: str, width: int = 640
) -> SafeString:
    """The map of ``shapes`` with ``markers`` (outside the drawing: left out)."""
    svg = str(render_svg(shapes, width=width, title=title))
    frame = projection(shapes, width)
    if not svg or frame is None:
        return mark_safe("")  # noqa: S308  (empty string)
    project, height = frame
    drawn = []
    for marker in markers:
        x, y = project((marker.longitude, marker.latitude))
        if not (0 <= x <= width and 0 <= y <= height):
            continue
        drawn.append(
            f'<g class="map-marker" data-number="{marker.number}">'
            f"<title>{marker.number}. {escape(marker.label)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#b00020" stroke="#ffffff" '
            'stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
            f'font-weight="700" fill="#ffffff" aria-hidden="true">{marker.number}</text></g>'
        )
    closing = "</svg>"
    body = svg[: -len(closing)] if svg.endswith(closing) else svg
    return mark_safe(body + "".join(drawn) + closing)  # noqa: S308  (values escaped above)
