"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from layak.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    current = ""
    if match is not None:
        current = str(getattr(match.func, "menu_key", "") or "")
    return {"menu": menu_for(getattr(request, "user", None), current)}
