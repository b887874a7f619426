"""Need-to-know access to child-protection cases (issue #4). Every rule is written here once.

Who sees a case (its file, with names):
* its owner (the case worker in charge) and the people assigned to it (``CaseMember``);
* the case managers of the owning agency whose location scope covers the case's kelurahan
  (their supervisors; a city-wide manager sees all of the agency's cases);
* the people an *accepted* referral of the whole file is addressed to (a person, or a
  receiving role of the agency it is addressed to), until it is done, declined or revoked;
* someone with active emergency ("break-glass") access, until it expires.

Nobody else: not the administrator, not a superuser, not leadership, not the secretariat. They
see aggregates only (``can_view_statistics``), with small cells suppressed.

A service-only referral shares no file: its receivers see the referral (service requested,
the sender's message, the victims' age and sex), never names.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
from layak.accounts.scope import city_id_of
from layak.cases.models import (
    Attachment,
    BreakGlass,
    Case,
    CaseMember,
    Referral,
    ReferralScope,
    ReferralStatus,
    Report,
    ReportStatus,
)
from layak.core.identity import IdentityAccess
from layak.core.permissions import (
    always,
    get_object_for,
    has_role,
    is_superuser,
    user_roles,
    within_scope,
)

is_case_staff = has_role(Role.CASE_MANAGER, Role.CASE_WORKER)
is_case_manager = has_role(Role.CASE_MANAGER)
#: Roles that may receive a referral addressed to their agency.
RECEIVING_ROLES = (Role.CASE_MANAGER, Role.CASE_WORKER, Role.COUNSELLOR)
reads_statistics = is_case_manager | has_role(Role.SECRETARIAT, Role.ADMIN, Role.LEADERSHIP)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def break_glass_hours() -> int:
    return int(settings.LAYAK_BREAK_GLASS_HOURS)


def _receives_for_agency(user: Any) -> bool:
    return bool(user.agency_id and user_roles(user) & set(RECEIVING_ROLES))


def _addressed_to(user: Any, prefix: str = "") -> Q:
    """Referrals addressed to ``user`` (``prefix`` leads from another model to Referral)."""
    q = Q(**{f"{prefix}to_user": user})
    if _receives_for_agency(user):
        q |= Q(**{f"{prefix}to_user__isnull": True, f"{prefix}to_agency_id": user.agency_id})
    return q


def _team_q(user: Any) -> Q:
    """Cases on whose team ``user`` is (owner, member, supervising manager)."""
    if not user.agency_id:
        return Q(pk__in=[])
    # Owner and members only while they work for the owning agency: someone who moves to
    # another agency loses the files they had.
    mine = Q(owner=user) | Q(Exists(CaseMember.objects.filter(case=OuterRef("pk"), user=user)))
    q = Q(agency_id=user.agency_id) & mine
    if is_case_manager(user):
        q |= Q(agency_id=user.agency_id) & within_scope(user.scope_code, "region_code")
    return q


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases whose file ``user`` may open."""
    if not _active(user) or not (user_roles(user) & {*RECEIVING_ROLES}):
        return Case.objects.none()
    referred = Referral.objects.filter(
        _addressed_to(user),
        case=OuterRef("pk"),
        scope=ReferralScope.CASE,
        status=ReferralStatus.ACCEPTED,
    )
    glass = BreakGlass.objects.filter(case=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
    return Case.objects.filter(_team_q(user) | Q(Exists(referred)) | Q(Exists(glass)))


def cases_on_team_of(user: Any) -> QuerySet[Case]:
    """The cases ``user`` works on (not those reached by referral or emergency access)."""
    if not _active(user) or not is_case_staff(user):
        return Case.objects.none()
    return Case.objects.filter(_team_q(user))


def _on_team(user: Any, case: Case) -> bool:
    return cases_on_team_of(user).filter(pk=case.pk).exists()


def _supervises(user: Any, case: Case) -> bool:
    return bool(
        is_case_manager(user)
        and user.agency_id == case.agency_id
        and Case.objects.filter(within_scope(user.scope_code, "region_code"), pk=case.pk).exists()
    )


def _may_edit(user: Any, case: Case) -> bool:
    return case.anonymised_at is None and _on_team(user, case)


def _may_contribute(user: Any, case: Case) -> bool:
    """Record a service or a note: the team, and receivers of an accepted file referral."""
    if case.anonymised_at is not None:
        return False
    if _on_team(user, case):
        return True
    return Referral.objects.filter(
        _addressed_to(user), case=case, scope=ReferralScope.CASE, status=ReferralStatus.ACCEPTED
    ).exists()


def _may_manage(user: Any, case: Case) -> bool:
    """Assign people, change the owner, override consent: the supervising case manager."""
    return case.anonymised_at is None and _supervises(user, case)


def _may_see_access_log(user: Any, case: Case) -> bool:
    return _on_team(user, case)


CASE_CHECKS = {
    "view": always,
    "edit": _may_edit,
    "contribute": _may_contribute,
    "manage": _may_manage,
    "access_log": _may_see_access_log,
}


def get_case_for(user: Any, pk: Any, *, action: str) -> Case:
    return get_object_for(user, pk, action=action, visible=cases_visible_to, checks=CASE_CHECKS)


def may(user: Any, case: Case, action: str) -> bool:
    """For templates: whether ``user`` may do ``action`` on a case they can see."""
    return bool(CASE_CHECKS[action](user, case))


def can_use_cases(user: Any) -> bool:
    return _active(user) and bool(user_roles(user) & {*RECEIVING_ROLES})


def can_record_case(user: Any) -> bool:
    """Open a case or record a report received by phone, walk-in, ...: case staff."""
    return _active(user) and bool(is_case_staff(user)) and user.agency_id is not None


def can_view_statistics(user: Any) -> bool:
    return _active(user) and bool(reads_statistics(user) or is_superuser(user))


def statistics_region_filter(user: Any, path: str = "region__code") -> Q | None:
    """The kab/kota whose statistics ``user`` may read; None: none."""
    if not can_view_statistics(user):
        return None
    return home_filter(user, path)


def can_export_simfoni(user: Any) -> bool:
    return _active(user) and bool(is_case_manager(user)) and user.agency_id is not None


def can_manage_lookups(user: Any) -> bool:
    return _active(user) and bool(is_superuser(user) or has_role(Role.ADMIN)(user))


def break_glass_roles() -> frozenset[str]:
    return frozenset(settings.LAYAK_BREAK_GLASS_ROLES)


def can_break_glass(user: Any) -> bool:
    """Only the roles named in ``LAYAK_BREAK_GLASS_ROLES`` (case managers by default) who work
    in a kab/kota (``layak.accounts.scope.city_of``: never province or national staff), and
    only while no earlier emergency access of theirs waits for review."""
    if not _active(user) or not (user_roles(user) & break_glass_roles()):
        return False
    return city_id_of(user) is not None


def break_glass_pending_review(user: Any) -> bool:
    return BreakGlass.objects.filter(user=user, reviewed_at__isnull=True).exists()


def break_glass_candidates(user: Any) -> QuerySet[Case]:
    """Cases ``user`` may open in an emergency: of their own kab/kota, not anonymised."""
    city_id = city_id_of(user)
    if not can_break_glass(user) or city_id is None:
        return Case.objects.none()
    return Case.objects.filter(region_id=city_id, anonymised_at__isnull=True).exclude(
        stage="closed"
    )


def break_glass_to_review(user: Any) -> QuerySet[BreakGlass]:
    """Emergency accesses the supervising case manager should review."""
    if not _active(user) or not is_case_manager(user) or not user.agency_id:
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(
        within_scope(user.scope_code, "case__region_code"), case__agency_id=user.agency_id
    ).select_related("case", "user")


# -- referrals ------------------------------------------------------------------------------


def referrals_inbox(user: Any) -> QuerySet[Referral]:
    """Referrals addressed to ``user`` (directly or to their agency)."""
    if not can_use_cases(user):
        return Referral.objects.none()
    return Referral.objects.filter(_addressed_to(user)).select_related(
        "case", "to_agency", "to_user", "from_user", "service_kind"
    )


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Referrals the person received, or sent/sees on the cases of their team."""
    if not can_use_cases(user):
        return Referral.objects.none()
    team = cases_on_team_of(user).values("pk")
    # Receivers see a referral only while it is waiting or accepted; the team sees them all.
    received = _addressed_to(user) & Q(status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED])
    return Referral.objects.filter(received | Q(case__in=team)).select_related(
        "case", "to_agency", "to_user", "from_user", "service_kind"
    )


def _is_receiver(user: Any, referral: Referral) -> bool:
    if referral.to_user_id is not None:
        return bool(referral.to_user_id == user.pk)
    return _receives_for_agency(user) and referral.to_agency_id == user.agency_id


def _may_answer(user: Any, referral: Referral) -> bool:
    return referral.status == ReferralStatus.PENDING and _is_receiver(user, referral)


def _may_finish(user: Any, referral: Referral) -> bool:
    return referral.status == ReferralStatus.ACCEPTED and (
        _is_receiver(user, referral) or _on_team(user, referral.case)
    )


def _may_revoke(user: Any, referral: Referral) -> bool:
    return referral.status in (ReferralStatus.PENDING, ReferralStatus.ACCEPTED) and _on_team(
        user, referral.case
    )


def get_referral_for(user: Any, pk: Any, *, action: str) -> Referral:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=referrals_visible_to,
        checks={
            "view": always,
            "answer": _may_answer,
            "finish": _may_finish,
            "revoke": _may_revoke,
        },
    )


def may_referral(user: Any, referral: Referral, action: str) -> bool:
    checks = {"answer": _may_answer, "finish": _may_finish, "revoke": _may_revoke}
    return bool(checks[action](user, referral))


# -- attachments and reports ----------------------------------------------------------------


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    return Attachment.objects.filter(case__in=cases_visible_to(user).values("pk"))


def get_attachment_for(user: Any, pk: Any) -> Attachment:
    return get_object_for(
        user, pk, action="view", visible=attachments_visible_to, checks={"view": always}
    )


def reports_visible_to(user: Any) -> QuerySet[Report]:
    """Reports not yet handled, for the receiving agency's case staff; otherwise by the case.

    A PATBM activist sees only the reports they sent themselves (status only, see views).
    """
    if not _active(user):
        return Report.objects.none()
    q = Q(reporter_user=user)
    if is_case_staff(user) and user.agency_id:
        # Waiting reports: the intake desk of the agency, within the person's area (reports
        # without a kelurahan go to everyone of the agency). Closed as "not a case": only who
        # recorded it and the agency's case managers.
        area = within_scope(user.scope_code, "kelurahan__code") | Q(kelurahan__isnull=True)
        q |= Q(agency_id=user.agency_id, status=ReportStatus.RECEIVED) & area
        if is_case_manager(user):
            q |= Q(agency_id=user.agency_id, status=ReportStatus.DISMISSED) & area
        else:
            q |= Q(agency_id=user.agency_id, status=ReportStatus.DISMISSED, received_by=user)
        q |= Q(case__in=cases_on_team_of(user).values("pk"))
    return Report.objects.filter(q).select_related("kelurahan", "case")


def _may_handle(user: Any, report: Report) -> bool:
    return bool(is_case_staff(user)) and report.agency_id == user.agency_id


def get_report_for(user: Any, pk: Any, *, action: str) -> Report:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=reports_visible_to,
        checks={"view": _may_handle, "handle": _may_handle, "status": always},
    )


def expires_after_break_glass() -> timedelta:
    return timedelta(hours=break_glass_hours())


def _others_reports(user: Any) -> QuerySet[Report]:
    """Reports someone else sent: a PATBM activist sees the status of their own only."""
    return reports_visible_to(user).exclude(reporter_user=user)


# Who can see a child's identity through the rules above (issue #11): case staff and the
# receivers of a referral (Puspaga counsellors). They must log in with TOTP.
IDENTITY_ACCESS = IdentityAccess(
    app="cases",
    roles=frozenset(RECEIVING_ROLES) | frozenset(break_glass_roles()),
    querysets=(cases_visible_to, referrals_visible_to, attachments_visible_to, _others_reports),
    what="case files, referrals, attachments and reports",
    # Whoever gets one of these roles reads case files: the grant takes a second person.
    dual_control=True,
)
