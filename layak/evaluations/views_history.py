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
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.accounts.scope import city_of
from layak.core.errors import ImportRejected
from layak.core.forms import invalid_form_response, run_form, submit
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
from layak.evaluations.models import Award, Cycle, Indicator, OfficialScore
from layak.evaluations.official import official_comparison, official_record
from layak.evaluations.permissions import (
    can_import_history,
    can_record_official,
    can_remove_history,
    can_use_evaluation,
    get_cycle_for,
    instruments_visible_to,
)


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
    if request.method == "POST" and city is not None:
        try:
            outcome = run_form(
                form,
                lambda data: history_import(
                    actor=request.user,
                    region=city,
                    instrument=data["instrument"],
                    year=data["year"],
                    sheets=read_history_xlsx(data["file"]),
                    source_name=data["file"].name,
                ),
            )
        except HistoryRejected as rejected:
            groups = rejected.by_sheet()
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            if outcome.ok and outcome.value is not None:
                cycle = outcome.value
                messages.success(
                    request,
                    _("The %(year)s cycle was imported as history (closed).")
                    % {"year": cycle.year},
                )
                return redirect("evaluations:cycle", pk=cycle.pk)
    context = {
        "form": form,
        "city": city,
        "groups": groups,
        "errors": errors,
        "error_count": sum(len(p) for _s, p in groups) + len(errors),
    }
    if request.method == "POST":
        return invalid_form_response(request, "evaluations/history_import.html", context)
    return render(request, "evaluations/history_import.html", context)


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

    def page() -> dict[str, Any]:
        comparison = official_comparison(cycle)
        field_of = {i.code: form[f"indicator_{i.pk}"] for i in indicators}
        return {
            "cycle": cycle,
            "comparison": comparison,
            "rows": [(row, field_of.get(row.code)) for row in comparison.indicators],
            "form": form,
            "editable": editable,
            "manage_award": manage_award,
        }

    if request.method != "POST":
        return render(request, "evaluations/official_cycle.html", page())
    require(editable)
    return submit(
        request,
        form,
        lambda data: _official_record(request, cycle, form, data),
        success=_("The official scores are saved."),
        redirect_to=reverse("evaluations:cycle_official", args=[cycle.pk]),
        template="evaluations/official_cycle.html",
        context=page,
    )


def _official_record(
    request: HttpRequest, cycle: Cycle, form: OfficialForm, data: dict[str, Any]
) -> None:
    """:func:`official_record`, its errors keyed by indicator pk renamed to the form's
    ``indicator_<pk>`` fields so that they land next to their input."""
    try:
        official_record(
            actor=request.user,
            cycle=cycle,
            scores=form.values(),
            total=data.get("total"),
            category=data.get("category", ""),
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                (f"indicator_{key}" if key.isdigit() else key): problems
                for key, problems in error.error_dict.items()
            }
        ) from error


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
