"""Small typed factories for agencies and people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from layak.accounts.middleware import required_roles
from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
from layak.accounts.roles import Role
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_agency(region: Region | None = None, **overrides: Any) -> Agency:
    n = _next()
    values: dict[str, Any] = {
        "region": region if region is not None else make_region("64.71", "Kota Balikpapan"),
        "code": f"agency-{n}",
        "name": f"Agency {n}",
        "kind": AgencyKind.OPD,
    }
    values.update(overrides)
    return Agency.objects.create(**values)


def make_person(
    *roles: str,
    agency: Agency | None = None,
    scope: Region | None = None,
    password: str = "",
    totp: bool | None = None,
    **overrides: Any,
) -> User:
    """A person holding ``roles``; by default in a new agency of Kota Balikpapan.

    ``totp`` defaults to on for the roles that must log in with TOTP (those that see a
    child's identity, issue #11), so their pages answer instead of the set-up redirect; pass
    ``totp=False`` to test the enrolment itself.
    """
    n = _next()
    agency = agency if agency is not None else make_agency()
    values: dict[str, Any] = {
        "username": f"person{n}",
        "email": f"person{n}@example.invalid",
        "full_name": f"Person {n}",
        "agency": agency,
        "scope_region": scope if scope is not None else agency.region,
    }
    values.update(overrides)
    user = User(**values)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
    if totp is None:
        totp = bool(set(roles) & required_roles())
    if totp:
        enable_totp(user)
    return user


def enable_totp(user: User) -> str:
    """Turn on TOTP for ``user``; returns the secret so tests can compute codes.

    A person of a TOTP role already has it from ``make_person``; the new secret replaces it.
    """
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@dataclass(frozen=True)
class CityWorld:
    """A small named world: Kota Balikpapan (64.71) with its people, and Kota Samarinda (64.72).

    Every person of Balikpapan works for ``home`` except ``worker`` (``service_unit``) and
    ``homeless``, who belongs to no agency. ``worker`` has TOTP on, so the two-factor
    enrolment redirect does not hide the answers of the pages.
    """

    city: Region
    kecamatan: Region
    other_city: Region
    home: Agency
    service_unit: Agency
    other_agency: Agency
    admin: User
    secretariat: User
    leader: User
    focal: User
    worker: User
    no_role: User
    homeless: User
    other_admin: User
    other_person: User


def make_city_world() -> CityWorld:
    city = make_region("64.71", "Kota Balikpapan")
    kecamatan = make_region("64.71.01", "Balikpapan Timur")
    other_city = make_region("64.72", "Kota Samarinda")
    home = make_agency(region=city, code="dp3akb", name="Dinas PPPA Balikpapan")
    service_unit = make_agency(
        region=city, code="uptd-ppa", name="UPTD PPA Balikpapan", kind=AgencyKind.SERVICE_UNIT
    )
    other_agency = make_agency(region=other_city, code="dp3a", name="Dinas PPPA Samarinda")
    homeless = make_person(agency=home, username="tanpa.instansi", full_name="Tanpa Instansi")
    User.objects.filter(pk=homeless.pk).update(agency=None, scope_region=None)
    homeless.refresh_from_db()
    return CityWorld(
        city=city,
        kecamatan=kecamatan,
        other_city=other_city,
        home=home,
        service_unit=service_unit,
        other_agency=other_agency,
        admin=make_person(Role.ADMIN, agency=home, username="admin.bpn", full_name="Ani Admin"),
        secretariat=make_person(
            Role.SECRETARIAT, agency=home, username="sekretariat.bpn", full_name="Sekar Sekretariat"
        ),
        leader=make_person(
            Role.LEADERSHIP, agency=home, username="pimpinan.bpn", full_name="Pak Pimpinan"
        ),
        focal=make_person(
            Role.OPD_FOCAL, agency=home, username="focal.bpn", full_name="Fika Focal"
        ),
        worker=make_person(
            Role.CASE_WORKER,
            agency=service_unit,
            username="pekerja.bpn",
            full_name="Wati Pekerja",
            totp=True,
        ),
        no_role=make_person(agency=home, username="tanpa.peran", full_name="Nina Tanpa Peran"),
        homeless=homeless,
        other_admin=make_person(
            Role.ADMIN, agency=other_agency, username="admin.smd", full_name="Sam Admin Samarinda"
        ),
        other_person=make_person(
            Role.OPD_FOCAL,
            agency=other_agency,
            username="focal.smd",
            full_name="Sari Focal Samarinda",
        ),
    )
