"""Pages of child-protection case management (issue #4). Thin: parse with a form, fetch
through ``permissions.py`` (invisible: 404, forbidden: 403), call one service, render.

No identifying value ever goes into a URL: searches and the public status check are POSTs.
Every opening of a case file, download and export is audited by the services it calls. A form
refused by itself or by its service shows the page again with the errors and answers 400
(``layak.core.forms``); a save that lost a race with another one answers 409.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from layak.accounts.scope import city_of
from layak.cases import services
from layak.cases.exports import (
    STATISTIC_HEADER,
    simfoni_csv,
    simfoni_xlsx,
    statistic_filename,
    statistic_rows,
)
from layak.cases.forms import (
    AttachmentForm,
    BreakGlassForm,
    CaseForm,
    ConsentForm,
    HolidayForm,
    IncidentForm,
    LookupForm,
    MergeForm,
    NoteForm,
    PerpetratorForm,
    PublicReportForm,
    ReasonForm,
    ReferralForm,
    ReportForm,
    SearchForm,
    ServiceForm,
    StageForm,
    StatisticsForm,
    StatusForm,
    TeamForm,
    VictimForm,
)
from layak.cases.models import (
    Case,
    Channel,
    Consent,
    Holiday,
    Lookup,
    LookupKind,
    Referral,
    ReferralScope,
    Report,
    Victim,
)
from layak.cases.permissions import (
    break_glass_candidates,
    break_glass_to_review,
    can_break_glass,
    can_export_simfoni,
    can_manage_lookups,
    can_record_case,
    can_use_cases,
    cases_visible_to,
    get_attachment_for,
    get_case_for,
    get_referral_for,
    get_report_for,
    may,
    may_referral,
    referrals_inbox,
    statistics_region_filter,
)
from layak.cases.selectors import (
    access_log,
    break_glass_unreviewed,
    case_file,
    case_rows,
    due_today,
    my_cases,
    overdue_cases,
    referrals_waiting,
    reports_waiting,
    search_cases,
    simfoni_rows_of,
    team_case_by_number,
)
from layak.cases.statistics import (
    case_statistic,
    cities_for_statistics,
    statistics_city,
    statistics_home,
    statistics_years,
)
from layak.core.disclosure import legend_text, publishes
from layak.core.errors import ConflictError
from layak.core.exports import CSV_CONTENT_TYPE, csv_response, download, xlsx_response
from layak.core.forms import errors_to_form, form_page, invalid_form_response, run_form, submit
from layak.core.net import client_ip
from layak.core.pages import menu, paginate
from layak.core.permissions import require
from layak.core.throttles import public_throttled
from layak.regions.selectors import home_region


def _year(value: str | None) -> int:
    """A year from a query string, within 2000–2100; otherwise the current year."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


def _case_url(case: Case) -> str:
    return reverse("cases:case", args=[case.pk])


# -- work list -------------------------------------------------------------------------------


@login_required
@menu("cases")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_cases(user))
    page = paginate(request, my_cases(user))
    can_record = can_record_case(user)
    context = {
        "rows": case_rows(page.object_list),
        "page": page,
        "overdue": case_rows(overdue_cases(user)[:50]),
        "due_today": case_rows(due_today(user)[:50]),
        "referrals": referrals_waiting(user)[:50],
        "reports": reports_waiting(user)[:50] if can_record else [],
        "to_review": break_glass_unreviewed(user)[:50],
        "can_record": can_record,
        "can_break_glass": can_break_glass(user),
        "can_export": can_export_simfoni(user),
        "search_form": SearchForm(),
    }
    return render(request, "cases/home.html", context)


@login_required
@require_POST
def search(request: HttpRequest) -> HttpResponse:
    """Search the person's own cases by number or (decrypted) victim name; POST only, so no
    name reaches a URL or an access log line."""
    user = request.user
    require(can_use_cases(user))
    form = SearchForm(request.POST)
    results = search_cases(user, form.cleaned_data["q"]) if form.is_valid() else []
    context = {"form": form, "rows": case_rows(results), "searched": form.is_bound}
    if not form.is_valid():
        return invalid_form_response(request, "cases/search.html", context)
    return render(request, "cases/search.html", context)


# -- public form -----------------------------------------------------------------------------


def _report_data(data: Mapping[str, Any], channel: str) -> services.ReportData:
    """A report as typed into the public or the staff form (the public one has no child's name
    and no relation of the reporter)."""
    return services.ReportData(
        channel=channel,
        description=data["description"],
        kelurahan=data["kelurahan"],
        child_name=data.get("child_name", ""),
        child_age=data["child_age"],
        child_sex=data["child_sex"] or "",
        anonymous=data["anonymous"],
        reporter_name=data["reporter_name"],
        reporter_contact=data["reporter_contact"],
        reporter_relation=data.get("reporter_relation", ""),
    )


@never_cache
def public_report(request: HttpRequest) -> HttpResponse:
    """The public report form: no login, throttled per address, a honeypot instead of a
    CAPTCHA; answers with a tracking code that shows the status only."""
    city = home_region()
    form = PublicReportForm(request.POST or None, city=city)
    if request.method != "POST":
        return render(request, "cases/public_report.html", {"form": form})
    if public_throttled(client_ip(request), "report", int(settings.LAYAK_PUBLIC_FORM_PER_HOUR)):
        return render(
            request, "cases/public_report.html", {"form": form, "throttled": True}, status=429
        )
    if form.is_valid() and form.cleaned_data["website"]:
        # A bot filled in the hidden field: answer like a success, store nothing.
        return render(request, "cases/public_thanks.html", {"code": None})
    outcome = run_form(
        form,
        lambda d: services.report_submit_public(city=city, data=_report_data(d, Channel.WEB)),
    )
    if outcome.value is not None:
        return render(request, "cases/public_thanks.html", {"code": outcome.value.tracking_code})
    return invalid_form_response(request, "cases/public_report.html", {"form": form})


@never_cache
def public_status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST or None)
    if request.method != "POST":
        return render(request, "cases/public_status.html", {"form": form})
    if public_throttled(client_ip(request), "status", int(settings.LAYAK_PUBLIC_STATUS_PER_HOUR)):
        return render(
            request, "cases/public_status.html", {"form": form, "throttled": True}, status=429
        )
    if not form.is_valid():
        return invalid_form_response(request, "cases/public_status.html", {"form": form})
    report = Report.objects.filter(tracking_code=form.cleaned_data["code"]).first()
    return render(
        request,
        "cases/public_status.html",
        {
            "form": form,
            "status": services.public_status(report) if report is not None else None,
            "not_found": report is None,
        },
    )


# -- reports ---------------------------------------------------------------------------------


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_record_case(user))
    form = ReportForm(request.POST or None, city=city_of(user))
    return form_page(
        request,
        form,
        lambda d: services.report_record(actor=user, data=_report_data(d, d["channel"])),
        success=_("Report recorded."),
        redirect_to=lambda report: reverse("cases:report", args=[report.pk]),
        template="cases/report_form.html",
    )


def _report_context(
    report: Report, form: BaseForm | None = None, merge_form: BaseForm | None = None
) -> dict[str, Any]:
    return {
        "report": report,
        "form": form or CaseForm(initial={"kelurahan": report.kelurahan_id}, city=report.region),
        "merge_form": merge_form or MergeForm(),
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="view")
    services.report_viewed(actor=user, report=report)
    return render(request, "cases/report_detail.html", _report_context(report))


def _case_data(data: Mapping[str, Any]) -> services.CaseData:
    return services.CaseData(
        kelurahan=data["kelurahan"],
        risk=data["risk"],
        child_marriage=data["child_marriage"],
        online_harm=data["online_harm"],
        summary=data["summary"],
    )


@login_required
@require_POST
def report_open_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="handle")
    form = CaseForm(request.POST, city=report.region)
    return submit(
        request,
        form,
        lambda d: services.case_open(actor=user, report=report, data=_case_data(d)),
        success=lambda case: _("Case %(number)s opened.") % {"number": case.number},
        redirect_to=_case_url,
        template="cases/report_detail.html",
        context=lambda: _report_context(report, form=form),
    )


@login_required
@require_POST
def report_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="handle")
    form = MergeForm(request.POST)

    def merge(data: Mapping[str, Any]) -> Case:
        case = team_case_by_number(user, data["number"])
        if case is None:
            raise ValidationError({"number": _("None of your cases has this number.")})
        return services.report_merge(actor=user, report=report, case=case)

    return submit(
        request,
        form,
        merge,
        success=lambda case: _("Report merged into case %(number)s.") % {"number": case.number},
        redirect_to=_case_url,
        template="cases/report_detail.html",
        context=lambda: _report_context(report, merge_form=form),
        form_name="merge_form",
    )


@login_required
@require_POST
def report_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="handle")
    try:
        services.report_dismiss(actor=user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Report closed as not a case."))
    return redirect("cases:home")


# -- the case file ---------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    can = {
        action: may(user, case, action) for action in ("edit", "contribute", "manage", "access_log")
    }
    city = case.region
    return {
        "case": case,
        "can": can,
        **case_file(user, case),
        "case_form": CaseForm(
            initial={
                "kelurahan": case.kelurahan_id,
                "risk": case.risk_id,
                "child_marriage": case.child_marriage,
                "online_harm": case.online_harm,
                "summary": case.summary,
                "version": case.version,
            },
            city=city,
        ),
        "stage_form": StageForm(initial={"stage": case.stage}),
        "note_form": NoteForm(),
        "service_form": ServiceForm(city=city),
        "attachment_form": AttachmentForm(),
        "consent_form": ConsentForm(),
        "perpetrator_form": PerpetratorForm(),
        "incident_form": IncidentForm(city=city),
        "team_form": TeamForm(agency=case.agency, case=case),
    }


@login_required
@menu("cases")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="view")
    services.case_viewed(actor=user, case=case)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="edit")
    if request.method != "POST":
        return redirect(_case_url(case))
    form = CaseForm(request.POST, city=case.region)
    conflict = None
    try:
        outcome = run_form(
            form,
            lambda d: services.case_update(
                actor=user, case=case, version=d["version"] or 0, data=_case_data(d)
            ),
        )
    except ConflictError as error:
        conflict = error.current
    else:
        if outcome.ok:
            messages.success(request, _("Case saved."))
            return redirect(_case_url(case))
    context = _case_context(request, case)
    context["case_form"] = form
    context["conflict"] = conflict
    if conflict is not None:
        return render(request, "cases/case_detail.html", context, status=409)
    return invalid_form_response(request, "cases/case_detail.html", context)


#: A service called with the acting person, the case and the form's cleaned data.
CaseCall = Callable[[Any, Case, dict[str, Any]], object]


def _case_action(
    request: HttpRequest,
    pk: int,
    action: str,
    make_form: Callable[[Case], BaseForm],
    call: CaseCall,
    *,
    success: str,
    form_name: str,
) -> HttpResponse:
    """POST a small form of the case page: the one submission step (``layak.core.forms``),
    the case page shown again with the errors on the form ``form_name``."""
    user = request.user
    case = get_case_for(user, pk, action=action)
    if request.method != "POST":
        return redirect(_case_url(case))
    return submit(
        request,
        make_form(case),
        lambda d: call(user, case, d),
        success=success,
        redirect_to=_case_url(case),
        template="cases/case_detail.html",
        context=lambda: _case_context(request, case),
        form_name=form_name,
    )


@login_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "contribute",
        lambda case: NoteForm(request.POST),
        lambda user, case, d: services.note_add(actor=user, case=case, text=d["text"]),
        success=_("Note added."),
        form_name="note_form",
    )


@login_required
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "contribute",
        lambda case: ServiceForm(request.POST, city=case.region),
        lambda user, case, d: services.service_add(
            actor=user,
            case=case,
            kind=d["kind"],
            provider=d["provider"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
            note=d["note"],
        ),
        success=_("Service recorded."),
        form_name="service_form",
    )


@login_required
def perpetrator_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        lambda case: PerpetratorForm(request.POST),
        lambda user, case, d: services.perpetrator_add(
            actor=user,
            case=case,
            name=d["name"],
            sex=d["sex"] or "",
            age=d["age"],
            relationship=d["relationship"],
        ),
        success=_("Perpetrator recorded."),
        form_name="perpetrator_form",
    )


@login_required
def incident_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        lambda case: IncidentForm(request.POST, city=case.region),
        lambda user, case, d: services.incident_add(
            actor=user,
            case=case,
            occurred_on=d["occurred_on"],
            place=d["place"],
            kelurahan=d["kelurahan"],
            description=d["description"],
        ),
        success=_("Incident recorded."),
        form_name="incident_form",
    )


@login_required
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        lambda case: ConsentForm(request.POST),
        lambda user, case, d: services.consent_record(
            actor=user,
            case=case,
            purpose=d["purpose"],
            given_by=d["given_by"],
            given_on=d["given_on"],
        ),
        success=_("Consent recorded."),
        form_name="consent_form",
    )


@login_required
def stage_set(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        lambda case: StageForm(request.POST),
        lambda user, case, d: services.stage_set(
            actor=user, case=case, stage=d["stage"], note=d["note"]
        ),
        success=_("Stage changed."),
        form_name="stage_form",
    )


@login_required
@require_POST
def followup(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="edit")
    services.followup_record(actor=user, case=case)
    messages.success(request, _("First follow-up recorded."))
    return redirect(_case_url(case))


def _team_change(user: Any, case: Case, d: dict[str, Any]) -> None:
    action, person = d["action"], d["user"]
    if action == "add":
        services.member_add(actor=user, case=case, user=person)
    elif action == "remove":
        services.member_remove(actor=user, case=case, user=person)
    else:
        services.owner_set(actor=user, case=case, user=person)


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "manage",
        lambda case: TeamForm(request.POST, agency=case.agency, case=case),
        _team_change,
        success=_("Team changed."),
        form_name="team_form",
    )


def _attach(user: Any, case: Case, d: dict[str, Any]) -> None:
    upload = d["file"]
    services.attachment_add(actor=user, case=case, upload=upload, name=upload.name or "file")


@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "contribute",
        lambda case: AttachmentForm(request.POST, request.FILES or None),
        _attach,
        success=_("File attached."),
        form_name="attachment_form",
    )


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    user = request.user
    attachment = get_attachment_for(user, pk)
    content = services.attachment_read(actor=user, attachment=attachment)
    extension = {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/webp": ".webp",
    }.get(attachment.content_type, "")
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        # The file name could identify a child: a neutral one is sent instead.
        filename=f"{attachment.case.number}-{attachment.pk}{extension}",
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consent = get_object_or_404(Consent, pk=pk)
    case = get_case_for(user, consent.case_id, action="edit")
    if request.method == "POST":
        try:
            services.consent_withdraw(actor=user, consent=consent, on=timezone.localdate())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Consent withdrawn."))
    return redirect(_case_url(case))


#: The victim's fields the form edits, as stored.
VICTIM_INITIAL = (
    "name",
    "nik",
    "birth_date",
    "sex",
    "age",
    "education",
    "occupation",
    "disability",
    "address",
    "phone",
    "guardian",
)


def _victim_data(d: Mapping[str, Any]) -> services.VictimData:
    return services.VictimData(
        sex=d["sex"],
        age=d["age"],
        forms=list(d["violence"]),
        name=d["name"],
        nik=d["nik"],
        birth_date=d["birth_date"],
        address=d["address"],
        phone=d["phone"],
        guardian=d["guardian"],
        education=d["education"],
        occupation=d["occupation"],
        disability=d["disability"],
    )


@login_required
def victim_form(request: HttpRequest, pk: int, victim_pk: int | None = None) -> HttpResponse:
    """Add or change a victim; warns of a possibly matching child elsewhere before saving."""
    user = request.user
    case = get_case_for(user, pk, action="edit")
    victim = get_object_or_404(Victim, pk=victim_pk, case=case) if victim_pk else None
    initial: dict[str, Any] = {}
    if victim is not None:
        initial = {f: getattr(victim, f) for f in VICTIM_INITIAL}
        initial["violence"] = list(victim.forms.all())
    initial["version"] = case.version
    form = VictimForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"case": case, "victim": victim, "form": form, "matches": []}
    if request.method != "POST":
        if victim is not None:
            services.case_viewed(actor=user, case=case, fields=["victims"])
        return render(request, "cases/victim_form.html", context)
    if not form.is_valid():
        return invalid_form_response(request, "cases/victim_form.html", context)
    d = form.cleaned_data
    if public_throttled(
        str(getattr(user, "pk", "")), "duplicate", int(settings.LAYAK_DUPLICATE_CHECKS_PER_HOUR)
    ):
        form.add_error(None, _("Too many duplicate checks in the last hour; try again later."))
        return invalid_form_response(request, "cases/victim_form.html", context)
    matches = services.duplicate_check(
        city=case.region,
        name=d["name"],
        birth_date=d["birth_date"],
        nik=d["nik"],
        exclude_case=case,
        actor=user,
    )
    context["matches"] = matches
    if matches and not d["confirm_duplicate"]:
        return invalid_form_response(request, "cases/victim_form.html", context)
    try:
        if victim is None:
            services.victim_add(actor=user, case=case, data=_victim_data(d))
        else:
            services.victim_update(
                actor=user, victim=victim, data=_victim_data(d), version=d["version"] or 0
            )
    except ConflictError:
        form.add_error(
            None,
            _(
                "Someone else changed this case meanwhile; nothing of yours was saved. "
                "Reload the case, check the victim, and save again."
            ),
        )
        return render(request, "cases/victim_form.html", context, status=409)
    except ValidationError as error:
        errors_to_form(form, error)
        return invalid_form_response(request, "cases/victim_form.html", context)
    messages.success(request, _("Victim saved."))
    return redirect(_case_url(case))


@login_required
def access(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="access_log")
    page = paginate(request, access_log(case))
    return render(request, "cases/access_log.html", {"case": case, "page": page})


# -- referrals -------------------------------------------------------------------------------


@login_required
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="edit")
    form = ReferralForm(request.POST or None, city=case.region)
    context = {"case": case}

    def send(d: Mapping[str, Any]) -> Referral:
        try:
            return services.referral_create(
                actor=user,
                case=case,
                scope=d["scope"],
                to_agency=d["to_agency"],
                to_user=d["to_user"],
                service_kind=d["service_kind"],
                message=d["message"],
                override_reason=d["override_reason"],
                may_override=may(user, case, "manage"),
            )
        except PermissionDenied as denied:
            raise ValidationError(
                {
                    "override_reason": _(
                        "Only the supervising case manager may share without consent."
                    )
                }
            ) from denied

    return form_page(
        request,
        form,
        send,
        success=lambda referral: _("Referral sent to %(agency)s.") % {"agency": referral.to_agency},
        redirect_to=_case_url(case),
        template="cases/referral_form.html",
        context=context,
    )


@login_required
@menu("cases")
def referral_inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_cases(user))
    page = paginate(request, referrals_inbox(user))
    return render(request, "cases/referral_inbox.html", {"page": page})


def _sees_case(user: Any, case: Case) -> bool:
    """Whether ``user`` may open the case file itself (not only what a referral shares)."""
    return cases_visible_to(user).filter(pk=case.pk).exists()


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    referral = get_referral_for(user, pk, action="view")
    case = referral.case
    services.case_viewed(actor=user, case=case, fields=["referral"])
    victims = case.victims.select_related("age_group").prefetch_related("forms")
    can = {a: may_referral(user, referral, a) for a in ("answer", "finish", "revoke")}
    opens_file = referral.scope == ReferralScope.CASE and _sees_case(user, case)
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "case": case,
            "victims": victims,
            "can": can,
            "opens_file": opens_file,
            "on_team": may(user, case, "access_log"),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def referral_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = request.user
    action = {"accept": "answer", "decline": "answer", "done": "finish", "revoke": "revoke"}.get(
        verb
    )
    if action is None:
        raise PermissionDenied
    referral = get_referral_for(user, pk, action=action)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if verb == "accept":
            services.referral_accept(actor=user, referral=referral)
        elif verb == "decline":
            services.referral_decline(actor=user, referral=referral, reason=reason)
        elif verb == "done":
            services.referral_done(actor=user, referral=referral, note=reason)
        else:
            services.referral_revoke(actor=user, referral=referral, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Referral updated."))
    return redirect("cases:referral", referral.pk)


# -- emergency access ------------------------------------------------------------------------


@login_required
def break_glass(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_break_glass(user))
    form = BreakGlassForm(request.POST or None)
    context = {"hours": int(settings.LAYAK_BREAK_GLASS_HOURS)}

    def open_case(d: Mapping[str, Any]) -> Case:
        case = break_glass_candidates(user).filter(number=d["number"].strip()).first()
        if case is None:
            raise ValidationError({"number": _("No open case of this kab/kota has this number.")})
        if not (may(user, case, "edit") or _sees_case(user, case)):
            services.break_glass_open(actor=user, case=case, reason=d["reason"])
        return case

    return form_page(
        request,
        form,
        open_case,
        success=None,
        redirect_to=_case_url,
        template="cases/break_glass.html",
        context=context,
    )


@login_required
@require_POST
def break_glass_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    grant = get_object_or_404(break_glass_to_review(user), pk=pk)
    services.break_glass_review(actor=user, grant=grant)
    messages.success(request, _("Emergency access marked as reviewed."))
    return redirect("cases:home")


# -- statistics and export ------------------------------------------------------------------


@publishes("cases")
@login_required
@menu("case_statistics")
def statistics(request: HttpRequest) -> HttpResponse:
    region_filter = statistics_region_filter(request.user, "code")
    if region_filter is None:
        raise PermissionDenied
    cities = cities_for_statistics(region_filter, statistics_home(request.user))
    if not cities:
        raise Http404
    city = statistics_city(cities, request.GET.get("city", ""))
    if city is None:
        raise Http404
    years = statistics_years(city)
    asked = bool(set(request.GET) - {"city", "format"})
    form = StatisticsForm(request.GET if asked else None, years=years)
    context: dict[str, Any] = {
        "form": form,
        "table": None,
        "cities": cities if len(cities) > 1 else [],
        "city": city,
        "legend": legend_text(),
    }
    year, unit, dimension = years[0], "victims", "form"
    if form.is_bound and form.is_valid():
        year, unit, dimension = (
            form.cleaned_data["year"],
            form.cleaned_data["unit"],
            form.cleaned_data["dimension"],
        )
    elif form.is_bound:
        return invalid_form_response(request, "cases/statistics.html", context)
    table = case_statistic(city=city, year=year, unit=unit, dimension=dimension)
    if request.GET.get("format") == "csv":
        return csv_response(
            statistic_filename(city.code, year, unit, dimension),
            STATISTIC_HEADER,
            statistic_rows(table),
        )
    context.update({"table": table, "year": year, "unit": unit})
    return render(request, "cases/statistics.html", context)


@login_required
def simfoni_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """SIMFONI-PPA categories of the manager's cases (no names); audited."""
    user = request.user
    require(can_export_simfoni(user))
    year = _year(request.GET.get("year"))
    rows = simfoni_rows_of(user, year)
    services.simfoni_exported(actor=user, year=year)
    if fmt == "xlsx":
        return xlsx_response(f"simfoni-{year}.xlsx", simfoni_xlsx(rows))
    return download(
        simfoni_csv(rows), filename=f"simfoni-{year}.csv", content_type=CSV_CONTENT_TYPE
    )


# -- category lists --------------------------------------------------------------------------


@login_required
@menu("case_lookups")
def lookup_list(request: HttpRequest) -> HttpResponse:
    require(can_manage_lookups(request.user))
    kinds = [(kind, label, Lookup.objects.filter(kind=kind)) for kind, label in LookupKind.choices]
    return render(request, "cases/lookup_list.html", {"kinds": kinds})


@login_required
def lookup_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(can_manage_lookups(request.user))
    lookup = get_object_or_404(Lookup, pk=pk) if pk else None
    form = LookupForm(request.POST or None, instance=lookup)
    context = {"lookup": lookup}
    return form_page(
        request,
        form,
        lambda d: services.lookup_save(actor=request.user, lookup=lookup, data=d),
        success=_("Category saved."),
        redirect_to="cases:lookups",
        template="cases/lookup_form.html",
        context=context,
    )


def _holidays() -> dict[str, Any]:
    return {
        "holidays": Holiday.objects.filter(date__gte=timezone.localdate().replace(month=1, day=1))
    }


@login_required
@menu("case_lookups")
def holiday_list(request: HttpRequest) -> HttpResponse:
    """Public holidays: not working days for the follow-up deadline."""
    require(can_manage_lookups(request.user))
    form = HolidayForm(request.POST or None)
    if request.method != "POST":
        return render(request, "cases/holiday_list.html", {**_holidays(), "form": form})
    remove = request.POST.get("remove", "")
    if remove.isascii() and remove.isdigit():
        holiday = get_object_or_404(Holiday, pk=int(remove))
        services.holiday_remove(actor=request.user, holiday=holiday)
        messages.success(request, _("Holiday removed."))
        return redirect("cases:holidays")
    return submit(
        request,
        form,
        lambda d: services.holiday_add(actor=request.user, date=d["date"], name=d["name"]),
        success=_("Holiday saved."),
        redirect_to="cases:holidays",
        template="cases/holiday_list.html",
        context=_holidays,
    )
