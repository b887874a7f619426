"""The demo city and its people logged in through the real flow.

The security tests (the permission matrix, the API fuzzing) run against ``layak seed_demo
--size small``: every demo person, every module's data. The city is the suite's one seeding
(``demo_seed`` in the root conftest.py, a transaction rolled back when the last test reading it
is done); each test runs in a savepoint of it (pytest-django's ``db``).

Every demo person gets TOTP (the case roles must have it; the others may) in a savepoint that
stays open while the package's tests run and is rolled back when they are done, so the other
tests reading the demo city never see it. Each person logs in with the password, then the TOTP
code, as a person at a browser would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction
from django.test import Client

from layak.accounts.models import User
from layak.core.demo import DEMO_PASSWORD

#: Figures the security tests record for the terminal summary: label -> lines.
FIGURES: dict[str, list[str]] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the matrix size and the Schemathesis count at the end of the run."""
    if FIGURES:
        terminalreporter.section("security matrix")
        for lines in FIGURES.values():
            for line in lines:
                terminalreporter.write_line(line)


@dataclass(frozen=True)
class DemoCity:
    """The seeded demo city: its people by user name and their TOTP secrets."""

    people: dict[str, User]
    totp_secrets: dict[str, str]


class LoginFailed(AssertionError):
    pass


def log_in(client: Client, city: DemoCity, username: str) -> None:
    """Log ``username`` in with the demo password and the TOTP code (allauth's own forms)."""
    response = client.post(
        "/accounts/login/", {"login": username, "password": DEMO_PASSWORD}, follow=False
    )
    if response.status_code != 302:
        raise LoginFailed(f"{username}: password step answered {response.status_code}")
    if "/accounts/2fa/authenticate/" in response["Location"]:
        totp = pyotp.TOTP(city.totp_secrets[username])
        for _attempt in range(3):
            # A code read in the last seconds of its 30-second window may expire on the way.
            left = totp.interval - time.time() % totp.interval
            if left < 3:
                time.sleep(left)
            response = client.post("/accounts/2fa/authenticate/", {"code": totp.now()})
            if response.status_code == 302 and "2fa" not in response["Location"]:
                break
        else:
            raise LoginFailed(f"{username}: TOTP step answered {response.status_code}")
    if "_auth_user_id" not in client.session:
        raise LoginFailed(f"{username}: not logged in after the TOTP step")


@pytest.fixture(scope="package")
def demo_city(demo_seed: Any, django_db_blocker: Any) -> Iterator[DemoCity]:
    """The seeded demo city with TOTP for everyone, rolled back after the package."""
    with django_db_blocker.unblock():
        savepoint = transaction.atomic()
        savepoint.__enter__()
        try:
            people = {u.username: u for u in User.objects.filter(is_active=True)}
            secrets: dict[str, str] = {}
            for username, person in sorted(people.items()):
                secret = generate_totp_secret()
                Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).delete()
                TOTP.activate(person, secret)
                secrets[username] = secret
        except BaseException:
            transaction.set_rollback(True)
            savepoint.__exit__(None, None, None)
            raise
    yield DemoCity(people=people, totp_secrets=secrets)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        savepoint.__exit__(None, None, None)
