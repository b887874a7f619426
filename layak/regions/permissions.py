"""Who may see and load regions (issue #2). Region names and codes are public information."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from layak.core.permissions import always as _always
from layak.core.permissions import get_object_for
from layak.core.roles import is_admin
from layak.regions.models import Region


def can_view_regions(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_import_regions(user: Any) -> bool:
    return bool(is_admin(user))


def region_import_scope(user: Any) -> str | None:
    """The region code whose subtree ``user`` may import into; None: anywhere.

    A superuser and the command line (no user) load any region; an administrator only the
    deployment's home kab/kota (``LAYAK_HOME_REGION``) and what lies in it, so no one renames
    the regions of another city or province from here.
    """
    if user is None or getattr(user, "is_superuser", False):
        return None
    return str(settings.LAYAK_HOME_REGION)


def regions_visible_to(user: Any) -> QuerySet[Region]:
    if not can_view_regions(user):
        return Region.objects.none()
    return Region.objects.all()


def get_region_for(user: Any, code: str, *, action: str) -> Region:
    """Regions are addressed by their official code rather than by primary key."""
    pk: int | None = Region.objects.filter(code=code).values_list("pk", flat=True).first()
    return get_object_for(
        user,
        pk,
        action=action,
        visible=regions_visible_to,
        checks={"view": _always},
    )
