"""Region pages: the home kab/kota with its kecamatan and kelurahan, one region, imports."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from layak.core.errors import ImportRejected
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
from layak.regions.services import regions_import_boundaries, regions_import_csv


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


@login_required
@menu("regions")
def region_import(request: HttpRequest) -> HttpResponse:
    require(can_import_regions(request.user))
    form = RegionImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            if form.cleaned_data["kind"] == "csv":
                result = regions_import_csv(stream=stream, actor=request.user, source=upload.name)
                messages.success(
                    request,
                    _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
            else:
                count = regions_import_boundaries(
                    stream=stream, actor=request.user, source=upload.name
                )
                messages.success(request, _("%(n)d boundaries loaded.") % {"n": count})
            return redirect("regions:list")
        except ImportRejected as rejected:
            errors = rejected.errors
    scope_code = region_import_scope(request.user)
    scope = Region.objects.filter(code=scope_code).first() if scope_code is not None else None
    return render(
        request,
        "regions/region_import.html",
        {"form": form, "errors": errors, "scope_code": scope_code, "scope": scope},
        status=400 if errors else 200,
    )
