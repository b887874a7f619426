"""Who may see and do what in Puspaga (issue #5). Every rule is written here once.

* Counsellors (``Role.COUNSELLOR``) of an agency of a kab/kota counsel. A counsellor sees the
  families they are assigned to or have a booking or session with, and the bookings and
  sessions that are theirs or of a family assigned to them.
* Session notes: only the session's counsellor and the family's assigned counsellor.
* Supervisors (secretariat, administrator of the city) and leadership see counts only, with
  small cells suppressed: never a family, a name or a note. Nor does a superuser.
* Service points and schedules: the city's administrator; a counsellor keeps their own schedule.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from layak.accounts.roles import Role
from layak.accounts.scope import city_id_of, city_of
from layak.core.identity import IdentityAccess
from layak.core.permissions import always, get_object_for, has_role, is_superuser, user_roles
from layak.families.models import (
    Booking,
    BookingStatus,
    Certificate,
    Family,
    HandOff,
    Schedule,
    ServicePoint,
    Session,
    Topic,
)
from layak.regions.models import Region
from layak.regions.selectors import home_region

is_counsellor = has_role(Role.COUNSELLOR)
reads_counts = has_role(Role.COUNSELLOR, Role.SECRETARIAT, Role.ADMIN, Role.LEADERSHIP)
is_city_admin = has_role(Role.ADMIN)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_counsel(user: Any) -> bool:
    """A counsellor of an agency of a kab/kota (``accounts.scope.city_of``)."""
    return _active(user) and bool(is_counsellor(user)) and city_of(user) is not None


def counts_city(user: Any) -> Region | None:
    """The kab/kota whose counts ``user`` may read; None: none. Readers of the counts read
    their own kab/kota (``accounts.scope.city_of``); a superuser without one reads the
    deployment's home kab/kota (read-only: counts never show a family)."""
    if not _active(user) or not (reads_counts(user) or is_superuser(user)):
        return None
    city = city_of(user)
    if city is None and is_superuser(user):
        return home_region()
    return city


def can_view_counts(user: Any) -> bool:
    return counts_city(user) is not None


def can_use_families(user: Any) -> bool:
    """The main menu entry "Puspaga": counsellors, and those who read the counts."""
    return can_counsel(user) or can_view_counts(user)


def can_manage_points(user: Any) -> bool:
    return _active(user) and bool(is_city_admin(user)) and city_of(user) is not None


def can_see_points(user: Any) -> bool:
    return can_counsel(user) or can_manage_points(user)


# -- families, bookings, sessions -----------------------------------------------------------


def _counsellor_city(user: Any) -> int | None:
    """The kab/kota a counsellor works in (``accounts.scope.city_id_of``); None for everyone
    who does not counsel."""
    return city_id_of(user) if can_counsel(user) else None


def families_visible_to(user: Any) -> QuerySet[Family]:
    city_id = _counsellor_city(user)
    if city_id is None:
        return Family.objects.none()
    mine = (
        Q(assigned_counsellor=user)
        | Q(Exists(Booking.objects.filter(family=OuterRef("pk"), counsellor=user)))
        | Q(Exists(Session.objects.filter(family=OuterRef("pk"), counsellor=user)))
    )
    return Family.objects.filter(mine, region_id=city_id)


def _is_family_counsellor(user: Any, family: Family) -> bool:
    return bool(family.assigned_counsellor_id == user.pk)


def _may_register(user: Any, family: Family) -> bool:
    """Book again or record a session for a family: any counsellor who sees it."""
    return can_counsel(user)


FAMILY_CHECKS = {"view": always, "book": _may_register}


def get_family_for(user: Any, pk: Any, *, action: str) -> Family:
    return get_object_for(
        user, pk, action=action, visible=families_visible_to, checks=FAMILY_CHECKS
    )


def bookings_visible_to(user: Any) -> QuerySet[Booking]:
    city_id = _counsellor_city(user)
    if city_id is None:
        return Booking.objects.none()
    return Booking.objects.filter(
        Q(counsellor=user) | Q(family__assigned_counsellor=user), region_id=city_id
    ).select_related("family", "service_point", "counsellor")


def _may_attend(user: Any, booking: Booking) -> bool:
    return booking.status == BookingStatus.BOOKED and (
        booking.counsellor_id == user.pk or _is_family_counsellor(user, booking.family)
    )


def _may_hold(user: Any, booking: Booking) -> bool:
    """Record the session of a booking: its counsellor, while no session exists."""
    return booking.status in (BookingStatus.BOOKED, BookingStatus.ATTENDED) and (
        booking.counsellor_id == user.pk or _is_family_counsellor(user, booking.family)
    )


def get_booking_for(user: Any, pk: Any, *, action: str) -> Booking:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=bookings_visible_to,
        checks={"view": always, "attend": _may_attend, "hold": _may_hold},
    )


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    """Sessions a counsellor may open: their own, and those of families assigned to them."""
    city_id = _counsellor_city(user)
    if city_id is None:
        return Session.objects.none()
    return Session.objects.filter(
        Q(counsellor=user) | Q(family__assigned_counsellor=user), region_id=city_id
    ).select_related("family", "service_point", "counsellor")


def may_read_notes(user: Any, session: Session) -> bool:
    """The confidentiality rule of Puspaga: the session's counsellor and the family's
    assigned counsellor, nobody else (not a supervisor, not leadership, not a superuser)."""
    return can_counsel(user) and (
        session.counsellor_id == user.pk or _is_family_counsellor(user, session.family)
    )


def _may_certify(user: Any, session: Session) -> bool:
    return may_read_notes(user, session) and session.topic == Topic.CHILD_MARRIAGE


SESSION_CHECKS = {
    "view": always,
    "notes": may_read_notes,
    "certify": _may_certify,
    "handoff": may_read_notes,
}


def get_session_for(user: Any, pk: Any, *, action: str) -> Session:
    return get_object_for(
        user, pk, action=action, visible=sessions_visible_to, checks=SESSION_CHECKS
    )


def may_session(user: Any, session: Session, action: str) -> bool:
    return bool(SESSION_CHECKS[action](user, session))


def certificates_visible_to(user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        session__in=sessions_visible_to(user).values("pk")
    ).select_related("session", "session__family", "service_point")


def get_certificate_for(user: Any, pk: Any) -> Certificate:
    return get_object_for(
        user, pk, action="view", visible=certificates_visible_to, checks={"view": always}
    )


def handoffs_visible_to(user: Any) -> QuerySet[HandOff]:
    if not can_counsel(user):
        return HandOff.objects.none()
    return HandOff.objects.filter(
        Q(created_by=user) | Q(session__in=sessions_visible_to(user).values("pk"))
    ).select_related("report", "session")


def get_handoff_for(user: Any, pk: Any) -> HandOff:
    return get_object_for(
        user, pk, action="view", visible=handoffs_visible_to, checks={"view": always}
    )


# -- service points and schedules ------------------------------------------------------------


def points_visible_to(user: Any) -> QuerySet[ServicePoint]:
    city_id = city_id_of(user)
    if city_id is None or not can_see_points(user):
        return ServicePoint.objects.none()
    return ServicePoint.objects.filter(region_id=city_id)


def _may_change_point(user: Any, point: ServicePoint) -> bool:
    return can_manage_points(user)


def get_point_for(user: Any, pk: Any, *, action: str) -> ServicePoint:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=points_visible_to,
        checks={"view": always, "change": _may_change_point},
    )


def schedules_visible_to(user: Any) -> QuerySet[Schedule]:
    return Schedule.objects.filter(
        service_point__in=points_visible_to(user).values("pk")
    ).select_related("service_point", "counsellor")


def _may_change_schedule(user: Any, schedule: Schedule) -> bool:
    return can_manage_points(user) or (can_counsel(user) and schedule.counsellor_id == user.pk)


def get_schedule_for(user: Any, pk: Any, *, action: str) -> Schedule:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=schedules_visible_to,
        checks={"view": always, "change": _may_change_schedule},
    )


def can_add_schedule(user: Any, counsellor: Any) -> bool:
    """The administrator for any counsellor of the city; a counsellor for themself."""
    if can_manage_points(user):
        return True
    return can_counsel(user) and counsellor is not None and counsellor.pk == user.pk


def counsellors_of(city_id: int | None) -> Any:
    """The active counsellors of agencies of ``city_id``."""
    from layak.accounts.models import User

    if city_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True, agency__region_id=city_id, role_assignments__role=Role.COUNSELLOR
        )
        .distinct()
        .order_by("full_name", "username")
    )


def has_counsellor_role(user: Any) -> bool:
    return Role.COUNSELLOR in user_roles(user)


# Who can see a family's identity through the rules above (issue #11): counsellors only.
IDENTITY_ACCESS = IdentityAccess(
    app="families",
    roles=frozenset({Role.COUNSELLOR}),
    querysets=(families_visible_to, bookings_visible_to, sessions_visible_to),
    what="families, bookings and counselling sessions",
)
