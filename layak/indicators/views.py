"""Indicator pages: the list, one indicator per period, entry, import, approval.

The indicator page and its CSV publish the roll-ups (the map, and the table of a case-derived
definition): they are marked ``@publishes("indicators", "cases")`` and show a cell hidden by
disclosure control as the one mark (hatched on the map, with the legend), see docs/disclosure.md.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.core.disclosure import hidden_mark, legend_text, publishes
from layak.core.errors import ImportRejected
from layak.core.exports import csv_response, xlsx_response
from layak.core.pages import menu
from layak.core.permissions import require
from layak.indicators import exports, selectors, services
from layak.indicators.models import Definition, ImportRun, ImportStatus, Level, PeriodType
from layak.indicators.periods import parse_period, period_label
from layak.indicators.permissions import (
    can_approve_periods,
    can_enter_values,
    indicator_city,
)
from layak.indicators.tasks import run_indicator_import
from layak.regions.maps import render_svg
from layak.regions.models import Region, RegionLevel


def _definition(code: str) -> Definition:
    return get_object_or_404(Definition, code=code, active=True)


def _period(
    request: HttpRequest, definition: Definition, city: Region
) -> tuple[datetime.date, str]:
    """The period asked for (``?period=``), else the latest with values, else the current one."""
    text = request.POST.get("period") or request.GET.get("period", "")
    if text:
        parsed = parse_period(definition.period_type, text)
        if parsed is None:
            raise Http404
        return parsed
    known = selectors.periods_with_values(definition, city)
    if known:
        return known[0]
    today = timezone.localdate()
    start = today.replace(
        month=1 if definition.period_type != PeriodType.MONTH else today.month, day=1
    )
    return start, period_label(definition.period_type, start)


@login_required
@menu("indicators")
def home(request: HttpRequest) -> HttpResponse:
    indicator_city(request.user)
    return render(
        request,
        "indicators/home.html",
        {"definitions": selectors.active_definitions()},
    )


#: The families of counts the indicator page and its CSV publish (the roll-ups, case-derived
#: ones included).
PUBLISHED = ("indicators", "cases")


@publishes(*PUBLISHED)
@login_required
@menu("indicators")
def detail(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    start, label = _period(request, definition, city)
    approval = selectors.approval_of(definition, city, start)
    rows = selectors.published_table(definition, city, start)
    return render(
        request,
        "indicators/detail.html",
        {
            **_map_context(request, definition, city, start, label),
            "definition": definition,
            "city": city,
            "period": label,
            "periods": selectors.periods_with_values(definition, city),
            "rows": rows,
            "rows_hidden": any(row.hidden for row in rows),
            "hidden_mark": hidden_mark(),
            "legend": legend_text(),
            "approval": approval,
            "locked": selectors.is_approved(approval),
            "can_enter": can_enter_values(request.user, definition),
            "can_approve": can_approve_periods(request.user),
            "imports": selectors.recent_imports(definition, city),
            "targets": selectors.targets_of(definition, city),
        },
    )


def _map_context(
    request: HttpRequest,
    definition: Definition,
    city: Region,
    start: datetime.date,
    label: str,
) -> dict[str, object]:
    """The choropleth: ``?level=kecamatan|kelurahan``, and ``?kecamatan=`` to drill down."""
    levels = selectors.map_levels(definition)
    if not levels:
        return {"map": None}
    level = request.GET.get("level", "")
    if level not in levels:
        level = levels[-1]
    kecamatan = None
    if level == Level.KELURAHAN and request.GET.get("kecamatan"):
        kecamatan = get_object_or_404(
            Region,
            code=request.GET["kecamatan"],
            level=RegionLevel.KECAMATAN,
            code__startswith=f"{city.code}.",
        )

    def href(region: Region) -> str:
        parent = region.code if level == Level.KECAMATAN else region.code.rsplit(".", 1)[0]
        query = urlencode({"period": label, "level": Level.KELURAHAN, "kecamatan": parent})
        return f"?{query}"

    result = selectors.choropleth(
        definition,
        city,
        start,
        level=level,
        kecamatan=kecamatan,
        href=href if Level.KELURAHAN in levels else None,
    )
    place = kecamatan.name if kecamatan else city.name
    return {
        "map": result,
        "map_svg": render_svg(result.shapes, title=f"{definition.name}, {place}, {label}"),
        "map_levels": [(value, Level(value).label) for value in levels],
        "map_kecamatan": kecamatan,
        "map_place": place,
    }


@publishes(*PUBLISHED)
@login_required
def values_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The page's table as CSV: a hidden cell carries the mark in each of its figures."""
    city = indicator_city(request.user)
    definition = _definition(code)
    start, label = _period(request, definition, city)
    return csv_response(
        exports.values_filename(definition, label),
        exports.VALUES_HEADER,
        exports.values_rows(definition, city, start, label),
    )


@login_required
def template_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_enter_values(request.user, definition))
    _start, label = _period(request, definition, city)
    return xlsx_response(
        exports.template_filename(definition), exports.template_xlsx(definition, city, label)
    )


@login_required
@menu("indicators")
def enter(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_enter_values(request.user, definition))
    start, label = _period(request, definition, city)
    errors: list[tuple[int, str]] = []
    if request.method == "POST":
        regions = list(services.regions_for(definition, city))
        entries = [
            (
                r.code,
                request.POST.get(f"n-{r.code}", ""),
                request.POST.get(f"d-{r.code}", ""),
            )
            for r in regions
        ]
        try:
            services.values_enter(
                actor=request.user, definition=definition, city=city, period=label, entries=entries
            )
        except services.PeriodLocked:
            messages.error(request, _("This period is approved and locked."))
            return redirect(f"{reverse('indicators:detail', args=[code])}?period={label}")
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("The values were saved."))
            return redirect(f"{reverse('indicators:detail', args=[code])}?period={label}")
    elif services.is_locked(definition, city, start):
        messages.error(request, _("This period is approved and locked."))
        return redirect(f"{reverse('indicators:detail', args=[code])}?period={label}")
    return render(
        request,
        "indicators/enter.html",
        {
            "definition": definition,
            "period": label,
            "rows": selectors.value_table(definition, city, start),
            "errors": errors,
        },
    )


def inline_import_bytes() -> int:
    return int(settings.LAYAK_INDICATOR_IMPORT_INLINE_BYTES)


@login_required
@menu("indicators")
def import_upload(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_enter_values(request.user, definition))
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        limit = int(settings.LAYAK_UPLOAD_MAX_BYTES)
        if upload is None:
            error = _("Choose a file.")
        elif upload.size is not None and upload.size > limit:
            error = _("The file is too large.")
        else:
            content = upload.read()
            run = services.import_create(
                actor=request.user,
                definition=definition,
                city=city,
                file_name=upload.name or "upload.csv",
                content=content,
                language=get_language() or "",
            )
            if len(content) <= inline_import_bytes():
                services.import_run(run.pk)
            else:
                run_indicator_import.enqueue(run.pk)
            return redirect("indicators:import_status", pk=run.pk)
    return render(request, "indicators/import.html", {"definition": definition, "error": error})


@login_required
@menu("indicators")
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    city = indicator_city(request.user)
    run = get_object_or_404(
        ImportRun.objects.select_related("definition").defer("content"), pk=pk, city=city
    )
    require(can_enter_values(request.user, run.definition))
    context = {
        "run": run,
        "running": run.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
    }
    if getattr(request, "htmx", False):
        return render(request, "indicators/_import_progress.html", context)
    return render(request, "indicators/import_status.html", context)


@login_required
@require_POST
def approve(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_approve_periods(request.user))
    start, label = _period(request, definition, city)
    services.period_approve(
        actor=request.user, definition=definition, city=city, start=start, label=label
    )
    messages.success(request, _("The period is approved and locked."))
    return redirect(f"{reverse('indicators:detail', args=[code])}?period={label}")


@login_required
@require_POST
def unlock(request: HttpRequest, code: str) -> HttpResponse:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_approve_periods(request.user))
    start, label = _period(request, definition, city)
    if not selectors.is_approved(selectors.approval_of(definition, city, start)):
        raise Http404
    try:
        services.period_unlock(
            actor=request.user,
            definition=definition,
            city=city,
            start=start,
            reason=request.POST.get("reason", ""),
        )
    except ImportRejected as rejected:
        for _row, message in rejected.errors:
            messages.error(request, message)
    else:
        messages.success(request, _("The period is unlocked."))
    return redirect(f"{reverse('indicators:detail', args=[code])}?period={label}")
