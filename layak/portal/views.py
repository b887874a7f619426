"""Pages of the public portal (issue #6): anonymous, GET only, served from cache; and the
directory pages the secretariat keeps under ``/publik/kelola/``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.core.disclosure import hidden_mark, legend_text, publishes, small_cell
from layak.core.disclosure.publishing import publishing_hold, serve_last_audited
from layak.core.exports import csv_response
from layak.core.forms import form_page
from layak.core.pages import menu
from layak.core.permissions import require
from layak.indicators.models import Definition
from layak.portal import caching, exports, selectors, services
from layak.portal.forms import PlaySpaceForm, PublicIndicatorsForm, ServiceForm
from layak.portal.models import PlaySpace, Service
from layak.portal.permissions import (
    can_manage_directory,
    can_manage_public_indicators,
    get_play_space_for,
    get_service_for,
    play_spaces_visible_to,
    require_directory_city,
    services_visible_to,
)
from layak.portal.playmap import Marker, render_with_markers
from layak.regions.maps import MapShape
from layak.regions.models import Region
from layak.regions.selectors import home_region


def _page(request: HttpRequest, *, key: str, title: str, body: str) -> HttpResponse:
    return render(request, "portal/page.html", {"page_key": key, "title": title, "body": body})


# -- public pages ----------------------------------------------------------------------------


#: What the statistics views publish: figures of indicators, case-derived ones among them.
PUBLISHED = ("indicators", "cases")


def _summary_context(city: Region | None) -> dict[str, Any]:
    summaries = selectors.indicator_summaries(city) if city else []
    return {
        "summaries": summaries,
        "summaries_hide": selectors.summaries_hide(summaries),
        "legend": legend_text(),
    }


@publishes(*PUBLISHED)
@caching.public_page
@serve_last_audited(fresh=caching.bump)
def home(request: HttpRequest) -> HttpResponse:
    """The city's KLA category and history, key figures, and where to get help."""
    city = home_region()

    def build() -> str:
        history = selectors.award_history(city) if city else []
        return render_to_string(
            "portal/parts/home.html",
            {
                "city": city,
                "history": history,
                "current": selectors.current_award(history),
                **_summary_context(city),
            },
        )

    return _page(request, key="home", title=_("Child-Friendly City"), body=_fragment("home", build))


@publishes(*PUBLISHED)
@caching.public_page
@serve_last_audited(fresh=caching.bump)
def statistics(request: HttpRequest) -> HttpResponse:
    city = home_region()

    def build() -> str:
        return render_to_string(
            "portal/parts/statistics.html", {"city": city, **_summary_context(city)}
        )

    return _page(
        request, key="statistics", title=_("Statistics"), body=_fragment("statistics", build)
    )


def _public_definition(code: str) -> tuple[Region, Definition]:
    city = home_region()
    definition = selectors.public_definition(code)
    if city is None or definition is None:
        raise Http404
    return city, definition


@publishes(*PUBLISHED)
@caching.public_page
@serve_last_audited(each=lambda: ({"code": c} for c in selectors.public_codes()))
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    """One public indicator for the city, its kecamatan and kelurahan, latest periods."""
    city, definition = _public_definition(code)

    def build() -> str:
        table = selectors.indicator_table(city, definition)
        return render_to_string(
            "portal/parts/indicator.html",
            {"city": city, "table": table, "mark": hidden_mark(), "legend": legend_text()},
        )

    return _page(
        request, key="statistics", title=definition.name, body=_fragment(f"ind:{code}", build)
    )


@publishes(*PUBLISHED)
@caching.public_download
@serve_last_audited
def statistics_csv(request: HttpRequest) -> HttpResponse:
    city = home_region()
    rows = caching.cached_data(f"csv:summary:{get_language()}", lambda: exports.summary_rows(city))
    return csv_response("statistik-layak.csv", exports.summary_header(), rows, bom=True)


@publishes(*PUBLISHED)
@caching.public_download
@serve_last_audited(each=lambda: ({"code": c} for c in selectors.public_codes()))
def indicator_csv(request: HttpRequest, code: str) -> HttpResponse:
    city, definition = _public_definition(code)
    rows = caching.cached_data(
        f"csv:{code}:{get_language()}", lambda: exports.indicator_rows(city, definition)
    )
    return csv_response(f"statistik-{code}.csv", exports.indicator_header(), rows, bom=True)


@caching.public_page
def directory(request: HttpRequest) -> HttpResponse:
    """Where to get help: hotlines, the UPTD PPA, SAPA 129, Puspaga and its next free times,
    and the RBRA play spaces on a map with a table beside it."""
    city = home_region()

    def build() -> str:
        spaces = selectors.play_spaces(city) if city else []
        numbered = list(enumerate(spaces, start=1))
        map_svg = ""
        if city is not None:
            shapes = [
                MapShape(code=r.code, name=r.name, geometry=r.boundary or {})
                for r in selectors.city_kelurahan(city)
            ]
            markers = [
                Marker(n, s.name, float(s.longitude), float(s.latitude))
                for n, s in numbered
                if s.longitude is not None and s.latitude is not None
            ]
            map_svg = render_with_markers(
                shapes,
                markers,
                title=_("Child-friendly play spaces in %(city)s") % {"city": city.name},
            )
        return render_to_string(
            "portal/parts/directory.html",
            {
                "city": city,
                "services": selectors.directory(city) if city else [],
                "puspaga": selectors.puspaga_times(city) if city else [],
                "spaces": numbered,
                "map_svg": map_svg,
            },
        )

    return _page(
        request, key="directory", title=_("Where to get help"), body=_fragment("directory", build)
    )


def _fragment(name: str, build: Any) -> str:
    return caching.fragment(name, build)


# -- directory management (the secretariat) --------------------------------------------------


@login_required
@menu("portal")
def manage(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_manage_directory(user))
    return render(
        request,
        "portal/manage.html",
        {
            "services": services_visible_to(user),
            "spaces": play_spaces_visible_to(user),
            "can_choose_indicators": can_manage_public_indicators(user),
            "publishing_hold": publishing_hold(),
        },
    )


@login_required
@menu("portal")
def public_indicators(request: HttpRequest) -> HttpResponse:
    """Tick which indicators the public statistics page shows (the home city's secretariat)."""
    user = request.user
    require(can_manage_public_indicators(user))
    form = PublicIndicatorsForm(
        request.POST if request.method == "POST" else None,
        definitions=selectors.publishable_definitions(),
        public=selectors.public_codes(),
    )
    context = {"groups": form.groups(), "limit": small_cell(), "mark": hidden_mark()}
    return form_page(
        request,
        form,
        lambda data: services.public_indicators_set(actor=user, codes=form.ordered_codes()),
        success=_("Public indicators saved."),
        redirect_to="portal:manage",
        template="portal/public_indicators.html",
        context=context,
    )


def _entry_form(
    request: HttpRequest,
    *,
    entry: Service | PlaySpace,
    form_class: type[ServiceForm] | type[PlaySpaceForm],
    save: Callable[[Any, Any], Any],
    saved: str,
    kind: str,
) -> HttpResponse:
    """The create/edit page of a directory entry: validated, saved through the service
    ``save(entry, changed fields)``, its errors shown on the form."""
    form = form_class(request.POST or None, instance=entry, city=entry.city)
    context = {"entry": entry if entry.pk else None, "kind": kind}
    return form_page(
        request,
        form,
        lambda data: save(form.save(commit=False), form.changed_data),
        success=saved,
        redirect_to="portal:manage",
        template="portal/entry_form.html",
        context=context,
    )


@login_required
@menu("portal")
def service_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    city = require_directory_city(user)
    entry = get_service_for(user, pk, action="edit") if pk is not None else Service(city=city)
    return _entry_form(
        request,
        entry=entry,
        form_class=ServiceForm,
        save=lambda service, changed: services.service_save(
            actor=user, service=service, changed=changed
        ),
        saved=_("Service saved."),
        kind="service",
    )


@login_required
@menu("portal")
def play_space_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    city = require_directory_city(user)
    entry = get_play_space_for(user, pk, action="edit") if pk is not None else PlaySpace(city=city)
    return _entry_form(
        request,
        entry=entry,
        form_class=PlaySpaceForm,
        save=lambda space, changed: services.play_space_save(
            actor=user, space=space, changed=changed
        ),
        saved=_("Play space saved."),
        kind="play_space",
    )


@login_required
@require_POST
def service_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_manage_directory(request.user))
    entry = get_service_for(request.user, pk, action="edit")
    services.service_deactivate(actor=request.user, service=entry)
    messages.success(request, _("Taken off the portal."))
    return redirect("portal:manage")


@login_required
@require_POST
def play_space_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_manage_directory(request.user))
    entry = get_play_space_for(request.user, pk, action="edit")
    services.play_space_deactivate(actor=request.user, space=entry)
    messages.success(request, _("Taken off the portal."))
    return redirect("portal:manage")
