"""Dashboard pages (issue #6): the city overview, one page per cluster and per area, the CSV of
every chart, and the secretariat's page for the challenges. Thin: selectors do the reading.

Pages are personal (they depend on the person's city and language): they may be kept by the
browser only (``Cache-Control: private``), never by a shared cache.

A hidden cell shows the one hidden mark everywhere; in a CSV the mark stands in the cell itself
(no note row, so the file stays a header and data rows), and the page offering it carries the
legend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_cookie

from layak.core.disclosure import legend_text, publishes
from layak.core.exports import csv_response
from layak.core.pages import menu
from layak.core.permissions import require
from layak.dashboards import selectors, services
from layak.dashboards.forms import ChallengeForm
from layak.dashboards.permissions import (
    can_manage_challenges,
    get_area_for,
    get_challenge_for,
)
from layak.evaluations.awards import awards_of
from layak.indicators.models import Cluster, Definition
from layak.indicators.permissions import indicator_city

View = Callable[..., HttpResponse]

#: What the dashboards publish: indicator roll-ups, case-derived ones among them.
PUBLISHED = ("indicators", "cases")


def private_page(view: View) -> View:
    """Kept by the person's browser only, revalidated on every visit."""
    return vary_on_cookie(cache_control(private=True, max_age=0, must_revalidate=True)(view))


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


SUMMARY_HEADER = [
    "indicator_code",
    "indicator",
    "unit",
    "polarity",
    "latest_period",
    "latest_value",
    "previous_period",
    "previous_value",
    "change",
    "target",
    "status",
]


def _summary(series: selectors.Series) -> list[Any]:
    latest, previous = series.latest, series.previous
    return [
        series.definition.code,
        series.definition.name,
        series.definition.unit,
        series.definition.polarity,
        latest.period if latest else None,
        latest.display if latest else None,
        previous.period if previous else None,
        previous.display if previous else None,
        series.change,
        series.target,
        series.status,
    ]


@publishes(*PUBLISHED)
@login_required
@menu("dashboards")
@private_page
def city(request: HttpRequest) -> HttpResponse:
    home = indicator_city(request.user)
    overview = selectors.city_overview(home, figure_code=request.GET.get("figure", ""))
    if _wants_csv(request):
        return csv_response(
            f"{slugify(home.name)}-kla-challenges.csv",
            ["challenge_code", "challenge", *SUMMARY_HEADER],
            (
                [block.challenge.code, block.name, *_summary(series)]
                for block in overview.challenges
                for series in block.series
            ),
        )
    return render(
        request,
        "dashboards/city.html",
        {
            "overview": overview,
            "clusters": Cluster.choices,
            "can_manage": can_manage_challenges(request.user),
            "legend": legend_text(),
        },
    )


@login_required
@private_page
def awards_csv(request: HttpRequest) -> HttpResponse:
    home = indicator_city(request.user)
    return csv_response(
        f"{slugify(home.name)}-kla-awards.csv",
        ["year", "category", "self_score", "verified_score", "evaluated"],
        (
            [a.year, a.category, a.self_score, a.verified_score, a.evaluated]
            for a in awards_of(home)
        ),
    )


@publishes(*PUBLISHED)
@login_required
@menu("dashboards")
@private_page
def cluster(request: HttpRequest, cluster: str) -> HttpResponse:
    home = indicator_city(request.user)
    if cluster not in Cluster.values:
        raise Http404
    page = selectors.cluster_page(home, cluster)
    if _wants_csv(request):
        return csv_response(
            f"{slugify(home.name)}-cluster-{cluster}.csv",
            SUMMARY_HEADER,
            (_summary(series) for series in page.series),
        )
    return render(
        request,
        "dashboards/cluster.html",
        {"page": page, "clusters": Cluster.choices, "legend": legend_text()},
    )


@publishes(*PUBLISHED)
@login_required
@menu("dashboards")
@private_page
def area(request: HttpRequest, code: str) -> HttpResponse:
    home = indicator_city(request.user)
    region = get_area_for(request.user, code)
    page = selectors.area_page(home, region, figure_code=request.GET.get("figure", ""))
    if _wants_csv(request):
        return csv_response(
            f"{slugify(home.name)}-{region.code}-{slugify(region.name)}-indicators.csv",
            [
                "indicator_code",
                "indicator",
                "area_code",
                "area",
                "period",
                "area_value",
                "city_value",
            ],
            (
                [
                    row.definition.code,
                    row.definition.name,
                    region.code,
                    region.name,
                    row.area.latest.period if row.area.latest else None,
                    row.area.latest.display if row.area.latest else None,
                    row.city_latest.display if row.city_latest else None,
                ]
                for row in page.rows
            ),
        )
    return render(request, "dashboards/area.html", {"page": page, "legend": legend_text()})


@publishes(*PUBLISHED)
@login_required
@private_page
def trend_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The series behind one chart: ``?area=<region code>`` for a kecamatan or kelurahan."""
    home = indicator_city(request.user)
    definition = get_object_or_404(Definition, code=code, active=True)
    place = get_area_for(request.user, request.GET["area"]) if request.GET.get("area") else home
    series = selectors.trend(home, place, definition)
    return csv_response(
        f"{slugify(home.name)}-{definition.code}-{place.code}-trend.csv",
        [
            "indicator_code",
            "area_code",
            "area",
            "period",
            "numerator",
            "denominator",
            "value",
            "target",
            "areas_reporting",
            "areas_expected",
            "complete",
        ],
        (
            [
                definition.code,
                place.code,
                place.name,
                point.period,
                point.numerator_display if point.suppressed else point.numerator,
                point.denominator,
                point.display,
                series.target_of(point),
                point.reporting,
                point.expected,
                not series.incomplete(point),
            ]
            for point in series.points
        ),
    )


@login_required
@menu("dashboards")
def challenges(request: HttpRequest) -> HttpResponse:
    home = indicator_city(request.user)
    require(can_manage_challenges(request.user))
    definitions = selectors.active_definitions()
    return render(
        request,
        "dashboards/challenges.html",
        {
            "challenges": [
                (
                    selectors.ChallengeBlock(c, []),
                    [definitions[code] for code in c.indicator_codes if code in definitions],
                )
                for c in selectors.challenges_of(home)
            ]
        },
    )


@login_required
@menu("dashboards")
def challenge_edit(request: HttpRequest, code: str) -> HttpResponse:
    home = indicator_city(request.user)
    require(can_manage_challenges(request.user))
    challenge = get_challenge_for(request.user, code)
    block = selectors.ChallengeBlock(challenge, [])
    current = list(challenge.indicator_codes)
    if request.method == "POST":
        form = ChallengeForm(request.POST, current=current)
        if form.is_valid():
            try:
                services.challenge_update(
                    actor=request.user,
                    city=home,
                    code=challenge.code,
                    name=form.cleaned_data["name"],
                    order=form.cleaned_data["order"],
                    indicator_codes=form.cleaned_data["indicators"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The challenge was saved."))
                return redirect("dashboards:challenges")
    else:
        form = ChallengeForm(
            current=current,
            initial={
                "name": block.name,
                "order": challenge.order,
                "indicators": current,
                "description": block.description,
            },
        )
    return render(
        request,
        "dashboards/challenge_edit.html",
        {"form": form, "challenge": block},
    )
