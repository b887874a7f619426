"""Puspaga API under /api/v1/families/ (issue #5): the same permission functions, selectors
and audit as the pages. Lists carry reference codes, never names; notes are returned only to
those who may read them, and the reading is audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from layak.core.disclosure import publishes
from layak.families import selectors, services
from layak.families.permissions import can_counsel, counts_city, get_session_for

router = Router(tags=["families"])


class ErrorOut(Schema):
    detail: str


class BookingOut(Schema):
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    service_point: str
    family_code: str
    mode: str
    topic: str
    status: str


class SessionOut(Schema):
    id: int
    held_on: datetime.date
    family_code: str
    service_point: str
    mode: str
    topic: str
    outcome: str
    follow_up: str
    notes: str


#: How a hidden count appears in the string cells of the counts (``hidden_mark()``, "[c]").
HIDDEN_CELL = (
    'A count as a string of digits, or the hidden mark ("[c]", setting LAYAK_HIDDEN_MARK) when '
    "the cell is hidden to protect children: the number is small, or would let a small number "
    "be worked out. Every hidden cell shows the same mark."
)


class RowOut(Schema):
    key: str
    label: str
    cells: dict[str, str] = Field(description="Mode -> count. " + HIDDEN_CELL)
    total: str = Field(description=HIDDEN_CELL)


class TableOut(Schema):
    rows: list[RowOut]
    mode_totals: dict[str, str] = Field(description="Mode -> count. " + HIDDEN_CELL)
    total: str = Field(description=HIDDEN_CELL)


class CountsOut(Schema):
    year: int
    city: str
    by_topic: TableOut
    by_kecamatan: TableOut


@router.get("/bookings/", response={200: list[BookingOut], 401: ErrorOut, 403: ErrorOut})
def my_bookings(request: HttpRequest) -> list[BookingOut]:
    """The counsellor's appointments still to hold."""
    if not can_counsel(request.user):
        raise PermissionDenied
    return [
        BookingOut(
            id=b.pk,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            service_point=b.service_point.name,
            family_code=b.family.code,
            mode=b.mode,
            topic=b.topic,
            status=b.status,
        )
        for b in selectors.my_bookings(request.user)[:200]
    ]


@router.get("/counts/", response={200: CountsOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
@publishes("families")
def counts(request: HttpRequest, year: int | None = None) -> Status[ErrorOut] | CountsOut:
    """Yearly sessions by topic and kecamatan and mode, protected together with the counts page,
    its CSV and the other Puspaga figures: a hidden cell is the string ``hidden_mark`` ("[c]"),
    the same for every hidden cell; the numbers are strings of digits."""
    city = counts_city(request.user)
    if city is None:
        raise PermissionDenied
    if year is not None and not 2000 <= year <= 2100:
        return Status(400, ErrorOut(detail="The year must lie between 2000 and 2100."))
    data = selectors.service_counts(city, year or timezone.localdate().year)
    modes = [m for m, _label in data.modes]

    def table(t: selectors.CountTable) -> TableOut:
        return TableOut(
            rows=[
                RowOut(
                    key=r.key,
                    label=r.label,
                    cells=dict(zip(modes, r.cells, strict=True)),
                    total=r.total,
                )
                for r in t.rows
            ],
            mode_totals=dict(zip(modes, t.mode_totals, strict=True)),
            total=t.total,
        )

    return CountsOut(
        year=data.year,
        city=city.code,
        by_topic=table(data.by_topic),
        by_kecamatan=table(data.by_kecamatan),
    )


@router.get(
    "/sessions/{session_id}/",
    response={200: SessionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def session_detail(request: HttpRequest, session_id: int) -> SessionOut:
    """One session with its notes: only for its counsellor and the family's counsellor."""
    session = get_session_for(request.user, session_id, action="notes")
    services.notes_viewed(actor=request.user, session=session)
    return SessionOut(
        id=session.pk,
        held_on=session.held_on,
        family_code=session.family.code,
        service_point=session.service_point.name,
        mode=session.mode,
        topic=session.topic,
        outcome=session.outcome,
        follow_up=session.follow_up,
        notes=session.notes or "",
    )
