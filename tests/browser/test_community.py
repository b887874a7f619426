"""PATBM in a real browser (issue #5, "Done when"): on a 360 px phone an activist logs in,
records an activity with a photo, sends an early-detection report in a few taps and sees its
status "received"; the report page weighs under 200 KB transferred, uncached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, Request, expect

from layak.cases.models import Channel, Report
from layak.community.models import Activity
from layak.community.tests.factories import make_patbm_world, png_bytes
from tests.browser.browser_support import PASSWORD, browser_errors, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 200 * 1024
DESCRIPTION = "Anak kecil sering ditinggal sendirian dan menangis sampai malam"


def _transferred_while(page: Page, action: Any) -> int:
    """Bytes (headers and encoded bodies) of every response ``action`` caused, cache off."""
    sizes: list[int] = []

    def finished(request: Request) -> None:
        s = request.sizes()
        sizes.append(int(s["responseBodySize"]) + int(s["responseHeadersSize"]))

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("requestfinished", finished)
    action()
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", finished)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    assert sizes, "no response was measured"
    return sum(sizes)


def test_activist_records_an_activity_and_reports_from_a_phone(
    new_page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    world = make_patbm_world()
    world.activist.set_password(PASSWORD)
    world.activist.save()

    phone: Page = new_page(viewport=PHONE)
    log_in(phone, "aktivis.manggar")
    phone.locator("[data-menu=community]").click()

    # An activity: kind, date, place, a few counts, a photo.
    phone.locator("[data-action=record-activity]").first.click()
    phone.locator("#id_kind").select_option("patrol")
    phone.locator("#id_date").fill("2026-01-15")
    phone.locator("#id_place").fill("Pos ronda RT 07")
    phone.locator("#id_girls_6_12").fill("5")
    phone.locator("#id_boys_13_17").fill("2")
    phone.locator("#id_men").fill("4")
    photo: FilePayload = {"name": "ronda.png", "mimeType": "image/png", "buffer": png_bytes()}
    phone.locator("#id_photos").set_input_files(files=[photo])
    phone.locator("[data-action=save]").click()
    expect(phone.locator("[data-testid=children]")).to_have_text("7")
    expect(phone.locator("[data-testid=adults]")).to_have_text("4")
    expect(phone.locator("main img")).to_have_count(1)
    activity = Activity.objects.get()
    assert (activity.group_id, activity.kind, activity.photos.count()) == (
        world.group.pk,
        "patrol",
        1,
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "community-activity")

    # An early-detection report: from the PATBM page, three fields and one button.
    phone.locator("[data-menu=community]").click()
    weight = _transferred_while(phone, lambda: phone.locator("[data-action=new-report]").click())
    print(f"report page: {weight} bytes transferred (budget {PAGE_BUDGET})")
    assert weight < PAGE_BUDGET, weight
    phone.locator("#id_description").fill(DESCRIPTION)
    phone.locator("#id_child_age").fill("6")
    phone.locator("#id_child_sex").select_option("M")
    phone.locator("[data-action=send-report]").click()
    status = phone.locator("[data-testid=report-status]")
    expect(status).to_have_count(1)
    expect(status).to_have_attribute("data-status", "received")
    expect(phone.locator("main")).not_to_contain_text(DESCRIPTION)
    report = Report.objects.get()
    assert (report.channel, report.reporter_user_id, report.kelurahan_id) == (
        Channel.PATBM,
        world.activist.pk,
        world.manggar.pk,
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "community-report-status")
    assert browser_errors(phone) == []
