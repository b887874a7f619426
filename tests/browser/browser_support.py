"""Helpers shared by the browser tests (fixtures live in ``conftest.py``)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
from allauth.mfa.models import Authenticator
from playwright.sync_api import Locator, Page

from layak.accounts.models import User

#: The password every test person gets.
PASSWORD = "Correct-Horse-Battery-9"
#: Where screenshots go (git-ignored).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
#: The login page, with or without ``?next=``.
LOGIN_URL = re.compile(r"/accounts/login/(\?.*)?$")
#: The home page.
HOME_URL = re.compile(r"^https?://[^/]+/$")


def log_in(page: Page, login: str, password: str = PASSWORD) -> None:
    """Fill in and submit the login form (opening the login page first if needed)."""
    if not LOGIN_URL.search(page.url):
        page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("[data-action=login]").click()


def log_out(page: Page) -> None:
    with page.expect_navigation():
        page.locator("[data-action=logout]").click()


def menu_links(page: Page) -> Locator:
    """The main-menu links (the profile link in the user menu is not one of them)."""
    return page.locator("nav.main-nav ul a[data-menu]")


def menu_keys(page: Page) -> set[str]:
    """The ``data-menu`` keys of the main menu."""
    keys = menu_links(page).evaluate_all("links => links.map(a => a.dataset.menu)")
    return set(keys)


def menu_labels(page: Page) -> list[str]:
    return [text.strip() for text in menu_links(page).all_inner_texts()]


def browser_errors(page: Page) -> list[str]:
    """JavaScript errors and console errors (CSP violations among them) the page has seen."""
    return list(getattr(page, "layak_errors", []))


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in ``test-results/<name>.png``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def totp_now(secret: str) -> str:
    """The TOTP code of this moment, not one about to expire."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return str(totp.now())


def log_in_with_two_factor(page: Page, login: str, password: str = PASSWORD) -> None:
    """Log in as someone whose role requires TOTP (issue #11): give the code of their
    authenticator if they have one, else walk the TOTP set-up page the way a person does
    (reading the secret shown there), then continue to the home page."""
    log_in(page, login, password)
    if "/accounts/2fa/authenticate/" in page.url:
        person = User.objects.get(username=login)
        authenticator = Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP)
        page.locator("input[name=code]").fill(totp_now(str(authenticator.data["secret"])))
        with page.expect_navigation():
            page.locator("input[name=code]").press("Enter")
        return
    page.goto("/")
    if "/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
    if "/accounts/2fa/totp/activate/" not in page.url:
        return
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_now(secret))
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")
    page.goto("/")
