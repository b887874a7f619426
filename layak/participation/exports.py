"""The aspirations export (issue #5): header and rows, written by :mod:`layak.core.exports`
in the view.

Status, agency and Musrenbang outcome only: never the child's own words or anything about the
child — the public text, and only once it is published.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from layak.participation.models import Aspiration

FILENAME = "aspirasi-anak.csv"
#: The most rows one download holds.
LIMIT = 10000

HEADER: tuple[str, ...] = (
    "id",
    "submitted_on",
    "source",
    "cluster",
    "status",
    "agency",
    "due_on",
    "answered_on",
    "acted_on",
    "escalated",
    "published",
    "public_text",
    "musrenbang",
    "musrenbang_year",
    "musrenbang_outcome",
    "funded_year",
    "amount",
)


def _day(moment: Any) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def aspiration_row(a: Aspiration) -> list[Any]:
    """One aspiration as a row of :data:`HEADER`."""
    planning = getattr(a, "planning", None)
    return [
        a.pk,
        _day(a.submitted_at),
        a.source,
        a.cluster,
        a.status,
        (a.agency.short_name or a.agency.name) if a.agency else "",
        a.due_on.isoformat() if a.due_on else "",
        _day(a.answered_at),
        _day(a.acted_at),
        "yes" if a.escalated_at else "",
        "yes" if a.published_at else "",
        a.public_text if a.published_at else "",
        planning.level if planning else "",
        planning.year if planning else "",
        planning.status if planning else "",
        (planning.funded_year or "") if planning else "",
        planning.amount if planning and planning.amount is not None else "",
    ]


def aspiration_rows(aspirations: QuerySet[Aspiration]) -> list[list[Any]]:
    """The rows of the export: the first :data:`LIMIT` of ``aspirations``, in their order."""
    return [aspiration_row(aspiration) for aspiration in aspirations[:LIMIT]]
