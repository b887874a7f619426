"""Template filters for :mod:`layak.core.formatting`: ``{% load layak_format %}`` then
``{{ total|score }}``, ``{{ n|count }}``, ``{{ share|percent }}``, ``{{ budget|money }}``,
``{{ day|day }}`` (``{{ day|day:"short" }}``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from layak.core import formatting

register = template.Library()


@register.filter
def score(value: Any) -> str:
    return formatting.format_score(value) if value not in ("", None) else "—"


@register.filter
def count(value: Any) -> str:
    return formatting.format_count(value) if isinstance(value, int) else str(value)


@register.filter
def percent(value: Any, places: int = 1) -> str:
    return formatting.format_percent(value, int(places)) if value not in ("", None) else "—"


@register.filter
def money(value: Any) -> str:
    return formatting.format_money(value) if value not in ("", None) else "—"


@register.filter
def day(value: date | datetime | None, style: str = "") -> str:
    return formatting.format_date(value, short=style == "short")
