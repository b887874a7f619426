"""Helpers shared by the browser tests (fixtures live in ``conftest.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page

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
