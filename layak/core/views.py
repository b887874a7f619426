"""Home page and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from layak.core.filters import AuditEntryFilter
from layak.core.navigation import menu_for
from layak.core.pages import menu, paginate, render_page
from layak.core.permissions import require, user_roles
from layak.core.permissions_audit import audit_entries_visible_to, can_view_audit
from layak.core.roles import Role


@login_required
@menu("home")
def home(request: HttpRequest) -> HttpResponse:
    roles = [Role(code).label for code in sorted(user_roles(request.user))]
    tiles = [entry for entry in menu_for(request.user) if entry["key"] != "home"]
    return render(request, "core/home.html", {"roles": roles, "tiles": tiles})


@login_required
@menu("audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    require(can_view_audit(request.user))
    entries = AuditEntryFilter(request.GET, queryset=audit_entries_visible_to(request.user))
    page = paginate(request, entries.qs.order_by("-seq"))
    return render_page(
        request,
        "core/audit_list.html",
        "core/partials/audit_table.html",
        {"filter": entries, "page": page},
    )
