"""Dashboard pages (issue #6): the city overview, one page per cluster and per area, the CSV of
every chart, and the secretariat's page for the challenges. Thin: selectors do the reading.

Pages are personal (they depend on the person's city and language): they may be kept by the
browser only (``Cache-Control: private``), never by a shared cache.

A hidden cell shows the one hidden mark everywhere; in a CSV the mark stands in the cell itself
(no note row, so the file stays a header and data rows), and the page offering it carries the
legend."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_cookie

from layak.core.disclosure import legend_text, publishes
from layak.core.exports import csv_response
from layak.core.forms import submit
from layak.core.pages import menu
from layak.core.permissions import require
from layak.dashboards import exports, selectors, services
from layak.dashboards.forms import ChallengeForm
from layak.dashboards.permissions import (
    can_manage_challenges,
    get_area_for,
    get_challenge_for,
)
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


def _download(table: exports.CsvTable) -> HttpResponse:
    return csv_response(table.filename, table.header, table.rows)


@publishes(*PUBLISHED)
@login_required
@menu("dashboards")
@private_page
def city(request: HttpRequest) -> HttpResponse:
    home = indicator_city(request.user)
    overview = selectors.city_overview(home, figure_code=request.GET.get("figure", ""))
    if _wants_csv(request):
        return _download(exports.challenges_csv(overview))
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
    return _download(exports.awards_csv(indicator_city(request.user)))


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
        return _download(exports.cluster_csv(page))
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
        return _download(exports.area_csv(page))
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
    return _download(exports.trend_csv(home, definition, series))


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
        return submit(
            request,
            form,
            lambda data: services.challenge_update(
                actor=request.user,
                city=home,
                code=challenge.code,
                name=data["name"],
                order=data["order"],
                indicator_codes=data["indicators"],
                description=data["description"],
            ),
            success=_("The challenge was saved."),
            redirect_to="dashboards:challenges",
            template="dashboards/challenge_edit.html",
            context={"challenge": block},
        )
    form = ChallengeForm(
        current=current,
        initial={
            "name": block.name,
            "order": challenge.order,
            "indicators": current,
            "description": block.description,
        },
    )
    return render(request, "dashboards/challenge_edit.html", {"form": form, "challenge": block})
