"""Pages of child-protection case management (issue #4). Thin: parse with a form, fetch
through ``permissions.py`` (invisible: 404, forbidden: 403), call one service, render.

No identifying value ever goes into a URL: searches and the public status check are POSTs.
Every opening of a case file, download and export is audited by the services it calls.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from layak.cases import crypto, services
from layak.cases.exports import simfoni_csv, simfoni_xlsx
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
    ReferralScope,
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
    cases_on_team_of,
    get_attachment_for,
    get_case_for,
    get_referral_for,
    get_report_for,
    may,
    may_referral,
    reports_visible_to,
    statistics_region_filter,
)
from layak.cases.selectors import (
    access_log,
    due_today,
    my_cases,
    overdue_cases,
    referrals_waiting,
)
from layak.cases.statistics import (
    case_statistic,
    cities_for_statistics,
    statistics_city,
    statistics_years,
)
from layak.core.audit import audit_record
from layak.core.disclosure import legend_text, publishes
from layak.core.errors import ConflictError
from layak.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_response, download
from layak.core.models import AuditAction
from layak.core.net import client_ip
from layak.core.pages import menu, paginate
from layak.core.permissions import require
from layak.regions.selectors import home_region


def _city(user: Any) -> Any:
    agency = getattr(user, "agency", None)
    return agency.region if agency is not None else None


def _year(value: str | None) -> int:
    """A year from a query string, within 2000–2100; otherwise the current year."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


def _errors_to_form(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _masked_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """List rows: the case with its victims' names masked (lists never show names)."""
    victims: dict[int, list[str]] = {}
    for victim in Victim.objects.filter(case__in=[c.pk for c in cases]).only("name", "case_id"):
        victims.setdefault(victim.case_id, []).append(crypto.mask_name(victim.name))
    return [{"case": c, "victims": victims.get(c.pk, [])} for c in cases]


# -- work list -------------------------------------------------------------------------------


@login_required
@menu("cases")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_cases(user))
    page = paginate(request, my_cases(user))
    today = timezone.localdate()
    reports = reports_visible_to(user).filter(case__isnull=True, status="received")
    context = {
        "rows": _masked_rows(list(page.object_list)),
        "page": page,
        "today": today,
        "now": timezone.now(),
        "overdue": _masked_rows(list(overdue_cases(user)[:50])),
        "due_today": _masked_rows(list(due_today(user)[:50])),
        "referrals": referrals_waiting(user)[:50],
        "reports": reports[:50] if can_record_case(user) else [],
        "to_review": break_glass_to_review(user).filter(reviewed_at__isnull=True)[:50],
        "can_record": can_record_case(user),
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
    results: list[Case] = []
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        team = cases_on_team_of(user).select_related("kelurahan", "owner")
        by_number = list(team.filter(number__icontains=query)[:50])
        wanted = crypto.normalise_name(query)
        by_name: list[Case] = []
        if wanted:
            ids = {
                v.case_id
                for v in Victim.objects.filter(case__in=team.values("pk")).only("name", "case_id")
                if wanted in crypto.normalise_name(v.name)
            }
            by_name = list(team.filter(pk__in=ids)[:50])
        results = list({c.pk: c for c in by_number + by_name}.values())
    return render(
        request,
        "cases/search.html",
        {
            "form": form,
            "rows": _masked_rows(results),
            "searched": form.is_bound,
            "today": timezone.localdate(),
        },
    )


# -- public form -----------------------------------------------------------------------------


def _public_city() -> Any:
    return home_region()


@never_cache
def public_report(request: HttpRequest) -> HttpResponse:
    """The public report form: no login, throttled per address, a honeypot instead of a
    CAPTCHA; answers with a tracking code that shows the status only."""
    city = _public_city()
    form = PublicReportForm(request.POST or None, city=city)
    if request.method == "POST":
        if services.public_throttled(
            client_ip(request), "report", int(settings.LAYAK_PUBLIC_FORM_PER_HOUR)
        ):
            return render(
                request, "cases/public_report.html", {"form": form, "throttled": True}, status=429
            )
        if form.is_valid():
            if form.cleaned_data["website"]:
                # A bot filled in the hidden field: answer like a success, store nothing.
                return render(request, "cases/public_thanks.html", {"code": None})
            data = form.cleaned_data
            try:
                report = services.report_submit_public(
                    city=city,
                    data=services.ReportData(
                        channel=Channel.WEB,
                        description=data["description"],
                        kelurahan=data["kelurahan"],
                        child_age=data["child_age"],
                        child_sex=data["child_sex"] or "",
                        anonymous=data["anonymous"],
                        reporter_name=data["reporter_name"],
                        reporter_contact=data["reporter_contact"],
                    ),
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                return render(request, "cases/public_thanks.html", {"code": report.tracking_code})
    return render(request, "cases/public_report.html", {"form": form})


@never_cache
def public_status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST or None)
    status: str | None = None
    not_found = False
    if request.method == "POST":
        if services.public_throttled(
            client_ip(request), "status", int(settings.LAYAK_PUBLIC_STATUS_PER_HOUR)
        ):
            return render(
                request, "cases/public_status.html", {"form": form, "throttled": True}, status=429
            )
        if form.is_valid():
            from layak.cases.models import Report

            report = Report.objects.filter(tracking_code=form.cleaned_data["code"]).first()
            if report is None:
                not_found = True
            else:
                status = services.public_status(report)
    return render(
        request,
        "cases/public_status.html",
        {"form": form, "status": status, "not_found": not_found},
    )


# -- reports ---------------------------------------------------------------------------------


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_record_case(user))
    form = ReportForm(request.POST or None, city=_city(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_record(
                actor=user,
                data=services.ReportData(
                    channel=data["channel"],
                    description=data["description"],
                    kelurahan=data["kelurahan"],
                    child_name=data["child_name"],
                    child_age=data["child_age"],
                    child_sex=data["child_sex"] or "",
                    anonymous=data["anonymous"],
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    reporter_relation=data["reporter_relation"],
                ),
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Report recorded."))
            return redirect("cases:report", report.pk)
    return render(request, "cases/report_form.html", {"form": form})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="view")
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.VIEW,
            obj=report.case or report,
            fields=["report"] if report.case else ["description", "reporter_name", "child_name"],
            region_code=report.kelurahan.code if report.kelurahan else report.region.code,
        )
    form = CaseForm(initial={"kelurahan": report.kelurahan_id}, city=report.region)
    return render(
        request,
        "cases/report_detail.html",
        {"report": report, "form": form, "merge_form": MergeForm()},
    )


@login_required
@require_POST
def report_open_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="handle")
    form = CaseForm(request.POST, city=report.region)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                actor=user,
                report=report,
                data=services.CaseData(
                    kelurahan=data["kelurahan"],
                    risk=data["risk"],
                    child_marriage=data["child_marriage"],
                    online_harm=data["online_harm"],
                    summary=data["summary"],
                ),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases:report", report.pk)
        messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
        return redirect("cases:case", case.pk)
    return render(
        request,
        "cases/report_detail.html",
        {"report": report, "form": form, "merge_form": MergeForm()},
        status=400,
    )


@login_required
@require_POST
def report_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = get_report_for(user, pk, action="handle")
    form = MergeForm(request.POST)
    if form.is_valid():
        case = cases_on_team_of(user).filter(number=form.cleaned_data["number"].strip()).first()
        if case is None:
            messages.error(request, _("None of your cases has this number."))
            return redirect("cases:report", report.pk)
        try:
            services.report_merge(actor=user, report=report, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases:report", report.pk)
        messages.success(
            request, _("Report merged into case %(number)s.") % {"number": case.number}
        )
        return redirect("cases:case", case.pk)
    return redirect("cases:report", report.pk)


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
        "victims": case.victims.select_related(
            "age_group", "education", "occupation", "disability"
        ).prefetch_related("forms"),
        "perpetrators": case.perpetrators.select_related("relationship"),
        "incidents": case.incidents.select_related("place", "kelurahan"),
        "services": case.services.select_related("kind", "provider", "recorded_by"),
        "notes": case.notes.select_related("author")[:100],
        "attachments": case.attachments.select_related("uploaded_by"),
        "consents": case.consents.select_related("recorded_by"),
        "referrals": case.referrals.select_related(
            "to_agency", "to_user", "from_user", "service_kind"
        ),
        "members": case.members.select_related("user"),
        "events": case.events.select_related("actor")[:100],
        "reports": case.reports.all(),
        "glass": case.break_glass.filter(
            user_id=getattr(user, "pk", 0), expires_at__gt=timezone.now()
        ).first(),
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
        "today": timezone.localdate(),
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
        return redirect("cases:case", case.pk)
    form = CaseForm(request.POST, city=case.region)
    conflict = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                actor=user,
                case=case,
                version=data["version"] or 0,
                data=services.CaseData(
                    kelurahan=data["kelurahan"],
                    risk=data["risk"],
                    child_marriage=data["child_marriage"],
                    online_harm=data["online_harm"],
                    summary=data["summary"],
                ),
            )
        except ConflictError as error:
            conflict = error.current
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Case saved."))
            return redirect("cases:case", case.pk)
    context = _case_context(request, case)
    context["case_form"] = form
    context["conflict"] = conflict
    return render(request, "cases/case_detail.html", context, status=409 if conflict else 400)


def _case_action(
    request: HttpRequest,
    pk: int,
    action: str,
    form_class: type[Form],
    call: Any,
    *,
    form_kwargs: dict[str, Any] | None = None,
    success: str,
    context_key: str,
) -> HttpResponse:
    """POST a small form on the case page: validate, call the service, or show errors."""
    user = request.user
    case = get_case_for(user, pk, action=action)
    if request.method != "POST":
        return redirect("cases:case", case.pk)
    kwargs = dict(form_kwargs or {})
    if "city" in kwargs:
        kwargs["city"] = case.region
    if "agency" in kwargs:
        kwargs["agency"] = case.agency
        kwargs["case"] = case
    form = form_class(request.POST, request.FILES or None, **kwargs)
    if form.is_valid():
        try:
            call(user, case, form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, success)
            return redirect("cases:case", case.pk)
    context = _case_context(request, case)
    context[context_key] = form
    return render(request, "cases/case_detail.html", context, status=400)


@login_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "contribute",
        NoteForm,
        lambda user, case, d: services.note_add(actor=user, case=case, text=d["text"]),
        success=_("Note added."),
        context_key="note_form",
    )


@login_required
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "contribute",
        ServiceForm,
        lambda user, case, d: services.service_add(
            actor=user,
            case=case,
            kind=d["kind"],
            provider=d["provider"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
            note=d["note"],
        ),
        form_kwargs={"city": None},
        success=_("Service recorded."),
        context_key="service_form",
    )


@login_required
def perpetrator_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        PerpetratorForm,
        lambda user, case, d: services.perpetrator_add(
            actor=user,
            case=case,
            name=d["name"],
            sex=d["sex"] or "",
            age=d["age"],
            relationship=d["relationship"],
        ),
        success=_("Perpetrator recorded."),
        context_key="perpetrator_form",
    )


@login_required
def incident_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        IncidentForm,
        lambda user, case, d: services.incident_add(
            actor=user,
            case=case,
            occurred_on=d["occurred_on"],
            place=d["place"],
            kelurahan=d["kelurahan"],
            description=d["description"],
        ),
        form_kwargs={"city": None},
        success=_("Incident recorded."),
        context_key="incident_form",
    )


@login_required
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        "edit",
        ConsentForm,
        lambda user, case, d: services.consent_record(
            actor=user,
            case=case,
            purpose=d["purpose"],
            given_by=d["given_by"],
            given_on=d["given_on"],
        ),
        success=_("Consent recorded."),
        context_key="consent_form",
    )


@login_required
def stage_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="edit")
    if request.method == "POST":
        form = StageForm(request.POST)
        if form.is_valid():
            stage = form.cleaned_data["stage"]
            try:
                services.stage_set(
                    actor=user,
                    case=case,
                    stage=stage,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Stage changed."))
    return redirect("cases:case", case.pk)


@login_required
@require_POST
def followup(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for(user, pk, action="edit")
    services.followup_record(actor=user, case=case)
    messages.success(request, _("First follow-up recorded."))
    return redirect("cases:case", case.pk)


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    def _apply(user: Any, case: Case, d: dict[str, Any]) -> None:
        action, person = d["action"], d["user"]
        if action == "add":
            services.member_add(actor=user, case=case, user=person)
        elif action == "remove":
            services.member_remove(actor=user, case=case, user=person)
        else:
            services.owner_set(actor=user, case=case, user=person)

    return _case_action(
        request,
        pk,
        "manage",
        TeamForm,
        _apply,
        form_kwargs={"agency": None},
        success=_("Team changed."),
        context_key="team_form",
    )


@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    def _save(user: Any, case: Case, d: dict[str, Any]) -> None:
        upload = d["file"]
        services.attachment_add(actor=user, case=case, upload=upload, name=upload.name or "file")

    return _case_action(
        request,
        pk,
        "contribute",
        AttachmentForm,
        _save,
        success=_("File attached."),
        context_key="attachment_form",
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
            services.consent_withdraw(
                actor=user,
                consent=consent,
                on=timezone.localdate(),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Consent withdrawn."))
    return redirect("cases:case", case.pk)


@login_required
def victim_form(request: HttpRequest, pk: int, victim_pk: int | None = None) -> HttpResponse:
    """Add or change a victim; warns of a possibly matching child elsewhere before saving."""
    user = request.user
    case = get_case_for(user, pk, action="edit")
    victim = get_object_or_404(Victim, pk=victim_pk, case=case) if victim_pk else None
    initial: dict[str, Any] = {}
    if victim is not None:
        initial = {
            f: getattr(victim, f)
            for f in (
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
        }
        initial["violence"] = list(victim.forms.all())
    initial["version"] = case.version
    form = VictimForm(request.POST or None, initial=initial)
    matches: list[services.PossibleMatch] = []
    conflict = None
    if victim is not None and request.method != "POST":
        services.case_viewed(actor=user, case=case, fields=["victims"])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if services.public_throttled(
            str(getattr(user, "pk", "")), "duplicate", int(settings.LAYAK_DUPLICATE_CHECKS_PER_HOUR)
        ):
            form.add_error(None, _("Too many duplicate checks in the last hour; try again later."))
        else:
            matches = services.duplicate_check(
                city=case.region,
                name=d["name"],
                birth_date=d["birth_date"],
                nik=d["nik"],
                exclude_case=case,
                actor=user,
            )
        if not form.errors and (not matches or d["confirm_duplicate"]):
            data = services.VictimData(
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
            try:
                if victim is None:
                    services.victim_add(actor=user, case=case, data=data)
                else:
                    services.victim_update(
                        actor=user, victim=victim, data=data, version=d["version"] or 0
                    )
            except ConflictError:
                conflict = True
                form.add_error(
                    None,
                    _(
                        "Someone else changed this case meanwhile; nothing of yours was saved. "
                        "Reload the case, check the victim, and save again."
                    ),
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Victim saved."))
                return redirect("cases:case", case.pk)
    return render(
        request,
        "cases/victim_form.html",
        {"case": case, "victim": victim, "form": form, "matches": matches},
        status=409 if conflict else (400 if request.method == "POST" else 200),
    )


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
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = services.referral_create(
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
        except PermissionDenied:
            form.add_error(
                "override_reason", _("Only the supervising case manager may share without consent.")
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request, _("Referral sent to %(agency)s.") % {"agency": referral.to_agency}
            )
            return redirect("cases:case", case.pk)
    return render(
        request,
        "cases/referral_form.html",
        {"case": case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@menu("cases")
def referral_inbox(request: HttpRequest) -> HttpResponse:
    from layak.cases.permissions import referrals_inbox

    user = request.user
    require(can_use_cases(user))
    page = paginate(request, referrals_inbox(user))
    return render(request, "cases/referral_inbox.html", {"page": page, "now": timezone.now()})


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    referral = get_referral_for(user, pk, action="view")
    case = referral.case
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.VIEW,
            obj=case,
            fields=["referral"],
            region_code=case.region_code,
        )
    victims = case.victims.select_related("age_group").prefetch_related("forms")
    can = {a: may_referral(user, referral, a) for a in ("answer", "finish", "revoke")}
    opens_file = referral.scope == ReferralScope.CASE and get_case_visible(user, case.pk)
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


def get_case_visible(user: Any, pk: int) -> bool:
    from layak.cases.permissions import cases_visible_to

    return cases_visible_to(user).filter(pk=pk).exists()


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
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip()
        case = break_glass_candidates(user).filter(number=number).first()
        if case is None:
            form.add_error("number", _("No open case of this kab/kota has this number."))
        elif may(user, case, "edit") or get_case_visible(user, case.pk):
            return redirect("cases:case", case.pk)
        else:
            try:
                services.break_glass_open(
                    actor=user,
                    case=case,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                return redirect("cases:case", case.pk)
    return render(
        request,
        "cases/break_glass.html",
        {"form": form, "hours": int(settings.LAYAK_BREAK_GLASS_HOURS)},
        status=400 if request.method == "POST" else 200,
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
    cities = cities_for_statistics(region_filter, _city(request.user))
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
        return render(request, "cases/statistics.html", context, status=400)
    table = case_statistic(city=city, year=year, unit=unit, dimension=dimension)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"cases-{city.code}-{year}-{unit}-{dimension}.csv",
            ("key", "label", "value"),
            [
                *[(c.key, c.label, c.display) for c in table.cells],
                ("total", _("Total"), table.total_display),
            ],
        )
    context.update({"table": table, "year": year, "unit": unit})
    return render(request, "cases/statistics.html", context)


@login_required
def simfoni_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """SIMFONI-PPA categories of the manager's cases (no names); audited."""
    from layak.cases.selectors import simfoni_rows

    user = request.user
    require(can_export_simfoni(user))
    year = _year(request.GET.get("year"))
    cases = cases_on_team_of(user).filter(opened_on__year=year)
    rows = list(simfoni_rows(cases))
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.EXPORT,
            object_type="cases.case",
            object_id=f"simfoni-{year}",
            fields=["categories"],
            region_code=user.agency.region.code if user.agency and user.agency.region else "",  # type: ignore[union-attr]
        )
    if fmt == "xlsx":
        return download(
            simfoni_xlsx(rows), filename=f"simfoni-{year}.xlsx", content_type=XLSX_CONTENT_TYPE
        )
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
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE if lookup else AuditAction.CREATE,
                obj=saved,
                fields=list(form.changed_data),
                label=f"{saved.kind}:{saved.code}",
            )
        messages.success(request, _("Category saved."))
        return redirect("cases:lookups")
    return render(
        request,
        "cases/lookup_form.html",
        {"form": form, "lookup": lookup},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@menu("case_lookups")
def holiday_list(request: HttpRequest) -> HttpResponse:
    """Public holidays: not working days for the follow-up deadline."""
    require(can_manage_lookups(request.user))
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove.isascii() and remove.isdigit():
            with transaction.atomic():
                holiday = get_object_or_404(Holiday, pk=int(remove))
                audit_record(
                    actor=request.user, action=AuditAction.DELETE, obj=holiday, label=str(holiday)
                )
                holiday.delete()
            messages.success(request, _("Holiday removed."))
            return redirect("cases:holidays")
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                audit_record(
                    actor=request.user,
                    action=AuditAction.CREATE,
                    obj=saved,
                    fields=["date", "name"],
                    label=str(saved),
                )
            messages.success(request, _("Holiday saved."))
            return redirect("cases:holidays")
    holidays = Holiday.objects.filter(date__gte=timezone.localdate().replace(month=1, day=1))
    return render(
        request,
        "cases/holiday_list.html",
        {"form": form, "holidays": holidays},
        status=400 if request.method == "POST" else 200,
    )
