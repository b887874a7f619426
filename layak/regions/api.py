"""Regions over the API: the same permission functions and selectors as the pages."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from layak.regions.models import Region
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


def _out(region: Region) -> RegionOut:
    parent = region.parent
    return RegionOut(
        code=region.code,
        level=region.level,
        name=region.name,
        postcode=region.postcode,
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
    return [_out(child) for child in region_children(request.user, region).select_related("parent")]
