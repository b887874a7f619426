"""The main menu: each entry is shown only to people whose permission function allows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str | Promise
    url_name: str
    allowed: Callable[[Any], bool]


def _entries() -> list[MenuEntry]:
    # Imported here: the permission modules import models, which must not load at import time
    # of the settings' context processor path.
    from layak.accounts import permissions as accounts
    from layak.cases import permissions as cases
    from layak.community import permissions as community
    from layak.core import permissions_audit as audit
    from layak.dashboards import permissions as dashboards
    from layak.evaluations import permissions as evaluations
    from layak.families import permissions as families
    from layak.indicators import permissions as indicators
    from layak.participation import permissions as participation
    from layak.plans import permissions as plans
    from layak.portal import permissions as portal
    from layak.regions import permissions as regions

    return [
        MenuEntry("home", _("Home"), "core:home", lambda user: True),
        MenuEntry("dashboards", _("Dashboards"), "dashboards:city", dashboards.can_view_dashboards),
        MenuEntry(
            "evaluations", _("KLA evaluation"), "evaluations:cycles", evaluations.can_use_evaluation
        ),
        MenuEntry("cases", _("Cases"), "cases:home", cases.can_use_cases),
        MenuEntry(
            "case_statistics", _("Case statistics"), "cases:statistics", cases.can_view_statistics
        ),
        MenuEntry("indicators", _("Indicators"), "indicators:home", indicators.can_use_indicators),
        MenuEntry("plans", _("Action plan"), "plans:home", plans.can_use_plans),
        MenuEntry("families", _("Puspaga"), "families:home", families.can_use_families),
        MenuEntry("community", _("PATBM"), "community:home", community.can_use_community),
        MenuEntry(
            "participation",
            _("Forum Anak"),
            "participation:home",
            participation.can_use_participation,
        ),
        MenuEntry("portal", _("Public portal"), "portal:manage", portal.can_manage_directory),
        MenuEntry("regions", _("Regions"), "regions:list", regions.can_view_regions),
        MenuEntry("agencies", _("Agencies"), "accounts:agency_list", accounts.can_view_agencies),
        MenuEntry("people", _("People"), "accounts:person_list", accounts.can_list_people),
        MenuEntry(
            "approvals",
            _("Approvals"),
            "accounts:dual_control_list",
            accounts.can_decide_dual_control,
        ),
        MenuEntry("audit", _("Audit trail"), "core:audit_list", audit.can_view_audit),
        MenuEntry("case_lookups", _("Case categories"), "cases:lookups", cases.can_manage_lookups),
    ]


def menu_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    """The menu entries this person may use, with their URLs."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        {"key": e.key, "label": e.label, "url": reverse(e.url_name), "current": e.key == current}
        for e in _entries()
        if e.allowed(user)
    ]
