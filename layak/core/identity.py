"""Which roles can see who a child, a family or a reporter is (issue #11, finding 4).

Two-factor log-in is required of every role that can see identifying data. The list of those
roles is not kept by hand: each domain app declares, next to its permission rules, the roles
its rules let see identities and the querysets that carry them (``IdentityAccess``), and
registers the declaration from ``AppConfig.ready()``. ``identity_roles()`` is their union.
A test (``layak/accounts/tests/test_policy_identity.py``) seeds the demo city and checks,
for every person, that whoever gets a row from one of the registered querysets holds a
declared role, so a rule that starts showing identities to another role fails the build
until the role is declared (and thereby needs TOTP).

``core`` knows no role names and imports no app: roles are plain codes here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

VisibleRows = Callable[[Any], "QuerySet[Any]"]


@dataclass(frozen=True)
class IdentityAccess:
    """One app's declaration: ``roles`` may see identifying rows served by ``querysets``."""

    app: str
    roles: frozenset[str]
    querysets: tuple[VisibleRows, ...] = field(default=())
    what: str = ""
    #: Granting one of ``roles`` takes a second person's approval (issue #11, finding 5).
    dual_control: bool = False


_REGISTRY: dict[str, IdentityAccess] = {}


def register_identity_access(access: IdentityAccess) -> None:
    """Record an app's declaration (called from its ``AppConfig.ready()``; idempotent)."""
    _REGISTRY[access.app] = access


def identity_accesses() -> list[IdentityAccess]:
    """Every declaration, by app label."""
    return [_REGISTRY[app] for app in sorted(_REGISTRY)]


def identity_roles() -> frozenset[str]:
    """The roles whose holders can see identifying data in at least one app."""
    roles: set[str] = set()
    for access in _REGISTRY.values():
        roles.update(access.roles)
    return frozenset(roles)


def dual_control_roles() -> frozenset[str]:
    """The roles whose grant takes two people: those of apps that declare ``dual_control``."""
    roles: set[str] = set()
    for access in _REGISTRY.values():
        if access.dual_control:
            roles.update(access.roles)
    return frozenset(roles)


def mfa_required_roles(extra: Iterable[str] = ()) -> frozenset[str]:
    """The roles that must log in with TOTP: every identity-seeing role plus ``extra``.

    ``extra`` (``LAYAK_MFA_REQUIRED_ROLES``) may add roles; it can never remove one.
    """
    return identity_roles() | frozenset(extra)
