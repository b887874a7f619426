"""Schemathesis over the whole API with each demo role (issue #11): 0 server errors.

The OpenAPI document is read from the application (``/api/v1/openapi.json``) through its WSGI
entry point; every operation is then called by anonymous and by every demo person of
``seed_demo --size small`` (the session of their real log-in, with a CSRF token so that writes
are not refused before they reach the code), with Schemathesis' generated data: schema-valid
(``positive``, once with generated path parameters and once with the demo data's real ids) and
schema-invalid (``negative``). The number of examples is small and derandomised, so the run is
the same every time and fits in CI; being derandomised, the cases are the same for every
person, so they are generated once and every person sends them all. Each request runs in a
savepoint that is rolled back.

The only check is Schemathesis' ``not_a_server_error``: no answer is 5xx.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

from .conftest import FIGURES, DemoCity, log_in
from .matrix import PARAMETERS
from .test_permission_matrix import IDENTITIES

pytestmark = pytest.mark.django_db

#: Examples per operation, per generation mode, per person.
EXAMPLES = 3
CSRF_TOKEN = "matrixcsrftokenmatrixcsrftoken00"  # 32 characters: a valid unmasked secret

REQUESTS: dict[str, int] = {}
SECONDS: dict[str, float] = {}


def _rolled_back(app: WSGIHandler) -> Callable[..., Iterable[bytes]]:
    """The WSGI application, each request in a savepoint that is rolled back (a fuzzed write
    never changes the demo city, and a database error never spoils the test's transaction)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # As Django's test client does: the handler would otherwise close the test's database
        # connection at the start of the request (inside the test's transaction, which
        # PostgreSQL then loses). The response is read here and never closed, so the
        # request_finished signal, which would close it too, is not sent.
        signals.request_started.disconnect(close_old_connections)
        try:
            with transaction.atomic():
                response = app(environ, start_response)
                body = list(response)
                transaction.set_rollback(True)
        finally:
            signals.request_started.connect(close_old_connections)
        return body

    return wsgi


def _cookies(client: Client) -> dict[str, str]:
    """The session cookie of the person's log-in, and a CSRF cookie matching ``CSRF_TOKEN``."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
    return cookies


def _real_path_parameters(path: str) -> dict[str, str]:
    """The demo data's ids for an operation's path parameters (the matrix's sources)."""
    values: dict[str, str] = {}
    for match in re.finditer(r"\{(\w+)\}", path):
        before = re.findall(r"[A-Za-z][A-Za-z_-]*", re.sub(r"\{\w+\}", "", path[: match.start()]))
        source = PARAMETERS.get(("api", before[-1] if before else "", match.group(1)))
        found = source() if source else []
        if found:
            values[match.group(1)] = found[0]
    return values


@dataclass
class Generated:
    """Schemathesis' cases for every operation, and what was wrong with the OpenAPI document."""

    cases: list[Any] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


#: Generated once per run: the generation is derandomised, so every person would draw exactly
#: these cases; each person sends all of them.
GENERATED: list[Generated] = []


def _generated() -> Generated:
    if GENERATED:
        return GENERATED[0]
    generated = Generated()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _rolled_back(WSGIHandler()))
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            generated.invalid.append(f"the OpenAPI document is invalid: {result.err()}")
            continue
        operation = result.ok()
        real = _real_path_parameters(operation.path)
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if real:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
        for strategy in strategies:

            @hypothesis.settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=strategy)
            def collect(case: Any) -> None:
                generated.cases.append(case)

            collect()
    GENERATED.append(generated)
    return generated


@pytest.mark.parametrize("who", IDENTITIES)
def test_api_answers_no_server_error(who: str, demo_city: DemoCity) -> None:
    client = Client()
    if who != "anonymous":
        log_in(client, demo_city, who)
    cookies = _cookies(client)
    headers = {"X-CSRFToken": CSRF_TOKEN}
    generated = _generated()
    failures = [f"{who}: {problem}" for problem in generated.invalid]
    calls = 0
    answered: list[str] = []
    started = time.monotonic()
    for case in generated.cases:
        calls += 1
        try:
            response = case.call(headers=headers, cookies=cookies)
            if 200 <= response.status_code < 300:
                answered.append(case.formatted_path)
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except Exception as error:  # noqa: BLE001  (collected, reported below)
            first_line = str(error).strip().splitlines()[0] if str(error) else ""
            failures.append(
                f"{who}: {case.method} {case.formatted_path} query={case.query!r} "
                f"body={case.body!r}: {type(error).__name__}: {first_line}"
            )
    REQUESTS[who] = calls
    SECONDS[who] = time.monotonic() - started
    FIGURES["schemathesis"] = [
        f"Schemathesis: {sum(REQUESTS.values())} API requests over {len(REQUESTS)} identities "
        f"({EXAMPLES} examples per operation and mode) in {sum(SECONDS.values()):.0f} s"
    ]
    assert calls, "no operation was called"
    # The session was used: a logged-in person gets some answers anonymous does not.
    assert who == "anonymous" or any(
        not path.startswith("/api/v1/participation/public") for path in answered
    ), f"{who}: no operation answered 2xx; the log-in session was not sent"
    assert not failures, f"{len(failures)} server error(s):\n" + "\n".join(sorted(set(failures)))
