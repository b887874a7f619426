"""Small helpers shared by list pages: pagination and htmx partial rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PAGE_SIZE = 50
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=Model)


def paginate(request: HttpRequest, queryset: QuerySet[M], size: int = PAGE_SIZE) -> Page[M]:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def render_page(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """Full page normally; for an htmx request only the partial the page itself includes."""
    if getattr(request, "htmx", False):
        return render(request, partial, context)
    return render(request, template, {**context, "partial": partial})


def menu(key: str) -> Callable[[F], F]:
    """Mark a view as belonging to a main-menu entry, so the menu highlights it."""

    def decorate(view: F) -> F:
        view.menu_key = key  # type: ignore[attr-defined]  # plain attribute on the function
        return view

    return decorate
