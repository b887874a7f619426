"""Action plan API under /api/v1/plans/ (issue #6): the same permission functions, selectors
and services as the pages; plans, actions and follow-ups of other cities answer 404.

* ``GET /`` — the plans of the caller's kab/kota.
* ``GET {id}/`` — one plan with its actions, their yearly targets, milestones and budget.
* ``GET slippage/`` — slipping actions (missed milestones, progress behind) per agency.
* ``GET followups/mine/`` — the follow-ups of the caller's agency or the caller, open first.
* ``POST actions/{id}/progress/`` — a progress report by the action's owner agency (or the
  secretariat), without evidence (files are uploaded on the page).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from layak.core.permissions import require
from layak.plans import selectors, services
from layak.plans.models import Action, Milestone, Plan
from layak.plans.permissions import can_use_plans, get_action_for, get_plan_for

router = Router(tags=["plans"])


class ErrorOut(Schema):
    detail: str


class PlanOut(Schema):
    id: int
    region_code: str
    title: str
    start_year: int
    end_year: int
    status: str


class YearTargetOut(Schema):
    year: int
    target: str
    value: Decimal | None


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: datetime.date
    done_on: datetime.date | None


class ActionOut(Schema):
    id: int
    code: str
    title: str
    cluster: str
    agency_code: str
    agency_name: str
    evaluation_indicator_codes: list[str]
    question_codes: list[str]
    indicator_codes: list[str]
    budget_line: str
    budget_amount: Decimal
    targets: list[YearTargetOut]
    milestones: list[MilestoneOut]


class PlanDetailOut(PlanOut):
    budget_total: Decimal
    actions: list[ActionOut]


class SlippingActionOut(Schema):
    id: int
    plan_id: int
    code: str
    title: str
    percent: int | None  # latest progress of the year
    expected: int | None  # the straight line; None outside the plan period
    behind: bool
    missed: list[MilestoneOut]


class AgencySlippageOut(Schema):
    agency_code: str
    agency_name: str
    actions: list[SlippingActionOut]


class SlippageOut(Schema):
    today: datetime.date
    expected: int
    tolerance: int
    agencies: list[AgencySlippageOut]


class FollowUpOut(Schema):
    id: int
    meeting_id: int
    meeting_title: str
    meeting_held_on: datetime.date
    text: str
    agency_code: str
    agency_name: str
    owner: str | None
    due_on: datetime.date
    done_on: datetime.date | None
    overdue: bool


class ProgressIn(Schema):
    reported_on: datetime.date
    text: str
    percent: int


class ProgressOut(Schema):
    id: int
    action_id: int
    reported_on: datetime.date
    text: str
    percent: int


def _plan(plan: Plan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        region_code=plan.region.code,
        title=plan.title,
        start_year=plan.start_year,
        end_year=plan.end_year,
        status=plan.status,
    )


def _milestone(milestone: Milestone) -> MilestoneOut:
    return MilestoneOut(
        id=milestone.pk, title=milestone.title, due_on=milestone.due_on, done_on=milestone.done_on
    )


def _action(action: Action) -> ActionOut:
    return ActionOut(
        id=action.pk,
        code=action.code,
        title=action.title,
        cluster=action.cluster,
        agency_code=action.agency.code,
        agency_name=action.agency.name,
        evaluation_indicator_codes=[str(c) for c in action.evaluation_indicator_codes],
        question_codes=[str(c) for c in action.question_codes],
        indicator_codes=[str(c) for c in action.indicator_codes],
        budget_line=action.budget_line,
        budget_amount=action.budget_amount,
        targets=[
            YearTargetOut(year=t.year, target=t.target, value=t.value) for t in action.targets.all()
        ],
        milestones=[_milestone(m) for m in action.milestones.all()],
    )


@router.get("/", response={200: list[PlanOut], 401: ErrorOut, 403: ErrorOut})
def plan_list(request: HttpRequest) -> list[PlanOut]:
    require(can_use_plans(request.user))
    return [_plan(plan) for plan in selectors.plan_list(request.user)]


@router.get("/slippage/", response={200: SlippageOut, 401: ErrorOut, 403: ErrorOut})
def slippage(request: HttpRequest) -> SlippageOut:
    require(can_use_plans(request.user))
    today = timezone.localdate()
    return SlippageOut(
        today=today,
        expected=selectors.expected_percent(today),
        tolerance=selectors.slippage_tolerance(),
        agencies=[
            AgencySlippageOut(
                agency_code=agency.code,
                agency_name=agency.name,
                actions=[
                    SlippingActionOut(
                        id=s.action.pk,
                        plan_id=s.action.plan_id,
                        code=s.action.code,
                        title=s.action.title,
                        percent=s.percent,
                        expected=s.expected,
                        behind=s.behind,
                        missed=[_milestone(m) for m in s.missed],
                    )
                    for s in statuses
                ],
            )
            for agency, statuses in selectors.slippage_by_agency(request.user, today=today)
        ],
    )


@router.get("/followups/mine/", response={200: list[FollowUpOut], 401: ErrorOut, 403: ErrorOut})
def my_followups(request: HttpRequest) -> list[FollowUpOut]:
    require(can_use_plans(request.user))
    return [
        FollowUpOut(
            id=f.pk,
            meeting_id=f.meeting_id,
            meeting_title=f.meeting.title,
            meeting_held_on=f.meeting.held_on,
            text=f.text,
            agency_code=f.agency.code,
            agency_name=f.agency.name,
            owner=f.owner.display_name if f.owner else None,
            due_on=f.due_on,
            done_on=f.done_on,
            overdue=f.overdue,
        )
        for f in selectors.my_followups(request.user)
    ]


@router.post(
    "/actions/{action_id}/progress/",
    response={200: ProgressOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def progress_report(
    request: HttpRequest, action_id: int, payload: ProgressIn
) -> Status[ErrorOut] | ProgressOut:
    action = get_action_for(request.user, action_id, action="report")
    try:
        report = services.progress_report(
            actor=request.user,
            action=action,
            reported_on=payload.reported_on,
            text=payload.text,
            percent=payload.percent,
        )
    except ValidationError as error:
        return Status(400, ErrorOut(detail=" ".join(error.messages)))
    return ProgressOut(
        id=report.pk,
        action_id=action.pk,
        reported_on=report.reported_on,
        text=report.text,
        percent=report.percent,
    )


@router.get(
    "/{plan_id}/", response={200: PlanDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def plan_detail(request: HttpRequest, plan_id: int) -> PlanDetailOut:
    plan = get_plan_for(request.user, plan_id, action="view")
    actions = list(
        plan.actions.select_related("agency")
        .prefetch_related("targets", "milestones")
        .order_by("code")
    )
    return PlanDetailOut(
        **_plan(plan).dict(),
        budget_total=sum((a.budget_amount for a in actions), Decimal(0)),
        actions=[_action(a) for a in actions],
    )
