"""PATBM API under /api/v1/community/ (issue #5): the same permission functions and selectors
as the pages. The activist's report list carries statuses only, never case details."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from layak.community.permissions import can_send_reports, can_view_coverage
from layak.community.selectors import coverage, my_report_statuses

router = Router(tags=["community"])


class ErrorOut(Schema):
    detail: str


class CoverageKelurahanOut(Schema):
    code: str
    name: str
    kecamatan_code: str | None
    group_id: int | None
    status: str  # "active", "inactive", "forming", or "" without a group profile
    last_acted: datetime.date | None
    recent_activities: int
    functioning: bool


class CoverageTotalOut(Schema):
    code: str
    name: str
    kelurahan: int
    active: int
    functioning: int
    share: float  # per cent of kelurahan with a functioning group


class CoverageOut(Schema):
    on: datetime.date
    months: int
    total: CoverageTotalOut
    kecamatan: list[CoverageTotalOut]
    kelurahan: list[CoverageKelurahanOut]


class ReportStatusOut(Schema):
    received_at: datetime.datetime
    kelurahan: str
    status: str  # "received", "handling" or "closed"


@router.get(
    "/coverage/",
    response={200: CoverageOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Which kelurahan have a functioning PATBM group, within the caller's scope",
)
def coverage_detail(request: HttpRequest) -> CoverageOut:
    if not can_view_coverage(request.user):
        raise PermissionDenied
    cov = coverage(request.user)
    if cov is None or cov.total is None:
        raise Http404
    totals = [cov.total] + [t for t, _rows in cov.kecamatan]
    out = [
        CoverageTotalOut(
            code=t.region.code,
            name=t.region.name,
            kelurahan=t.kelurahan,
            active=t.active,
            functioning=t.functioning,
            share=t.share,
        )
        for t in totals
    ]
    return CoverageOut(
        on=cov.on,
        months=cov.months,
        total=out[0],
        kecamatan=out[1:],
        kelurahan=[
            CoverageKelurahanOut(
                code=r.kelurahan.code,
                name=r.kelurahan.name,
                kecamatan_code=r.kelurahan.parent.code if r.kelurahan.parent else None,
                group_id=r.group.pk if r.group else None,
                status=r.status,
                last_acted=r.last_acted,
                recent_activities=r.recent_activities,
                functioning=r.functioning,
            )
            for r in cov.rows
        ],
    )


@router.get(
    "/reports/",
    response={200: list[ReportStatusOut], 401: ErrorOut, 403: ErrorOut},
    summary="The statuses of the caller's own early-detection reports",
)
def my_reports(request: HttpRequest) -> list[ReportStatusOut]:
    if not can_send_reports(request.user):
        raise PermissionDenied
    return [
        ReportStatusOut(received_at=r.received_at, kelurahan=r.kelurahan, status=r.status)
        for r in my_report_statuses(request.user)
    ]
