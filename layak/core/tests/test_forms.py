"""The one form-submission step (issue #14): a refused form answers 400 with its errors on the
form and nothing done; an accepted one runs the service once, says so and redirects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import RequestFactory, SimpleTestCase, override_settings

from layak.core.forms import INVALID_FORM_STATUS, errors_to_form, form_page, run_form, submit

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "page.html": "{{ title }}|{{ form.name.errors|join:',' }}|"
                        "{{ form.non_field_errors|join:',' }}|{{ other.name.value|default:'' }}"
                    },
                )
            ]
        },
    }
]


class NameForm(forms.Form):
    name = forms.CharField(max_length=5)


def _request(method: str, data: dict[str, str] | None = None) -> HttpRequest:
    factory = RequestFactory()
    request = factory.post("/x/", data or {}) if method == "POST" else factory.get("/x/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


class Service:
    def __init__(self, refuse: ValidationError | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refuse = refuse

    def __call__(self, data: dict[str, Any]) -> str:
        self.calls.append(data)
        if self.refuse is not None:
            raise self.refuse
        return str(data["name"]).upper()


@override_settings(TEMPLATES=TEMPLATES)
class SubmitTests(SimpleTestCase):
    def _submit(self, data: dict[str, str], service: Service, **extra: Any) -> Any:
        request = _request("POST", data)
        response = submit(
            request,
            NameForm(request.POST),
            service,
            success=lambda value: f"Saved {value}.",
            redirect_to=lambda value: f"/done/{value}/",
            template="page.html",
            context={"title": "T"},
            **extra,
        )
        return request, response

    def test_an_accepted_form_runs_the_service_once_says_so_and_redirects(self) -> None:
        service = Service()
        request, response = self._submit({"name": "ani"}, service)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/done/ANI/")
        self.assertEqual(service.calls, [{"name": "ani"}])
        self.assertEqual([str(m) for m in get_messages(request)], ["Saved ANI."])

    def test_a_form_the_form_refuses_never_reaches_the_service(self) -> None:
        service = Service()
        request, response = self._submit({"name": "too long"}, service)
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertEqual(INVALID_FORM_STATUS, 400)
        self.assertEqual(service.calls, [])
        self.assertIn("5", response.content.decode().split("|")[1])
        self.assertEqual(list(get_messages(request)), [])

    def test_the_services_field_error_lands_on_its_field(self) -> None:
        service = Service(refuse=ValidationError({"name": "taken"}))
        _request_, response = self._submit({"name": "ani"}, service)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.content.decode(), "T|taken||")

    def test_an_error_of_no_field_is_the_forms_own(self) -> None:
        service = Service(refuse=ValidationError({"elsewhere": "no", "__all__": "closed"}))
        _request_, response = self._submit({"name": "ani"}, service)
        self.assertEqual(response.content.decode().split("|")[2], "no,closed")
        service = Service(refuse=ValidationError("plain"))
        _request_, response = self._submit({"name": "ani"}, service)
        self.assertEqual(response.content.decode().split("|")[2], "plain")

    def test_the_form_can_stand_under_another_name(self) -> None:
        _request_, response = self._submit({"name": "toolong"}, Service(), form_name="other")
        self.assertEqual(response.content.decode().split("|")[3], "toolong")


@override_settings(TEMPLATES=TEMPLATES)
class FormPageTests(SimpleTestCase):
    def test_get_shows_the_page_with_the_form_and_calls_nothing(self) -> None:
        service = Service()
        built: list[bool] = []

        def context() -> dict[str, str]:
            built.append(True)
            return {"title": "Page"}

        response = form_page(
            _request("GET"),
            NameForm(),
            service,
            success="ok",
            redirect_to="/done/",
            template="page.html",
            context=context,
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.decode().startswith("Page|"))
        self.assertEqual((service.calls, built), ([], [True]))

    def test_post_is_the_submission_step(self) -> None:
        service = Service()
        request = _request("POST", {"name": "budi"})
        response = form_page(
            request,
            NameForm(request.POST),
            service,
            success="ok",
            redirect_to="/done/",
            template="page.html",
        )
        self.assertEqual((response.status_code, response["Location"]), (302, "/done/"))
        self.assertEqual(len(service.calls), 1)


class RunFormTests(SimpleTestCase):
    def test_the_outcome_carries_the_services_value(self) -> None:
        outcome = run_form(NameForm({"name": "ani"}), Service())
        self.assertEqual((outcome.ok, outcome.value), (True, "ANI"))
        refused = run_form(NameForm({"name": "ani"}), Service(refuse=ValidationError("x")))
        self.assertEqual((refused.ok, refused.value), (False, None))

    def test_errors_to_form_keeps_every_message(self) -> None:
        form = NameForm({"name": "ani"})
        form.is_valid()
        errors_to_form(form, ValidationError({"name": ["a", "b"], "nope": "c"}))
        self.assertEqual(form.errors["name"], ["a", "b"])
        self.assertEqual(form.non_field_errors(), ["c"])
