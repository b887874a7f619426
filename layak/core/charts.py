"""Server-rendered SVG bar charts: one picture for pages and reports, no JavaScript, and
allowed by the content security policy (attributes, no inline styles). Each chart is shown with
its data as a table by the page that uses it.

Charts and maps draw a cell hidden by disclosure control (:mod:`layak.core.disclosure`) with one
diagonal hatch — never as 0, never as a gap, never as "no data" — and the page puts the legend of
the hatch (``.hatch-swatch`` and :func:`layak.core.disclosure.legend_text`) beside them:
:func:`hatch_pattern` is the SVG ``<pattern>``, :func:`hatch_id` its id."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from layak.core.formatting import Number, format_score


def hatch_id(title: str) -> str:
    """The id of a chart's or map's hatch pattern: stable for the same picture, distinct between
    the pictures of one page (their titles differ)."""
    return "hatch-" + hashlib.sha256(title.encode()).hexdigest()[:10]


def hatch_pattern(pattern_id: str) -> str:
    """An SVG ``<defs>`` with a diagonal hatch pattern (drawn with attributes only)."""
    return (
        f'<defs><pattern id="{pattern_id}" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="4" height="4" class="hatch-ground" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="4" class="hatch-line" stroke="#57606a" '
        'stroke-width="1.5"/></pattern></defs>'
    )


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[Number, ...]  # one per series, drawn side by side (exact values welcome)
    maximum: Number


def bar_chart(
    bars: Sequence[Bar], *, series: Sequence[str], title: str, width: int = 640
) -> SafeString:
    """Horizontal bars as a share of each row's maximum, one colour class per series."""
    if not bars:
        return mark_safe("")  # noqa: S308  (empty string)
    label_width, row_height, bar_height, gap = 170, 16 * len(series) + 10, 14, 2
    plot = width - label_width - 70
    height = row_height * len(bars) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, name in enumerate(series):
        x = label_width + index * 140
        parts.append(
            f'<rect x="{x}" y="2" width="12" height="12" class="series-{index}"/>'
            f'<text x="{x + 16}" y="12" class="chart-legend">{escape(name)}</text>'
        )
    for row, bar in enumerate(bars):
        top = 24 + row * row_height
        parts.append(
            f'<text x="{label_width - 6}" y="{top + bar_height}" text-anchor="end" '
            f'class="chart-label">{escape(bar.label[:28])}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{top}" width="{plot}" '
            f'height="{(bar_height + gap) * len(series) - gap}" class="chart-track"/>'
        )
        for index, value in enumerate(bar.values):
            share = float(Fraction(value) / Fraction(bar.maximum)) if bar.maximum else 0.0
            length = max(0.0, min(1.0, share)) * plot
            y = top + index * (bar_height + gap)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                f'class="series-{index}"><title>{escape(bar.label)}: {format_score(value)} / '
                f"{format_score(bar.maximum)}</title></rect>"
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 3}" '
                f'class="chart-value">{format_score(value)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped or numeric)
