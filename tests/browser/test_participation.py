"""Forum Anak in a real browser (issue #5, "Done when"): on a 360 px phone a child sends an
aspiration through the public form (under 200 KB transferred); the secretariat routes it to an
agency with a child-safe text and publishes it; the agency's focal point, who never sees the
child's own words or name, answers it; the answer appears on "Kalian bilang, kami lakukan"
without the child's name."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.participation.models import Aspiration, Status
from layak.participation.tests.factories import make_world
from tests.browser.browser_support import (
    PASSWORD,
    browser_errors,
    log_in,
    log_in_with_two_factor,
    log_out,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 200 * 1024
CHILD = "Nadia Puspitasari"
SAID = "Saya Nadia, lampu di taman dekat rumah mati, kami takut main sore hari"
PUBLIC = "Lampu di taman mati. Anak-anak takut bermain sore hari."
ANSWER = "Kami memasang lampu baru di taman minggu ini."


def _transferred(requests: list[Request]) -> int:
    """Bytes the page and everything it loaded took over the network (headers and bodies)."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += sizes["requestBodySize"] + sizes["requestHeadersSize"]
    return total


def test_child_aspiration_is_answered_and_published_without_identity(new_page: Any) -> None:
    world = make_world()
    make_person(
        Role.SECRETARIAT, agency=world.dp3akb, password=PASSWORD, username="sekretariat.browser"
    )
    make_person(Role.OPD_FOCAL, agency=world.dinkes, password=PASSWORD, username="opd.browser")

    # A child on a cheap phone.
    phone: Page = new_page(viewport=PHONE)
    finished: list[Request] = []
    phone.on("requestfinished", lambda request: finished.append(request))
    phone.goto("/suara-anak/", wait_until="load")
    weight = _transferred(finished)
    print(f"child's form page: {weight} bytes transferred over {len(finished)} request(s)")
    assert weight < PAGE_BUDGET, weight
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#id_text").fill(SAID)
    phone.locator("#id_topic").select_option("k5")
    phone.locator("#id_name").fill(CHILD)
    phone.locator("#id_age").fill("12")
    with phone.expect_navigation():
        phone.locator("[data-action=send-aspiration]").click()
    expect(phone.locator("[data-testid=aspiration-thanks]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "participation-child-thanks")
    aspiration = Aspiration.objects.get()
    assert aspiration.status == Status.NEW

    # The secretariat routes it to the health office and approves a child-safe text.
    page: Page = new_page(viewport={"width": 1280, "height": 800})
    log_in_with_two_factor(page, "sekretariat.browser")
    page.locator("[data-menu=participation]").click()
    page.locator(f"[data-testid=aspiration-link][data-id='{aspiration.pk}']").first.click()
    expect(page.locator("[data-testid=voiced-by]")).to_contain_text(CHILD)
    page.locator("#id_route-safe_text").fill(PUBLIC)
    page.locator("#id_route-cluster").select_option("k3")
    page.locator("#id_route-agency").select_option(str(world.dinkes.pk))
    page.locator("[data-action=route]").click()
    expect(page.locator("[data-testid=aspiration-status]")).to_have_attribute(
        "data-status", "received"
    )
    expect(page.locator("[data-testid=safe-text]")).to_have_text(PUBLIC)
    expect(page.locator("#id_publish-public_text")).to_have_value(PUBLIC)
    page.locator("[data-action=publish]").click()
    expect(page.locator("[data-testid=published-note]")).to_be_visible()
    log_out(page)

    # The health office's focal point answers.
    log_in(page, "opd.browser")
    page.locator("[data-menu=participation]").click()
    page.locator(f"[data-testid=aspiration-link][data-id='{aspiration.pk}']").first.click()
    expect(page.locator("[data-testid=safe-text]")).to_have_text(PUBLIC)
    expect(page.locator("body")).not_to_contain_text("Nadia")
    # First the answer, then what was done ("received > answered > acted upon").
    page.locator("#id_respond-status").select_option("answered")
    page.locator("#id_respond-response").fill(ANSWER)
    page.locator("[data-action=respond]").click()
    expect(page.locator("[data-testid=aspiration-status]")).to_have_attribute(
        "data-status", "answered"
    )
    page.locator("#id_respond-status").select_option("acted")
    page.locator("#id_respond-response").fill(ANSWER)
    page.locator("[data-action=respond]").click()
    expect(page.locator("[data-testid=aspiration-status]")).to_have_attribute(
        "data-status", "acted"
    )
    screenshot(page, "participation-agency-answer")

    # The child reads the answer on the public page: the text as published, never the name.
    phone.goto("/suara-anak/kalian-bilang-kami-lakukan/")
    item = phone.locator(f"[data-testid=published-aspiration][data-id='{aspiration.pk}']")
    expect(item).to_contain_text(PUBLIC)
    expect(item.locator("[data-testid=published-response]")).to_have_text(ANSWER)
    expect(phone.locator("body")).not_to_contain_text("Nadia")
    expect(phone.locator("body")).not_to_contain_text("lampu di taman dekat rumah mati")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "participation-public-page")
    assert browser_errors(page) == []
    assert browser_errors(phone) == []
