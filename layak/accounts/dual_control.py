"""Changes that take two people (issue #11, finding 5): every state change of a
``DualControlRequest``. Who may ask and decide is in ``permissions.py``.

* Granting a role that reads case files (``layak.core.identity.dual_control_roles``): the
  administrator's change of roles (``person_create`` / ``person_update``) asks for it; the
  role is pending, not held, until the intake agency's case manager or another administrator
  approves. Asking and granting are announced by e-mail to the case managers of the city.
* Resetting a lost authenticator: a case manager of the intake agency and an administrator,
  two different people, one asking, the other approving. The person then sets up TOTP again
  at the next log-in (the two-factor middleware sends them there).

Each step is audited in the same transaction; e-mails go after the commit.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from layak.accounts.models import (
    DualControlKind,
    DualControlRequest,
    DualControlStatus,
    RoleAssignment,
    User,
)
from layak.accounts.permissions import (
    can_manage_people,
    may_decide_dual_control,
    people_for_authenticator_reset,
)
from layak.accounts.roles import Role
from layak.accounts.selectors import person_login_names
from layak.core.audit import audit_record
from layak.core.identity import dual_control_roles
from layak.core.models import AuditAction


def roles_needing_approval(roles: set[str] | frozenset[str]) -> set[str]:
    """The roles of ``roles`` whose grant takes a second person."""
    return set(roles) & set(dual_control_roles())


def pending_roles(person: User) -> set[str]:
    """Roles asked for ``person`` and not yet approved."""
    return set(
        DualControlRequest.objects.filter(
            subject=person, kind=DualControlKind.ROLE_GRANT, status=DualControlStatus.PENDING
        ).values_list("role", flat=True)
    )


def _region_code(person: User) -> str:
    agency = person.agency
    return agency.region.code if agency is not None and agency.region is not None else ""


def _case_managers_of(person: User) -> list[str]:
    """Addresses of the active case managers of the person's kab/kota (not the person)."""
    agency = person.agency
    if agency is None or agency.region_id is None:
        return []
    return sorted(
        {
            address
            for address in User.objects.filter(
                is_active=True,
                agency__region_id=agency.region_id,
                role_assignments__role=Role.CASE_MANAGER,
            )
            .exclude(pk=person.pk)
            .values_list("email", flat=True)
            if address
        }
    )


def _announce(request_pk: int, language: str) -> None:
    """E-mail the city's case managers that a case role was asked for or granted."""
    request = DualControlRequest.objects.select_related("subject", "subject__agency").get(
        pk=request_pk
    )
    recipients = _case_managers_of(request.subject)
    if not recipients:
        return
    with translation.override(language):
        role = Role(request.role).label
        if request.status == DualControlStatus.APPROVED:
            subject = _("[Layak] Case role granted")
            body = _("%(person)s now holds the role %(role)s, approved by %(approver)s.")
        else:
            subject = _("[Layak] Case role asked for")
            body = _(
                "%(requester)s asks to give %(person)s the role %(role)s. It takes effect only "
                "once a case manager of the intake agency or another administrator approves "
                "it in Layak."
            )
        message = body % {
            "person": request.subject.display_name,
            "role": role,
            "approver": request.decided_by.display_name if request.decided_by else "",
            "requester": request.requested_by.display_name,
        }
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)


def _on_commit_announce(request: DualControlRequest) -> None:
    language = translation.get_language() or "id"
    transaction.on_commit(lambda: _announce(request.pk, language))


@transaction.atomic
def role_grant_request(*, actor: Any, person: User, role: str) -> DualControlRequest:
    """Ask for ``role`` to be given to ``person``; the role stays pending until approved.

    Called by ``person_create`` and ``person_update`` for the roles of
    ``roles_needing_approval``; asking twice returns the waiting request.
    """
    if not can_manage_people(actor):
        raise PermissionDenied
    existing = DualControlRequest.objects.filter(
        kind=DualControlKind.ROLE_GRANT,
        subject=person,
        role=role,
        status=DualControlStatus.PENDING,
    ).first()
    if existing is not None:
        return existing
    request = DualControlRequest(
        kind=DualControlKind.ROLE_GRANT, subject=person, role=role, requested_by=actor
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=request,
        label=f"{person.username}: role {role} asked for, waiting for a second person",
        fields=["kind", "subject", "role"],
        region_code=_region_code(person),
    )
    _on_commit_announce(request)
    return request


@transaction.atomic
def authenticator_reset_request(*, actor: Any, person: User) -> DualControlRequest:
    """Ask to reset ``person``'s lost authenticator; a second person of the other side
    (administrator / intake case manager) must approve."""
    if not people_for_authenticator_reset(actor).filter(pk=person.pk).exists():
        raise PermissionDenied
    if not Authenticator.objects.filter(user=person).exists():
        raise ValidationError(_("This person has no authenticator to reset."))
    existing = DualControlRequest.objects.filter(
        kind=DualControlKind.TOTP_RESET, subject=person, status=DualControlStatus.PENDING
    ).first()
    if existing is not None:
        return existing
    request = DualControlRequest(
        kind=DualControlKind.TOTP_RESET, subject=person, role="", requested_by=actor
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=request,
        label=f"{person.username}: reset of a lost authenticator asked for",
        fields=["kind", "subject"],
        region_code=_region_code(person),
    )
    return request


def _decide(actor: Any, request: DualControlRequest, status: DualControlStatus) -> None:
    # Lock the row: two approvers at once must not both apply the change.
    locked = DualControlRequest.objects.select_for_update().get(pk=request.pk)
    if not may_decide_dual_control(actor, locked):
        raise PermissionDenied
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.full_clean()
    request.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def dual_control_approve(*, actor: Any, request: DualControlRequest) -> DualControlRequest:
    """The second person approves: the role is granted, or the authenticator is removed."""
    _decide(actor, request, DualControlStatus.APPROVED)
    person = request.subject
    if request.kind == DualControlKind.ROLE_GRANT:
        RoleAssignment.objects.get_or_create(user=person, role=request.role)
        person.__dict__.pop("_layak_roles", None)
        label = f"{person.username}: role {request.role} granted by a second person"
        fields = ["status", "roles"]
        _on_commit_announce(request)
    else:
        Authenticator.objects.filter(user=person).delete()
        for name in person_login_names(person):
            axes_reset(username=name)
        label = f"{person.username}: lost authenticator reset by two people"
        fields = ["status", "authenticator"]
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=request,
        label=label,
        fields=fields,
        region_code=_region_code(person),
    )
    return request


@transaction.atomic
def dual_control_reject(*, actor: Any, request: DualControlRequest) -> DualControlRequest:
    """The second person refuses: nothing changes but the request's status."""
    _decide(actor, request, DualControlStatus.REJECTED)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=request,
        label=f"{request.subject.username}: {request.kind} request rejected",
        fields=["status"],
        region_code=_region_code(request.subject),
    )
    return request
