"""Logging in and out in a real browser, in both languages, with role-dependent menus."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from browser_support import (
    HOME_URL,
    LOGIN_URL,
    PASSWORD,
    browser_errors,
    log_in,
    log_out,
    menu_keys,
    menu_labels,
    screenshot,
)
from playwright.sync_api import Page, expect

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person

pytestmark = pytest.mark.browser

#: The main menu of an OPD focal point and of a system administrator.
OPD_MENU = {
    "home",
    "dashboards",
    "evaluations",
    "indicators",
    "plans",
    "participation",
    "regions",
    "agencies",
}
ADMIN_MENU = {
    "home",
    "dashboards",
    "evaluations",
    "case_statistics",
    "indicators",
    "plans",
    "families",
    "community",
    "regions",
    "agencies",
    "people",
    "approvals",
    "audit",
    "case_lookups",
}


def opd_focal(username: str = "opd.focal") -> User:
    return make_person(Role.OPD_FOCAL, password=PASSWORD, username=username, full_name="Sari OPD")


def admin(username: str = "admin.sys") -> User:
    return make_person(Role.ADMIN, password=PASSWORD, username=username, full_name="Budi Admin")


def test_opd_focal_point_logs_in_and_out_in_indonesian(page: Page) -> None:
    opd_focal()

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Masuk")
    expect(page.locator("[data-action=login]")).to_have_text("Masuk")

    log_in(page, "opd.focal")

    expect(page).to_have_url(HOME_URL)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_test_id("home-roles")).to_contain_text("Penanggung jawab OPD")
    assert menu_keys(page) == OPD_MENU
    labels = menu_labels(page)
    assert labels == [
        "Beranda",
        "Dasbor",
        "Evaluasi KLA",
        "Indikator",
        "Rencana aksi",
        "Forum Anak",
        "Wilayah",
        "Instansi",
    ]
    assert "Pengguna" not in labels
    assert "Jejak audit" not in labels
    expect(page.locator("[data-menu=people]")).to_have_count(0)
    expect(page.locator("[data-menu=audit]")).to_have_count(0)
    expect(page.locator("[data-action=logout]")).to_have_text("Keluar")
    screenshot(page, "home-opd-focal-id")

    log_out(page)

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("[data-action=login]")).to_be_visible()
    expect(page.locator("[data-action=logout]")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    assert "next=%2F" in page.url or "next=/" in page.url
    assert browser_errors(page) == []


def test_opd_focal_point_switches_to_english_before_logging_in(page: Page) -> None:
    opd_focal()

    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.locator("#language-select").select_option("en")
    with page.expect_navigation():
        page.locator("form[action='/i18n/setlang/'] button[type=submit]").click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-action=login]")).to_have_text("Log in")
    expect(page.locator("#language-select")).to_have_value("en")

    log_in(page, "opd.focal")

    # The language cookie outlives the anonymous session that is replaced on login.
    expect(page).to_have_url(HOME_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-roles")).to_contain_text("OPD focal point")
    assert menu_labels(page) == [
        "Home",
        "Dashboards",
        "KLA evaluation",
        "Indicators",
        "Action plan",
        "Forum Anak",
        "Regions",
        "Agencies",
    ]
    expect(page.locator("[data-action=logout]")).to_have_text("Log out")

    log_out(page)

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-action=login]")).to_have_text("Log in")
    assert browser_errors(page) == []


def test_administrator_sees_people_and_audit_trail_in_the_menu(
    new_page: Callable[..., Page],
) -> None:
    opd_focal()
    admin()

    opd_page = new_page()
    log_in(opd_page, "opd.focal")
    expect(opd_page).to_have_url(HOME_URL)
    opd_keys = menu_keys(opd_page)

    admin_page = new_page()
    log_in(admin_page, "admin.sys")
    expect(admin_page).to_have_url(HOME_URL)
    expect(admin_page.get_by_test_id("home-roles")).to_contain_text("Administrator sistem")
    admin_keys = menu_keys(admin_page)
    expect(admin_page.locator("nav.main-nav [data-menu=people]")).to_have_text("Pengguna")
    expect(admin_page.locator("nav.main-nav [data-menu=audit]")).to_have_text("Jejak audit")
    screenshot(admin_page, "home-admin-id")

    assert opd_keys == OPD_MENU
    assert admin_keys == ADMIN_MENU
    admin_only = {
        "people",
        "approvals",
        "audit",
        "case_statistics",
        "case_lookups",
        "families",
        "community",
    }
    assert admin_keys - opd_keys == admin_only
    # Focal points answer children's aspirations routed to their agency; the system
    # administrator runs no forum.
    assert opd_keys - admin_keys == {"participation"}

    # The extra entries open their pages, each marked as the current menu entry.
    for key, path in (("people", "/people/"), ("audit", "/audit/")):
        link = admin_page.locator(f"nav.main-nav [data-menu={key}]")
        link.click()
        expect(admin_page).to_have_url(re.compile(rf"{re.escape(path)}$"))
        expect(admin_page.locator(f"nav.main-nav [data-menu={key}]")).to_have_attribute(
            "aria-current", "page"
        )
    assert browser_errors(opd_page) == []
    assert browser_errors(admin_page) == []


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page: Page) -> None:
    opd_focal()

    log_in(page, "opd.focal", "not-the-password")

    expect(page).to_have_url(LOGIN_URL)
    error = page.locator(".errors[role=alert]")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("[data-action=logout]")).to_have_count(0)
    expect(page.locator("input[name=login]")).to_have_value("opd.focal")
    expect(page.locator("input[name=password]")).to_have_value("")
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)

    # One mistake does not lock the account: the right password still works.
    log_in(page, "opd.focal")
    expect(page).to_have_url(HOME_URL)
    expect(page.locator("[data-action=logout]")).to_be_visible()


def test_home_page_fits_a_small_phone_and_logout_is_reachable_by_keyboard(
    new_page: Callable[..., Page],
) -> None:
    opd_focal()
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)

    log_in(page, "opd.focal")
    expect(page).to_have_url(HOME_URL)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"home page scrolls sideways: scrollWidth={scroll_width}"
    screenshot(page, "home-opd-focal-360px")

    page.locator("body").focus()
    focused: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(_DESCRIBE_FOCUS))
        if page.evaluate("document.activeElement?.dataset?.action") == "logout":
            break
    else:
        pytest.fail(f"logout button not reached in 30 tabs; focus went: {focused}")

    box = page.locator("[data-action=logout]").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"logout button off screen: {box}"

    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("[data-action=logout]")).to_have_count(0)


_DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el) return "(none)";
  const key = el.dataset.menu || el.dataset.action || el.id || el.getAttribute("name") || "";
  return el.tagName.toLowerCase() + (key ? "[" + key + "]" : "");
}"""
