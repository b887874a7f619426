"""The one form-submission step of Layak's pages.

Every page that takes a form does the same thing: validate the form, hand its cleaned data to
one service, put what the service refuses (a :class:`~django.core.exceptions.ValidationError`)
on the form next to the field it names, say what happened and redirect; or, when the form or
the service refuses, show the page again with the errors and answer
:data:`INVALID_FORM_STATUS`. It is written here once:

* :func:`errors_to_form` — a service's ValidationError onto the form (field errors on their
  field, the rest as the form's own errors);
* :func:`run_form` — validate and call the service; the outcome says whether it went through
  and carries the service's result;
* :func:`submit` — the whole step for a page: run, message, redirect, or render the page again
  with the errors and :data:`INVALID_FORM_STATUS`;
* :func:`form_page` — the whole page of a form: shown on GET, :func:`submit` on POST.

Views stay thin: they build the form, name the service and the page, and return
:func:`form_page`'s answer (or :func:`submit`'s, when the page does more than show the form).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

T = TypeVar("T")

#: The status of a page shown again because its form was refused (by the form or the
#: service): the same in every app, so clients and tests can tell a refusal from a success.
INVALID_FORM_STATUS = 400


def errors_to_form(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ``error`` on ``form``: a field's message on that field when the form
    has it, everything else as an error of the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What :func:`run_form` did: ``ok`` when the form was valid and the service accepted it;
    ``value`` is what the service returned."""

    ok: bool
    value: T | None = None


def run_form(form: BaseForm, call: Callable[[dict[str, Any]], T]) -> Outcome[T]:
    """Validate ``form`` and call ``call`` with its cleaned data; a ValidationError from the
    service lands on the form (:func:`errors_to_form`) and the outcome is not ``ok``."""
    if not form.is_valid():
        return Outcome(ok=False)
    try:
        value = call(form.cleaned_data)
    except ValidationError as error:
        errors_to_form(form, error)
        return Outcome(ok=False)
    return Outcome(ok=True, value=value)


def invalid_form_response(
    request: HttpRequest, template: str, context: Mapping[str, Any]
) -> HttpResponse:
    """The page shown again with a refused form's errors, answered with
    :data:`INVALID_FORM_STATUS`."""
    return render(request, template, dict(context), status=INVALID_FORM_STATUS)


def submit(
    request: HttpRequest,
    form: BaseForm,
    call: Callable[[dict[str, Any]], T],
    *,
    success: str | Callable[[T], str] | None,
    redirect_to: str | Callable[[T], str],
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    form_name: str = "form",
) -> HttpResponse:
    """The whole submission step of a page.

    ``call`` is the service (given the cleaned data). On success the ``success`` message (or
    the message made from the service's result) is shown and the answer redirects to
    ``redirect_to`` (a URL or URL name, or made from the result). Otherwise ``template`` is
    rendered with ``context`` (a mapping, or a function that builds it only when needed) and
    the form under ``form_name``, with :data:`INVALID_FORM_STATUS`.
    """
    outcome = run_form(form, call)
    if outcome.ok:
        value: Any = outcome.value
        text = success(value) if callable(success) else success
        if text:
            messages.success(request, text)
        target = redirect_to(value) if callable(redirect_to) else redirect_to
        return redirect(target)
    page = dict(context() if callable(context) else context)
    page[form_name] = form
    return invalid_form_response(request, template, page)


def form_page(
    request: HttpRequest,
    form: BaseForm,
    call: Callable[[dict[str, Any]], T],
    *,
    success: str | Callable[[T], str] | None,
    redirect_to: str | Callable[[T], str],
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    form_name: str = "form",
) -> HttpResponse:
    """The page of ``form``: on GET (any method but POST) ``template`` is rendered with
    ``context`` (a mapping, or a function that builds it) and the form under ``form_name``;
    on POST the form is submitted to ``call`` (:func:`submit`, with the same arguments)."""
    page_context = context if context is not None else {}
    if request.method != "POST":
        page = dict(page_context() if callable(page_context) else page_context)
        page[form_name] = form
        return render(request, template, page)
    return submit(
        request,
        form,
        call,
        success=success,
        redirect_to=redirect_to,
        template=template,
        context=page_context,
        form_name=form_name,
    )
