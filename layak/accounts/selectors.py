"""Reads of agencies and people for pages, already scoped to the acting person."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from layak.accounts.models import Agency, RoleAssignment, User
from layak.accounts.permissions import agencies_visible_to, people_visible_to


def agency_list(user: Any) -> QuerySet[Agency]:
    return agencies_visible_to(user).annotate(people_count=Count("people")).order_by("name")


def person_list(user: Any) -> QuerySet[User]:
    return people_visible_to(user).prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role"))
    )


def person_roles(person: User) -> list[str]:
    return sorted(assignment.role for assignment in person.role_assignments.all())


def person_login_names(person: User) -> list[str]:
    """The names a person can log in with, as the lockout records them (lower-case)."""
    return [name.lower() for name in (person.username, person.email) if name]


def person_is_locked(person: User) -> bool:
    """Whether repeated failed log-ins currently lock this person out."""
    attempts = AccessAttempt.objects.filter(
        username__in=person_login_names(person),
        failures_since_start__gte=settings.LAYAK_LOGIN_FAILURE_LIMIT,
    )
    return bool(attempts.exists())
