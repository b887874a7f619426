"""Who may see and do what on the public portal (issue #6).

* Everyone, without logging in, reads the public pages.
* The task-force secretariat of a kab/kota keeps that city's directory: services and RBRA play
  spaces. An entry of another city does not exist for them (404).
* Which indicators the portal publishes is one set for the deployment's home city
  (``LAYAK_HOME_REGION``, the city the portal shows): only that city's secretariat chooses it;
  another city's secretariat may not (403).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from layak.accounts.roles import Role
from layak.accounts.scope import city_of, require_city
from layak.core.permissions import always, get_object_for, has_role, require
from layak.portal.models import PlaySpace, Service
from layak.regions.models import Region

is_secretariat = has_role(Role.SECRETARIAT)


def directory_city_of(user: Any) -> Region | None:
    """The kab/kota whose directory ``user`` keeps (the secretariat's own kab/kota, by
    :func:`layak.accounts.scope.city_of`), or None."""
    if not is_secretariat(user):
        return None
    return city_of(user)


def require_directory_city(user: Any) -> Region:
    """:func:`directory_city_of`, or 403 for anyone who keeps no city's directory."""
    require(bool(is_secretariat(user)))
    return require_city(user)


def can_manage_directory(user: Any) -> bool:
    return directory_city_of(user) is not None


def can_manage_public_indicators(user: Any) -> bool:
    """The secretariat of the city the portal shows chooses the indicators it publishes."""
    city = directory_city_of(user)
    return city is not None and city.code == settings.LAYAK_HOME_REGION


def services_visible_to(user: Any) -> QuerySet[Service]:
    """The entries the secretariat manages (inactive ones too); none for anyone else."""
    city = directory_city_of(user)
    if city is None:
        return Service.objects.none()
    return Service.objects.filter(city=city).select_related("kelurahan")


def play_spaces_visible_to(user: Any) -> QuerySet[PlaySpace]:
    city = directory_city_of(user)
    if city is None:
        return PlaySpace.objects.none()
    return PlaySpace.objects.filter(city=city).select_related("kelurahan")


def get_service_for(user: Any, pk: Any, *, action: str) -> Service:
    return get_object_for(
        user, pk, action=action, visible=services_visible_to, checks={"edit": always}
    )


def get_play_space_for(user: Any, pk: Any, *, action: str) -> PlaySpace:
    return get_object_for(
        user, pk, action=action, visible=play_spaces_visible_to, checks={"edit": always}
    )
