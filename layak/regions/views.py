"""Region pages: the home kab/kota with its kecamatan and kelurahan, one region, imports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from layak.core.errors import ImportRejected
from layak.core.forms import invalid_form_response, submit
from layak.core.pages import menu
from layak.core.permissions import require
from layak.regions.forms import RegionImportForm
from layak.regions.maps import MapShape, render_svg
from layak.regions.models import Region
from layak.regions.permissions import (
    can_import_regions,
    can_view_regions,
    get_region_for,
    region_import_scope,
)
from layak.regions.selectors import (
    home_region,
    region_ancestors,
    region_children,
    region_tree,
)
from layak.regions.services import ImportResult, regions_import_file


def _map_of(regions: list[Region], title: str) -> str:
    return render_svg(
        [
            MapShape(
                code=r.code,
                name=r.name,
                geometry=r.boundary or {},
                href=reverse("regions:detail", args=[r.code]),
            )
            for r in regions
            if r.boundary
        ],
        title=title,
    )


@login_required
@menu("regions")
def region_list(request: HttpRequest) -> HttpResponse:
    require(can_view_regions(request.user))
    root = home_region()
    if root is None:
        raise Http404
    tree = region_tree(request.user, root)
    return render(
        request,
        "regions/region_list.html",
        {
            "root": root,
            "tree": tree,
            "map": _map_of([kec for kec, _kel in tree], root.name),
            "can_import": can_import_regions(request.user),
        },
    )


@login_required
@menu("regions")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_region_for(request.user, code, action="view")
    children = list(region_children(request.user, region))
    shapes = children if any(c.boundary for c in children) else [region]
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "children": children,
            "ancestors": region_ancestors(region),
            "map": _map_of(shapes, region.name),
        },
    )


IMPORT_PAGE = "regions/region_import.html"


def _imported(result: ImportResult | int) -> str:
    if isinstance(result, ImportResult):
        return _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.") % {
            "c": result.created,
            "u": result.updated,
            "n": result.unchanged,
        }
    return _("%(n)d boundaries loaded.") % {"n": result}


@login_required
@menu("regions")
def region_import(request: HttpRequest) -> HttpResponse:
    require(can_import_regions(request.user))
    form = RegionImportForm(request.POST or None, request.FILES or None)
    scope_code = region_import_scope(request.user)
    scope = Region.objects.filter(code=scope_code).first() if scope_code is not None else None
    context: dict[str, Any] = {"errors": [], "scope_code": scope_code, "scope": scope}
    if request.method != "POST":
        return render(request, IMPORT_PAGE, {"form": form, **context})
    try:
        return submit(
            request,
            form,
            lambda data: regions_import_file(
                actor=request.user,
                kind=data["kind"],
                file=data["file"].file,
                source=data["file"].name or "",
            ),
            success=_imported,
            redirect_to="regions:list",
            template=IMPORT_PAGE,
            context=context,
        )
    except ImportRejected as rejected:
        # Row errors of the file, listed with their row numbers (not a form field's errors).
        return invalid_form_response(
            request, IMPORT_PAGE, {**context, "form": form, "errors": rejected.errors}
        )
