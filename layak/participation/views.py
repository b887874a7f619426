"""Pages of the Forum Anak module (issue #5). Thin: parse with a form, fetch through
``permissions.py`` (invisible: 404, forbidden: 403), call one service, render.

Children's names appear only on the pages of the forum's facilitators and the secretariat
(member list, member page, who voiced an aspiration); those reads are audited. The public
pages (``urls_public``) show only approved public texts and the agencies' answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from layak.accounts.scope import city_of, require_city
from layak.core.disclosure import hidden_mark, legend_text, publishes
from layak.core.exports import csv_response
from layak.core.forms import form_page, invalid_form_response, run_form, submit
from layak.core.net import client_ip
from layak.core.pages import menu, paginate
from layak.core.permissions import require
from layak.core.throttles import public_throttled
from layak.participation import exports, services
from layak.participation.forms import (
    AspirationFilterForm,
    AspirationForm,
    ConsentForm,
    ConsultationForm,
    FacilitatorsForm,
    ForumForm,
    MemberAddForm,
    MemberForm,
    PlanningForm,
    PublicAspirationForm,
    PublishForm,
    RespondForm,
    RouteForm,
    WithdrawForm,
)
from layak.participation.models import CLUSTER_FOR_CHILDREN, Aspiration, Cluster, Member
from layak.participation.permissions import (
    can_export_aspirations,
    can_manage_forums,
    can_record_aspiration,
    can_use_participation,
    forums_run_by,
    get_aspiration_for,
    get_consent_for,
    get_forum_for,
    get_member_for,
    may_aspiration,
    may_forum,
)
from layak.participation.selectors import (
    aspirations_for,
    child_counts,
    consultation_participants,
    filter_aspirations,
    forum_child_counts,
    forum_consultations,
    forum_members,
    forum_rows,
    open_aspirations_for,
    participation_figures,
    published_aspirations,
    status_counts,
    waiting_for_routing,
)
from layak.regions.selectors import home_region

# -- public pages --------------------------------------------------------------------------


@never_cache
def public_submit(request: HttpRequest) -> HttpResponse:
    """The child's form: no login, throttled per address, a honeypot instead of a CAPTCHA."""
    city = home_region()
    if city is None:
        raise Http404
    form = PublicAspirationForm(request.POST or None, city=city)
    template = "participation/public_submit.html"
    if request.method != "POST":
        return render(request, template, {"form": form})
    if public_throttled(client_ip(request), "aspiration", services.public_form_per_hour()):
        return render(request, template, {"form": form, "throttled": True}, status=429)
    if form.is_valid() and form.cleaned_data["website"]:
        # A bot filled in the hidden field: answer like a success, store nothing.
        return render(request, "participation/public_thanks.html")
    outcome = run_form(
        form,
        lambda data: services.aspiration_submit_public(
            city=city,
            data=services.AspirationData(
                text=data["text"],
                cluster=data["topic"] or "",
                kelurahan=data["kelurahan"],
                child_name=data["name"],
                child_age=data["age"],
            ),
        ),
    )
    if outcome.ok:
        return render(request, "participation/public_thanks.html")
    return invalid_form_response(request, template, {"form": form})


def public_published(request: HttpRequest) -> HttpResponse:
    """ "Kalian bilang, kami lakukan": approved public texts and the agencies' answers."""
    cluster = request.GET.get("klaster", "")
    cluster = cluster if cluster in Cluster.values else ""
    page = paginate(request, published_aspirations(home_region(), cluster), size=20)
    rows = [(row, CLUSTER_FOR_CHILDREN.get(row.cluster)) for row in page.object_list]
    return render(
        request,
        "participation/public_published.html",
        {
            "page": page,
            "rows": rows,
            "clusters": list(CLUSTER_FOR_CHILDREN.items()),
            "cluster": cluster,
        },
    )


# -- home ------------------------------------------------------------------------------------


@publishes("participation")
@login_required
@menu("participation")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_participation(user))
    # The figures are a kab/kota's: province staff see the lists of their province without them.
    city = city_of(user)
    year = timezone.localdate().year
    visible = aspirations_for(user)
    counts = child_counts(city, year) if city is not None else None
    context = {
        "year": year,
        "figures": participation_figures(city, year, counts=counts) if city else None,
        "forums": forum_rows(user, {city.pk: counts} if city and counts else None),
        "to_route": waiting_for_routing(user)[:50],
        "open": open_aspirations_for(user)[:50],
        "counts": status_counts(visible),
        "can_manage": can_manage_forums(user),
        "can_record": can_record_aspiration(user),
        "can_export": can_export_aspirations(user),
        "mark": hidden_mark(),
        "legend": legend_text(),
    }
    return render(request, "participation/home.html", context)


# -- forums ----------------------------------------------------------------------------------


def _forum_data(data: dict[str, Any]) -> services.ForumData:
    return services.ForumData(
        level=data["level"],
        region=data["region"],
        name=data["name"],
        decree=data["decree"],
        decree_on=data["decree_on"],
        is_active=data["is_active"],
    )


@login_required
@menu("participation")
def forum_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_manage_forums(user))
    city = require_city(user)
    form = ForumForm(request.POST or None, city=city)
    return form_page(
        request,
        form,
        lambda data: services.forum_create(actor=user, city=city, data=_forum_data(data)),
        success=_("The forum was created."),
        redirect_to=_forum_url,
        template="participation/forum_form.html",
        context={"forum": None},
    )


def _forum_url(forum: Any) -> str:
    return reverse("participation:forum", args=[forum.pk])


@publishes("participation")
@login_required
@menu("participation")
def forum_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    forum = get_forum_for(user, pk, action="view")
    runs = may_forum(user, forum, "members")
    members = list(forum_members(user, forum)) if runs else []
    if runs:
        services.member_viewed(actor=user, forum=forum)
    counts = child_counts(forum.city, timezone.localdate().year)
    children = forum_child_counts(forum, counts)
    consultations = list(forum_consultations(forum)[:50])
    consultation_participants(forum, consultations, counts)
    context = {
        "forum": forum,
        "runs": runs,
        "manages": may_forum(user, forum, "manage"),
        "members": members,
        "member_count": children["members"],
        "board_count": children["board"],
        "consultations": consultations,
        "mark": hidden_mark(),
        "legend": legend_text(),
        "facilitators": list(forum.facilitators.all()),
    }
    return render(request, "participation/forum_detail.html", context)


@login_required
@menu("participation")
def forum_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    forum = get_forum_for(user, pk, action="manage")
    initial = {
        "level": forum.level,
        "region": forum.region,
        "name": forum.name,
        "decree": forum.decree,
        "decree_on": forum.decree_on,
        "is_active": forum.is_active,
    }
    form = ForumForm(request.POST or None, city=forum.city, initial=initial)
    candidates = services.facilitator_candidates(forum)
    team = FacilitatorsForm(
        request.POST or None,
        candidates=candidates,
        initial={"facilitators": list(forum.facilitators.all())},
        prefix="team",
    )
    context = {"team": team, "forum": forum}
    if request.method != "POST":
        return render(request, "participation/forum_form.html", {**context, "form": form})
    if not team.is_valid():
        form.is_valid()  # the forum's own errors are shown too
        return invalid_form_response(
            request, "participation/forum_form.html", {**context, "form": form}
        )
    return submit(
        request,
        form,
        lambda data: services.forum_save(
            actor=user,
            forum=forum,
            data=_forum_data(data),
            facilitators=team.cleaned_data["facilitators"],
        ),
        success=_("The forum was saved."),
        redirect_to=_forum_url,
        template="participation/forum_form.html",
        context=context,
    )


# -- members ---------------------------------------------------------------------------------


def _member_data(data: dict[str, Any]) -> services.MemberData:
    return services.MemberData(
        name=data["name"],
        birth_year=data["birth_year"],
        school=data["school"],
        kelurahan=data["kelurahan"],
        is_board=data["is_board"],
        kha_trained_on=data["kha_trained_on"],
        joined_on=data["joined_on"],
    )


def _consent_data(data: dict[str, Any]) -> services.ConsentData:
    return services.ConsentData(
        given_by=data["given_by"], relation=data["relation"], given_on=data["given_on"]
    )


@login_required
@menu("participation")
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    forum = get_forum_for(user, pk, action="members")
    form = MemberAddForm(request.POST or None, city=forum.city)
    context = {"forum": forum, "member": None}
    return form_page(
        request,
        form,
        lambda data: services.member_add(
            actor=user, forum=forum, data=_member_data(data), consent=_consent_data(data)
        ),
        success=_("The member was added."),
        redirect_to=_forum_url(forum),
        template="participation/member_form.html",
        context=context,
    )


@login_required
@menu("participation")
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = get_member_for(user, pk, action="view")
    editable = member.erased_at is None
    initial = {
        "name": member.name,
        "birth_year": member.birth_year,
        "school": member.school,
        "kelurahan": member.kelurahan,
        "is_board": member.is_board,
        "kha_trained_on": member.kha_trained_on,
        "joined_on": member.joined_on,
    }
    form = MemberForm(request.POST or None, city=member.forum.city, initial=initial)
    if request.method == "POST":
        member = get_member_for(user, pk, action="edit")
        edited = member
        outcome = run_form(
            form,
            lambda data: services.member_update(actor=user, member=edited, data=_member_data(data)),
        )
        if outcome.ok:
            messages.success(request, _("The member was saved."))
            return redirect("participation:member", member.pk)
    services.member_viewed(actor=user, forum=member.forum)
    context = {
        "member": member,
        "form": form,
        "editable": editable,
        "consents": list(member.consents.all()),
        "consent_form": ConsentForm(prefix="consent"),
        "withdraw_form": WithdrawForm(prefix="withdraw"),
    }
    if request.method == "POST":
        return invalid_form_response(request, "participation/member_detail.html", context)
    return render(request, "participation/member_detail.html", context)


@login_required
@require_POST
def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = get_member_for(user, pk, action="edit")
    form = ConsentForm(request.POST, prefix="consent")
    if form.is_valid():
        try:
            services.consent_record(
                actor=user, member=member, data=_consent_data(form.cleaned_data)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The consent was recorded."))
    else:
        messages.error(request, _("Check the consent: who gave it, the relation and the date."))
    return redirect("participation:member", member.pk)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    consent = get_consent_for(user, pk, action="withdraw")
    form = WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            services.consent_withdraw(actor=user, consent=consent, on=form.cleaned_data["on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The consent was withdrawn."))
    else:
        messages.error(request, _("Enter the date of the withdrawal."))
    return redirect("participation:member", consent.member_id)


# -- consultations ---------------------------------------------------------------------------


@login_required
@menu("participation")
def consultation_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    forum = get_forum_for(user, pk, action="members")
    form = ConsultationForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.consultation_record(
            actor=user,
            forum=forum,
            data=services.ConsultationData(
                held_on=data["held_on"],
                topic=data["topic"],
                participants=data["participants"],
                girls=data["girls"],
                boys=data["boys"],
                notes=data["notes"],
            ),
        ),
        success=_("The consultation was recorded."),
        redirect_to=_forum_url(forum),
        template="participation/consultation_form.html",
        context={"forum": forum},
    )


# -- aspirations -----------------------------------------------------------------------------


@login_required
@menu("participation")
def aspiration_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_participation(user))
    filters, queryset = _filtered(request)
    page = paginate(request, queryset)
    return render(
        request,
        "participation/aspiration_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": page.object_list,
            "can_export": can_export_aspirations(user),
            "can_record": can_record_aspiration(user),
        },
    )


@login_required
def aspiration_export(request: HttpRequest) -> HttpResponse:
    """CSV of the visible aspirations with status, agency and Musrenbang outcome; never the
    original text or anything about the child (the public text only)."""
    user = request.user
    require(can_export_aspirations(user))
    _filters, queryset = _filtered(request)
    rows = exports.aspiration_rows(queryset)
    services.aspirations_export_record(actor=user, count=len(rows))
    return csv_response(exports.FILENAME, exports.HEADER, rows)


def _filtered(request: HttpRequest) -> tuple[AspirationFilterForm, QuerySet[Aspiration]]:
    """The aspirations the person sees, filtered as the list's filter form says (the page and
    the export use the same)."""
    filters = AspirationFilterForm(request.GET or None)
    queryset = aspirations_for(request.user)
    if filters.is_valid():
        queryset = filter_aspirations(
            queryset,
            status=filters.cleaned_data["status"],
            cluster=filters.cleaned_data["cluster"],
            overdue=filters.cleaned_data["overdue"],
        )
    return filters, queryset


@login_required
@menu("participation")
def aspiration_new(request: HttpRequest) -> HttpResponse:
    """Record an aspiration of one of the forums the person runs."""
    user = request.user
    require(can_record_aspiration(user))
    forums = forums_run_by(user).filter(is_active=True).order_by("name")
    forum_id = request.POST.get("forum") or request.GET.get("forum") or ""
    if forum_id:
        # A forum the person does not run is not there for them (never a silent fallback).
        if not (forum_id.isascii() and forum_id.isdigit()):
            raise Http404
        forum = forums.filter(pk=int(forum_id)).first()
        if forum is None:
            raise Http404
    else:
        forum = forums.first()
    if forum is None:
        messages.error(request, _("You facilitate no active forum yet."))
        return redirect("participation:home")
    form = AspirationForm(
        request.POST or None,
        city=forum.city,
        members=forum.members.filter(left_on__isnull=True),
        consultations=forum.consultations.all(),
    )
    context = {"forum": forum, "forums": forums}
    recorded_in = forum
    return form_page(
        request,
        form,
        lambda data: services.aspiration_record(
            actor=user,
            forum=recorded_in,
            data=services.AspirationData(
                text=data["text"],
                cluster=data["cluster"],
                kelurahan=data["kelurahan"],
                member=data["member"],
                consultation=data["consultation"],
            ),
        ),
        success=_("The aspiration was recorded."),
        redirect_to=_aspiration_url,
        template="participation/aspiration_form.html",
        context=context,
    )


def _aspiration_url(aspiration: Any) -> str:
    return reverse("participation:aspiration", args=[aspiration.pk])


def _detail_context(user: Any, aspiration: Aspiration, **forms: Any) -> dict[str, Any]:
    identity = may_aspiration(user, aspiration, "identity")
    member: Member | None = aspiration.member if identity else None
    can = {
        action: may_aspiration(user, aspiration, action)
        for action in ("route", "publish", "plan", "respond")
    }
    agencies = services.routable_agencies(aspiration.city)
    planning = getattr(aspiration, "planning", None)
    context: dict[str, Any] = {
        "aspiration": aspiration,
        "identity": identity,
        "member": member,
        "can": can,
        "planning": planning,
        "route_form": RouteForm(
            prefix="route",
            agencies=agencies,
            initial={
                "cluster": aspiration.cluster,
                "agency": aspiration.agency,
                # Never the child's own words: the person routing writes the child-safe text.
                "safe_text": aspiration.public_text,
            },
        ),
        "publish_form": PublishForm(
            prefix="publish", initial={"public_text": aspiration.public_text}
        ),
        "respond_form": RespondForm(prefix="respond", initial={"response": aspiration.response}),
        "planning_form": PlanningForm(
            prefix="planning",
            initial={
                "level": planning.level if planning else "",
                "year": planning.year if planning else timezone.localdate().year,
                "status": planning.status if planning else "",
                "funded_year": planning.funded_year if planning else None,
                "amount": planning.amount if planning else None,
            },
        ),
    }
    context.update(forms)
    return context


@login_required
@menu("participation")
def aspiration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="view")
    if may_aspiration(user, aspiration, "identity") and (
        aspiration.child_name or aspiration.member_id
    ):
        services.aspiration_viewed(actor=user, aspiration=aspiration)
    return render(
        request, "participation/aspiration_detail.html", _detail_context(user, aspiration)
    )


def _detail_submit(
    request: HttpRequest,
    aspiration: Aspiration,
    form: Form,
    call: Callable[[dict[str, Any]], Any],
    *,
    form_name: str,
    success: str,
) -> HttpResponse:
    """One of the aspiration page's forms: through the service back to the page, or the page
    again with the refused form in its place."""

    def page() -> dict[str, Any]:
        aspiration.refresh_from_db()
        return _detail_context(request.user, aspiration)

    return submit(
        request,
        form,
        call,
        success=success,
        redirect_to=_aspiration_url(aspiration),
        template="participation/aspiration_detail.html",
        context=page,
        form_name=form_name,
    )


@login_required
@require_POST
def aspiration_route(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="route")
    form = RouteForm(
        request.POST, prefix="route", agencies=services.routable_agencies(aspiration.city)
    )
    return _detail_submit(
        request,
        aspiration,
        form,
        lambda data: services.aspiration_route(
            actor=user,
            aspiration=aspiration,
            cluster=data["cluster"],
            agency=data["agency"],
            safe_text=data["safe_text"],
            due_on=data["due_on"],
        ),
        form_name="route_form",
        success=_("The aspiration was routed."),
    )


@login_required
@require_POST
def aspiration_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="route")
    try:
        services.aspiration_dismiss(actor=user, aspiration=aspiration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("participation:aspiration", aspiration.pk)


@login_required
@require_POST
def aspiration_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="publish")
    if request.POST.get("unpublish"):
        services.aspiration_unpublish(actor=user, aspiration=aspiration)
        messages.success(request, _("The aspiration is no longer public."))
        return redirect("participation:aspiration", aspiration.pk)
    form = PublishForm(request.POST, prefix="publish")
    return _detail_submit(
        request,
        aspiration,
        form,
        lambda data: services.aspiration_publish(
            actor=user, aspiration=aspiration, public_text=data["public_text"]
        ),
        form_name="publish_form",
        success=_("The aspiration is on the public page."),
    )


@login_required
@require_POST
def aspiration_respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="respond")
    form = RespondForm(request.POST, request.FILES, prefix="respond")
    return _detail_submit(
        request,
        aspiration,
        form,
        lambda data: services.aspiration_respond(
            actor=user,
            aspiration=aspiration,
            status=data["status"],
            response=data["response"],
            evidence=data["evidence"] or None,
            evidence_name=data["evidence"].name if data["evidence"] else "",
        ),
        form_name="respond_form",
        success=_("The answer was saved."),
    )


@login_required
@require_POST
def aspiration_planning(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="plan")
    form = PlanningForm(request.POST, prefix="planning")
    return _detail_submit(
        request,
        aspiration,
        form,
        lambda data: services.planning_record(
            actor=user,
            aspiration=aspiration,
            data=services.PlanningData(
                level=data["level"],
                year=data["year"],
                status=data["status"],
                funded_year=data["funded_year"],
                amount=data["amount"],
            ),
        ),
        form_name="planning_form",
        success=_("The Musrenbang outcome was saved."),
    )


@login_required
def aspiration_evidence(request: HttpRequest, pk: int) -> FileResponse:
    user = request.user
    aspiration = get_aspiration_for(user, pk, action="evidence")
    content = services.evidence_read(actor=user, aspiration=aspiration)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=aspiration.evidence_name or "bukti",
        content_type=aspiration.evidence_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
