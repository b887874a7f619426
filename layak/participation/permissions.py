"""Who may see and do what with Forum Anak data (issue #5). Every rule is written here once.

Children's data is need-to-know: member lists, names and consents are seen by the forum's own
facilitators and the city's task-force secretariat only. Nobody else — not an agency, not
leadership, not the administrator — ever sees who a child is.

* Forums: the secretariat sees and manages every forum of its city; a facilitator sees the
  forums they facilitate; leadership sees forums and their figures (no members).
* Aspirations: the secretariat sees all of its city; a facilitator those of their forums
  (a child's public aspiration goes to the city forum); an OPD focal point only those routed
  to their own agency; leadership all of its city, read-only. Who voiced an aspiration is
  shown to the facilitators and the secretariat only.
* Routing, publishing and Musrenbang outcomes: the facilitators and the secretariat. Answering:
  the focal points of the agency it is routed to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
from layak.accounts.scope import city_of
from layak.core.identity import IdentityAccess
from layak.core.permissions import always, get_object_for, has_role, user_roles, within_scope
from layak.participation.models import (
    Aspiration,
    Consent,
    Forum,
    Member,
    Status,
)

is_facilitator = has_role(Role.FORUM_FACILITATOR)
is_secretariat = has_role(Role.SECRETARIAT)
is_opd_focal = has_role(Role.OPD_FOCAL)
is_leadership = has_role(Role.LEADERSHIP)

USING_ROLES = {Role.FORUM_FACILITATOR, Role.SECRETARIAT, Role.OPD_FOCAL, Role.LEADERSHIP}


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _home(user: Any, path: str) -> Q | None:
    """What the person reads, for ``path`` leading to a region code: their kab/kota, or the
    whole province for province staff (``accounts.permissions.home_filter``)."""
    return home_filter(user, path)


def _secretariat_q(user: Any, path: str) -> Q | None:
    """The kab/kota whose forums and aspirations the secretariat runs: their own
    (``accounts.scope.city_of``). Running a forum writes a kab/kota's data, which needs a
    person of that kab/kota: province staff read (``_home``) but do not run forums."""
    if not is_secretariat(user):
        return None
    city = city_of(user)
    return within_scope(city.code, path) if city is not None else None


def can_use_participation(user: Any) -> bool:
    """The main-menu entry "Forum Anak"."""
    return _active(user) and bool(user_roles(user) & USING_ROLES)


def can_manage_forums(user: Any) -> bool:
    """Create forums and assign facilitators: the secretariat of a kab/kota."""
    return _active(user) and bool(is_secretariat(user)) and city_of(user) is not None


def can_record_aspiration(user: Any) -> bool:
    """Record an aspiration of a forum or consultation: facilitators and the secretariat."""
    return _active(user) and bool(is_facilitator(user) or is_secretariat(user))


def can_export_aspirations(user: Any) -> bool:
    """The aspirations export (no identity): the secretariat and leadership."""
    return _active(user) and bool(is_secretariat(user) or is_leadership(user))


# -- forums --------------------------------------------------------------------------------


def facilitated_forum_ids(user: Any) -> QuerySet[Forum, Any]:
    return Forum.objects.filter(facilitators=user).values("pk")


def forums_visible_to(user: Any) -> QuerySet[Forum]:
    if not _active(user):
        return Forum.objects.none()
    q = Q(pk__in=[])
    if is_facilitator(user):
        q |= Q(pk__in=facilitated_forum_ids(user))
    if is_secretariat(user) or is_leadership(user):
        home = _home(user, "city__code")
        if home is not None:
            q |= home
    return Forum.objects.filter(q).select_related("city", "region")


def _runs_forum(user: Any, forum: Forum) -> bool:
    """The forum's own facilitator, or the secretariat of its city."""
    if is_facilitator(user) and forum.facilitators.filter(pk=user.pk).exists():
        return True
    home = _secretariat_q(user, "city__code")
    return home is not None and Forum.objects.filter(home, pk=forum.pk).exists()


def _manages_forum(user: Any, forum: Forum) -> bool:
    home = _secretariat_q(user, "city__code")
    return home is not None and Forum.objects.filter(home, pk=forum.pk).exists()


FORUM_CHECKS = {
    "view": always,
    "members": _runs_forum,  # see member names, record members, consents, consultations
    "manage": _manages_forum,  # edit the forum, assign facilitators
}


def get_forum_for(user: Any, pk: Any, *, action: str) -> Forum:
    return get_object_for(user, pk, action=action, visible=forums_visible_to, checks=FORUM_CHECKS)


def may_forum(user: Any, forum: Forum, action: str) -> bool:
    return bool(FORUM_CHECKS[action](user, forum))


def forums_run_by(user: Any) -> QuerySet[Forum]:
    """Forums whose children's data ``user`` may see (own facilitator, city secretariat)."""
    if not _active(user):
        return Forum.objects.none()
    q = Q(pk__in=[])
    if is_facilitator(user):
        q |= Q(pk__in=facilitated_forum_ids(user))
    home = _secretariat_q(user, "city__code")
    if home is not None:
        q |= home
    return Forum.objects.filter(q)


# -- members and consents ------------------------------------------------------------------


def members_visible_to(user: Any) -> QuerySet[Member]:
    return Member.objects.filter(forum__in=forums_run_by(user).values("pk")).select_related(
        "forum", "kelurahan"
    )


def _member_editable(user: Any, member: Member) -> bool:
    return member.erased_at is None


def get_member_for(user: Any, pk: Any, *, action: str) -> Member:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=members_visible_to,
        checks={"view": always, "edit": _member_editable},
    )


def consents_visible_to(user: Any) -> QuerySet[Consent]:
    return Consent.objects.filter(member__in=members_visible_to(user).values("pk")).select_related(
        "member"
    )


def _consent_withdrawable(user: Any, consent: Consent) -> bool:
    return consent.withdrawn_on is None


def get_consent_for(user: Any, pk: Any, *, action: str) -> Consent:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=consents_visible_to,
        checks={"view": always, "withdraw": _consent_withdrawable},
    )


# -- aspirations ---------------------------------------------------------------------------


def aspirations_visible_to(user: Any) -> QuerySet[Aspiration]:
    if not _active(user):
        return Aspiration.objects.none()
    q = Q(pk__in=[])
    if is_facilitator(user):
        q |= Q(forum__in=facilitated_forum_ids(user))
    if is_secretariat(user) or is_leadership(user):
        home = _home(user, "city__code")
        if home is not None:
            q |= home
    if is_opd_focal(user) and user.agency_id:
        q |= Q(agency_id=user.agency_id) & ~Q(status__in=[Status.NEW, Status.DISMISSED])
    return Aspiration.objects.filter(q).select_related("city", "forum", "agency", "kelurahan")


def _curates(user: Any, aspiration: Aspiration) -> bool:
    """Route, publish, record planning, see who voiced it: the forum's facilitator or the
    secretariat of the city."""
    if (
        is_facilitator(user)
        and aspiration.forum_id is not None
        and Forum.objects.filter(pk=aspiration.forum_id, facilitators=user).exists()
    ):
        return True
    home = _secretariat_q(user, "city__code")
    return home is not None and Aspiration.objects.filter(home, pk=aspiration.pk).exists()


def _may_route(user: Any, aspiration: Aspiration) -> bool:
    return aspiration.status in (Status.NEW, Status.RECEIVED) and _curates(user, aspiration)


def _may_publish(user: Any, aspiration: Aspiration) -> bool:
    return aspiration.status in (Status.RECEIVED, Status.ANSWERED, Status.ACTED) and _curates(
        user, aspiration
    )


def _may_plan(user: Any, aspiration: Aspiration) -> bool:
    return aspiration.status != Status.DISMISSED and _curates(user, aspiration)


def _may_respond(user: Any, aspiration: Aspiration) -> bool:
    """The focal points of the agency the aspiration is routed to, until it is acted upon."""
    return bool(
        is_opd_focal(user)
        and aspiration.agency_id is not None
        and aspiration.agency_id == user.agency_id
        and aspiration.status in (Status.RECEIVED, Status.ANSWERED)
    )


def _may_see_evidence(user: Any, aspiration: Aspiration) -> bool:
    return bool(aspiration.evidence)


ASPIRATION_CHECKS = {
    "view": always,
    "identity": _curates,
    "route": _may_route,
    "publish": _may_publish,
    "plan": _may_plan,
    "respond": _may_respond,
    "evidence": _may_see_evidence,
}


def get_aspiration_for(user: Any, pk: Any, *, action: str) -> Aspiration:
    return get_object_for(
        user, pk, action=action, visible=aspirations_visible_to, checks=ASPIRATION_CHECKS
    )


def may_aspiration(user: Any, aspiration: Aspiration, action: str) -> bool:
    """For templates: whether ``user`` may do ``action`` on an aspiration they can see."""
    return bool(ASPIRATION_CHECKS[action](user, aspiration))


# Who can see who a child is through the rules above (issue #11): the forum's facilitators
# and the city's task-force secretariat (``forums_run_by``).
IDENTITY_ACCESS = IdentityAccess(
    app="participation",
    roles=frozenset({Role.FORUM_FACILITATOR, Role.SECRETARIAT}),
    querysets=(members_visible_to, consents_visible_to),
    what="Forum Anak members and their consents",
)
