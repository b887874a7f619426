"""The one permission mechanism every app's ``permissions.py`` is built on (issue #2).

* Role predicates (``rules`` predicates) answer "may this person do X at all".
* ``<entity>s_visible_to(user)`` querysets answer "which objects exist for this person".
* ``get_object_for`` combines both: an invisible object answers 404 (its existence is not
  revealed), a visible object the person may not act on answers 403.
* Location scope: a person works in a city, a kecamatan or a kelurahan; ``within_scope``
  builds the filter on region codes, which nest (``64.71`` > ``64.71.01`` > ``64.71.01.1001``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from rules.predicates import Predicate

M = TypeVar("M", bound=models.Model)

ObjectCheck = Callable[[Any, M], bool]


def user_roles(user: Any) -> frozenset[str]:
    """The role codes of an active, authenticated person (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_layak_roles", None)
    if cached is None:
        cached = frozenset(user.role_assignments.values_list("role", flat=True))
        user._layak_roles = cached
    return cached


def has_role(*roles: str) -> Predicate:
    """A predicate (composable with ``|`` and ``&``) true for people holding any of ``roles``."""
    wanted = frozenset(roles)

    def _has_role(user: Any) -> bool:
        return bool(user_roles(user) & wanted)

    return Predicate(_has_role, name=f"has_role({','.join(sorted(wanted))})")


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


is_superuser = Predicate(_is_superuser, name="is_superuser")


def within_scope(scope_code: str | None, path: str = "code") -> Q:
    """Filter for regions at or below ``scope_code``; ``path`` leads to the region code.

    ``None`` means national scope (everything).
    """
    if scope_code is None:
        return Q()
    return Q(**{path: scope_code}) | Q(**{f"{path}__startswith": f"{scope_code}."})


def code_within(code: str, scope_code: str | None) -> bool:
    """Whether the region ``code`` lies at or below ``scope_code`` (None: national)."""
    if scope_code is None:
        return True
    return code == scope_code or code.startswith(f"{scope_code}.")


def get_object_for(
    user: Any,
    pk: Any,
    *,
    action: str,
    visible: Callable[[Any], models.QuerySet[M]],
    checks: Mapping[str, Callable[[Any, M], bool]],
) -> M:
    """Fetch an object for ``action``: 404 when invisible, 403 when the action is not allowed."""
    check = checks.get(action)
    if check is None:
        raise ValueError(f"Unknown action {action!r}")
    try:
        obj: M = visible(user).get(pk=pk)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not check(user, obj):
        raise PermissionDenied
    return obj


def always(user: Any, obj: object) -> bool:
    """The check of an action everyone who sees the object may do (usually "view")."""
    return True


def require(allowed: bool) -> None:
    """Raise 403 unless ``allowed``; for actions that are not about one object."""
    if not allowed:
        raise PermissionDenied
