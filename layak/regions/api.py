"""Regions over the API: the same permission functions and selectors as the pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from layak.regions.permissions import get_region_for
from layak.regions.selectors import region_children

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    level: str
    name: str
    postcode: str
    parent_code: str | None


class ErrorOut(Schema):
    detail: str


def _out(region: object) -> RegionOut:
    parent = getattr(region, "parent", None)
    return RegionOut(
        code=region.code,  # type: ignore[attr-defined]
        level=region.level,  # type: ignore[attr-defined]
        name=region.name,  # type: ignore[attr-defined]
        postcode=region.postcode,  # type: ignore[attr-defined]
        parent_code=parent.code if parent is not None else None,
    )


@router.get(
    "/{code}/",
    response={200: RegionOut, 401: ErrorOut, 404: ErrorOut},
    summary="One region by Kemendagri code",
)
def region_detail(request: HttpRequest, code: str) -> RegionOut:
    return _out(get_region_for(request.user, code, action="view"))


@router.get(
    "/{code}/children/",
    response={200: list[RegionOut], 401: ErrorOut, 404: ErrorOut},
    summary="The regions directly below a region",
)
def region_children_list(request: HttpRequest, code: str) -> list[RegionOut]:
    region = get_region_for(request.user, code, action="view")
    if region is None:
        raise Http404
    return [_out(child) for child in region_children(request.user, region).select_related("parent")]
