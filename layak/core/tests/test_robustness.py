"""Issue 11, findings 7, 9 and 11: ``no-store`` on every answer to a logged-in person, NUL and
other invalid characters refused before any view, 403 logged as one line, and the API's
refusals answered as JSON in every mode (DEBUG included)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import CityWorld, make_agency, make_city_world, make_person
from layak.api import api
from layak.core.logging import ClientErrorOneLine
from layak.core.middleware import bad_urlencoded
from layak.core.testing import login
from layak.indicators import services as indicator_services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Value
from layak.regions.tests.factories import make_region

K1 = "64.71.01.1001"
#: Converters whose values can never hold text; every other parameter is a string.
_NUMERIC = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def _routes(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    """Every route of the project as a path template, from the resolver (so a new route is
    covered without editing this file)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def _fill(route: str, text: str) -> tuple[str, bool]:
    """The path of ``route`` with ``text`` in every string parameter (numbers elsewhere), and
    whether it has a string parameter at all."""
    found = False

    def value(match: re.Match[str]) -> str:
        nonlocal found
        converter = match.group("converter") or "str"
        if converter in _NUMERIC:
            return _NUMERIC[converter]
        found = True
        return text

    path = _ROUTE_PARAM.sub(value, route)
    if _REGEX_GROUP.search(path):
        found = True
        path = _REGEX_GROUP.sub(text, path)
    return "/" + path.replace("^", "").replace("$", ""), found


def _no_args_routes() -> list[str]:
    paths = []
    for route in _routes():
        path, _found = _fill(route, "")
        if path == "/" + route.replace("^", "").replace("$", "") and "<" not in route:
            paths.append(path)
    return sorted(set(paths))


def _client(user: Any = None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        login(client, user)
    return client


class _World(TestCase):
    world: CityWorld
    admin: User
    capil: User
    definition: Definition

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.world = make_city_world()
        make_region(K1, "Manggar")
        cls.admin = make_person(username="root", is_superuser=True, is_staff=True, totp=True)
        cls.capil = make_person(
            Role.OPD_FOCAL,
            agency=make_agency(region=cls.world.city, code="disdukcapil"),
            username="opd.capil",
        )
        cls.definition = Definition.objects.get(code="akta-lahir")
        indicator_services.values_enter(
            actor=cls.capil,
            definition=cls.definition,
            city=cls.world.city,
            period="2025",
            entries=[(K1, "45", "60")],
        )


# -- finding 9: invalid characters ----------------------------------------------------------


class InvalidCharacterTests(_World):
    def test_nul_in_every_string_path_parameter_is_never_a_server_error(self) -> None:
        paths = sorted({p for p, found in (_fill(r, "%00") for r in _routes()) if found})
        self.assertGreater(len(paths), 25)  # the resolver was really walked
        self.assertIn("/api/v1/regions/%00/", paths)
        for who, client in (("anonymous", _client()), ("superuser", _client(self.admin))):
            for path in paths:
                with self.subTest(who=who, path=path):
                    response = client.get(path)
                    self.assertIn(response.status_code, (400, 404))

    def test_the_reviewed_endpoints_answer_404(self) -> None:
        client = _client(self.admin)
        for path in (
            "/api/v1/regions/%00/",
            "/dashboards/area/%00/",
            "/api/v1/indicators/%00/values/",
            "/api/v1/indicators/%00/rollups/",
            "/api/v1/indicators/%00/targets/",
            "/api/v1/indicators/akta%00lahir/values/",
        ):
            with self.subTest(path=path):
                response = client.get(path)
                self.assertEqual(response.status_code, 404)
        self.assertEqual(client.get("/api/v1/regions/%00/")["Content-Type"], "application/json")

    def test_broken_utf8_and_control_characters_in_the_path_are_404(self) -> None:
        client = _client(self.admin)
        for segment in ("%C3%28", "%ED%A0%80", "%01", "%1B", "%7F", "%C2%85"):
            with self.subTest(segment=segment):
                self.assertEqual(client.get(f"/api/v1/regions/{segment}/").status_code, 404)

    def test_nul_in_a_query_parameter_of_every_route_without_arguments_is_400(self) -> None:
        routes = _no_args_routes()
        self.assertIn("/api/v1/indicators/definitions/", routes)
        for who, client in (("anonymous", _client()), ("superuser", _client(self.admin))):
            for path in routes:
                with self.subTest(who=who, path=path):
                    self.assertEqual(client.get(f"{path}?q=%00&period=x").status_code, 400)

    def test_invalid_query_values_are_400_and_ordinary_ones_pass(self) -> None:
        client = _client(self.capil)
        url = "/api/v1/indicators/akta-lahir/values/"
        for query in ("period=%00", "period=20%0025", "period=%FF", "period=%ED%A0%80", "%00=1"):
            with self.subTest(query=query):
                self.assertEqual(client.get(f"{url}?{query}").status_code, 400)
        self.assertEqual(client.get(f"{url}?period=2025").status_code, 200)
        self.assertEqual(client.get(f"{url}?period=M%C3%BCller").status_code, 400)  # bad period

    def test_nul_in_a_form_field_is_400(self) -> None:
        response = _client().post(
            reverse("account_login"),
            "login=ad%00min&password=x",
            content_type="application/x-www-form-urlencoded",
        )

        self.assertEqual(response.status_code, 400)

    def test_a_textarea_with_line_breaks_is_not_refused(self) -> None:
        self.assertFalse(bad_urlencoded("note=line+one%0D%0Aline%09two&name=Siti+N%C3%BCr"))
        self.assertTrue(bad_urlencoded("note=a%00b"))
        self.assertTrue(bad_urlencoded(b"note=%FF"))

    def test_nul_in_a_json_body_is_400_and_nothing_is_saved(self) -> None:
        response = _client(self.capil).post(
            "/api/v1/indicators/akta-lahir/values/",
            json.dumps({"period": "2026", "rows": [{"region_code": "64.71\x0001.1001"}]}),
            content_type="application/json",
        )

        self.assertEqual(response.status_code, 400)
        self.assertFalse(Value.objects.filter(period_label="2026").exists())

    def test_a_json_body_that_is_not_utf8_or_has_a_lone_surrogate_is_400(self) -> None:
        client = _client(self.capil)
        for body in (b'{"period": "\xff"}', b'{"period": "\\ud800"}'):
            with self.subTest(body=body):
                response = client.post(
                    "/api/v1/indicators/akta-lahir/values/", body, content_type="application/json"
                )
                self.assertEqual(response.status_code, 400)


# -- finding 7: no-store --------------------------------------------------------------------


def _no_store(response: Any) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives and "public" not in directives


class NoStoreTests(_World):
    def test_every_route_without_arguments_answers_a_logged_in_person_with_no_store(self) -> None:
        routes = _no_args_routes()
        self.assertGreater(len(routes), 30)
        for who, user in (("superuser", self.admin), ("focal point", self.capil)):
            client = _client(user)
            for path in routes:
                with self.subTest(who=who, path=path):
                    response = client.get(path)
                    self.assertTrue(_no_store(response), response.get("Cache-Control"))
                    self.assertEqual(response["Pragma"], "no-cache")

    def test_pages_api_and_downloads_with_data_carry_no_store(self) -> None:
        client = _client(self.capil)
        for path in (
            reverse("indicators:detail", args=["akta-lahir"]),
            "/api/v1/indicators/akta-lahir/values/?period=2025",
            "/api/v1/indicators/%00/values/",  # refused early: still no-store
        ):
            with self.subTest(path=path):
                self.assertTrue(_no_store(client.get(path)))

        download = client.get(reverse("indicators:csv", args=["akta-lahir"]) + "?period=2025")
        self.assertEqual(download.status_code, 200)
        self.assertTrue(_no_store(download))
        self.assertIn("attachment", download["Content-Disposition"])

    def test_after_logout_the_back_button_cannot_show_a_cached_page(self) -> None:
        client = _client(self.capil)
        url = reverse("indicators:detail", args=["akta-lahir"])
        page = client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertTrue(_no_store(page))  # the browser never kept it

        client.post(reverse("account_logout"))
        again = client.get(url)

        self.assertEqual(again.status_code, 302)
        self.assertIn(reverse("account_login"), again["Location"])

    def test_the_public_portal_keeps_its_cache_headers_for_anonymous_visitors(self) -> None:
        response = _client().get(reverse("portal:statistics"))

        self.assertEqual(response.status_code, 200)
        self.assertIn("max-age=", response["Cache-Control"])
        self.assertNotIn("no-store", response["Cache-Control"])


# -- finding 11: 403 logged as one line, the API's refusals in DEBUG -----------------------


class ForbiddenLoggingTests(_World):
    def test_a_403_is_one_line_without_traceback_or_query_string(self) -> None:
        client = _client(self.world.leader)
        url = reverse("indicators:enter", args=["akta-lahir"])

        with self.assertLogs("django.request", "WARNING") as logs:
            response = client.get(f"{url}?name=Budi+Santoso")

        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(logs.records), 1)
        record = logs.records[0]
        self.assertIsNone(record.exc_info)
        self.assertEqual(record.getMessage(), f"Forbidden (Permission denied): GET {url} 403")
        line = logging.Formatter().format(record)
        self.assertNotIn("Traceback", line)
        self.assertNotIn("Budi", line)
        self.assertEqual(line.count("\n"), 0)

    def test_a_server_error_keeps_its_traceback(self) -> None:
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "boom", (), None)
        record.status_code = 500
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            record.exc_info = sys.exc_info()

        ClientErrorOneLine().filter(record)

        self.assertIsNotNone(record.exc_info)

    def test_a_control_character_in_the_path_cannot_forge_a_log_line(self) -> None:
        request = RequestFactory().get("/x/")
        request.path = "/x/\nFAKE ERROR"
        record = logging.LogRecord(
            "django.request", logging.WARNING, "", 0, "Not Found: %s", ("/x/",), None
        )
        record.status_code = 404
        record.request = request

        ClientErrorOneLine().filter(record)

        self.assertNotIn("\n", record.getMessage())


@override_settings(DEBUG=True)
class ApiRefusalInDebugTests(_World):
    def test_a_forbidden_api_call_is_403_json_not_a_500_traceback(self) -> None:
        response = _client(self.world.leader).post(
            "/api/v1/indicators/akta-lahir/values/",
            json.dumps({"period": "2026", "rows": [{"region_code": K1, "numerator": 1}]}),
            content_type="application/json",
        )

        self.assertEqual(response.status_code, 403)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertNotIn("Traceback", response.content.decode())
        self.assertIn("detail", response.json())

    def test_an_unknown_object_is_404_json_without_details(self) -> None:
        response = _client(self.capil).get("/api/v1/indicators/no-such/values/?period=2025")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(set(response.json()), {"detail"})
        self.assertNotIn("Definition", response.content.decode())

    def test_a_validation_error_of_a_service_is_400_json(self) -> None:
        request = RequestFactory().get("/api/v1/")
        response = api.on_exception(request, ValidationError("The year is wrong."))

        self.assertEqual(response.status_code, 400)
        self.assertEqual(json.loads(response.content), {"detail": "The year is wrong."})

    def test_invalid_input_is_422_json(self) -> None:
        response = _client(self.capil).post(
            "/api/v1/indicators/akta-lahir/values/",
            json.dumps({"rows": "nope"}),
            content_type="application/json",
        )

        self.assertEqual(response.status_code, 422)
        self.assertIn("detail", response.json())


@override_settings(DEBUG=False)
class ApiRefusalWithoutDebugTests(_World):
    def test_a_forbidden_api_call_is_403_json(self) -> None:
        response = _client(self.world.leader).post(
            "/api/v1/indicators/akta-lahir/values/",
            json.dumps({"period": "2026", "rows": [{"region_code": K1, "numerator": 1}]}),
            content_type="application/json",
        )

        self.assertEqual(response.status_code, 403)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
