"""The trend picture of one indicator: a small server-rendered SVG line (a sparkline), allowed
by the content security policy (attributes and classes, no inline styles, no script).

The picture is never the only carrier of the numbers: each page shows the same series as a data
table and offers it as CSV. A period without a value leaves a gap in the line; a period whose
value is hidden by disclosure control (:mod:`layak.core.disclosure`) is drawn as a hatched band
over the whole height of the chart — never as 0 and never as a gap — with the hidden mark in its
tooltip, and the page puts the legend of the hatch under the chart (the hatch is
:func:`layak.core.charts.hatch_pattern`, shared with the maps; the legend is
``core/partials/hidden_legend.html``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from layak.core.charts import hatch_id, hatch_pattern
from layak.core.disclosure import hidden_mark

WIDTH, HEIGHT, PAD = 160, 44, 5
#: Half the width of the hatched band of a hidden period.
BAND = 5.0


def sparkline(
    values: Sequence[Decimal | None],
    *,
    title: str,
    target: Decimal | None = None,
    hidden: Sequence[bool] = (),
    labels: Sequence[str] = (),
) -> SafeString:
    """A line through ``values`` (oldest first; ``None`` leaves a gap), the latest point
    marked, and the target as a dashed line. ``hidden[i]`` draws period ``i`` as a hatched band
    (its value is hidden; ``labels[i]`` names it in the tooltip). Empty when there is no value
    and nothing hidden."""
    hidden_at = [i for i in range(len(values)) if i < len(hidden) and hidden[i]]
    known = [v for i, v in enumerate(values) if v is not None and i not in hidden_at]
    if not known and not hidden_at:
        return mark_safe("")  # noqa: S308  (empty string)
    scale = known + ([target] if target is not None else [])
    low, high = (min(scale), max(scale)) if scale else (Decimal(0), Decimal(1))
    if low == high:
        low, high = low - 1, high + 1
    span = high - low
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)

    def y(value: Decimal) -> float:
        return HEIGHT - PAD - float((value - low) / span) * (HEIGHT - 2 * PAD)

    def x(index: int) -> float:
        return PAD + index * step if len(values) > 1 else WIDTH / 2

    label = title
    if hidden_at:
        label = f"{title}. " + ngettext(
            "%(count)d period hidden (%(mark)s).",
            "%(count)d periods hidden (%(mark)s).",
            len(hidden_at),
        ) % {"count": len(hidden_at), "mark": hidden_mark()}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="sparkline" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
    ]
    if hidden_at:
        pattern = hatch_id(title)
        parts.append(hatch_pattern(pattern))
        for index in hidden_at:
            left = max(0.0, x(index) - BAND)
            name = labels[index] if index < len(labels) else str(index + 1)
            parts.append(
                f'<rect x="{left:.1f}" y="0" width="{min(WIDTH - left, 2 * BAND):.1f}" '
                f'height="{HEIGHT}" class="hidden-cell" fill="url(#{pattern})" '
                f'data-hidden="true"><title>{escape(name)}: {escape(hidden_mark())}</title></rect>'
            )
    if target is not None:
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            'class="sparkline-target"/>'
        )
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    for index, value in enumerate(values):
        if value is None or index in hidden_at:
            segment = []
            segments.append(segment)
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
    for points in segments:
        if len(points) > 1:
            parts.append(f'<polyline points="{" ".join(points)}" class="sparkline-line"/>')
    for index, value in enumerate(values):
        if value is not None and index not in hidden_at:
            latest = " sparkline-latest" if index == len(values) - 1 else ""
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="2.5" '
                f'class="sparkline-point{latest}"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped or numeric)
