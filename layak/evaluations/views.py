"""Pages of the KLA evaluation (issue #3). Thin: parse, fetch through permissions.py, call one
service, render."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.accounts.models import Agency
from layak.accounts.scope import city_of, require_city
from layak.core.charts import Bar, bar_chart
from layak.core.errors import ConflictError, ImportRejected
from layak.core.exports import xlsx_response
from layak.core.forms import invalid_form_response, run_form, submit
from layak.core.pages import menu
from layak.core.permissions import require
from layak.evaluations import services
from layak.evaluations.awards import (
    AwardData,
    award_delete,
    award_save,
    awards_of,
    can_manage_awards,
)
from layak.evaluations.forms import (
    AnswerForm,
    AwardForm,
    CycleOpenForm,
    EvidenceForm,
    InstrumentImportForm,
    ReviewForm,
    VerifyForm,
    parse_effort,
    parse_ids,
)
from layak.evaluations.instruments import (
    bands_replace,
    instrument_export,
    instrument_import_with_notes,
)
from layak.evaluations.instruments import instrument_freeze as freeze_instrument
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    AnswerStatus,
    CycleReport,
    CycleStatus,
    IndicatorGroup,
    Question,
    QuestionPlanning,
    ReportStatus,
    question_order,
)
from layak.evaluations.permissions import (
    can_change_bands,
    can_freeze_instruments,
    can_import_history,
    can_load_instruments,
    can_open_cycle,
    can_remove_history,
    can_use_evaluation,
    cycles_visible_to,
    get_answer_for,
    get_cycle_for,
    get_evidence_for,
    instruments_visible_to,
    is_secretariat,
    opening_city,
    reads_all_answers,
)
from layak.evaluations.selectors import (
    agency_progress,
    cycle_scorecard,
    gap_analysis,
    group_progress,
    known_agency_codes,
    load_cycle_data,
    next_band,
    scorecard_of,
    whatif_answer_ids,
    work_list,
    work_progress,
)
from layak.evaluations.spreadsheet import Row, read_xlsx

BAND_ROWS = 8


@login_required
@menu("evaluations")
def instrument_list(request: HttpRequest) -> HttpResponse:
    require(can_use_evaluation(request.user))
    form = InstrumentImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    errors: list[tuple[int, str]] = []
    may_load = can_load_instruments(request.user)
    if request.method == "POST":
        require(may_load)
        try:
            outcome = run_form(
                form,
                lambda data: instrument_import_with_notes(
                    sheets=read_xlsx(data["file"]),
                    known_agencies=known_agency_codes(request.user),
                    actor=request.user,
                    source_name=data["file"].name,
                ),
            )
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            if outcome.ok and outcome.value is not None:
                result = outcome.value
                messages.success(
                    request, _("Instrument %(name)s loaded.") % {"name": result.instrument}
                )
                for note in result.notes:
                    messages.info(request, note)
                return redirect("evaluations:instruments")
    instruments = [
        (instrument, can_change_bands(request.user, instrument))
        for instrument in instruments_visible_to(request.user).select_related("frozen_by")
    ]
    context = {
        "instruments": instruments,
        "form": form,
        "errors": errors,
        "can_manage": may_load,
        "can_freeze": can_freeze_instruments(request.user),
    }
    if request.method == "POST":
        return invalid_form_response(request, "evaluations/instrument_list.html", context)
    return render(request, "evaluations/instrument_list.html", context)


@login_required
def instrument_download(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_use_evaluation(request.user))
    instrument = instruments_visible_to(request.user).filter(pk=pk).first()
    if instrument is None:
        raise Http404
    return xlsx_response(
        f"instrument-{instrument.year}-{instrument.pk}.xlsx", instrument_export(instrument)
    )


@login_required
@require_POST
def instrument_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    """Freeze an instrument as the national reference (issue #13)."""
    require(can_use_evaluation(request.user))
    instrument = instruments_visible_to(request.user).filter(pk=pk).first()
    if instrument is None:
        raise Http404
    require(can_freeze_instruments(request.user))
    try:
        freeze_instrument(actor=request.user, instrument=instrument)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Instrument %(name)s frozen.") % {"name": instrument})
    return redirect("evaluations:instruments")


@login_required
@menu("evaluations")
def cycle_list(request: HttpRequest) -> HttpResponse:
    require(can_use_evaluation(request.user))
    context = {
        "cycles": cycles_visible_to(request.user),
        "form": CycleOpenForm(),
        "can_open": can_open_cycle(request.user),
        "can_import_history": can_import_history(request.user),
    }
    if request.method != "POST":
        return render(request, "evaluations/cycle_list.html", context)
    require(can_open_cycle(request.user))
    city = opening_city(request.user)
    return submit(
        request,
        CycleOpenForm(request.POST),
        lambda data: services.cycle_open(actor=request.user, city=city, **data),
        success=lambda cycle: _("Cycle %(year)s opened.") % {"year": cycle.year},
        redirect_to=lambda cycle: reverse("evaluations:cycle", args=[cycle.pk]),
        template="evaluations/cycle_list.html",
        context=context,
    )


@login_required
@menu("evaluations")
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for(request.user, pk, action="view")
    data, card = cycle_scorecard(cycle)
    previous = (
        cycles_visible_to(request.user)
        .filter(region=cycle.region, year__lt=cycle.year)
        .order_by("-year")
        .first()
    )
    previous_card = cycle_scorecard(previous)[1] if previous is not None else None
    # Earlier cycles may use another instrument: groups are matched by their code.
    before = {}
    if previous is not None and previous_card is not None:
        codes = dict(
            IndicatorGroup.objects.filter(instrument=previous.instrument).values_list("pk", "code")
        )
        before = {codes[pk]: score for pk, score in previous_card.groups.items() if pk in codes}
    groups = [(g, card.groups[g.pk], before.get(g.code)) for g in data.groups]
    indicators = [(i, card.indicators[i.pk]) for i in data.indicators]
    series = [_("Self-assessed"), _("Verified")]
    chart = bar_chart(
        [Bar(g.name, (s.self_points, s.verified_points), s.maximum) for g, s, _p in groups],
        series=series,
        title=_("Score by group"),
    )
    return render(
        request,
        "evaluations/cycle_detail.html",
        {
            "cycle": cycle,
            "card": card,
            "previous": previous,
            "previous_card": previous_card,
            "groups": groups,
            "indicators": indicators,
            "chart": chart,
            "progress": agency_progress(cycle),
            "group_progress": group_progress(data),
            "indicator_chart": bar_chart(
                [
                    Bar(f"{i.code}. {i.name}", (s.self_points, s.verified_points), s.maximum)
                    for i, s in indicators
                ],
                series=series,
                title=_("Score by indicator"),
            ),
            "next_band": next_band(data, card),
            "can_submit": is_secretariat(request.user) and cycle.status == CycleStatus.OPEN,
            "can_remove_history": can_remove_history(request.user, cycle),
            "can_export": reads_all_answers(request.user),
            "condition_bands": [b for b in data.bands if b.conditions],
        },
    )


@login_required
@menu("evaluations")
def cycle_work(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for(request.user, pk, action="view")
    answers = work_list(request.user, cycle)
    status = request.GET.get("status", "")
    if status in AnswerStatus.values:
        answers = answers.filter(status=status)
    return render(
        request,
        "evaluations/cycle_work.html",
        {
            "cycle": cycle,
            "answers": answers,
            "statuses": AnswerStatus.choices,
            "status": status,
            "progress": work_progress(request.user, cycle),
        },
    )


@login_required
@require_POST
def cycle_submit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for(request.user, pk, action="submit")
    services.cycle_submit(actor=request.user, cycle=cycle)
    messages.success(request, _("The self-assessment was submitted; the cycle is locked."))
    return redirect("evaluations:cycle", pk=cycle.pk)


def _options(answer: Any) -> list[AnswerOption]:
    return list(AnswerOption.objects.filter(question=answer.question))


def _answer_page(
    request: HttpRequest,
    answer: Answer,
    *,
    form: AnswerForm | None = None,
    review_form: ReviewForm | None = None,
    conflict: object = None,
    review_conflict: bool = False,
) -> HttpResponse:
    """The answer page; a conflict (of a save or of a review) answers 409 with the stored
    version shown above the form, a refused form 400 (``core.forms``)."""
    context = _answer_context(
        request,
        answer,
        form=form,
        review_form=review_form,
        conflict=conflict,
        review_conflict=review_conflict,
    )
    if conflict is not None:
        return render(request, ANSWER_TEMPLATE, context, status=409)
    if any(f is not None and f.is_bound and f.errors for f in (form, review_form)):
        return invalid_form_response(request, ANSWER_TEMPLATE, context)
    return render(request, ANSWER_TEMPLATE, context)


ANSWER_TEMPLATE = "evaluations/answer_detail.html"


def _answer_context(
    request: HttpRequest,
    answer: Answer,
    *,
    form: AnswerForm | None = None,
    review_form: ReviewForm | None = None,
    conflict: object = None,
    review_conflict: bool = False,
) -> dict[str, Any]:
    """Everything the answer page shows; the forms not given are fresh."""
    options = _options(answer)
    can = {a: _allowed(request.user, answer.pk, a) for a in ("edit", "review", "verify")}
    if form is None:
        form = AnswerForm(
            initial={
                "version": answer.version,
                "option": str(answer.option_id or ""),
                "explanation": answer.explanation,
                **{f"data_{k}": v for k, v in answer.data_values.items()},
            },
            answer=answer,
            options=options,
        )
    if review_form is None:
        review_form = ReviewForm(initial={"version": answer.version})
    from layak.evaluations.suggestions import suggestions_for

    return {
        "answer": answer,
        "options": options,
        "form": form,
        "conflict": conflict,
        "review_conflict": review_conflict,
        "can": can,
        "evidence": answer.evidence.all(),
        "evidence_form": EvidenceForm(),
        "review_form": review_form,
        "suggestions": suggestions_for(answer),
        "verify_form": VerifyForm(
            initial={
                "option": str(answer.verified_option_id or ""),
                "note": answer.verification_note,
            },
            answer=answer,
            options=options,
        ),
        "history": answer.revisions.select_related("option", "changed_by")[:50],
        "assigned": answer.cycle.assignments.filter(question=answer.question)
        .select_related("agency")
        .order_by("agency__name"),
        "city_agencies": (
            Agency.objects.filter(region=answer.cycle.region, is_active=True).order_by("name")
            if is_secretariat(request.user) and answer.cycle.status == CycleStatus.OPEN
            else None
        ),
    }


@login_required
@menu("evaluations")
def answer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_answer_for(request.user, pk, action="view")
    if request.method != "POST":
        return _answer_page(request, answer)
    answer = get_answer_for(request.user, pk, action="edit")
    form = AnswerForm(request.POST, answer=answer, options=_options(answer))
    try:
        outcome = run_form(
            form,
            lambda data: services.answer_save(
                actor=request.user,
                answer=answer,
                expected_version=data["version"],
                option=form.chosen_option(),
                explanation=data["explanation"],
                data_values=form.data_values(),
            ),
        )
    except ConflictError as error:
        return _answer_page(request, answer, form=form, conflict=error.current)
    if not outcome.ok:
        return _answer_page(request, answer, form=form)
    # The answer is saved; sending it for review is a second step, refused with a message on
    # the saved answer's page (the form itself was accepted).
    if "submit" not in request.POST:
        messages.success(request, _("Answer saved."))
        return redirect("evaluations:answer", pk=pk)
    try:
        services.answer_submit(
            actor=request.user, answer=get_answer_for(request.user, pk, action="edit")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ConflictError:
        messages.error(
            request, _("Someone else changed this answer meanwhile; check it and send it again.")
        )
    else:
        messages.success(request, _("Answer sent for review."))
    return redirect("evaluations:answer", pk=pk)


def _allowed(user: Any, pk: int, action: str) -> bool:
    try:
        get_answer_for(user, pk, action=action)
    except (PermissionDenied, Http404):
        return False
    return True


@login_required
@require_POST
def answer_review(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_answer_for(request.user, pk, action="review")
    form = ReviewForm(request.POST)
    try:
        outcome = run_form(
            form,
            lambda data: services.answer_review(
                actor=request.user,
                answer=answer,
                expected_version=data["version"],
                accept=data["decision"] == "accept",
                note=data["note"],
            ),
        )
    except ConflictError as error:
        # Like a save conflict: the stored answer is shown, the review form keeps the
        # decision and note, now against the stored version.
        current = get_answer_for(request.user, pk, action="view")
        review_form = ReviewForm(
            initial={
                "version": current.version,
                "decision": form.cleaned_data["decision"],
                "note": form.cleaned_data["note"],
            }
        )
        return _answer_page(
            request, current, review_form=review_form, conflict=error.current, review_conflict=True
        )
    if not outcome.ok:
        return _answer_page(request, answer, review_form=form)
    messages.success(request, _("Review recorded."))
    return redirect("evaluations:answer", pk=pk)


@login_required
@require_POST
def answer_verify(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_answer_for(request.user, pk, action="verify")
    form = VerifyForm(request.POST, answer=answer, options=_options(answer))
    return submit(
        request,
        form,
        lambda data: services.answer_verify(
            actor=request.user,
            answer=answer,
            option=form.options.get(data["option"]),
            note=data["note"],
        ),
        success=_("Verification recorded."),
        redirect_to=reverse("evaluations:answer", args=[pk]),
        template=ANSWER_TEMPLATE,
        context=lambda: _answer_context(request, answer),
        form_name="verify_form",
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_answer_for(request.user, pk, action="edit")
    return submit(
        request,
        EvidenceForm(request.POST, request.FILES),
        lambda data: services.evidence_add(
            actor=request.user, answer=answer, upload=data["file"], name=data["file"].name
        ),
        success=_("Evidence attached."),
        redirect_to=reverse("evaluations:answer", args=[pk]),
        template=ANSWER_TEMPLATE,
        context=lambda: _answer_context(request, answer),
        form_name="evidence_form",
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_evidence_for(request.user, pk, action="download")
    content = services.evidence_read(actor=request.user, evidence=evidence)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request.user, pk, action="remove")
    answer_pk = evidence.answer_id
    services.evidence_remove(actor=request.user, evidence=evidence)
    messages.success(request, _("Evidence removed."))
    return redirect("evaluations:answer", pk=answer_pk)


@login_required
@menu("evaluations")
def cycle_gap(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for(request.user, pk, action="view")
    data, card = cycle_scorecard(cycle)
    default = next_band(data, card)
    target = request.GET.get("target") or (default.code if default else "")
    plan = gap_analysis(data, card, target) if target else None
    return render(
        request,
        "evaluations/cycle_gap.html",
        {
            "cycle": cycle,
            "card": card,
            "bands": data.bands,
            "target": target,
            "plan": plan,
            "by_agency": sorted(plan.by_agency().items()) if plan else [],
            "can_plan": is_secretariat(request.user),
        },
    )


@login_required
@menu("evaluations")
def cycle_whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """Hypothetical answers change the total and band at once, never the stored answers.

    Each person lists and changes only the answers they may read: a focal point sees the
    city's total move with their own agency's answers, which is what they plan with, but
    neither the options other agencies chose nor (by probing the total) a way to learn them.
    The total itself is on the dashboard every reader sees."""
    cycle = get_cycle_for(request.user, pk, action="view")
    data, card = cycle_scorecard(cycle)
    overrides: dict[int, int | None] = {}
    readable = whatif_answer_ids(request.user, cycle)
    valid_answers = {a.pk: a.question_id for a in data.answers if a.pk in readable}
    for key in request.POST if request.method == "POST" else []:
        if not key.startswith("answer_"):
            continue
        value = request.POST.get(key, "")
        try:
            answer_pk = int(key[7:])
            option_pk = int(value) if value else None
        except ValueError:
            continue
        question = valid_answers.get(answer_pk)
        option = data.options.get(option_pk) if option_pk else None
        if question is None or (option is not None and option.question_id != question):
            continue
        overrides[answer_pk] = option_pk
    hypothetical = scorecard_of(data, overrides)
    context = {"cycle": cycle, "card": card, "hypothetical": hypothetical}
    if getattr(request, "htmx", False):
        return render(request, "evaluations/partials/whatif_total.html", context)
    rows = [
        (
            answer,
            data.options_of.get(answer.question_id, []),
            data.question_codes[answer.question_id],
        )
        for answer in sorted(
            data.answers, key=lambda a: (data.question_codes[a.question_id], a.area_id or 0)
        )
        if answer.area_id is None and answer.pk in readable
    ]
    return render(request, "evaluations/cycle_whatif.html", {**context, "rows": rows})


@login_required
def cycle_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The recap lists every agency's scores and statuses: for those who read all answers."""
    cycle = get_cycle_for(request.user, pk, action="export")
    content = services.cycle_recap_export(actor=request.user, cycle=cycle)
    return xlsx_response(f"rekap-kla-{cycle.region.code}-{cycle.year}.xlsx", content)


@login_required
@menu("evaluations")
def cycle_planning(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's planning inputs for the gap analysis: which questions cannot change
    this year and the effort of each option (blank: proportional to the points gained)."""
    cycle = get_cycle_for(request.user, pk, action="plan")
    data = load_cycle_data(cycle)
    planning = {p.question_id: p for p in QuestionPlanning.objects.filter(cycle=cycle)}
    questions = (
        Question.objects.filter(instrument=cycle.instrument)
        .select_related("indicator")
        .order_by(*question_order())
    )
    errors: list[str] = []
    if request.method == "POST":
        changes: list[tuple[Question, bool, dict[str, Decimal]]] = []
        for question in questions:
            efforts: dict[str, Decimal] = {}
            for option in data.options_of.get(question.pk, []):
                try:
                    effort = parse_effort(request.POST.get(f"effort_{option.pk}", ""))
                except ValidationError as error:
                    errors.append(f"{question.label}: {' '.join(error.messages)}")
                    continue
                if effort is not None:
                    efforts[str(option.pk)] = effort
            impossible = request.POST.get(f"impossible_{question.pk}") == "on"
            current = planning.get(question.pk)
            unchanged = (
                current is not None
                and current.impossible == impossible
                and current.efforts == {k: str(v) for k, v in sorted(efforts.items())}
            ) or (current is None and not impossible and not efforts)
            if not unchanged:
                changes.append((question, impossible, efforts))
        if not errors:
            try:
                services.planning_set_many(actor=request.user, cycle=cycle, changes=changes)
            except ValidationError as error:
                errors.extend(error.messages)
        if not errors:
            messages.success(request, _("Planning saved."))
            return redirect("evaluations:cycle_gap", pk=cycle.pk)
    rows = [
        (
            question,
            planning.get(question.pk),
            [
                (
                    o,
                    (
                        planning[question.pk].efforts.get(str(o.pk), "")
                        if question.pk in planning
                        else ""
                    ),
                )
                for o in data.options_of.get(question.pk, [])
            ],
        )
        for question in questions
    ]
    context = {"cycle": cycle, "rows": rows, "errors": errors}
    if errors:
        return invalid_form_response(request, "evaluations/cycle_planning.html", context)
    return render(request, "evaluations/cycle_planning.html", context)


@login_required
@require_POST
def question_assignment(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    """The secretariat changes which agencies answer a question (the automatic assignment)."""
    cycle = get_cycle_for(request.user, pk, action="submit")
    question = (
        Question.objects.filter(instrument=cycle.instrument, pk=question_pk)
        .select_related("indicator")
        .first()
    )
    if question is None:
        raise Http404
    ids = parse_ids(request.POST.getlist("agencies"))
    agencies = list(Agency.objects.filter(region=cycle.region, is_active=True, pk__in=ids))
    if not agencies:
        messages.error(request, _("Choose at least one agency."))
    else:
        try:
            services.assignment_set(
                actor=request.user, cycle=cycle, question=question, agencies=agencies
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Assignment saved."))
    answer = cycle.answers.filter(question=question).order_by("area__code").first()
    if answer is None:
        return redirect("evaluations:cycle", pk=cycle.pk)
    return redirect("evaluations:answer", pk=answer.pk)


@login_required
@require_POST
def cycle_conditions(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat records which bands' extra conditions the city meets, while the cycle
    is open (a submitted self-assessment no longer changes)."""
    cycle = get_cycle_for(request.user, pk, action="submit")
    try:
        services.cycle_set_conditions(
            actor=request.user, cycle=cycle, band_codes=request.POST.getlist("bands")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Conditions saved."))
    return redirect("evaluations:cycle", pk=cycle.pk)


@login_required
@menu("evaluations")
def cycle_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """PDF reports of a cycle: every reader lists and downloads them; preparing one (a
    background job with the plan to the next band) is the secretariat's."""
    cycle = get_cycle_for(request.user, pk, action="view")
    if request.method == "POST":
        cycle = get_cycle_for(request.user, pk, action="plan")
        try:
            services.report_request(
                actor=request.user, cycle=cycle, target_band=request.POST.get("target", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The report is being prepared."))
        return redirect("evaluations:cycle_reports", pk=cycle.pk)
    return render(
        request,
        "evaluations/cycle_reports.html",
        {
            "cycle": cycle,
            "reports": cycle.reports.select_related("requested_by")[:20],
            "bands": cycle.instrument.bands.order_by("order"),
            "can_request": is_secretariat(request.user),
        },
    )


@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = CycleReport.objects.filter(
        pk=pk, cycle__in=cycles_visible_to(request.user), status=ReportStatus.DONE
    ).first()
    if report is None:
        raise Http404
    services.report_download_record(actor=request.user, report=report)
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"laporan-kla-{report.cycle.year}-{report.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
@menu("evaluations")
def instrument_bands(request: HttpRequest, pk: int) -> HttpResponse:
    """Define the instrument's band set, e.g. a new top category with extra conditions."""
    require(can_load_instruments(request.user))
    instrument = instruments_visible_to(request.user).filter(pk=pk).first()
    if instrument is None:
        raise Http404
    require(can_change_bands(request.user, instrument))
    errors: list[tuple[int, str]] = []
    columns = ("code", "name", "min_points", "max_points", "order", "conditions")
    if request.method == "POST":
        rows = [
            Row(index + 2, {c: request.POST.get(f"{c}_{index}", "").strip() for c in columns})
            for index in range(BAND_ROWS)
        ]
        rows = [r for r in rows if any(r.values.values())]
        try:
            bands_replace(actor=request.user, instrument=instrument, rows=rows)
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("Bands saved."))
            return redirect("evaluations:instruments")
    current = [
        {c: getattr(b, c) for c in columns}
        for b in instrument.bands.order_by("order", "min_points")
    ]
    current += [dict.fromkeys(columns, "")] * (BAND_ROWS - len(current))
    context = {
        "instrument": instrument,
        "rows": list(enumerate(current[:BAND_ROWS])),
        "errors": errors,
    }
    if errors:
        return invalid_form_response(request, "evaluations/instrument_bands.html", context)
    return render(request, "evaluations/instrument_bands.html", context)


@login_required
@require_POST
def answer_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """Take over a suggested answer with one action (never automatic)."""
    answer = get_answer_for(request.user, pk, action="edit")
    version = request.POST.get("version", "")
    key = request.POST.get("provider", "")
    try:
        services.answer_take_suggestion(
            actor=request.user,
            answer=answer,
            expected_version=int(version) if version.isascii() and version.isdigit() else -1,
            provider_key=key,
        )
    except ConflictError as error:
        return _answer_page(request, answer, conflict=error.current)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The figures were copied into the answer; check and save it."))
    return redirect("evaluations:answer", pk=pk)


@login_required
@menu("evaluations")
def award_list(request: HttpRequest) -> HttpResponse:
    """The categories the city was awarded, year by year; the secretariat records them."""
    require(can_use_evaluation(request.user))
    city = require_city(request.user)
    manage = can_manage_awards(request.user)
    context = {"awards": awards_of(city), "can_manage": manage, "city": city}
    if request.method != "POST":
        year = request.GET.get("year", "")
        editing = (
            awards_of(city).filter(year=int(year)).first()
            if year.isascii() and year.isdigit()
            else None
        )
        initial = (
            {f: getattr(editing, f) for f in AwardForm.base_fields} if editing is not None else {}
        )
        return render(
            request, "evaluations/award_list.html", {**context, "form": AwardForm(initial=initial)}
        )
    require(manage)
    return submit(
        request,
        AwardForm(request.POST),
        lambda data: award_save(actor=request.user, city=city, data=AwardData(**data)),
        success=lambda award: _("The year %(year)s is saved.") % {"year": award.year},
        redirect_to=reverse("evaluations:awards"),
        template="evaluations/award_list.html",
        context=context,
    )


@login_required
@require_POST
def award_remove(request: HttpRequest, year: int) -> HttpResponse:
    require(can_manage_awards(request.user))
    city = city_of(request.user)
    award = awards_of(city).filter(year=year).first() if city else None
    if award is None:
        raise Http404
    award_delete(actor=request.user, award=award)
    messages.success(request, _("The year %(year)s is removed.") % {"year": year})
    return redirect("evaluations:awards")
