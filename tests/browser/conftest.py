"""Real-browser fixtures: Playwright (sync API) driving Debian's chromium against ``live_server``.

No browser is downloaded: the tests use the system chromium. When it is missing the tests are
skipped, unless ``LAYAK_REQUIRE_BROWSER=true`` (CI), where they fail with a clear message.

Each test gets a fresh browser context (its own cookies and storage); the browser itself is
started once per session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

# Playwright's sync API runs an asyncio event loop in the main thread; Django would otherwise
# refuse database access from the test code (factories) with SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: How long a browser action (click, fill, navigation) may take, in milliseconds; ``expect``
#: keeps Playwright's own 5 s default.
TIMEOUT_MS = 15_000


def _browser_required() -> bool:
    return os.environ.get("LAYAK_REQUIRE_BROWSER", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
        if _browser_required():
            pytest.fail(f"LAYAK_REQUIRE_BROWSER=true but {message}.", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Factory: a page in a new, isolated browser context pointed at the live server.

    Keyword arguments go to ``browser.new_context`` (e.g. ``viewport``). JavaScript and console
    errors the page sees are collected for ``browser_support.browser_errors``.
    """
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        options.setdefault("base_url", live_server.url)
        # An Indonesian browser: Accept-Language decides the language until the cookie is set.
        options.setdefault("locale", "id-ID")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                url = str(message.location.get("url", ""))
                errors.append(f"console.error: {message.text} ({url})")

        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", on_console)
        page.layak_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page in a fresh browser context (desktop size)."""
    return new_page(viewport={"width": 1280, "height": 800})
