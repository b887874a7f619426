"""Test support shared by every app: the access matrix (issue #2, STYLE.md "Permissions").

``assert_access_matrix`` runs one URL as anonymous, as a person without permission, as a
read-only person and as an allowed person, and checks each answer, so that every endpoint is
tested the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client, TestCase

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def login(client: Client, user: Any) -> None:
    client.force_login(user, backend=LOGIN_BACKEND)


@dataclass(frozen=True)
class Expect:
    """What one kind of visitor should get: a status code, optionally a redirect target."""

    status: int
    redirect_contains: str = ""


LOGIN_REDIRECT = Expect(302, "/accounts/login/")
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
OK = Expect(200)
UNAUTHORIZED = Expect(401)


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(url, data or {})
    return client.post(url, data or {})


def assert_access_matrix(
    test: TestCase,
    url: str,
    *,
    allowed: Any,
    no_permission: Any,
    read_only: Any = None,
    method: str = "get",
    data: dict[str, Any] | None = None,
    anonymous: Expect = LOGIN_REDIRECT,
    expect_no_permission: Expect = FORBIDDEN,
    expect_read_only: Expect = FORBIDDEN,
    expect_allowed: Expect = OK,
) -> None:
    """Check the four answers of ``url``; a POST is only sent by the allowed person last."""
    cases: list[tuple[str, Any, Expect]] = [("anonymous", None, anonymous)]
    cases.append(("no permission", no_permission, expect_no_permission))
    if read_only is not None:
        cases.append(("read-only", read_only, expect_read_only))
    cases.append(("allowed", allowed, expect_allowed))
    for label, user, expected in cases:
        client = Client()
        if user is not None:
            login(client, user)
        response = _request(client, method, url, data)
        test.assertEqual(
            response.status_code,
            expected.status,
            f"{method.upper()} {url} as {label}: expected {expected.status}, "
            f"got {response.status_code}",
        )
        if expected.redirect_contains:
            test.assertIn(expected.redirect_contains, response["Location"])


class DemoCityTestCase(TestCase):
    """A test class that reads the demo city seeded once per run (``demo_seed`` in the root
    conftest.py: ``@pytest.mark.usefixtures("demo_seed")`` on the class).

    Django's ``TestCase.tearDownClass`` closes every database connection after rolling the
    class's transaction back. On PostgreSQL that would end the demo city's own transaction
    (the in-memory SQLite database ignores the close), so this class rolls back its
    transaction and leaves the connection open, as pytest-django's ``db`` fixture does."""

    @classmethod
    def tearDownClass(cls) -> None:
        klass: Any = cls  # Django's class-level transaction API is private and untyped
        if klass._databases_support_transactions():
            klass._rollback_atomics(klass.cls_atomics)
        super(TestCase, cls).tearDownClass()
