"""The dashboards in a real browser (issue #6): the city overview, a challenge's indicator to
its cluster page, the drill-down city > kecamatan > kelurahan, a CSV download, and axe-core
with no WCAG 2.1 A/AA violation at all (stricter than "none serious") on a phone and a desktop."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from layak.core.disclosure import hidden_mark
from layak.dashboards.tests.factories import DashboardWorld, make_dashboard_world
from tests.browser.browser_support import (
    PASSWORD,
    browser_errors,
    log_in,
    log_in_with_two_factor,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _world() -> DashboardWorld:
    world = make_dashboard_world()
    for person in (world.focal, world.secretariat):
        person.set_password(PASSWORD)
        person.save()
    return world


def _violations(page: Page) -> list[str]:
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_focal_point_follows_a_challenge_drills_down_and_downloads(page: Page) -> None:
    world = _world()
    log_in(page, world.focal.username)
    page.goto("/dashboards/")
    drop_out = page.locator("[data-testid=challenge-putus-sekolah]")
    expect(drop_out.locator("[data-testid=kpi-putus-sekolah]")).to_be_visible()
    expect(
        page.locator(
            "[data-testid=challenge-perlindungan-digital] [data-testid=kpi-kekerasan-daring]"
        )
    ).to_be_visible()
    expect(page.locator("[data-testid=awards] tr[data-year='2024']")).to_contain_text("Nindya")
    screenshot(page, "dashboards-city")

    # The challenge's indicator leads to its cluster page and on to the indicator page.
    drop_out.locator("[data-testid=kpi-putus-sekolah] .help a").click()
    expect(page).to_have_url("/dashboards/cluster/K4/")
    page.locator("[data-testid=kpi-putus-sekolah] .kpi-title a").click()
    expect(page).to_have_url("/indicators/putus-sekolah/")

    # Drill-down: city > kecamatan > kelurahan.
    page.goto("/dashboards/")
    page.locator("[data-testid=areas] tr[data-code='64.71.01'] a").click()
    expect(page).to_have_url("/dashboards/area/64.71.01/")
    page.locator(f"[data-testid=areas] tr[data-code='{world.small.code}'] a").click()
    expect(page).to_have_url(f"/dashboards/area/{world.small.code}/")
    violence = page.locator("[data-testid=kpi-kekerasan-anak] [data-testid=latest]")
    expect(violence).to_contain_text(hidden_mark())

    # A chart's CSV, downloaded as a file with a meaningful name.
    page.goto("/dashboards/cluster/K1/")
    with page.expect_download() as info:
        page.locator("[data-testid=csv-akta-lahir]").click()
    download = info.value
    assert download.suggested_filename == "kota-balikpapan-akta-lahir-64.71-trend.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    latest = page.locator("[data-testid=kpi-akta-lahir] [data-testid=latest]").inner_text()
    # The CSV holds the number itself; the page shows it in the reader's language (83,2).
    shown = latest.strip().replace(".", "").replace(",", ".")
    assert Decimal(rows[-1]["value"]) == Decimal(shown)
    assert browser_errors(page) == []


@pytest.mark.parametrize("width", [360, 1280])
def test_dashboard_pages_have_no_wcag_violations(new_page: Callable[..., Page], width: int) -> None:
    world = _world()
    page = new_page(viewport={"width": width, "height": 800})
    log_in_with_two_factor(page, world.secretariat.username)
    for path in (
        "/dashboards/challenges/",
        "/dashboards/challenges/putus-sekolah/",
        "/dashboards/",
        "/dashboards/cluster/K1/",
        "/dashboards/cluster/K5/",
        "/dashboards/area/64.71.01/",
        f"/dashboards/area/{world.small.code}/",
    ):
        page.goto(path)
        assert _violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    assert browser_errors(page) == []
