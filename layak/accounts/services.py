"""Every change to agencies and people (issue #2). Each writes its audit entry in the same
transaction; an invitation e-mail is sent only after the commit."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from layak.accounts import dual_control
from layak.accounts.lockout import login_delay_unlock
from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
from layak.accounts.permissions import (
    assignable_agencies,
    can_manage_agencies,
    can_manage_people,
)
from layak.accounts.roles import Role
from layak.accounts.selectors import person_login_names
from layak.core.audit import audit_record
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction
from layak.core.permissions import code_within
from layak.regions.models import Region, RegionLevel

AGENCY_FIELDS = (
    "region",
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "area",
    "email",
    "phone",
    "is_active",
)
PERSON_FIELDS = (
    "username",
    "email",
    "full_name",
    "agency",
    "scope_region",
    "position",
    "is_active",
)


def _region_code_of(agency: Agency | None) -> str:
    return agency.region.code if agency is not None and agency.region is not None else ""


def _apply(instance: Any, fields: Iterable[str], values: dict[str, Any]) -> list[str]:
    changed = []
    for field in fields:
        if field in values and getattr(instance, field) != values[field]:
            setattr(instance, field, values[field])
            changed.append(field)
    return changed


def _check_agency_scope(actor: Any, region: Region | None) -> None:
    """An administrator creates agencies only inside their own kab/kota."""
    if actor.is_superuser or (actor.agency is not None and actor.agency.region is None):
        return
    home = actor.agency.region if actor.agency is not None else None
    if region is None or home is None or not code_within(region.code, home.code):
        raise PermissionDenied


@transaction.atomic
def agency_create(
    *,
    actor: Any,
    region: Region | None,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    parent: Agency | None = None,
    area: Region | None = None,
    email: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Agency:
    """Create an agency in the administrator's kab/kota."""
    if not can_manage_agencies(actor):
        raise PermissionDenied
    _check_agency_scope(actor, region)
    agency = Agency(
        region=region,
        code=code,
        name=name,
        kind=kind,
        short_name=short_name,
        parent=parent,
        area=area,
        email=email,
        phone=phone,
        is_active=is_active,
    )
    agency.full_clean()
    agency.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=agency,
        label=agency.name,
        fields=AGENCY_FIELDS,
        region_code=_region_code_of(agency),
    )
    return agency


@transaction.atomic
def agency_update(*, actor: Any, agency: Agency, **values: Any) -> Agency:
    """Change an agency's details; only the fields that changed are recorded."""
    if not can_manage_agencies(actor):
        raise PermissionDenied
    unknown = set(values) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agency fields: {sorted(unknown)}")
    if "region" in values:
        _check_agency_scope(actor, values["region"])
    changed = _apply(agency, AGENCY_FIELDS, values)
    if not changed:
        return agency
    agency.full_clean()
    agency.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agency,
        label=agency.name,
        fields=changed,
        region_code=_region_code_of(agency),
    )
    return agency


def _validate_roles(roles: Iterable[str]) -> list[str]:
    wanted = sorted(set(roles))
    unknown = [r for r in wanted if r not in Role.values]
    if unknown:
        raise ValidationError({"roles": _("Unknown role(s): %(r)s") % {"r": ", ".join(unknown)}})
    return wanted


def _check_person_placement(actor: Any, agency: Agency | None) -> None:
    if agency is None:
        if not actor.is_superuser:
            raise ValidationError({"agency": _("Choose the person's agency.")})
        return
    if not assignable_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied


def _check_username_free(person: User) -> None:
    """User names are unique whatever their letter case: allauth matches them that way."""
    others = User.objects.filter(username__iexact=person.username)
    if person.pk is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise ValidationError({"username": _("Another person already uses this user name.")})


def _set_roles(person: User, roles: list[str], *, actor: Any) -> bool:
    """Take roles away at once; give new ones at once, except those that read case files,
    which are asked for and wait for a second person (``dual_control``, issue #11)."""
    current = set(person.role_assignments.values_list("role", flat=True))
    if current == set(roles):
        return False
    added = set(roles) - current
    guarded = dual_control.roles_needing_approval(added)
    person.role_assignments.exclude(role__in=roles).delete()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=person, role=r) for r in sorted(added - guarded)]
    )
    for role in sorted(guarded):
        dual_control.role_grant_request(actor=actor, person=person, role=role)
    person.__dict__.pop("_layak_roles", None)
    return True


def _record_address(person: User) -> None:
    """Make the address the administrator entered the person's only allauth address.

    Every allauth address is also a log-in name and a place password-reset links may go, so
    an address the administrator replaced must stop being either (issue #11). It stays
    unverified until the person completes a link sent to it (``person_address_confirm``).
    """
    EmailAddress.objects.filter(user=person).exclude(email=person.email).delete()
    if person.email:
        EmailAddress.objects.update_or_create(
            user=person, email=person.email, defaults={"primary": True}
        )


@transaction.atomic
def person_address_confirm(*, person: User) -> None:
    """The person completed an invitation or password-reset link: they control the address.

    Links are only ever sent to ``User.email`` (``AccountAdapter.send_password_reset_mail``),
    so that address becomes verified and primary (issue #11, finding 1). The audit entry of
    the same link ("password reset by e-mail link", ``layak.core.signals``) records it.
    """
    if not person.email:
        return
    EmailAddress.objects.filter(user=person).exclude(email=person.email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=person, email=person.email, defaults={"primary": True, "verified": True}
    )


def _invitation_url(person: User) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(person),
            "key": default_token_generator.make_token(person),
        },
    )
    return f"{settings.LAYAK_BASE_URL.rstrip('/')}{path}"


def _send_invitation(person_pk: int, language: str) -> None:
    person = User.objects.get(pk=person_pk)
    if not person.email:
        return
    with translation.override(language):
        context = {"person": person, "url": _invitation_url(person)}
        send_mail(
            subject=_("[Layak] Your account"),
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[person.email],
        )


@transaction.atomic
def person_create(
    *,
    actor: Any,
    username: str,
    email: str,
    full_name: str,
    agency: Agency | None,
    scope_region: Region | None,
    roles: Iterable[str],
    position: str = "",
    is_active: bool = True,
    invite: bool = True,
) -> User:
    """Create a person without a password; they set it from the invitation e-mail.

    The administrator never knows anyone's password (issue #2).
    """
    if not can_manage_people(actor):
        raise PermissionDenied
    _check_person_placement(actor, agency)
    role_list = _validate_roles(roles)
    if scope_region is None and agency is not None and agency.kind != AgencyKind.MINISTRY:
        scope_region = agency.region
    person = User(
        username=username,
        # allauth looks addresses up in lower case; a capital would hide the person from it.
        email=email.lower(),
        full_name=full_name,
        agency=agency,
        scope_region=scope_region,
        position=position,
        is_active=is_active,
    )
    person.set_unusable_password()
    person.full_clean()
    _check_username_free(person)
    if User.objects.filter(email__iexact=email).exclude(email="").exists():
        raise ValidationError({"email": _("Another person already uses this e-mail address.")})
    person.save()
    _record_address(person)
    _set_roles(person, role_list, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        label=person.username,
        fields=[*PERSON_FIELDS, "roles"],
        region_code=_region_code_of(agency),
    )
    if invite and person.email:
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: _send_invitation(person.pk, language))
    return person


@transaction.atomic
def person_update(
    *, actor: Any, person: User, roles: Iterable[str] | None = None, **values: Any
) -> User:
    """Change a person's details, agency, scope and roles; changed field names are recorded.

    Nobody changes their own roles, administrators included: another administrator grants
    them, so no one alone widens what they may see (issue #2).
    """
    if not can_manage_people(actor) or (person.is_superuser and not actor.is_superuser):
        raise PermissionDenied
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    if roles is not None:
        roles = _validate_roles(roles)
        if person.pk == actor.pk and set(roles) != set(
            person.role_assignments.values_list("role", flat=True)
        ):
            raise ValidationError(
                {"roles": _("You cannot change your own roles; ask another administrator.")}
            )
    if "agency" in values:
        _check_person_placement(actor, values["agency"])
    if values.get("email"):
        values["email"] = values["email"].lower()
    if person.pk == actor.pk and values.get("is_active") is False:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    changed = _apply(person, PERSON_FIELDS, values)
    if changed:
        person.full_clean()
        if "username" in changed:
            _check_username_free(person)
        email = person.email
        if (
            "email" in changed
            and email
            and User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists()
        ):
            raise ValidationError({"email": _("Another person already uses this e-mail address.")})
        person.save()
        if "email" in changed:
            _record_address(person)
    if roles is not None and _set_roles(person, list(roles), actor=actor):
        changed.append("roles")
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            label=person.username,
            fields=changed,
            region_code=_region_code_of(person.agency),
        )
    return person


AGENCY_CSV_COLUMNS = ("code", "name", "short_name", "kind", "parent_code")
BUNDLED_AGENCIES = Path(__file__).resolve().parent / "data" / "balikpapan-agencies.csv"


@transaction.atomic
def agencies_import_csv(*, stream: TextIO, region: Region, actor: Any, source: str = "") -> int:
    """Create or update a kab/kota's agencies from a CSV; all or nothing, row-numbered errors.

    Columns: code, name, short_name, kind, parent_code (a code earlier in the file or already
    in the database for the same region).
    """
    errors: list[tuple[int, str]] = []
    reader = csv.DictReader(stream)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in AGENCY_CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRejected(
            [(1, _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)})]
        )
    existing = {a.code: a for a in Agency.objects.filter(region=region)}
    seen: dict[str, int] = {}
    rows: list[dict[str, str]] = []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        code = row["code"]
        if not re.fullmatch(r"[-a-z0-9_]{1,40}", code):
            errors.append(
                (
                    number,
                    _("Code %(code)r must be 1-40 lower-case letters, digits or hyphens.")
                    % {"code": code},
                )
            )
        elif code in seen:
            errors.append(
                (
                    number,
                    _("Code %(code)s appears twice (also in row %(other)d).")
                    % {"code": code, "other": seen[code]},
                )
            )
        seen.setdefault(code, number)
        if not row["name"] or len(row["name"]) > 200:
            errors.append((number, _("The name must have 1 to 200 characters.")))
        if row["kind"] not in AgencyKind.values:
            errors.append(
                (
                    number,
                    _("Unknown kind %(kind)r; use one of: %(kinds)s.")
                    % {"kind": row["kind"], "kinds": ", ".join(AgencyKind.values)},
                )
            )
        parent = row["parent_code"]
        if parent and parent not in existing and seen.get(parent, number) >= number:
            errors.append(
                (
                    number,
                    _("Parent %(parent)s is not listed before this row nor loaded.")
                    % {"parent": parent},
                )
            )
        rows.append(row | {"_number": str(number)})
    if not rows and not errors:
        errors.append((1, _("The file has no data rows.")))
    if errors:
        raise ImportRejected(sorted(errors))
    changed = 0
    for row in rows:
        agency = existing.get(row["code"]) or Agency(region=region, code=row["code"])
        values = {
            "name": row["name"],
            "short_name": row["short_name"][:60],
            "kind": row["kind"],
            "parent": existing.get(row["parent_code"]) if row["parent_code"] else None,
        }
        is_new = agency.pk is None
        if _apply(agency, values.keys(), values) or is_new:
            agency.full_clean()
            agency.save()
            changed += 1
        existing[agency.code] = agency
    offices = _area_offices(region)
    if changed or offices:
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="accounts.agency",
            label=f"{source or 'CSV'}: {changed} agencies, {offices} area offices"[:200],
            region_code=region.code,
            actor_label="system",
        )
    return changed + offices


def _area_offices(region: Region) -> int:
    """One office per kecamatan and kelurahan/desa of the region, and a PATBM group per
    kelurahan/desa (Balikpapan has one in every kelurahan); existing ones are kept."""
    existing = set(Agency.objects.filter(region=region).values_list("code", flat=True))
    areas = Region.objects.filter(code__startswith=f"{region.code}.").order_by("code")
    new: list[Agency] = []
    for area in areas:
        suffix = area.code.replace(".", "-")
        if area.level == RegionLevel.KECAMATAN:
            specs = [(f"kec-{suffix}", f"Kecamatan {area.name}", AgencyKind.KECAMATAN_OFFICE)]
        else:
            prefix = "Desa" if area.level == RegionLevel.DESA else "Kelurahan"
            specs = [
                (f"kel-{suffix}", f"{prefix} {area.name}", AgencyKind.KELURAHAN_OFFICE),
                (f"patbm-{suffix}", f"PATBM {prefix} {area.name}", AgencyKind.COMMUNITY),
            ]
        for code, name, kind in specs:
            if code not in existing:
                new.append(Agency(region=region, area=area, code=code, name=name, kind=kind))
    Agency.objects.bulk_create(new)
    return len(new)


def agencies_load_bundled(*, actor: Any) -> int:
    """Load Balikpapan's agencies shipped with Layak; running it again changes nothing."""
    region = Region.objects.get(code="64.71")
    with BUNDLED_AGENCIES.open(encoding="utf-8", newline="") as stream:
        return agencies_import_csv(
            stream=stream, region=region, actor=actor, source=BUNDLED_AGENCIES.name
        )


@transaction.atomic
def person_unlock(*, actor: Any, person: User) -> int:
    """Lift a lockout after repeated failed log-ins; returns how many records were cleared."""
    if not can_manage_people(actor) or (person.is_superuser and not actor.is_superuser):
        raise PermissionDenied
    cleared = 0
    for name in person_login_names(person):
        cleared += int(axes_reset(username=name) or 0)
    if cleared:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            label=person.username,
            fields=["lockout"],
            region_code=_region_code_of(person.agency),
        )
    return cleared


def login_delay_lift(*, login: str, code: str) -> None:
    """Lift one's own log-in delay with a TOTP code (issue #11, finding 8; the rule is
    :func:`layak.accounts.lockout.login_delay_unlock`). A code that does not unlock the account
    is refused on the code field, with the same answer for an unknown account. Not atomic:
    the refused attempt stays counted."""
    if not login_delay_unlock(login=login, code=code):
        raise ValidationError(
            {"code": _("This code does not unlock the account. Check it and try again.")}
        )
