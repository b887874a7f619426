"""Pages of the evaluation history (issue #13): bring a previous cycle in from a file, and
record the official scores beside Layak's exact figures. Thin: parse, fetch through the
permission functions, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.core.errors import ImportRejected
from layak.core.pages import menu
from layak.core.permissions import require
from layak.evaluations.awards import can_manage_awards
from layak.evaluations.forms import HistoryImportForm, OfficialForm
from layak.evaluations.history import (
    HistoryProblem,
    HistoryRejected,
    history_import,
    history_remove,
    read_history_xlsx,
)
from layak.evaluations.models import Award, Indicator, OfficialScore
from layak.evaluations.official import official_comparison, official_record
from layak.evaluations.permissions import (
    can_import_history,
    can_record_official,
    can_remove_history,
    can_use_evaluation,
    get_cycle_for,
    instruments_visible_to,
)
from layak.indicators.permissions import city_of


@login_required
@menu("evaluations")
def history_import_page(request: HttpRequest) -> HttpResponse:
    """ "Impor riwayat": the secretariat brings a previous cycle of its city in from a file."""
    require(can_use_evaluation(request.user) and can_import_history(request.user))
    city = city_of(request.user)
    form = HistoryImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        instruments=instruments_visible_to(request.user),
    )
    groups: list[tuple[str, list[HistoryProblem]]] = []
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and city is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            cycle = history_import(
                actor=request.user,
                region=city,
                instrument=form.cleaned_data["instrument"],
                year=form.cleaned_data["year"],
                sheets=read_history_xlsx(upload),
                source_name=upload.name,
            )
        except HistoryRejected as rejected:
            groups = rejected.by_sheet()
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(
                request,
                _("The %(year)s cycle was imported as history (closed).") % {"year": cycle.year},
            )
            return redirect("evaluations:cycle", pk=cycle.pk)
    refused = bool(groups or errors)
    return render(
        request,
        "evaluations/history_import.html",
        {
            "form": form,
            "city": city,
            "groups": groups,
            "errors": errors,
            "error_count": sum(len(p) for _s, p in groups) + len(errors),
        },
        status=400 if refused or (form.is_bound and form.errors) else 200,
    )


@login_required
@menu("evaluations")
def cycle_official(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Nilai resmi": the ministry's declared scores beside Layak's exact figures, for those
    who read every answer of the cycle; the secretariat records them."""
    cycle = get_cycle_for(request.user, pk, action="export")
    editable = can_record_official(request.user, cycle)
    manage_award = editable and can_manage_awards(request.user)
    indicators = list(
        Indicator.objects.filter(instrument_id=cycle.instrument_id).order_by(
            "group__order", "order", "code"
        )
    )
    award = Award.objects.filter(region_id=cycle.region_id, year=cycle.year).first()
    initial: dict[str, Any] = {
        f"indicator_{indicator}": points
        for indicator, points in OfficialScore.objects.filter(cycle=cycle).values_list(
            "indicator_id", "points"
        )
    }
    if award is not None:
        initial.update(total=award.verified_score, category=award.category)
    form = OfficialForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        indicators=indicators,
    )
    if request.method == "POST":
        require(editable)
        if form.is_valid():
            try:
                official_record(
                    actor=request.user,
                    cycle=cycle,
                    scores=form.values(),
                    total=form.cleaned_data.get("total"),
                    category=form.cleaned_data.get("category", ""),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, problems in error.message_dict.items():
                        name = f"indicator_{key}" if key.isdigit() else key
                        for problem in problems:
                            form.add_error(name if name in form.fields else None, problem)
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The official scores are saved."))
                return redirect("evaluations:cycle_official", pk=cycle.pk)
    comparison = official_comparison(cycle)
    field_of = {i.code: form[f"indicator_{i.pk}"] for i in indicators}
    rows = [(row, field_of.get(row.code)) for row in comparison.indicators]
    return render(
        request,
        "evaluations/official_cycle.html",
        {
            "cycle": cycle,
            "comparison": comparison,
            "rows": rows,
            "form": form,
            "editable": editable,
            "manage_award": manage_award,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def cycle_history_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a history cycle imported by mistake; the person types its year to confirm."""
    cycle = get_cycle_for(request.user, pk, action="view")
    require(can_remove_history(request.user, cycle))
    try:
        confirm = int(request.POST.get("confirm_year", "").strip())
    except ValueError:
        confirm = None
    try:
        history_remove(actor=request.user, cycle=cycle, confirm_year=confirm)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("evaluations:cycle", pk=cycle.pk)
    messages.success(request, _("The history cycle %(year)s is removed.") % {"year": cycle.year})
    return redirect("evaluations:cycles")
