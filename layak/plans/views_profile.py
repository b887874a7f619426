"""Profil Anak pages (issue #6): the yearly child profile of the person's kab/kota on screen,
as a PDF and as a workbook. Read by everyone who reads indicator data; both downloads are
audited as exports. The PDF is built by the background worker (issue #11,
:mod:`layak.core.documents`): the page asks for it with a POST and follows its progress."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from layak.core.disclosure import publishes
from layak.core.documents import ExportAudit, document_request
from layak.core.exports import xlsx_response
from layak.core.pages import menu
from layak.indicators.permissions import indicator_city
from layak.plans import profile, services
from layak.plans.apps import PROFILE_PDF
from layak.regions.models import Region

#: What the profile publishes: indicator roll-ups, case-derived ones among them.
PUBLISHED = ("indicators", "cases")


def _year(request: HttpRequest, city: Region) -> int:
    """The year asked for (``?year=``), else the latest with data; a bad year is a 404."""
    text = request.GET.get("year", "").strip()
    if not text:
        return profile.default_year(city)
    # ASCII only: str.isdigit() also accepts "²", which int() rejects (a 500).
    if not (text.isascii() and text.isdigit()) or not profile.is_valid_year(int(text)):
        raise Http404
    return int(text)


@publishes(*PUBLISHED)
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
        },
    )


@publishes(*PUBLISHED)
@login_required
@require_POST
def profile_pdf(request: HttpRequest) -> HttpResponse:
    """Queue the PDF (it renders for seconds: never inside the request) and send the person to
    its progress page; the download is audited as an export."""
    city = indicator_city(request.user)
    year = _year(request, city)
    document = document_request(
        actor=request.user,
        kind=PROFILE_PDF,
        params={"city": city.pk, "year": year},
        title=_("Profil Anak %(city)s %(year)s (PDF)") % {"city": city.name, "year": year},
        filename=f"profil-anak-{city.code}-{year}.pdf",
        audit=ExportAudit(
            object_type="plans.profile",
            object_id=f"{city.code}-{year}",
            label=f"Profil Anak {city.name} {year}",
            fields=("pdf",),
            region_code=city.code,
        ),
    )
    return redirect("core:document", document.pk)


@publishes(*PUBLISHED)
@login_required
@require_GET
def profile_xlsx(request: HttpRequest) -> HttpResponse:
    city = indicator_city(request.user)
    year = _year(request, city)
    content = profile.profile_xlsx(profile.child_profile(city, year))
    services.profile_export_record(actor=request.user, city=city, year=year, kind="xlsx")
    return xlsx_response(f"profil-anak-{city.code}-{year}.xlsx", content)
