"""Pages of Puspaga (issue #5). Thin: parse with a form, fetch through ``permissions.py``
(invisible: 404, forbidden: 403), call one service, render.

Supervisors and leadership reach the counts only. Every page that shows a family's name or a
session's notes writes a VIEW entry to the audit trail through the services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from layak.accounts.scope import city_id_of, require_city
from layak.core.disclosure import hidden_mark, legend_text, publishes
from layak.core.exports import csv_response
from layak.core.forms import form_page, invalid_form_response, run_form
from layak.core.net import client_ip
from layak.core.pages import menu, paginate
from layak.core.permissions import require
from layak.core.throttles import public_throttled
from layak.families import exports, selectors, services
from layak.families.forms import (
    AttendanceForm,
    CertificateCheckForm,
    CountsForm,
    DeskBookingForm,
    HandOffForm,
    PublicRequestForm,
    RebookForm,
    ScheduleForm,
    ServicePointForm,
    SessionForm,
    WalkInSessionForm,
)
from layak.families.models import Booking, ServicePoint
from layak.families.permissions import (
    can_add_schedule,
    can_counsel,
    can_manage_points,
    can_see_points,
    counsellors_of,
    counts_city,
    get_booking_for,
    get_certificate_for,
    get_family_for,
    get_handoff_for,
    get_point_for,
    get_schedule_for,
    get_session_for,
    may_session,
    points_visible_to,
    schedules_visible_to,
)
from layak.regions.models import Region
from layak.regions.selectors import home_region


def _year(value: str | None) -> int:
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


# -- counsellor's work list ------------------------------------------------------------------


@login_required
@menu("families")
def home(request: HttpRequest) -> HttpResponse:
    """The counsellor's bookings and recent sessions; readers of the counts go to the counts."""
    user = request.user
    if not can_counsel(user):
        if counts_city(user) is not None:
            return redirect("families:counts")
        raise PermissionDenied
    today = timezone.localdate()
    bookings = list(selectors.my_bookings(user, since=today - datetime.timedelta(days=7))[:100])
    page = paginate(request, selectors.recent_sessions(user))
    return render(
        request,
        "families/home.html",
        {
            "bookings": bookings,
            "page": page,
            "can_manage_points": can_manage_points(user),
        },
    )


# -- bookings --------------------------------------------------------------------------------


@login_required
@menu("families")
def booking_new(request: HttpRequest) -> HttpResponse:
    """Register a family at the desk and book a slot."""
    user = request.user
    require(can_counsel(user))
    city = require_city(user)
    slots = selectors.free_slots(city, now=timezone.now() - selectors.min_notice())
    form = DeskBookingForm(request.POST or None, city=city, slots=slots)

    def after(booking: Booking) -> str:
        if booking.counsellor_id == user.pk:
            return reverse("families:booking", args=[booking.pk])
        return reverse("families:home")

    return form_page(
        request,
        form,
        lambda data: services.booking_register_desk(actor=user, data=_request_data(data)),
        success=_("Booked."),
        redirect_to=after,
        template="families/booking_form.html",
    )


def _request_data(data: dict[str, Any]) -> services.RequestData:
    """A family's request from the desk's or the public form's cleaned data."""
    return services.RequestData(
        family=services.FamilyData(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            kelurahan=data["kelurahan"],
        ),
        slot_key=data["slot"],
        mode=data["mode"],
        topic=data["topic"],
        note=data["note"],
    )


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    booking = get_booking_for(user, pk, action="view")
    services.family_viewed(actor=user, family=booking.family, fields=["name", "phone"])
    return render(
        request,
        "families/booking_detail.html",
        {
            "booking": booking,
            "family": booking.family,
            "attendance_form": AttendanceForm(),
            "may_attend": booking.status == "booked",
            "started": booking.starts_at <= timezone.now(),
        },
    )


@login_required
@require_POST
def booking_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    booking = get_booking_for(user, pk, action="attend")
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.booking_set_status(
                actor=user, booking=booking, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("families:booking", booking.pk)


def _session_data(data: dict[str, Any]) -> services.SessionData:
    return services.SessionData(
        held_on=data["held_on"],
        mode=data["mode"],
        topic=data["topic"],
        outcome=data["outcome"],
        follow_up=data["follow_up"],
        follow_up_on=data["follow_up_on"],
        notes=data["notes"],
    )


@login_required
def booking_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the session held for a booking."""
    user = request.user
    booking = get_booking_for(user, pk, action="hold")
    form = SessionForm(
        request.POST or None,
        initial={
            "held_on": timezone.localdate(),
            "mode": booking.mode,
            "topic": booking.topic,
        },
    )
    context = {"booking": booking, "family": None}
    return form_page(
        request,
        form,
        lambda data: services.session_record(
            actor=user, family=booking.family, booking=booking, data=_session_data(data)
        ),
        success=_("Session recorded."),
        redirect_to=_session_url,
        template="families/session_form.html",
        context=context,
    )


def _session_url(session: Any) -> str:
    return reverse("families:session", args=[session.pk])


# -- families --------------------------------------------------------------------------------


@login_required
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    family = get_family_for(user, pk, action="view")
    services.family_viewed(actor=user, family=family)
    sessions = list(family.sessions.select_related("service_point", "counsellor"))
    return render(
        request,
        "families/family_detail.html",
        {
            "family": family,
            "sessions": [(s, may_session(user, s, "notes")) for s in sessions],
            "bookings": family.bookings.select_related("service_point", "counsellor").order_by(
                "-starts_at"
            )[:50],
        },
    )


@login_required
def family_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Another appointment for a known family."""
    user = request.user
    family = get_family_for(user, pk, action="book")
    slots = selectors.free_slots(family.region, now=timezone.now() - selectors.min_notice())
    form = RebookForm(request.POST or None, slots=slots)
    return form_page(
        request,
        form,
        lambda data: services.booking_register_desk(
            actor=user,
            family=family,
            data=services.RequestData(
                family=services.FamilyData(name=""),
                slot_key=data["slot"],
                mode=data["mode"],
                topic=data["topic"],
            ),
        ),
        success=_("Booked."),
        redirect_to=reverse("families:family", args=[family.pk]),
        template="families/rebook_form.html",
        context={"family": family},
    )


@login_required
def family_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a session without a booking (a walk-in, an outreach visit)."""
    user = request.user
    family = get_family_for(user, pk, action="book")
    form = WalkInSessionForm(
        request.POST or None, city_id=family.region_id, initial={"held_on": timezone.localdate()}
    )
    context = {"booking": None, "family": family}
    return form_page(
        request,
        form,
        lambda data: services.session_record(
            actor=user,
            family=family,
            service_point=data["service_point"],
            data=_session_data(data),
        ),
        success=_("Session recorded."),
        redirect_to=_session_url,
        template="families/session_form.html",
        context=context,
    )


# -- sessions, certificates, hand-offs ------------------------------------------------------


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = get_session_for(user, pk, action="notes")
    services.notes_viewed(actor=user, session=session)
    certificate = selectors.session_certificate(session)
    handoffs = [(h, services.handoff_status(h)) for h in session.handoffs.all()]
    return render(
        request,
        "families/session_detail.html",
        {
            "session": session,
            "certificate": certificate,
            "may_certify": may_session(user, session, "certify") and certificate is None,
            "handoffs": handoffs,
        },
    )


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = get_session_for(user, pk, action="certify")
    try:
        certificate = services.certificate_issue(actor=user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Certificate %(number)s issued.") % {"number": certificate.number}
        )
    return redirect("families:session", session.pk)


@login_required
@require_POST
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the certificate's PDF (built by the background worker, issue #11) and show its
    progress page; the download there is audited."""
    user = request.user
    certificate = get_certificate_for(user, pk)
    document = services.certificate_document_request(actor=user, certificate=certificate)
    return redirect("core:document", document.pk)


@login_required
def handoff_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = get_session_for(user, pk, action="handoff")
    form = HandOffForm(request.POST or None, initial={"consent_on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: services.handoff_create(actor=user, session=session, data=_handoff_data(data)),
        success=_("The family was handed to the UPTD PPA."),
        redirect_to=lambda handoff: reverse("families:handoff", args=[handoff.pk]),
        template="families/handoff_form.html",
        context={"session": session},
    )


def _handoff_data(data: dict[str, Any]) -> services.HandOffData:
    return services.HandOffData(
        consent=data["consent"],
        consent_given_by=data["consent_given_by"],
        consent_on=data["consent_on"],
        covers_identity=data["covers_identity"],
        covers_contact=data["covers_contact"],
        covers_location=data["covers_location"],
        covers_narrative=data["covers_narrative"],
        covers_child=data["covers_child"],
        narrative=data["narrative"],
        child_name=data["child_name"],
        child_age=data["child_age"],
        child_sex=data["child_sex"] or "",
    )


@login_required
def handoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the counsellor may see after a hand-off: the intake's status, nothing more."""
    handoff = get_handoff_for(request.user, pk)
    return render(
        request,
        "families/handoff_detail.html",
        {"handoff": handoff, "status": services.handoff_status(handoff)},
    )


# -- counts ----------------------------------------------------------------------------------


@publishes("families")
@login_required
@menu("families")
def counts(request: HttpRequest) -> HttpResponse:
    """Yearly service counts by topic and kecamatan as ``selectors.puspaga_counts`` protects
    them (hidden cells show ``hidden_mark()``); also as CSV with the same cells."""
    city = counts_city(request.user)
    if city is None:
        raise PermissionDenied
    years = selectors.count_years(city)
    form = CountsForm(request.GET or None, years=years)
    year = years[0]
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    elif form.is_bound and "year" in request.GET:
        return invalid_form_response(request, "families/counts.html", {"form": form, "data": None})
    data = selectors.service_counts(city, year)
    if request.GET.get("format") == "csv":
        return csv_response(
            exports.counts_filename(data), exports.counts_header(data), exports.counts_rows(data)
        )
    return render(
        request,
        "families/counts.html",
        {
            "form": form,
            "data": data,
            "tables": [(_("By topic"), data.by_topic), (_("By kecamatan"), data.by_kecamatan)],
            "mark": hidden_mark(),
            "legend": legend_text(),
        },
    )


# -- service points and schedules ------------------------------------------------------------


@login_required
@menu("families")
def point_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_see_points(user))
    return render(
        request,
        "families/point_list.html",
        {
            "points": points_visible_to(user),
            "schedules": schedules_visible_to(user).filter(is_active=True),
            "can_manage": can_manage_points(user),
            "can_schedule": can_add_schedule(user, user),
        },
    )


@login_required
def point_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    point: ServicePoint | None = None
    if pk is not None:
        point = get_point_for(user, pk, action="change")
    else:
        require(can_manage_points(user))
    city = require_city(user)
    form = ServicePointForm(request.POST or None, instance=point, city=city)

    def save(_data: dict[str, Any]) -> ServicePoint:
        saved = form.save(commit=False)
        saved.region = city
        return services.point_save(actor=user, point=saved, changed=form.changed_data)

    return form_page(
        request,
        form,
        save,
        success=_("Service point saved."),
        redirect_to="families:points",
        template="families/point_form.html",
        context={"point": point},
    )


@login_required
def schedule_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_add_schedule(user, user))
    city_id = city_id_of(user)
    counsellors = (
        counsellors_of(city_id)
        if can_manage_points(user)
        else counsellors_of(city_id).filter(pk=user.pk)
    )
    form = ScheduleForm(
        request.POST or None,
        points=points_visible_to(user).filter(is_active=True),
        counsellors=counsellors,
        initial={"valid_from": timezone.localdate(), "counsellor": user.pk},
    )

    def add(data: dict[str, Any]) -> Any:
        require(can_add_schedule(user, data["counsellor"]))
        return services.schedule_add(
            actor=user,
            data=services.ScheduleData(
                service_point=data["service_point"],
                counsellor=data["counsellor"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                slot_minutes=data["slot_minutes"],
                break_minutes=data["break_minutes"],
            ),
        )

    return form_page(
        request,
        form,
        add,
        success=_("Schedule saved."),
        redirect_to="families:points",
        template="families/schedule_form.html",
    )


@login_required
@require_POST
def schedule_end(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_schedule_for(request.user, pk, action="change")
    services.schedule_end(actor=request.user, schedule=schedule)
    messages.success(request, _("Schedule ended."))
    return redirect("families:points")


# -- public pages ----------------------------------------------------------------------------


def requests_per_hour() -> int:
    return int(settings.LAYAK_PUSPAGA_REQUESTS_PER_HOUR)


def checks_per_hour() -> int:
    return int(settings.LAYAK_PUSPAGA_CHECKS_PER_HOUR)


@never_cache
def public_request(request: HttpRequest) -> HttpResponse:
    """A family asks for a consultation: minimal data, a free slot, no login. Throttled per
    address, with a honeypot instead of a CAPTCHA."""
    city = home_region()
    slots = selectors.free_slots(city) if city is not None else []
    form = PublicRequestForm(request.POST or None, city=city, slots=slots)
    template = "families/public_request.html"
    context = {"form": form, "has_slots": bool(slots)}
    if request.method != "POST":
        return render(request, template, context)
    if public_throttled(client_ip(request), "puspaga-request", requests_per_hour()):
        return render(request, template, {"form": form, "throttled": True}, status=429)
    if city is not None:
        if form.is_valid() and form.cleaned_data["website"]:
            # A bot filled in the hidden field: answer like a success, store nothing.
            return render(request, "families/public_thanks.html", {"booking": None})
        home: Region = city
        outcome = run_form(
            form,
            lambda data: services.booking_request_public(city=home, data=_request_data(data)),
        )
        if outcome.ok:
            return render(request, "families/public_thanks.html", {"booking": outcome.value})
    return invalid_form_response(request, template, context)


@never_cache
def public_certificate_check(request: HttpRequest) -> HttpResponse:
    """Check a certificate by number (the religious court): throttled per address; shows the
    number, date, issuing centre and the holder's initials only."""
    form = CertificateCheckForm(request.GET or None)
    result: selectors.CertificateCheck | None = None
    not_found = False
    template = "families/public_check.html"
    if form.is_bound:
        if public_throttled(client_ip(request), "puspaga-check", checks_per_hour()):
            return render(request, template, {"form": form, "throttled": True}, status=429)
        if form.is_valid():
            result = selectors.certificate_check(form.cleaned_data["number"])
            not_found = result is None
    return render(request, template, {"form": form, "result": result, "not_found": not_found})
