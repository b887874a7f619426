"""Onboarding in a real browser (issue #11, finding 1): an administrator invites a new case
worker, a case manager of the intake agency approves the case role (two-person rule), and the
new worker opens the e-mailed link, chooses a password, sets up two-factor log-in with the
secret shown on the page, sees the recovery codes and reaches the case list."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from allauth.account.models import EmailAddress
from browser_support import PASSWORD, browser_errors, log_in, screenshot
from django.core import mail
from playwright.sync_api import Page, expect

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.cases.tests.factories import make_case_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)")
NEW_PASSWORD = "Rahasia-Baru-Sekali-7"


def _code(secret: str) -> str:
    """The code of this moment, not one about to expire."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return totp.now()


def _second_factor(page: Page, secret: str) -> None:
    page.locator("input[name=code]").fill(_code(secret))
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")


def test_invited_case_worker_reaches_the_case_list_with_two_factor(
    new_page: Callable[..., Page],
) -> None:
    world = make_case_world()
    home = make_agency(region=world.city, code="dp3akb", name="Dinas PPPA Balikpapan")
    admin = make_person(
        Role.ADMIN, agency=home, password=PASSWORD, username="admin.uji", totp=False
    )
    admin_secret = enable_totp(admin)
    manager = make_person(
        Role.CASE_MANAGER, agency=world.uptd, password=PASSWORD, username="manajer.uji", totp=False
    )
    manager_secret = enable_totp(manager)

    # The administrator invites the new case worker.
    office: Page = new_page()
    log_in(office, "admin.uji")
    _second_factor(office, admin_secret)
    office.goto("/people/new/")
    office.locator("input[name=full_name]").fill("Rina Baru")
    office.locator("input[name=username]").fill("rina.baru")
    office.locator("input[name=email]").fill("rina.baru@example.invalid")
    office.locator("select[name=agency]").select_option(label="UPTD PPA Kota Balikpapan")
    office.locator("input[name=roles][value=case_worker]").check()
    with office.expect_navigation():
        office.locator("input[name=email]").press("Enter")
    expect(office.locator("body")).to_contain_text("Rina Baru")
    person = User.objects.get(username="rina.baru")

    # The case role takes effect once a case manager of the intake agency approves it.
    intake: Page = new_page()
    log_in(intake, "manajer.uji")
    _second_factor(intake, manager_secret)
    intake.goto("/people/approvals/")
    row = intake.locator("[data-testid=dual-control-requests] tr", has_text="Rina Baru")
    with intake.expect_navigation():
        row.locator("[data-action=approve]").click()
    assert person.role_assignments.filter(role=Role.CASE_WORKER).exists()

    # The invitation e-mail's link, opened in the new person's own browser.
    [message] = [m for m in mail.outbox if m.to == ["rina.baru@example.invalid"]]
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    page: Page = new_page()
    page.goto(match.group(1))
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password2]").press("Enter")

    # Log in: a case worker is sent to two-factor set-up first.
    log_in(page, "rina.baru", NEW_PASSWORD)
    page.goto("/cases/")
    if "/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(NEW_PASSWORD)
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    screenshot(page, "onboarding-totp-set-up")
    _second_factor(page, secret)

    # allauth shows the recovery codes once TOTP is on.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) >= 8
    with page.expect_navigation():
        page.locator("main a[href='/']").click()
    page.locator("[data-menu=cases]").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "onboarding-case-list")
    assert EmailAddress.objects.get(user=person).verified
    assert browser_errors(page) == []
    assert browser_errors(office) == []
    assert browser_errors(intake) == []
