"""Pages of the public portal (issue #6): anonymous, GET only, served from cache; and the
directory pages the secretariat keeps under ``/publik/kelola/``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.core.disclosure import hidden_mark, legend_text, publishes, small_cell
from layak.core.disclosure.publishing import publishing_hold, serve_last_audited
from layak.core.exports import csv_response
from layak.core.pages import menu
from layak.core.permissions import require
from layak.indicators.models import Definition, Level
from layak.portal import caching, selectors, services
from layak.portal.forms import PlaySpaceForm, PublicIndicatorsForm, ServiceForm
from layak.portal.models import PlaySpace, Service
from layak.portal.permissions import (
    can_manage_directory,
    can_manage_public_indicators,
    directory_city_of,
    get_play_space_for,
    get_service_for,
    play_spaces_visible_to,
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


def _csv(name: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    return csv_response(f"{name}.csv", header, rows, bom=True)


def _csv_value(cell: selectors.Cell) -> Any:
    """A hidden cell holds the hidden mark (as on the page); a missing one is empty. No note
    row: the CSV stays one header and data rows; the page beside the link has the legend."""
    return hidden_mark() if cell.hidden else cell.number


@publishes(*PUBLISHED)
@caching.public_download
@serve_last_audited
def statistics_csv(request: HttpRequest) -> HttpResponse:
    city = home_region()

    def build() -> list[list[Any]]:
        if city is None:
            return []
        return [
            [s.definition.code, s.definition.name, city.name, s.period_label, _csv_value(s.cell)]
            for s in selectors.indicator_summaries(city)
        ]

    rows = caching.cached_data(f"csv:summary:{get_language()}", build)
    header = [_("indicator code"), _("indicator"), _("area"), _("period"), _("value")]
    return _csv("statistik-layak", header, rows)


@publishes(*PUBLISHED)
@caching.public_download
@serve_last_audited(each=lambda: ({"code": c} for c in selectors.public_codes()))
def indicator_csv(request: HttpRequest, code: str) -> HttpResponse:
    city, definition = _public_definition(code)

    def build() -> list[list[Any]]:
        table = selectors.indicator_table(city, definition)
        return [
            [row.code, row.name, str(Level(row.level).label), period, _csv_value(cell)]
            for row in table.rows
            for period, cell in zip(table.periods, row.cells, strict=True)
        ]

    rows = caching.cached_data(f"csv:{code}:{get_language()}", build)
    header = [_("area code"), _("area"), _("level"), _("period"), _("value")]
    return _csv(f"statistik-{code}", header, rows)


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


def _errors_to_form(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _manager_city(user: Any) -> Region:
    city = directory_city_of(user)
    require(city is not None)
    assert city is not None  # noqa: S101 - narrows the type after require()
    return city


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
    if request.method == "POST" and form.is_valid():
        try:
            services.public_indicators_set(actor=user, codes=form.ordered_codes())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Public indicators saved."))
            return redirect("portal:manage")
    return render(
        request,
        "portal/public_indicators.html",
        {"form": form, "groups": form.groups(), "limit": small_cell(), "mark": hidden_mark()},
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
    if request.method == "POST" and form.is_valid():
        try:
            save(form.save(commit=False), form.changed_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, saved)
            return redirect("portal:manage")
    return render(
        request,
        "portal/entry_form.html",
        {"form": form, "entry": entry if entry.pk else None, "kind": kind},
    )


@login_required
@menu("portal")
def service_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    city = _manager_city(user)
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
    city = _manager_city(user)
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
