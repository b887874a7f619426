"""Reads served by the pages of the plans module (issue #6), scoped by ``permissions.py``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet

from layak.accounts.models import Agency
from layak.plans.models import (
    Action,
    FollowUp,
    Meeting,
    Milestone,
    Plan,
    ProgressReport,
    overdue_q,
)
from layak.plans.permissions import (
    actions_visible_to,
    can_manage_plans,
    followups_visible_to,
    is_focal,
    meetings_visible_to,
    plans_visible_to,
)


def slippage_tolerance() -> int:
    """Percentage points an action may lag the straight line before it counts as behind."""
    return int(settings.LAYAK_PLANS_SLIPPAGE_TOLERANCE)


def expected_percent(today: datetime.date) -> int:
    """The straight-line expectation of the year's target reached by ``today``."""
    start = datetime.date(today.year, 1, 1)
    days = (datetime.date(today.year + 1, 1, 1) - start).days
    return int((today - start).days * 100 / days)


@dataclass
class ActionStatus:
    """An action with its latest progress of the year and its missed milestones."""

    action: Action
    percent: int | None
    expected: int | None
    missed: list[Milestone] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        if self.expected is None:
            return False
        return (self.percent or 0) + slippage_tolerance() < self.expected

    @property
    def slipping(self) -> bool:
        return self.behind or bool(self.missed)


def plan_list(user: Any) -> QuerySet[Plan]:
    return plans_visible_to(user).select_related("region")


def action_statuses(actions: QuerySet[Action], *, today: datetime.date) -> list[ActionStatus]:
    """Latest progress of ``today``'s year and missed milestones of each action (3 queries)."""
    rows = actions.select_related("plan", "agency").prefetch_related(
        Prefetch(
            "progress",
            queryset=ProgressReport.objects.filter(reported_on__year=today.year),
            to_attr="year_progress",
        ),
        Prefetch(
            "milestones",
            queryset=Milestone.objects.filter(overdue_q(today)),
            to_attr="missed_milestones",
        ),
    )
    result = []
    expected = expected_percent(today)
    for action in rows:
        progress: list[ProgressReport] = action.year_progress
        in_period = action.plan.start_year <= today.year <= action.plan.end_year
        result.append(
            ActionStatus(
                action=action,
                percent=progress[0].percent if progress else None,
                expected=expected if in_period else None,
                missed=list(action.missed_milestones),
            )
        )
    return result


def slippage_by_agency(
    user: Any, *, today: datetime.date
) -> list[tuple[Agency, list[ActionStatus]]]:
    """Slipping actions (missed milestones, progress behind the straight line) per agency."""
    groups: dict[int, tuple[Agency, list[ActionStatus]]] = {}
    for status in action_statuses(actions_visible_to(user), today=today):
        if status.slipping:
            agency = status.action.agency
            groups.setdefault(agency.pk, (agency, []))[1].append(status)
    return sorted(groups.values(), key=lambda group: group[0].name)


def open_followups(user: Any) -> QuerySet[FollowUp]:
    """Open follow-ups: all of the city for the secretariat and leadership, the own agency's
    for OPD focal points."""
    rows = followups_visible_to(user).filter(done_on__isnull=True)
    if not can_manage_plans(user) and is_focal(user):
        rows = rows.filter(agency_id=user.agency_id)
    return rows.select_related("meeting", "agency", "owner").order_by("due_on", "pk")


def my_followups(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups owned by the person's agency, open first."""
    return (
        followups_visible_to(user)
        .filter(Q(agency_id=user.agency_id) | Q(owner=user))
        .select_related("meeting", "agency", "owner")
        .order_by(F("done_on").asc(nulls_first=True), "due_on", "pk")
    )


def meeting_list(user: Any) -> QuerySet[Meeting]:
    return meetings_visible_to(user)
