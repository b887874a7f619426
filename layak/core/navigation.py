"""The main menu (issue #14): a registry each app fills from its ``AppConfig.ready()``.

Core imports no app, so it cannot list the apps' pages itself. Each app registers its entries
with the app's own permission function; ``menu_for(user)`` shows the entries that person may
use, sorted by ``order``. The orders in use (docs/architecture.md keeps the table):

    0 home · 10 dashboards · 20 evaluations · 30 cases · 40 case statistics · 50 indicators ·
    60 plans · 70 families · 80 community · 90 participation · 100 portal · 110 regions ·
    120 agencies · 130 people · 140 approvals · 150 audit trail · 160 case categories
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from layak.core.registry import OrderedRegistry


@dataclass(frozen=True)
class MenuEntry:
    """One menu link: shown to the people ``allowed`` accepts, at place ``order``."""

    key: str
    label: str | Promise
    url_name: str
    allowed: Callable[[Any], bool]
    order: int


_menu: OrderedRegistry[MenuEntry] = OrderedRegistry(
    "Menu entry", key=lambda entry: entry.key, order=lambda entry: entry.order
)


def register(entry: MenuEntry) -> None:
    """Add ``entry`` to the menu; called from an ``AppConfig.ready()``. A key or an order that
    another entry holds fails: two apps would fight over one link or one place."""
    _menu.register(entry)


def entries() -> list[MenuEntry]:
    """Every registered entry, in menu order."""
    return _menu.items()


def everyone(user: Any) -> bool:
    """The visibility of an entry every signed-in person sees (the home page)."""
    return True


def menu_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    """The menu entries this person may use, with their URLs.

    Worked out once per user object, as the roles are (``core.permissions.user_roles``): the
    page and the menu of one request ask for it with the same object, which the
    authentication middleware loads afresh for every request.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    allowed: list[MenuEntry] | None = getattr(user, "_layak_menu", None)
    if allowed is None:
        allowed = [entry for entry in entries() if entry.allowed(user)]
        user._layak_menu = allowed
    return [
        {"key": e.key, "label": e.label, "url": reverse(e.url_name), "current": e.key == current}
        for e in allowed
    ]
