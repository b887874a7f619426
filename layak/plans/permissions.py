"""Who may see and do what in the action plan and meetings module (issue #6).

* Everyone with a plans role (secretariat, administrator, leadership, OPD focal point) sees the
  plans, meetings and follow-ups of their own kab/kota; other cities are invisible (404).
* The city secretariat (and the administrator) manages plans, actions and meetings.
* The OPD focal points of an action's owner agency report its progress and mark its
  milestones; those of a follow-up's owner agency close it.
* Leadership reads.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
from layak.core.permissions import always, get_object_for, has_role, require
from layak.plans.models import Action, FollowUp, Meeting, Milestone, Plan, ProgressReport

uses_plans = has_role(Role.SECRETARIAT, Role.ADMIN, Role.LEADERSHIP, Role.OPD_FOCAL)
manages_plans = has_role(Role.SECRETARIAT, Role.ADMIN)
is_focal = has_role(Role.OPD_FOCAL)


def can_use_plans(user: Any) -> bool:
    return bool(uses_plans(user)) and home_filter(user, "region__code") is not None


def can_manage_plans(user: Any) -> bool:
    return can_use_plans(user) and bool(manages_plans(user))


def _of_owner_agency(user: Any, agency_id: int) -> bool:
    return bool(is_focal(user)) and user.agency_id == agency_id


def plans_visible_to(user: Any) -> QuerySet[Plan]:
    scope = home_filter(user, "region__code")
    if scope is None or not can_use_plans(user):
        return Plan.objects.none()
    return Plan.objects.filter(scope)


def actions_visible_to(user: Any) -> QuerySet[Action]:
    return Action.objects.filter(plan__in=plans_visible_to(user))


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    scope = home_filter(user, "region__code")
    if scope is None or not can_use_plans(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(scope)


def followups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(meeting__in=meetings_visible_to(user))


def can_report_on(user: Any, action: Action) -> bool:
    return can_manage_plans(user) or _of_owner_agency(user, action.agency_id)


def can_close(user: Any, followup: FollowUp) -> bool:
    return can_manage_plans(user) or _of_owner_agency(user, followup.agency_id)


def _manage(user: Any, obj: object) -> bool:
    return can_manage_plans(user)


def get_plan_for(user: Any, pk: Any, *, action: str) -> Plan:
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=plans_visible_to,
        checks={"view": always, "manage": _manage},
    )


def get_action_for(user: Any, pk: Any, *, action: str) -> Action:
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=lambda u: actions_visible_to(u).select_related("plan", "agency"),
        checks={"view": always, "manage": _manage, "report": can_report_on},
    )


def milestones_visible_to(user: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(action__in=actions_visible_to(user))


def _may_report_on_milestone(user: Any, milestone: Milestone) -> bool:
    return can_report_on(user, milestone.action)


def get_milestone_for(user: Any, pk: Any, *, action: str) -> Milestone:
    """A milestone, to who sees its action; "report" (mark it done): who reports on the
    action."""
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=lambda u: milestones_visible_to(u).select_related("action__plan__region"),
        checks={"view": always, "report": _may_report_on_milestone},
    )


def progress_visible_to(user: Any) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(action__in=actions_visible_to(user))


def get_progress_for(user: Any, pk: Any, *, action: str) -> ProgressReport:
    """A progress report, to who sees its action (its evidence is read like the report)."""
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=lambda u: progress_visible_to(u).select_related("action__plan__region"),
        checks={"view": always},
    )


def get_meeting_for(user: Any, pk: Any, *, action: str) -> Meeting:
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=meetings_visible_to,
        checks={"view": always, "manage": _manage},
    )


def get_followup_for(user: Any, pk: Any, *, action: str) -> FollowUp:
    require(can_use_plans(user))  # people without a plans role: 403, not 404
    return get_object_for(
        user,
        pk,
        action=action,
        visible=lambda u: followups_visible_to(u).select_related("meeting", "agency"),
        checks={"view": always, "close": can_close},
    )
