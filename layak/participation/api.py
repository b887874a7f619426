"""Forum Anak API under /api/v1/participation/ (issue #5): the same permission functions,
selectors and services as the pages.

* ``GET public/`` — no login: the published aspirations (approved public text, cluster,
  status, agency and its answer). Nothing about the child, never the original text.
* ``GET aspirations/`` and ``GET aspirations/{id}/`` — what the person may see, with the
  approved child-safe text only: no child's identity and never the original text in any
  answer (those stay on the facilitators' and secretariat's pages).
* ``GET aspirations/open/`` — an agency's open aspirations (focal points: their agency's).
* ``POST aspirations/{id}/response/`` — the agency's answer (focal points of that agency).
* ``GET forums/`` — forums with their member counts.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from layak.core.disclosure import publishes
from layak.participation import services
from layak.participation.models import Aspiration, Cluster
from layak.participation.models import Status as AspirationStatus
from layak.participation.permissions import (
    can_use_participation,
    get_aspiration_for,
)
from layak.participation.selectors import (
    aspirations_for,
    filter_aspirations,
    forum_rows,
    open_aspirations_for,
    published_aspirations,
)
from layak.regions.selectors import home_region

router = Router(tags=["participation"])

MAX_LIMIT = 200


class ErrorOut(Schema):
    detail: str


class PublicAspirationOut(Schema):
    id: int
    cluster: str
    status: str
    text: str  # the approved public text
    agency: str | None
    response: str
    published_at: datetime.datetime


class AspirationOut(Schema):
    id: int
    source: str
    forum: str | None
    cluster: str
    status: str
    text: str  # the approved child-safe text; never the original
    agency_id: int | None
    agency: str | None
    submitted_at: datetime.datetime
    due_on: datetime.date | None
    escalated: bool
    response: str
    published: bool
    musrenbang: str | None


class ResponseIn(Schema):
    status: str
    response: str


class ForumOut(Schema):
    id: int
    name: str
    level: str
    region_code: str
    active: bool
    members: int | None = Field(
        description="Members now; null when hidden to protect children (see ``hidden``)."
    )
    hidden: bool = Field(
        description="True when ``members`` is hidden: the number is small, or would let a "
        'small number be worked out. Shown as the mark "[c]" on the pages.'
    )


def _page(offset: int, limit: int) -> tuple[int, int]:
    return max(0, min(offset, 1_000_000)), max(1, min(limit, MAX_LIMIT))


def _out(a: Aspiration) -> AspirationOut:
    planning = getattr(a, "planning", None)
    return AspirationOut(
        id=a.pk,
        source=a.source,
        forum=a.forum.name if a.forum else None,
        cluster=a.cluster,
        status=a.status,
        text=a.public_text,
        agency_id=a.agency_id,
        agency=str(a.agency) if a.agency else None,
        submitted_at=a.submitted_at,
        due_on=a.due_on,
        escalated=a.escalated_at is not None,
        response=a.response,
        published=a.published_at is not None,
        musrenbang=planning.status if planning else None,
    )


@router.get("/public/", auth=None, response={200: list[PublicAspirationOut]})
def public_list(
    request: HttpRequest, cluster: str = "", offset: int = 0, limit: int = 50
) -> list[PublicAspirationOut]:
    offset, limit = _page(offset, limit)
    rows = published_aspirations(home_region(), cluster if cluster in Cluster.values else "")
    return [
        PublicAspirationOut(
            id=a.pk,
            cluster=a.cluster,
            status=a.status,
            text=a.public_text,
            agency=str(a.agency) if a.agency else None,
            response="" if a.status == AspirationStatus.RECEIVED else a.response,
            published_at=a.published_at,  # type: ignore[arg-type]  # filtered non-null
        )
        for a in rows[offset : offset + limit]
    ]


@router.get("/aspirations/", response={200: list[AspirationOut], 401: ErrorOut, 403: ErrorOut})
def aspiration_list(
    request: HttpRequest,
    status: str = "",
    cluster: str = "",
    overdue: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> list[AspirationOut]:
    if not can_use_participation(request.user):
        raise PermissionDenied
    offset, limit = _page(offset, limit)
    rows = filter_aspirations(
        aspirations_for(request.user), status=status, cluster=cluster, overdue=overdue
    )
    return [_out(a) for a in rows[offset : offset + limit]]


@router.get("/aspirations/open/", response={200: list[AspirationOut], 401: ErrorOut, 403: ErrorOut})
def aspiration_open(request: HttpRequest) -> list[AspirationOut]:
    """Aspirations still waiting for an agency's answer, oldest due date first."""
    if not can_use_participation(request.user):
        raise PermissionDenied
    return [_out(a) for a in open_aspirations_for(request.user)[:MAX_LIMIT]]


@router.get(
    "/aspirations/{aspiration_id}/",
    response={200: AspirationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def aspiration_detail(request: HttpRequest, aspiration_id: int) -> AspirationOut:
    return _out(get_aspiration_for(request.user, aspiration_id, action="view"))


@router.post(
    "/aspirations/{aspiration_id}/response/",
    response={200: AspirationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def aspiration_response(
    request: HttpRequest, aspiration_id: int, payload: ResponseIn
) -> Status[ErrorOut] | AspirationOut:
    aspiration = get_aspiration_for(request.user, aspiration_id, action="respond")
    try:
        aspiration = services.aspiration_respond(
            actor=request.user,
            aspiration=aspiration,
            status=payload.status,
            response=payload.response,
        )
    except ValidationError as error:
        return Status(400, ErrorOut(detail=" ".join(error.messages)))
    return _out(aspiration)


@router.get("/forums/", response={200: list[ForumOut], 401: ErrorOut, 403: ErrorOut})
@publishes("participation")
def forum_list(request: HttpRequest) -> list[ForumOut]:
    """The forums the user sees with their members now, protected as on the pages."""
    if not can_use_participation(request.user):
        raise PermissionDenied
    return [
        ForumOut(
            id=row.forum.pk,
            name=row.forum.name,
            level=row.forum.level,
            region_code=row.forum.region.code,
            active=row.forum.is_active,
            members=row.members,
            hidden=row.members is None,
        )
        for row in forum_rows(request.user)[:MAX_LIMIT]
    ]
