"""Who may see and change agencies and people (issue #2).

Administrators manage the agencies and people of their own kab/kota; the task-force secretariat
reads the people directory; every person sees their own profile and their city's agencies.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.core.permissions import always as _always
from layak.core.permissions import get_object_for, has_role, is_superuser, within_scope

is_admin = is_superuser | has_role(Role.ADMIN)
reads_people = is_admin | has_role(Role.SECRETARIAT)


def _is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def home_filter(user: Any, path: str) -> Q | None:
    """Filter for records of the person's own kab/kota (or province); None: nothing visible.

    ``path`` leads from the filtered model to a region code. Superusers and ministry staff
    (an agency without region) see every region.
    """
    if not _is_active_user(user):
        return None
    if user.is_superuser:
        return Q()
    agency = user.agency
    if agency is None:
        return None
    if agency.region_id is None:
        return Q()
    return within_scope(agency.region.code, path)


def agencies_visible_to(user: Any) -> QuerySet[Agency]:
    home = home_filter(user, "region__code")
    if home is None:
        return Agency.objects.none()
    return Agency.objects.filter(home).select_related("region", "area", "parent")


def can_manage_agencies(user: Any) -> bool:
    return bool(is_admin(user))


def can_view_agencies(user: Any) -> bool:
    return home_filter(user, "region__code") is not None


def _may_change_agency(user: Any, agency: Agency) -> bool:
    return can_manage_agencies(user)


def get_agency_for(user: Any, pk: Any, *, action: str) -> Agency:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=agencies_visible_to,
        checks={"view": _always, "change": _may_change_agency},
    )


def people_visible_to(user: Any) -> QuerySet[User]:
    """Administrators and the secretariat see the people of their kab/kota; others only self."""
    if not _is_active_user(user):
        return User.objects.none()
    base = User.objects.select_related("agency", "agency__region", "scope_region")
    home = home_filter(user, "agency__region__code")
    if home is None or not reads_people(user):
        return base.filter(pk=user.pk)
    if not user.is_superuser:
        base = base.filter(is_superuser=False)
    return base.filter(home | Q(pk=user.pk))


def can_list_people(user: Any) -> bool:
    return bool(reads_people(user))


def can_manage_people(user: Any) -> bool:
    return bool(is_admin(user))


def _may_change_person(user: Any, person: User) -> bool:
    return can_manage_people(user) and (user.is_superuser or not person.is_superuser)


def get_person_for(user: Any, pk: Any, *, action: str) -> User:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=people_visible_to,
        checks={"view": _always, "change": _may_change_person},
    )


def assignable_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies an administrator may place people in or edit."""
    if not can_manage_agencies(user):
        return Agency.objects.none()
    return agencies_visible_to(user).filter(is_active=True)
