"""Puspaga in a real browser (issue #5, "Done when"): a family books a consultation on a cheap
phone (360 px) through the public form, which weighs under 200 KB; when the day comes the
counsellor logs in, sees the booking, records that the family came, and records the session with
its confidential notes."""

from __future__ import annotations

import datetime
import re
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Response, expect

from layak.families.models import Booking, BookingStatus, Session
from layak.families.tests.factories import make_family_world
from tests.browser.browser_support import (
    PASSWORD,
    browser_errors,
    log_in_with_two_factor,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 200 * 1024
NOTES = "Orang tua dan remaja sepakat jam belajar; sesi lanjutan dua minggu lagi."


def _transferred(page: Page, url: str) -> int:
    """Bytes of every response body the page loads (the document, CSS, scripts, icons)."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    total = 0
    for response in responses:
        try:
            total += len(response.body())
        except Exception:  # noqa: BLE001, S112 - a redirect has no body to count
            continue
    return total


def test_family_books_online_and_counsellor_holds_the_session(new_page: Any) -> None:
    world = make_family_world()
    counsellor = world.counsellor
    counsellor.set_password(PASSWORD)
    counsellor.save()

    phone: Page = new_page(viewport=PHONE)
    size = _transferred(phone, "/puspaga/")
    print(f"Puspaga request page: {size} bytes transferred (budget {PAGE_BUDGET})")
    assert 0 < size < PAGE_BUDGET
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("input[name=name]").fill("Rina Wijaya")
    phone.locator("input[name=phone]").fill("081233334444")
    phone.locator("input[name=email]").fill("rina@example.invalid")
    phone.locator("select[name=topic]").select_option("teenagers")
    phone.locator("select[name=mode]").select_option("in_person")
    phone.locator("select[name=slot]").select_option(index=1)
    phone.locator("input[name=agree]").check()
    phone.locator("[data-action=request]").click()
    code = phone.locator("[data-testid=family-code]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "families-public-booked")
    booking = Booking.objects.get()
    assert booking.family.code == code
    assert booking.counsellor == counsellor

    # The day comes: the clock moves to ten minutes after the appointment began.
    shift = booking.starts_at + datetime.timedelta(minutes=10) - timezone.now()
    real_now = timezone.now
    with mock.patch.object(timezone, "now", side_effect=lambda: real_now() + shift):
        page: Page = new_page(viewport=PHONE)
        log_in_with_two_factor(page, counsellor.username)
        page.locator("[data-menu=families]").click()
        row = page.locator("[data-testid=booking-row]", has_text=code)
        expect(row).to_have_count(1)
        row.locator("a[data-booking]").click()
        expect(page.locator("[data-testid=family-name]")).to_have_text("Rina Wijaya")
        page.locator("[data-action=attended]").click()
        expect(page.locator("[data-testid=booking-status]")).to_have_attribute(
            "data-status", "attended"
        )
        page.locator("[data-action=record-session]").click()
        page.locator("select[name=outcome]").select_option("continuing")
        page.locator("select[name=follow_up]").select_option("session")
        page.locator("textarea[name=notes]").fill(NOTES)
        page.locator("[data-action=save-session]").click()
        expect(page.locator("[data-testid=session-notes]")).to_contain_text(NOTES)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "families-session")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED
    session = Session.objects.get()
    assert session.booking == booking
    assert session.notes == NOTES
    assert session.topic == "teenagers"
    assert browser_errors(phone) == []
    assert browser_errors(page) == []
