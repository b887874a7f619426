"""The trend picture of one indicator: a small server-rendered SVG line (a sparkline), allowed
by the content security policy (attributes and classes, no inline styles, no script).

The picture is never the only carrier of the numbers: each page shows the same series as a data
table and offers it as CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 160, 44, 5


def sparkline(
    values: Sequence[Decimal | None], *, title: str, target: Decimal | None = None
) -> SafeString:
    """A line through ``values`` (oldest first; ``None`` leaves a gap), the latest point
    marked, and the target as a dashed line. Empty when there is no value at all."""
    known = [v for v in values if v is not None]
    if not known:
        return mark_safe("")  # noqa: S308  (empty string)
    scale = known + ([target] if target is not None else [])
    low, high = min(scale), max(scale)
    if low == high:
        low, high = low - 1, high + 1
    span = high - low
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)

    def y(value: Decimal) -> float:
        return HEIGHT - PAD - float((value - low) / span) * (HEIGHT - 2 * PAD)

    def x(index: int) -> float:
        return PAD + index * step if len(values) > 1 else WIDTH / 2

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="sparkline" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    if target is not None:
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            'class="sparkline-target"/>'
        )
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    for index, value in enumerate(values):
        if value is None:
            segment = []
            segments.append(segment)
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
    for points in segments:
        if len(points) > 1:
            parts.append(f'<polyline points="{" ".join(points)}" class="sparkline-line"/>')
    for index, value in enumerate(values):
        if value is not None:
            latest = " sparkline-latest" if index == len(values) - 1 else ""
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="2.5" '
                f'class="sparkline-point{latest}"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped or numeric)
