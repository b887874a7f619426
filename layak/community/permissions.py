"""Who may see and do what in the PATBM module (issue #5). Every rule is written here once.

* The task-force secretariat and administrators (``Role.SECRETARIAT``, ``Role.ADMIN``) manage
  every group of their kab/kota within their location scope, including status and decree, and
  read the coverage.
* A PATBM activist manages their own group — the group of their agency, or a group whose member
  record is linked to their login — (members, trainings, activities, photos) and sends
  early-detection reports, of which they see the status only.
* Leadership reads groups and coverage within their scope; kecamatan and kelurahan staff
  (OPD focal points whose scope is a kecamatan or kelurahan) read those of their area.
* Members' names and phones are shown only to who manages the group.

A group outside what a person sees answers 404; one they see but may not change answers 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
from layak.accounts.scope import city_of, work_level
from layak.community.models import Activity, ActivityPhoto, Member, PatbmGroup
from layak.core.permissions import always, get_object_for, has_role, is_superuser, within_scope

is_group_manager = is_superuser | has_role(Role.ADMIN, Role.SECRETARIAT)
is_activist = has_role(Role.PATBM_ACTIVIST)
is_leadership = has_role(Role.LEADERSHIP)
is_focal = has_role(Role.OPD_FOCAL)

#: The path from PatbmGroup to the code of the kelurahan it serves.
AREA_PATH = "agency__area__code"


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _area_scoped(user: Any) -> bool:
    """Whether the person works for a kecamatan or kelurahan (not the whole city)."""
    code = user.scope_code
    return code is not None and code.count(".") >= 2


def _reads_area(user: Any) -> bool:
    return bool(is_leadership(user) or (is_focal(user) and _area_scoped(user)))


def _scope_q(user: Any) -> Q | None:
    """Groups of the person's kab/kota within their location scope; None: none at all."""
    home = home_filter(user, "agency__region__code")
    if home is None:
        return None
    return home & within_scope(user.scope_code, AREA_PATH)


def _own_q(user: Any, prefix: str = "") -> Q:
    """Groups the activist belongs to: their agency's, or one whose member record is theirs."""
    linked = Member.objects.filter(group=OuterRef(f"{prefix}pk"), user=user, is_active=True)
    q = Q(Exists(linked))
    if user.agency_id:
        q |= Q(**{f"{prefix}agency_id": user.agency_id})
    return q


def _base() -> QuerySet[PatbmGroup]:
    return PatbmGroup.objects.select_related("agency", "agency__area", "agency__area__parent")


def groups_visible_to(user: Any) -> QuerySet[PatbmGroup]:
    if not _active(user):
        return PatbmGroup.objects.none()
    q = Q(pk__in=[])
    scope = _scope_q(user)
    if scope is not None and (is_group_manager(user) or _reads_area(user)):
        q |= scope
    if is_activist(user):
        q |= _own_q(user)
    return _base().filter(q)


def groups_managed_by(user: Any) -> QuerySet[PatbmGroup]:
    """Groups whose members and activities ``user`` may record."""
    if not _active(user):
        return PatbmGroup.objects.none()
    q = Q(pk__in=[])
    scope = _scope_q(user)
    if scope is not None and is_group_manager(user):
        q |= scope
    if is_activist(user):
        q |= _own_q(user)
    return _base().filter(q)


def own_groups(user: Any) -> QuerySet[PatbmGroup]:
    """The activist's own group(s)."""
    if not _active(user) or not is_activist(user):
        return PatbmGroup.objects.none()
    return _base().filter(_own_q(user))


def _may_manage(user: Any, group: PatbmGroup) -> bool:
    return groups_managed_by(user).filter(pk=group.pk).exists()


def _may_edit_profile(user: Any, group: PatbmGroup) -> bool:
    """Status and founding decree: the secretariat and administrators only."""
    return bool(is_group_manager(user))


GROUP_CHECKS = {"view": always, "manage": _may_manage, "profile": _may_edit_profile}


def get_group_for(user: Any, pk: Any, *, action: str) -> PatbmGroup:
    return get_object_for(user, pk, action=action, visible=groups_visible_to, checks=GROUP_CHECKS)


def may(user: Any, group: PatbmGroup, action: str) -> bool:
    """For templates: whether ``user`` may do ``action`` on a group they can see."""
    return bool(GROUP_CHECKS[action](user, group))


def members_visible_to(user: Any) -> QuerySet[Member]:
    """Members (with names and phones) of the groups the person manages."""
    return Member.objects.filter(group__in=groups_managed_by(user).values("pk")).select_related(
        "group", "user"
    )


def get_member_for(user: Any, pk: Any, *, action: str) -> Member:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=members_visible_to,
        checks={"view": always, "manage": always},
    )


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    return Activity.objects.filter(group__in=groups_visible_to(user).values("pk")).select_related(
        "group", "group__agency", "group__agency__area"
    )


def _may_manage_activity(user: Any, activity: Activity) -> bool:
    return _may_manage(user, activity.group)


def get_activity_for(user: Any, pk: Any, *, action: str) -> Activity:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=activities_visible_to,
        checks={"view": always, "manage": _may_manage_activity},
    )


def get_photo_for(user: Any, pk: Any) -> ActivityPhoto:
    return get_object_for(
        user,
        pk,
        action="view",
        visible=lambda u: ActivityPhoto.objects.filter(
            activity__in=activities_visible_to(u).values("pk")
        ),
        checks={"view": always},
    )


def can_use_community(user: Any) -> bool:
    """The PATBM menu entry: whoever sees at least some groups or sends reports."""
    if not _active(user):
        return False
    return bool(is_activist(user) or can_view_coverage(user))


def can_view_coverage(user: Any) -> bool:
    return (
        _active(user)
        and _scope_q(user) is not None
        and bool(is_group_manager(user) or _reads_area(user))
    )


def coverage_scope(user: Any) -> str | None:
    """The region code whose kelurahan ``user`` sees in the coverage (None: no coverage).

    The person's own scope when it lies within the region they work in (their kab/kota,
    ``accounts.scope.city_of``; province staff: their province), otherwise that region;
    national staff and superusers: their scope, else the deployment's home kab/kota.
    """
    if not can_view_coverage(user):
        return None
    area = _work_region_code(user)
    scope = user.scope_code
    if scope is not None and (area is None or scope.startswith(f"{area}.")):
        return str(scope)
    return area or str(settings.LAYAK_HOME_REGION)


def _work_region_code(user: Any) -> str | None:
    """The code of the kab/kota the person works in, or of the province for province staff."""
    city = city_of(user)
    if city is not None:
        return city.code
    if work_level(user) == "province":
        return str(user.agency.region.code)
    return None


def can_manage_groups(user: Any) -> bool:
    """Create missing group profiles, change any group's status: secretariat and admins."""
    return _active(user) and _scope_q(user) is not None and bool(is_group_manager(user))


def can_send_reports(user: Any) -> bool:
    """Early-detection reports: PATBM activists of an agency that belongs to a kab/kota."""
    return _active(user) and bool(is_activist(user)) and city_of(user) is not None
