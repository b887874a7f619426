"""Pages of the action plan and task-force meetings (issue #6). Thin: parse, fetch through
``permissions.py``, call one service, render or redirect.

Each small form lives on a page (the plans list, a plan, an action, a meeting, the person's
follow-ups); a refused form shows that page again with the errors on the form
(``layak.core.forms.submit``, status 400). Plans and meetings are created in the kab/kota the
person works in (``layak.accounts.scope.require_city``): province and national staff read the
plans of their scope but create none (403)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from layak.accounts.scope import require_city
from layak.core.forms import submit
from layak.core.permissions import require
from layak.plans import selectors, services
from layak.plans.forms import (
    ActionForm,
    AttendanceForm,
    DecisionForm,
    DoneForm,
    FollowUpForm,
    MeetingForm,
    MilestoneForm,
    PlanForm,
    ProgressForm,
    TargetForm,
)
from layak.plans.models import Action, Meeting, Plan
from layak.plans.permissions import (
    can_manage_plans,
    can_report_on,
    can_use_plans,
    get_action_for,
    get_followup_for,
    get_meeting_for,
    get_milestone_for,
    get_plan_for,
    get_progress_for,
)


def _save(
    request: HttpRequest,
    form: BaseForm,
    call: Callable[[dict[str, Any]], object],
    *,
    back: str,
    template: str,
    context: Callable[[], Mapping[str, Any]],
    form_name: str,
) -> HttpResponse:
    """The plans pages' use of :func:`layak.core.forms.submit`: "Saved." and back to the
    page, or the page again with the errors on its form."""
    return submit(
        request,
        form,
        call,
        success=_("Saved."),
        redirect_to=back,
        template=template,
        context=context,
        form_name=form_name,
    )


def _home_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "plans": selectors.plan_list(request.user),
        "meetings": selectors.meeting_list(request.user)[:10],
        "followups": selectors.open_followups(request.user),
        "can_manage": can_manage_plans(request.user),
        "plan_form": PlanForm(),
        "meeting_form": MeetingForm(),
    }


def _plan_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    return {
        "plan": plan,
        "rows": selectors.action_statuses(plan.actions.all(), today=timezone.localdate()),
        "can_manage": can_manage_plans(request.user),
        "action_form": ActionForm(region_id=plan.region_id),
    }


def _action_context(request: HttpRequest, action: Action) -> dict[str, Any]:
    return {
        "action": action,
        "targets": action.targets.all(),
        "milestones": action.milestones.all(),
        "progress": action.progress.all(),
        "can_manage": can_manage_plans(request.user),
        "can_report": can_report_on(request.user, action),
        "target_form": TargetForm(),
        "milestone_form": MilestoneForm(),
        "progress_form": ProgressForm(),
        "done_form": DoneForm(),
    }


def _meeting_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "attendance": meeting.attendance.select_related("agency"),
        "decisions": meeting.decisions.all(),
        "followups": meeting.followups.select_related("agency", "owner"),
        "can_manage": can_manage_plans(request.user),
        "attendance_form": AttendanceForm(region_id=meeting.region_id),
        "decision_form": DecisionForm(),
        "followup_form": FollowUpForm(region_id=meeting.region_id),
    }


def _my_followups_context(request: HttpRequest) -> dict[str, Any]:
    return {"followups": selectors.my_followups(request.user), "done_form": DoneForm()}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(can_use_plans(request.user))
    return render(request, "plans/home.html", _home_context(request))


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_plans(request.user))
    region = require_city(request.user)
    return _save(
        request,
        PlanForm(request.POST),
        lambda data: services.plan_create(actor=request.user, region=region, **data),
        back=reverse("plans:home"),
        template="plans/home.html",
        context=lambda: _home_context(request),
        form_name="plan_form",
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk, action="view")
    return render(request, "plans/plan.html", _plan_context(request, plan))


@login_required
@require_POST
def plan_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk, action="manage")
    services.plan_adopt(actor=request.user, plan=plan)
    return redirect("plans:plan", pk=plan.pk)


@login_required
@require_POST
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk, action="manage")
    return _save(
        request,
        ActionForm(request.POST, region_id=plan.region_id),
        lambda data: services.action_create(actor=request.user, plan=plan, **data),
        back=reverse("plans:plan", args=[plan.pk]),
        template="plans/plan.html",
        context=lambda: _plan_context(request, plan),
        form_name="action_form",
    )


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="view")
    return render(request, "plans/action.html", _action_context(request, action))


def _action_form(
    request: HttpRequest,
    action: Action,
    form: BaseForm,
    call: Callable[[dict[str, Any]], object],
    form_name: str,
) -> HttpResponse:
    """A form of the action page: back to the action, or the action page with the errors."""
    return _save(
        request,
        form,
        call,
        back=reverse("plans:action", args=[action.pk]),
        template="plans/action.html",
        context=lambda: _action_context(request, action),
        form_name=form_name,
    )


@login_required
@require_POST
def action_target(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="manage")
    return _action_form(
        request,
        action,
        TargetForm(request.POST),
        lambda data: services.target_set(actor=request.user, action=action, **data),
        "target_form",
    )


@login_required
@require_POST
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="manage")
    return _action_form(
        request,
        action,
        MilestoneForm(request.POST),
        lambda data: services.milestone_create(actor=request.user, action=action, **data),
        "milestone_form",
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_milestone_for(request.user, pk, action="report")
    return _action_form(
        request,
        milestone.action,
        DoneForm(request.POST),
        lambda data: services.milestone_done(
            actor=request.user, milestone=milestone, done_on=data["done_on"]
        ),
        "done_form",
    )


@login_required
@require_POST
def progress_new(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="report")
    return _action_form(
        request,
        action,
        ProgressForm(request.POST, request.FILES),
        lambda data: services.progress_report(actor=request.user, action=action, **data),
        "progress_form",
    )


@login_required
@require_GET
def progress_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The evidence of a progress report, decrypted, to who sees its action."""
    report = get_progress_for(request.user, pk, action="view")
    if not report.evidence:
        raise Http404
    content = services.progress_evidence_read(actor=request.user, report=report)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"bukti-{report.pk}{report.evidence_extension}",
        content_type=report.evidence_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def slippage(request: HttpRequest) -> HttpResponse:
    require(can_use_plans(request.user))
    today = timezone.localdate()
    return render(
        request,
        "plans/slippage.html",
        {
            "groups": selectors.slippage_by_agency(request.user, today=today),
            "expected": selectors.expected_percent(today),
        },
    )


@login_required
@require_POST
def meeting_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_plans(request.user))
    region = require_city(request.user)
    return _save(
        request,
        MeetingForm(request.POST),
        lambda data: services.meeting_create(actor=request.user, region=region, **data),
        back=reverse("plans:home"),
        template="plans/home.html",
        context=lambda: _home_context(request),
        form_name="meeting_form",
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="view")
    return render(request, "plans/meeting.html", _meeting_context(request, meeting))


def _meeting_form(
    request: HttpRequest,
    meeting: Meeting,
    form: BaseForm,
    call: Callable[[dict[str, Any]], object],
    form_name: str,
) -> HttpResponse:
    """A form of the meeting page: back to the meeting, or the meeting page with the
    errors."""
    return _save(
        request,
        form,
        call,
        back=reverse("plans:meeting", args=[meeting.pk]),
        template="plans/meeting.html",
        context=lambda: _meeting_context(request, meeting),
        form_name=form_name,
    )


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _meeting_form(
        request,
        meeting,
        AttendanceForm(request.POST, region_id=meeting.region_id),
        lambda data: services.attendance_set(actor=request.user, meeting=meeting, **data),
        "attendance_form",
    )


@login_required
@require_POST
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _meeting_form(
        request,
        meeting,
        DecisionForm(request.POST),
        lambda data: services.decision_add(actor=request.user, meeting=meeting, **data),
        "decision_form",
    )


@login_required
@require_POST
def meeting_followup(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _meeting_form(
        request,
        meeting,
        FollowUpForm(request.POST, region_id=meeting.region_id),
        lambda data: services.followup_create(actor=request.user, meeting=meeting, **data),
        "followup_form",
    )


@login_required
@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for(request.user, pk, action="close")
    return _save(
        request,
        DoneForm(request.POST),
        lambda data: services.followup_close(actor=request.user, followup=followup, **data),
        back=reverse("plans:my_followups"),
        template="plans/my_followups.html",
        context=lambda: _my_followups_context(request),
        form_name="done_form",
    )


@login_required
@require_GET
def my_followups(request: HttpRequest) -> HttpResponse:
    require(can_use_plans(request.user))
    return render(request, "plans/my_followups.html", _my_followups_context(request))
