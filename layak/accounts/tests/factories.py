"""Small typed factories for agencies and people."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
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
    totp: bool = False,
    **overrides: Any,
) -> User:
    """A person holding ``roles``; by default in a new agency of Kota Balikpapan."""
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
    if totp:
        enable_totp(user)
    return user


def enable_totp(user: User) -> str:
    """Turn on TOTP for ``user``; returns the secret so tests can compute codes."""
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
