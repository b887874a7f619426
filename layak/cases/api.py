"""Case API under /api/v1/cases/ (issue #4): the same permission functions, selectors and
audit as the pages. Lists carry masked names only; opening one case is audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from layak.cases import services
from layak.cases.permissions import (
    can_use_cases,
    get_case_for,
    referrals_inbox,
    statistics_region_filter,
)
from layak.cases.selectors import CaseRow, case_row, case_rows, my_cases
from layak.cases.statistics import (
    DIMENSIONS,
    REPORT_DIMENSIONS,
    UNITS,
    case_statistic,
    cities_for_statistics,
    statistics_city,
    statistics_home,
)
from layak.core.disclosure import publishes

router = Router(tags=["cases"])


class ErrorOut(Schema):
    detail: str


class CaseRowOut(Schema):
    id: int
    number: str
    stage: str
    opened_on: datetime.date
    followup_due: datetime.date
    followup_done: bool
    kelurahan_code: str | None
    victims: list[str]  # masked names


class VictimOut(Schema):
    id: int
    name: str
    sex: str
    age: int
    forms: list[str]


class CaseOut(CaseRowOut):
    agency: str
    owner: str
    risk: str | None
    child_marriage: bool
    online_harm: bool
    summary: str
    victims_detail: list[VictimOut]


class ReferralOut(Schema):
    id: int
    case_number: str
    scope: str
    status: str
    to_agency: str
    respond_by: datetime.datetime


class CellOut(Schema):
    key: str
    label: str
    value: int | None  # None when hidden
    hidden: bool
    display: str  # the number, or the one hidden mark ("[c]")


class StatisticOut(Schema):
    city: str
    year: int
    unit: str
    dimension: str
    cells: list[CellOut]
    total: int | None
    total_hidden: bool
    total_display: str


def _row(row: CaseRow) -> CaseRowOut:
    """A list row as the pages show it (``selectors.case_rows``: victims' names masked)."""
    case = row.case
    return CaseRowOut(
        id=case.pk,
        number=case.number,
        stage=case.stage,
        opened_on=case.opened_on,
        followup_due=case.followup_due,
        followup_done=case.followup_done_at is not None,
        kelurahan_code=case.kelurahan.code if case.kelurahan else None,
        victims=row.victims,
    )


@router.get("/", response={200: list[CaseRowOut], 401: ErrorOut, 403: ErrorOut})
def case_list(request: HttpRequest, offset: int = 0, limit: int = 50) -> list[CaseRowOut]:
    if not can_use_cases(request.user):
        raise PermissionDenied
    limit = max(1, min(limit, 200))
    offset = max(0, min(offset, 1_000_000))
    return [_row(row) for row in case_rows(my_cases(request.user)[offset : offset + limit])]


@router.get("/referrals/", response={200: list[ReferralOut], 401: ErrorOut, 403: ErrorOut})
def referral_list(request: HttpRequest) -> list[ReferralOut]:
    if not can_use_cases(request.user):
        raise PermissionDenied
    return [
        ReferralOut(
            id=r.pk,
            case_number=r.case.number,
            scope=r.scope,
            status=r.status,
            to_agency=str(r.to_agency),
            respond_by=r.respond_by,
        )
        for r in referrals_inbox(request.user)[:200]
    ]


@router.get(
    "/statistics/",
    response={200: StatisticOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
@publishes("cases")
def statistics(
    request: HttpRequest,
    year: int | None = None,
    unit: str = "victims",
    dimension: str = "form",
    city: str | None = None,
) -> Status[ErrorOut] | StatisticOut:
    """Counts of one kab/kota and year, hidden exactly as on the statistics page and in the
    roll-ups (one protected set per kab/kota and year). Readers whose scope covers several
    kab/kota name one with ``city`` (default: the deployment's home kab/kota, else the first)."""
    region_filter = statistics_region_filter(request.user, "code")
    if region_filter is None:
        raise PermissionDenied
    allowed = REPORT_DIMENSIONS if unit == "reports" else DIMENSIONS
    if unit not in UNITS or dimension not in allowed:
        return Status(400, ErrorOut(detail="Unknown unit or dimension."))
    if year is not None and not 2000 <= year <= 2100:
        return Status(400, ErrorOut(detail="The year must lie between 2000 and 2100."))
    cities = cities_for_statistics(region_filter, statistics_home(request.user))
    chosen = statistics_city(cities, city)
    if chosen is None:
        return Status(404, ErrorOut(detail="No such kab/kota."))
    year = year or timezone.localdate().year
    table = case_statistic(city=chosen, year=year, unit=unit, dimension=dimension)
    return StatisticOut(
        city=chosen.code,
        year=year,
        unit=unit,
        dimension=dimension,
        cells=[
            CellOut(key=c.key, label=c.label, value=c.value, hidden=c.hidden, display=c.display)
            for c in table.cells
        ],
        total=table.total,
        total_hidden=table.total_hidden,
        total_display=table.total_display,
    )


@router.get("/{case_id}/", response={200: CaseOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def case_detail(request: HttpRequest, case_id: int) -> CaseOut:
    case = get_case_for(request.user, case_id, action="view")
    services.case_viewed(actor=request.user, case=case)
    victims = list(case.victims.prefetch_related("forms"))
    return CaseOut(
        **_row(case_row(case, victims)).dict(),
        agency=str(case.agency),
        owner=case.owner.display_name,
        risk=case.risk.code if case.risk else None,
        child_marriage=case.child_marriage,
        online_harm=case.online_harm,
        summary=case.summary,
        victims_detail=[
            VictimOut(
                id=v.pk, name=v.name, sex=v.sex, age=v.age, forms=[f.code for f in v.forms.all()]
            )
            for v in victims
        ],
    )
