"""Pages of the PATBM module (issue #5). Thin: parse with a form, fetch through
``permissions.py`` (invisible: 404, forbidden: 403), call one service, render.

The activist's pages (home, record an activity, send a report, my reports) are built for a
cheap phone: one column, no scripts of their own, well under 200 KB transferred.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from layak.accounts.scope import require_city
from layak.community import services
from layak.community.forms import (
    ActivityForm,
    EarlyReportForm,
    GroupForm,
    MemberForm,
    TrainingForm,
)
from layak.community.models import PARTICIPANT_FIELDS, GroupStatus, Member
from layak.community.permissions import (
    can_manage_groups,
    can_send_reports,
    can_use_community,
    can_view_coverage,
    get_activity_for,
    get_group_for,
    get_member_for,
    get_photo_for,
    is_activist,
    may,
    own_groups,
)
from layak.community.selectors import (
    Coverage,
    coverage,
    group_activities,
    group_logins,
    group_rows,
    missing_profile_count,
    my_report_statuses,
)
from layak.core.forms import form_page
from layak.core.pages import menu, paginate
from layak.core.permissions import require
from layak.regions.maps import MapShape, render_svg


def _status_class(status: str, functioning: bool) -> str:
    if functioning:
        return "cov-functioning"
    classes: dict[str, str] = {"active": "cov-idle", "forming": "cov-forming"}
    return classes.get(status, "cov-none")


# -- home and coverage -----------------------------------------------------------------------


@login_required
@menu("community")
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require(can_use_community(user))
    page = paginate(request, group_rows(user))
    missing = missing_profile_count(user) if can_manage_groups(user) else 0
    return render(
        request,
        "community/home.html",
        {
            "page": page,
            "own": list(own_groups(user)) if is_activist(user) else [],
            "can_report": can_send_reports(user),
            "can_coverage": can_view_coverage(user),
            "missing_profiles": missing,
        },
    )


@login_required
@menu("community")
def profiles_create(request: HttpRequest) -> HttpResponse:
    """Give every PATBM agency of the city a group profile (secretariat, administrators)."""
    user: Any = request.user
    require(can_manage_groups(user))
    if request.method == "POST":
        count = services.groups_ensure_profiles(actor=user, city=require_city(user))
        messages.success(request, _("%(n)d group profiles created.") % {"n": count})
    return redirect("community:home")


def _coverage_map(cov: Coverage) -> str:
    shapes = [
        MapShape(
            code=row.kelurahan.code,
            name=f"{row.kelurahan.name}: {_describe(row.status, row.functioning)}",
            geometry=row.kelurahan.boundary or {},
            css_class=_status_class(row.status, row.functioning),
        )
        for row in cov.rows
        if row.kelurahan.boundary
    ]
    return render_svg(shapes, title=_("PATBM coverage in %(region)s") % {"region": cov.scope.name})


def _describe(status: str, functioning: bool) -> str:
    if functioning:
        return _("functioning")
    if status == GroupStatus.ACTIVE:
        return _("active, no recent activity")
    if status == GroupStatus.FORMING:
        return _("being formed")
    if status == GroupStatus.INACTIVE:
        return _("inactive")
    return _("no group profile")


@login_required
@menu("community")
def coverage_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_view_coverage(user))
    cov = coverage(user)
    if cov is None:
        raise Http404
    rows: list[dict[str, Any]] = [
        {
            "row": row,
            "label": _describe(row.status, row.functioning),
            "css": _status_class(row.status, row.functioning),
        }
        for row in cov.rows
    ]
    by_code: dict[str, dict[str, Any]] = {r["row"].kelurahan.code: r for r in rows}
    kecamatan = [(total, [by_code[r.kelurahan.code] for r in kr]) for total, kr in cov.kecamatan]
    return render(
        request,
        "community/coverage.html",
        {"coverage": cov, "kecamatan": kecamatan, "map": _coverage_map(cov)},
    )


# -- groups ----------------------------------------------------------------------------------


@login_required
@menu("community")
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    group = get_group_for(user, pk, action="view")
    manages = may(user, group, "manage")
    members: list[Member] = []
    if manages:
        members = list(
            group.members.select_related("user")
            .prefetch_related("trainings")
            .annotate(training_count=Count("trainings"))
        )
    return render(
        request,
        "community/group_detail.html",
        {
            "group": group,
            "manages": manages,
            "edits_profile": may(user, group, "profile"),
            "members": members,
            "member_count": group.members.filter(is_active=True).count(),
            "page": paginate(request, group_activities(group), size=20),
        },
    )


@login_required
@menu("community")
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    group = get_group_for(user, pk, action="profile")
    initial = {
        "status": group.status,
        "decree_number": group.decree_number,
        "decree_date": group.decree_date,
    }
    form = GroupForm(request.POST or None, initial=initial)
    context = {"group": group, "title": _("Group status and decree")}
    return form_page(
        request,
        form,
        lambda d: services.group_update(
            actor=user,
            group=group,
            data=services.GroupData(
                status=d["status"],
                decree_number=d["decree_number"],
                decree_date=d["decree_date"],
            ),
        ),
        success=_("Group saved."),
        redirect_to=_group_url(group.pk),
        template="community/form.html",
        context=context,
    )


def _group_url(pk: int) -> str:
    return reverse("community:group", args=[pk])


@login_required
@menu("community")
def member_form(
    request: HttpRequest, pk: int | None = None, member_pk: int | None = None
) -> HttpResponse:
    user = request.user
    member = get_member_for(user, member_pk, action="manage") if member_pk else None
    group = member.group if member is not None else get_group_for(user, pk, action="manage")
    initial = {}
    if member is not None:
        initial = {
            "name": member.name,
            "phone": member.phone,
            "position": member.position,
            "joined_on": member.joined_on,
            "is_active": member.is_active,
            "user": member.user_id,
        }
    form = MemberForm(request.POST or None, initial=initial, logins=group_logins(group))
    context = {"group": group, "title": _("Edit member") if member else _("Add a member")}

    def save(d: dict[str, Any]) -> Member:
        data = services.MemberData(
            name=d["name"],
            phone=d["phone"],
            position=d["position"],
            joined_on=d["joined_on"],
            is_active=d["is_active"],
            user=d["user"],
        )
        if member is None:
            return services.member_add(actor=user, group=group, data=data)
        return services.member_update(actor=user, member=member, data=data)

    return form_page(
        request,
        form,
        save,
        success=_("Member saved."),
        redirect_to=_group_url(group.pk),
        template="community/form.html",
        context=context,
    )


@login_required
@menu("community")
def training_new(request: HttpRequest, member_pk: int) -> HttpResponse:
    user = request.user
    member = get_member_for(user, member_pk, action="manage")
    form = TrainingForm(request.POST or None)
    context = {"group": member.group, "title": _("Add a training")}
    return form_page(
        request,
        form,
        lambda d: services.training_add(
            actor=user, member=member, topic=d["topic"], date=d["date"], organiser=d["organiser"]
        ),
        success=_("Training saved."),
        redirect_to=_group_url(member.group_id),
        template="community/form.html",
        context=context,
    )


# -- activities ------------------------------------------------------------------------------


@login_required
@menu("community")
def activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    group = get_group_for(user, pk, action="manage")
    form = ActivityForm(request.POST or None, request.FILES or None)
    context = {
        "group": group,
        "count_fields": [form[name] for name, _band, _sex in PARTICIPANT_FIELDS],
    }
    return form_page(
        request,
        form,
        lambda d: services.activity_record(
            actor=user,
            group=group,
            data=services.ActivityData(
                kind=d["kind"],
                date=d["date"],
                place=d["place"],
                counts=form.counts(),
                notes=d["notes"],
            ),
            photos=d["photos"],
        ),
        success=_("Activity recorded."),
        redirect_to=lambda activity: reverse("community:activity", args=[activity.pk]),
        template="community/activity_form.html",
        context=context,
    )


@login_required
@menu("community")
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = get_activity_for(user, pk, action="view")
    counts = [(band, sex, getattr(activity, name)) for name, band, sex in PARTICIPANT_FIELDS]
    return render(
        request,
        "community/activity_detail.html",
        {
            "activity": activity,
            "group": activity.group,
            "counts": counts,
            "photos": list(activity.photos.all()),
        },
    )


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of an activity, to who sees the group; served under a neutral name."""
    item = get_photo_for(request.user, pk)
    response = FileResponse(
        io.BytesIO(services.photo_read(photo=item)),
        content_type=item.content_type,
        filename=f"patbm-{item.activity_id}-{item.pk}{item.extension}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- early-detection reports -----------------------------------------------------------------


@never_cache
@login_required
@menu("community")
def report_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_send_reports(user))
    choices = services.report_kelurahan_choices(user)
    group = own_groups(user).first()
    initial = {"kelurahan": group.agency.area_id} if group is not None else {}
    form = EarlyReportForm(request.POST or None, kelurahan=choices, initial=initial)
    return form_page(
        request,
        form,
        lambda d: services.early_report_send(
            actor=user,
            data=services.EarlyReport(
                description=d["description"],
                kelurahan=d["kelurahan"],
                child_age=d["child_age"],
                child_sex=d["child_sex"] or "",
                anonymous=d["anonymous"],
            ),
        ),
        success=_("Report sent to the UPTD PPA. Thank you."),
        redirect_to="community:reports",
        template="community/report_form.html",
    )


@never_cache
@login_required
@menu("community")
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_send_reports(user))
    return render(
        request,
        "community/report_list.html",
        {"reports": my_report_statuses(user), "new_url": reverse("community:report_new")},
    )
