"""Case management in a real browser (issue #4): a citizen reports on a cheap phone and gets a
tracking code that shows only the status; a case worker logs in with two-factor, opens the
report as a case, records the victim, and the list shows the name masked."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_person
from layak.cases.models import Case, Report
from layak.cases.tests.factories import make_case_world
from tests.browser.browser_support import PASSWORD, browser_errors, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return totp.now()


def test_public_report_then_case_worker_opens_it(new_page) -> None:  # type: ignore[no-untyped-def]
    world = make_case_world()
    phone: Page = new_page(viewport=PHONE)
    phone.goto("/lapor/")
    phone.get_by_label("Apa yang terjadi?").fill("Anak tetangga dipukul setiap malam")
    phone.get_by_label("Kelurahan tempat kejadian").select_option(label="Manggar")
    phone.get_by_label("Saya tidak mau memberikan nama").check()
    phone.get_by_role("button", name="Kirim laporan").click()
    code = phone.locator("[data-testid=tracking-code]").inner_text().strip()
    assert Report.objects.get().tracking_code == code
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "cases-public-thanks")
    phone.goto("/lapor/status/")
    phone.get_by_label("Kode pelacakan").fill(code)
    phone.get_by_role("button", name="Periksa").click()
    expect(phone.locator("[data-testid=report-status]")).to_have_text("Diterima")
    expect(phone.locator("body")).not_to_contain_text("dipukul")

    worker = make_person(
        Role.CASE_WORKER, agency=world.uptd, password=PASSWORD, username="pekerja.uji"
    )
    secret = enable_totp(worker)
    page: Page = new_page()
    log_in(page, "pekerja.uji")
    page.locator("input[name=code]").fill(_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()
    page.locator("[data-menu=cases]").click()
    page.get_by_role("link", name=code).click()
    page.get_by_role("button", name="Buka kasus").click()
    case = Case.objects.get()
    expect(page.locator("h1")).to_contain_text(case.number)
    page.get_by_role("link", name="Tambah korban").click()
    page.get_by_label("Nama", exact=True).fill("Dewi Lestari")
    page.get_by_label("Jenis kelamin").select_option("F")
    page.get_by_label("Usia saat kejadian (tahun)").fill("10")
    page.get_by_label("Fisik").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("body")).to_contain_text("Dewi Lestari")
    page.locator("[data-menu=cases]").click()
    expect(page.locator("body")).to_contain_text("D*** L***")
    expect(page.locator("body")).not_to_contain_text("Dewi Lestari")
    screenshot(page, "cases-work-list")

    phone.goto("/lapor/status/")
    phone.get_by_label("Kode pelacakan").fill(code)
    phone.get_by_role("button", name="Periksa").click()
    expect(phone.locator("[data-testid=report-status]")).to_have_text("Sedang ditangani")
    assert browser_errors(page) == []
    assert browser_errors(phone) == []
