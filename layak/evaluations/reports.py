"""The cycle's PDF report (issue #3): cover, summary, per-group tables and the cheapest plan to
the next band, rendered from HTML with WeasyPrint (the same SVG chart as the page)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.core.charts import Bar, bar_chart
from layak.evaluations.models import Cycle
from layak.evaluations.selectors import cycle_scorecard, gap_analysis, next_band


def render_cycle_report(cycle: Cycle, target_code: str = "") -> bytes:
    data, card = cycle_scorecard(cycle)
    target = target_code or (band.code if (band := next_band(data, card)) else "")
    plan = gap_analysis(data, card, target) if target else None
    indicators_by_group = {
        g.pk: [(i, card.indicators[i.pk]) for i in data.indicators if i.group_pk == g.pk]
        for g in data.groups
    }
    html = render_to_string(
        "evaluations/report.html",
        {
            "cycle": cycle,
            "card": card,
            "groups": [(g, card.groups[g.pk], indicators_by_group[g.pk]) for g in data.groups],
            "chart": bar_chart(
                [
                    Bar(
                        g.name,
                        (card.groups[g.pk].self_points, card.groups[g.pk].verified_points),
                        card.groups[g.pk].maximum,
                    )
                    for g in data.groups
                ],
                series=[_("Self-assessed"), _("Verified")],
                title=_("Score by group"),
            ),
            "plan": plan,
            "by_agency": sorted(plan.by_agency().items()) if plan else [],
            "target": next((b for b in data.bands if b.code == target), None),
            "generated_at": timezone.localtime(),
        },
    )
    # Imported here: WeasyPrint needs Debian's Pango, which only PDF generation requires.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
