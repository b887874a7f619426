"""Pages for administrators to manage agencies and people, and each person's profile."""

from __future__ import annotations

from typing import Any

import django_filters
from allauth.account.views import PasswordResetFromKeyView
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layak.accounts import dual_control, services
from layak.accounts.filters import AgencyFilter, PersonFilter
from layak.accounts.forms import AgencyForm, PersonForm
from layak.accounts.permissions import (
    can_decide_dual_control,
    can_list_people,
    can_manage_agencies,
    can_manage_people,
    can_view_agencies,
    dual_control_requests_visible_to,
    get_agency_for,
    get_dual_control_request_for,
    get_person_for,
    get_person_for_authenticator_reset,
    may_decide_dual_control,
)
from layak.accounts.policy_forms import TotpUnlockForm
from layak.accounts.roles import Role
from layak.accounts.selectors import agency_list as select_agencies
from layak.accounts.selectors import person_is_locked, person_roles
from layak.accounts.selectors import person_list as select_people
from layak.core.forms import form_page
from layak.core.pages import menu, paginate, render_page
from layak.core.permissions import require


def _list(
    request: HttpRequest, filterset: django_filters.FilterSet, name: str, extra: dict[str, Any]
) -> HttpResponse:
    page = paginate(request, filterset.qs)
    return render_page(
        request,
        f"accounts/{name}_list.html",
        f"accounts/partials/{name}_table.html",
        {"filter": filterset, "page": page, **extra},
    )


@login_required
@menu("agencies")
def agency_list(request: HttpRequest) -> HttpResponse:
    require(can_view_agencies(request.user))
    filterset = AgencyFilter(request.GET, queryset=select_agencies(request.user))
    return _list(request, filterset, "agency", {"can_manage": can_manage_agencies(request.user)})


@login_required
@menu("agencies")
def agency_create(request: HttpRequest) -> HttpResponse:
    require(can_manage_agencies(request.user))
    form = AgencyForm(request.POST or None, actor=request.user)
    return form_page(
        request,
        form,
        lambda data: services.agency_create(actor=request.user, **data),
        success=lambda agency: _("Agency %(name)s created.") % {"name": agency.name},
        redirect_to="accounts:agency_list",
        template="accounts/agency_form.html",
    )


@login_required
@menu("agencies")
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_agency_for(request.user, pk, action="change")
    form = AgencyForm(request.POST or None, instance=agency, actor=request.user)
    return form_page(
        request,
        form,
        lambda data: services.agency_update(
            actor=request.user, agency=agency, **{name: data[name] for name in form.Meta.fields}
        ),
        success=_("Changes saved."),
        redirect_to="accounts:agency_list",
        template="accounts/agency_form.html",
        context={"agency": agency},
    )


@login_required
@menu("people")
def person_list(request: HttpRequest) -> HttpResponse:
    require(can_list_people(request.user))
    filterset = PersonFilter(request.GET, queryset=select_people(request.user))
    return _list(request, filterset, "person", {"can_manage": can_manage_people(request.user)})


@login_required
@menu("people")
def person_create(request: HttpRequest) -> HttpResponse:
    require(can_manage_people(request.user))
    form = PersonForm(request.POST or None, actor=request.user)
    return form_page(
        request,
        form,
        lambda data: services.person_create(actor=request.user, **data),
        success=lambda person: (
            _("%(name)s was created and invited by e-mail to set a password.")
            % {"name": person.display_name}
        ),
        redirect_to="accounts:person_list",
        template="accounts/person_form.html",
    )


@login_required
@menu("people")
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk, action="change")
    form = PersonForm(request.POST or None, instance=person, actor=request.user)
    return form_page(
        request,
        form,
        lambda data: services.person_update(actor=request.user, person=person, **data),
        success=_("Changes saved."),
        redirect_to="accounts:person_list",
        template="accounts/person_form.html",
        context={"person": person, "locked": person_is_locked(person)},
    )


@login_required
@menu("people")
@require_POST
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk, action="change")
    services.person_unlock(actor=request.user, person=person)
    messages.success(request, _("The account can log in again."))
    return redirect("accounts:person_edit", pk=person.pk)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = get_person_for(request.user, request.user.pk, action="view")
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "roles": [Role(code).label for code in person_roles(person)],
            "mfa_enabled": is_mfa_enabled(person, ["totp"]),
        },
    )


@login_required
def email_managed_by_administrator(request: HttpRequest) -> HttpResponse:
    """Replaces allauth's page for adding and removing e-mail addresses.

    Every address of an account is also a log-in name, and administrators manage people
    (issue #2), so a person cannot add addresses of their own.
    """
    messages.info(request, _("Your e-mail address is managed by your administrator."))
    return redirect("accounts:profile")


class PasswordFromLinkView(PasswordResetFromKeyView):  # type: ignore[misc]  # untyped base
    """allauth's page behind an invitation or password-reset link (``/accounts/password/
    reset/key/…``), which also records that the person controls the address the link was sent
    to, so two-factor set-up is never refused for an unverified address (issue #11)."""

    def form_valid(self, form: BaseForm) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        services.person_address_confirm(person=self.reset_user)
        return response


password_from_link = PasswordFromLinkView.as_view()


def login_unlock(request: HttpRequest) -> HttpResponse:
    """Lift one's own log-in delay with a TOTP code (issue #11); open to anyone, limited."""
    form = TotpUnlockForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.login_delay_lift(login=data["login"], code=data["code"]),
        success=_("The wait is lifted. Log in with your password."),
        redirect_to="account_login",
        template="accounts/login_unlock.html",
    )


# -- two-person changes (issue #11, finding 5) ----------------------------------------------


@login_required
@menu("approvals")
def dual_control_list(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a second person (and decided ones) of the person's city."""
    require(can_decide_dual_control(request.user))
    page = paginate(request, dual_control_requests_visible_to(request.user))
    rows = [(item, may_decide_dual_control(request.user, item)) for item in page]
    return render(request, "accounts/dual_control_list.html", {"page": page, "rows": rows})


def _decide_dual_control(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    item = get_dual_control_request_for(request.user, pk, action="decide")
    if approve:
        dual_control.dual_control_approve(actor=request.user, request=item)
        messages.success(request, _("Approved."))
    else:
        dual_control.dual_control_reject(actor=request.user, request=item)
        messages.success(request, _("Rejected."))
    return redirect("accounts:dual_control_list")


@login_required
@require_POST
def dual_control_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_dual_control(request, pk, approve=True)


@login_required
@require_POST
def dual_control_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide_dual_control(request, pk, approve=False)


@login_required
@require_POST
def authenticator_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the reset of a person's lost authenticator; a second person approves."""
    person = get_person_for_authenticator_reset(request.user, pk)
    try:
        dual_control.authenticator_reset_request(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The reset is asked for. A second person must approve it before it applies.")
        )
    return redirect("accounts:dual_control_list")
