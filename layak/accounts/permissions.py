"""Who may see and change agencies and people (issue #2).

Administrators manage the agencies and people of their own kab/kota; the task-force secretariat
reads the people directory; every person sees their own profile and their city's agencies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from layak.accounts.models import (
    Agency,
    DualControlKind,
    DualControlRequest,
    DualControlStatus,
    User,
)
from layak.accounts.roles import Role
from layak.accounts.scope import city_id_of
from layak.core.permissions import always as _always
from layak.core.permissions import get_object_for, has_role, within_scope
from layak.core.roles import is_admin as is_admin

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


def audit_scope(user: Any) -> Q | None:
    """The audit-trail entries of the person's own kab/kota (or province); registered with
    ``layak.core.permissions_audit`` from ``AccountsConfig.ready()``."""
    return home_filter(user, "region_code")


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


# -- two-person changes (issue #11, finding 5) ----------------------------------------------
#
# Granting a role that reads case files is asked for by an administrator and approved by a
# second person: the case intake agency's case manager (``LAYAK_CASE_INTAKE_AGENCY``) of the
# same kab/kota, or another administrator. A lost authenticator is reset by a case manager of
# the intake agency and an administrator together. Nobody decides their own request, nor one
# about themselves.


def is_intake_case_manager(user: Any) -> bool:
    """A case manager of the agency that takes in the city's cases."""
    agency = getattr(user, "agency", None)
    return bool(
        _is_active_user(user)
        and has_role(Role.CASE_MANAGER)(user)
        and agency is not None
        and agency.code == str(settings.LAYAK_CASE_INTAKE_AGENCY)
    )


def _same_city(user: Any, person: User) -> bool:
    if user.is_superuser:
        return True
    city = city_id_of(user)
    return city is not None and person.agency is not None and person.agency.region_id == city


def can_decide_dual_control(user: Any) -> bool:
    """Who may see the two-person requests page at all."""
    return bool(is_admin(user)) or is_intake_case_manager(user)


def dual_control_requests_visible_to(user: Any) -> QuerySet[DualControlRequest]:
    """Requests about people of the person's own kab/kota, for administrators and the intake
    case managers; one's own requests for everyone."""
    base = DualControlRequest.objects.select_related(
        "subject", "subject__agency", "requested_by", "decided_by"
    )
    if not _is_active_user(user):
        return base.none()
    mine = Q(requested_by=user)
    if user.is_superuser:
        return base.all()
    if can_decide_dual_control(user) and city_id_of(user) is not None:
        return base.filter(mine | Q(subject__agency__region_id=city_id_of(user)))
    return base.filter(mine)


def _may_decide(user: Any, request: DualControlRequest) -> bool:
    if request.status != DualControlStatus.PENDING:
        return False
    if user.pk in (request.requested_by_id, request.subject_id):
        return False
    if not _same_city(user, request.subject):
        return False
    if request.kind == DualControlKind.ROLE_GRANT:
        return bool(is_admin(user)) or is_intake_case_manager(user)
    # A reset of a lost authenticator: an administrator and an intake case manager.
    asker = request.requested_by
    return (bool(is_admin(asker)) and is_intake_case_manager(user)) or (
        is_intake_case_manager(asker) and bool(is_admin(user))
    )


def get_dual_control_request_for(user: Any, pk: Any, *, action: str) -> DualControlRequest:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=dual_control_requests_visible_to,
        checks={"view": _always, "decide": _may_decide},
    )


def may_decide_dual_control(user: Any, request: DualControlRequest) -> bool:
    """For templates: whether ``user`` may approve or reject ``request``."""
    return _may_decide(user, request)


def people_for_authenticator_reset(user: Any) -> QuerySet[User]:
    """Whose lost authenticator ``user`` may ask to reset: administrators the people they
    manage, intake case managers the people of their kab/kota; never themselves."""
    if is_admin(user):
        return people_visible_to(user).exclude(pk=user.pk)
    city = city_id_of(user)
    if is_intake_case_manager(user) and city is not None:
        return (
            User.objects.filter(is_superuser=False, agency__region_id=city)
            .exclude(pk=user.pk)
            .select_related("agency")
        )
    return User.objects.none()


def get_person_for_authenticator_reset(user: Any, pk: Any) -> User:
    return get_object_for(
        user, pk, action="reset", visible=people_for_authenticator_reset, checks={"reset": _always}
    )
