"""The generated permission matrix (issue #11, finding 12): every route × every demo person.

Every URL pattern of every app and every API operation (``matrix.routes()``, from the URL
resolver; ``test_every_api_operation_is_a_route`` checks the OpenAPI document against it) is
requested by anonymous and by each demo person of ``seed_demo --size small``, logged in with
password and TOTP. A GET is sent; a route that answers 405 gets a POST with empty data. Each
request runs in a savepoint that is rolled back, so no request changes what the next one sees.

For each answer:

* never a server error (5xx);
* anonymous: on a route that is not ``PUBLIC``, a redirect to the log-in page, 401, 403, 404 or
  405;
* a person whose main menu (``layak.core.navigation``, the apps' own permission functions)
  lacks the module a route belongs to (``GATES``) gets no 2xx from it; one whose menu has it
  gets 200 (or a redirect) from the module's menu page;
* no identifying value (name, NIK, phone, address, e-mail of a victim, reporter,
  perpetrator, family, Forum Anak member or parent) of a row the person may not see
  (``*_visible_to(user)``) appears in the body — HTML, JSON, CSV, XLSX or PDF text.

One test per person; each collects every failure into one message. The end of the run prints
the size of the matrix (the "security matrix" section).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from layak.accounts.models import User

from .conftest import FIGURES, DemoCity, log_in
from .matrix import (
    PARAMETERS,
    Route,
    Secret,
    SecretFinder,
    UnknownParameter,
    body_text,
    fill,
    gate,
    hidden_from,
    identifying_values,
    is_public,
    menu_keys,
    public_values,
    routes,
)

pytestmark = pytest.mark.django_db

#: The demo people of ``seed_demo --size small`` (README, "Demo logins");
#: ``test_matrix_covers_every_demo_person`` keeps this list complete.
DEMO_PEOPLE = [
    "admin",
    "sekretariat",
    "opd.disdukcapil",
    "opd.dinkes",
    "kecamatan.timur",
    "manajer.kasus",
    "pekerja.kasus",
    "pekerja.kasus2",
    "manajer.kasus.utara",
    "penyidik.uppa",
    "peksos.dinsos",
    "konselor",
    "konselor.2",
    "konselor.3",
    "patbm.manggar",
    "fasilitator.fa",
    "pimpinan",
    "verifikator",
]
IDENTITIES = ["anonymous", *DEMO_PEOPLE]

#: Routes never requested: logging out would end the session the matrix runs in.
SKIPPED = {"account_logout"}

#: Answers anonymous may get from a route that is not public.
ANONYMOUS_REFUSALS = {401, 403, 404, 405}


@dataclass
class Tally:
    urls: int = 0
    requests: int = 0
    seconds: float = 0.0


TALLIES: dict[str, Tally] = {}
#: The demo data's identifying values, read once (every request is rolled back).
VALUES: list[tuple[dict[tuple[str, int], list[Secret]], set[str]]] = []


def _record_figures() -> None:
    urls = max(t.urls for t in TALLIES.values())
    requests = sum(t.requests for t in TALLIES.values())
    seconds = sum(t.seconds for t in TALLIES.values())
    FIGURES["matrix"] = [
        f"Permission matrix: {urls} URLs x {len(TALLIES)} identities = {urls * len(TALLIES)} "
        f"cells, {requests} requests in {seconds:.0f} s"
    ]


def _request(client: Client, url: str) -> tuple[str, Any]:
    """GET ``url``, or POST with empty data when the route takes no GET; rolled back."""
    with transaction.atomic():
        response = client.get(url)
        method = "GET"
        if response.status_code == 405:
            response = client.post(url, {})
            method = "POST"
        text = body_text(response) if response.status_code < 300 else ""
        transaction.set_rollback(True)
    return method, (response, text)


def _server_error(response: Any) -> str:
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return ""
    import traceback

    frames = traceback.extract_tb(exc_info[2])
    where = next(
        (f for f in reversed(frames) if "/layak/" in f.filename), frames[-1] if frames else None
    )
    place = f" at {where.filename}:{where.lineno}" if where else ""
    return f" ({exc_info[0].__name__}: {exc_info[1]}{place})"


def _empty_api_list(route: Route, response: Any) -> bool:
    """An API list answers everyone with the rows they may see: none is no leak."""
    if route.namespace != "api" or route.parameters:
        return False
    try:
        return response.json() in ([], {"items": [], "count": 0})
    except ValueError:
        return False


def _all_urls() -> tuple[list[tuple[Route, str]], list[str]]:
    urls: list[tuple[Route, str]] = []
    unknown: list[str] = []
    for route in routes():
        if route.name in SKIPPED:
            continue
        try:
            urls.extend((route, url) for url in fill(route))
        except UnknownParameter as error:
            unknown.append(str(error))
    return urls, unknown


def _check(
    who: str, user: User | None, keys: set[str], route: Route, url: str, method: str, response: Any
) -> list[str]:
    status = response.status_code
    label = f"{who}: {method} {url} ({route.name})"
    if status >= 500:
        return [f"{label} answered {status}{_server_error(response)}"]
    problems = []
    if user is None and not is_public(route):
        to_login = status == 302 and "/accounts/login/" in response.get("Location", "")
        if not to_login and status not in ANONYMOUS_REFUSALS:
            problems.append(f"{label} answered {status} to anonymous (expected log-in/401/403/404)")
    if user is not None:
        entry = gate(route)
        if (
            entry is not None
            and entry not in keys
            and 200 <= status < 300
            and not _empty_api_list(route, response)
        ):
            problems.append(f"{label} answered {status} without the menu entry {entry!r}")
    return problems


@pytest.mark.parametrize("who", IDENTITIES)
def test_permission_matrix(who: str, demo_city: DemoCity) -> None:
    started = time.monotonic()
    urls, unknown = _all_urls()
    assert not unknown, "\n".join(unknown)
    user = None if who == "anonymous" else demo_city.people[who]
    client = Client(raise_request_exception=False)
    if user is not None:
        log_in(client, demo_city, who)
    cookies = client.cookies
    keys = menu_keys(user) if user is not None else set()
    if not VALUES:
        VALUES.append((identifying_values(), public_values()))
    secrets = SecretFinder(hidden_from(user, *VALUES[0]))
    assert user is not None or secrets, "the demo data has no identifying value to look for"
    failures: list[str] = []
    requests = 0
    menu_pages: dict[str, int] = {}
    for route, url in urls:
        client.cookies = cookies.__class__(cookies)  # a request never logs the person out
        method, (response, text) = _request(client, url)
        requests += 2 if method == "POST" else 1
        failures.extend(_check(who, user, keys, route, url, method, response))
        menu_pages[route.name] = response.status_code
        for secret in secrets.found_in(text):
            failures.append(f"{who}: {method} {url} shows {secret.what} ({secret.value!r})")
    if user is not None:
        from layak.core.navigation import menu_for

        for entry in menu_for(user):
            landing = next((r for r, u in urls if u == entry["url"]), None)
            if landing is not None and menu_pages.get(landing.name) not in (200, 302):
                failures.append(
                    f"{who}: menu entry {entry['key']!r} ({entry['url']}) answered "
                    f"{menu_pages.get(landing.name)}"
                )
    TALLIES[who] = Tally(urls=len(urls), requests=requests, seconds=time.monotonic() - started)
    _record_figures()
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


def test_matrix_covers_every_demo_person(demo_city: DemoCity) -> None:
    assert sorted(demo_city.people) == sorted(DEMO_PEOPLE)


def test_every_api_operation_is_a_route(demo_city: DemoCity) -> None:
    """The OpenAPI document and the resolver agree, so the matrix requests every operation."""
    from layak.api import api

    schema = api.get_openapi_schema()
    resolved = {"/" + route.route for route in routes() if route.namespace == "api"}
    missing = []
    for path in schema["paths"]:
        as_route = path.replace("{", "<").replace("}", ">")
        if as_route not in resolved:
            missing.append(path)
    assert schema["paths"]
    assert not missing, f"API operations the resolver does not list: {missing}"


def test_leak_check_finds_a_name_where_it_is_shown(demo_city: DemoCity) -> None:
    """The search is not blind: a person who may open the richest case reads its victim's
    name in the case page's text, exactly as the matrix looks for it."""
    from layak.cases.models import Case, Victim
    from layak.cases.permissions import cases_visible_to

    case = Case.objects.get(pk=int(PARAMETERS[("cases", "cases", "pk")]()[0]))
    victim = Victim.objects.filter(case=case).order_by("pk").first()
    assert victim is not None
    name = str(victim.name)
    reader = next(
        username
        for username, person in sorted(demo_city.people.items())
        if cases_visible_to(person).filter(pk=case.pk).exists()
    )
    client = Client()
    log_in(client, demo_city, reader)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    secret = Secret(name, f"cases.Victim {victim.pk} name")
    decoy = Secret(name[:-1] + ("x" if name[-1] != "x" else "y"), "a name that differs at its end")
    assert SecretFinder([decoy, secret]).found_in(body_text(response)) == [secret]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Siti Aminah", ["Siti Aminah"]),
        ("<td>Siti Aminah</td><td>6471010101010001</td>", ["6471010101010001", "Siti Aminah"]),
        ("Siti Aminah Putri", ["Siti Aminah"]),
        ("xxSiti Aminahxx 647101010101000", ["Siti Aminah"]),
        ("Siti Amina", []),
        ("Siti  Aminah", []),
        ("", []),
    ],
)
def test_secret_finder_finds_exactly_what_in_finds(text: str, found: list[str]) -> None:
    secrets = [
        Secret("Siti Aminah", "a name"),
        Secret("Siti Aminah binti Ahmad", "a longer name with the same start"),
        Secret("6471010101010001", "a NIK"),
    ]
    finder = SecretFinder(secrets)
    assert [secret.value for secret in finder.found_in(text)] == found
    assert found == sorted(secret.value for secret in secrets if secret.value in text)
