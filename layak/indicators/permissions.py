"""Who may see and do what with indicator data.

* Reading: the secretariat, OPD focal points, administrators and leadership of a kab/kota see
  the indicator data of their own kab/kota (``layak.accounts.scope.city_of``).
* Entering and importing values: the OPD focal point of the definition's source agency
  (agency code equal to ``Definition.source_agency``), and the secretariat for every indicator.
  Nobody enters values of an approved (locked) period or of a definition derived from cases.
* Approving and unlocking a period: the secretariat.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from layak.accounts.roles import Role
from layak.accounts.scope import city_of, require_city
from layak.core.permissions import has_role
from layak.indicators.models import Definition, Source
from layak.regions.models import Region

reads_indicators = has_role(Role.SECRETARIAT, Role.OPD_FOCAL, Role.ADMIN, Role.LEADERSHIP)
is_secretariat = has_role(Role.SECRETARIAT)
is_focal = has_role(Role.OPD_FOCAL)


def can_use_indicators(user: Any) -> bool:
    return bool(reads_indicators(user)) and city_of(user) is not None


def can_enter_values(user: Any, definition: Definition) -> bool:
    if not can_use_indicators(user) or definition.source == Source.CASES:
        return False
    if is_secretariat(user):
        return True
    return bool(is_focal(user) and user.agency.code == definition.source_agency)


def can_approve_periods(user: Any) -> bool:
    return can_use_indicators(user) and bool(is_secretariat(user))


def indicator_city(user: Any) -> Region:
    """The kab/kota whose indicator data ``user`` reads (pages, API, dashboards, the child
    profile); PermissionDenied for anyone who may not read indicator data."""
    if not can_use_indicators(user):
        raise PermissionDenied
    return require_city(user)
