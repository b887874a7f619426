"""Pages of the action plan and task-force meetings (issue #6). Thin: parse, fetch through
``permissions.py``, call one service, render or redirect."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

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
from layak.plans.models import Milestone
from layak.plans.permissions import (
    actions_visible_to,
    can_manage_plans,
    can_report_on,
    can_use_plans,
    get_action_for,
    get_followup_for,
    get_meeting_for,
    get_plan_for,
    get_progress_for,
)
from layak.regions.models import Region


def _submit(
    request: HttpRequest, form: forms.Form, call: Callable[..., Any], back: str
) -> HttpResponse:
    """Run ``call`` with the form's data; errors go to the messages, the answer redirects."""
    if form.is_valid():
        try:
            call(**form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)


def _home_region(user: Any) -> Region:
    """The kab/kota where the secretariat creates plans and meetings."""
    region: Region | None = user.agency.region if user.agency is not None else None
    if region is None:
        raise PermissionDenied
    return region


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(can_use_plans(request.user))
    return render(
        request,
        "plans/home.html",
        {
            "plans": selectors.plan_list(request.user),
            "meetings": selectors.meeting_list(request.user)[:10],
            "followups": selectors.open_followups(request.user),
            "today": timezone.localdate(),
            "can_manage": can_manage_plans(request.user),
            "plan_form": PlanForm(),
            "meeting_form": MeetingForm(),
        },
    )


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_plans(request.user))
    region = _home_region(request.user)
    return _submit(
        request,
        PlanForm(request.POST),
        lambda **data: services.plan_create(actor=request.user, region=region, **data),
        reverse("plans:home"),
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk, action="view")
    today = timezone.localdate()
    return render(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "rows": selectors.action_statuses(plan.actions.all(), today=today),
            "can_manage": can_manage_plans(request.user),
            "action_form": ActionForm(region_id=plan.region_id),
        },
    )


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
    return _submit(
        request,
        ActionForm(request.POST, region_id=plan.region_id),
        lambda **data: services.action_create(actor=request.user, plan=plan, **data),
        reverse("plans:plan", args=[plan.pk]),
    )


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="view")
    return render(
        request,
        "plans/action.html",
        {
            "action": action,
            "targets": action.targets.all(),
            "milestones": action.milestones.all(),
            "progress": action.progress.all(),
            "today": timezone.localdate(),
            "can_manage": can_manage_plans(request.user),
            "can_report": can_report_on(request.user, action),
            "target_form": TargetForm(),
            "milestone_form": MilestoneForm(),
            "progress_form": ProgressForm(),
            "done_form": DoneForm(),
        },
    )


@login_required
@require_POST
def action_target(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="manage")
    return _submit(
        request,
        TargetForm(request.POST),
        lambda **data: services.target_set(actor=request.user, action=action, **data),
        reverse("plans:action", args=[action.pk]),
    )


@login_required
@require_POST
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="manage")
    return _submit(
        request,
        MilestoneForm(request.POST),
        lambda **data: services.milestone_create(actor=request.user, action=action, **data),
        reverse("plans:action", args=[action.pk]),
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = (
        Milestone.objects.filter(action__in=actions_visible_to(request.user)).filter(pk=pk).first()
    )
    if milestone is None:
        raise Http404
    action = get_action_for(request.user, milestone.action_id, action="report")
    return _submit(
        request,
        DoneForm(request.POST),
        lambda done_on, note: services.milestone_done(
            actor=request.user, milestone=milestone, done_on=done_on
        ),
        reverse("plans:action", args=[action.pk]),
    )


@login_required
@require_POST
def progress_new(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for(request.user, pk, action="report")
    return _submit(
        request,
        ProgressForm(request.POST, request.FILES),
        lambda **data: services.progress_report(actor=request.user, action=action, **data),
        reverse("plans:action", args=[action.pk]),
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
            "today": today,
        },
    )


@login_required
@require_POST
def meeting_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_plans(request.user))
    region = _home_region(request.user)
    return _submit(
        request,
        MeetingForm(request.POST),
        lambda **data: services.meeting_create(actor=request.user, region=region, **data),
        reverse("plans:home"),
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="view")
    return render(
        request,
        "plans/meeting.html",
        {
            "meeting": meeting,
            "attendance": meeting.attendance.select_related("agency"),
            "decisions": meeting.decisions.all(),
            "followups": meeting.followups.select_related("agency", "owner"),
            "today": timezone.localdate(),
            "can_manage": can_manage_plans(request.user),
            "attendance_form": AttendanceForm(region_id=meeting.region_id),
            "decision_form": DecisionForm(),
            "followup_form": FollowUpForm(region_id=meeting.region_id),
        },
    )


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _submit(
        request,
        AttendanceForm(request.POST, region_id=meeting.region_id),
        lambda **data: services.attendance_set(actor=request.user, meeting=meeting, **data),
        reverse("plans:meeting", args=[meeting.pk]),
    )


@login_required
@require_POST
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _submit(
        request,
        DecisionForm(request.POST),
        lambda **data: services.decision_add(actor=request.user, meeting=meeting, **data),
        reverse("plans:meeting", args=[meeting.pk]),
    )


@login_required
@require_POST
def meeting_followup(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk, action="manage")
    return _submit(
        request,
        FollowUpForm(request.POST, region_id=meeting.region_id),
        lambda **data: services.followup_create(actor=request.user, meeting=meeting, **data),
        reverse("plans:meeting", args=[meeting.pk]),
    )


@login_required
@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for(request.user, pk, action="close")
    return _submit(
        request,
        DoneForm(request.POST),
        lambda done_on, note: services.followup_close(
            actor=request.user, followup=followup, done_on=done_on, note=note
        ),
        reverse("plans:my_followups"),
    )


@login_required
@require_GET
def my_followups(request: HttpRequest) -> HttpResponse:
    require(can_use_plans(request.user))
    return render(
        request,
        "plans/my_followups.html",
        {
            "followups": selectors.my_followups(request.user),
            "today": timezone.localdate(),
            "done_form": DoneForm(),
        },
    )
