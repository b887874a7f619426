"""Profil Anak pages (issue #6): the yearly child profile of the person's kab/kota on screen,
as a PDF and as a workbook. Read by everyone who reads indicator data; both downloads are
audited as exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from layak.cases.selectors import hidden_text
from layak.core.audit import audit_record
from layak.core.models import AuditAction
from layak.core.pages import menu
from layak.indicators.permissions import indicator_city
from layak.plans import profile
from layak.regions.models import Region


def _year(request: HttpRequest, city: Region) -> int:
    """The year asked for (``?year=``), else the latest with data; a bad year is a 404."""
    text = request.GET.get("year", "").strip()
    if not text:
        return profile.default_year(city)
    # ASCII only: str.isdigit() also accepts "²", which int() rejects (a 500).
    if not (text.isascii() and text.isdigit()) or not profile.is_valid_year(int(text)):
        raise Http404
    return int(text)


def _audit(request: HttpRequest, city: Region, year: int, kind: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="plans.profile",
            object_id=f"{city.code}-{year}",
            label=f"Profil Anak {city.name} {year}",
            fields=[kind],
            region_code=city.code,
        )


@login_required
@require_GET
@menu("plans")
def profile_page(request: HttpRequest) -> HttpResponse:
    city = indicator_city(request.user)
    year = _year(request, city)
    years = profile.profile_years(city)
    if year not in years:
        years = sorted([*years, year], reverse=True)
    return render(
        request,
        "plans/profile.html",
        {
            "profile": profile.child_profile(city, year),
            "years": years,
            "suppressed": hidden_text(),
        },
    )


@login_required
@require_GET
def profile_pdf(request: HttpRequest) -> HttpResponse:
    city = indicator_city(request.user)
    year = _year(request, city)
    content = profile.render_profile_pdf(profile.child_profile(city, year))
    _audit(request, city, year, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="profil-anak-{city.code}-{year}.pdf"'
    return response


@login_required
@require_GET
def profile_xlsx(request: HttpRequest) -> HttpResponse:
    city = indicator_city(request.user)
    year = _year(request, city)
    content = profile.profile_xlsx(profile.child_profile(city, year))
    _audit(request, city, year, "xlsx")
    response = HttpResponse(content, content_type=profile.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="profil-anak-{city.code}-{year}.xlsx"'
    return response
