"""The public portal in a real browser (issue #6, "Done when"): every page on a 360 px phone
and a 1280 px desktop has no serious or critical axe-core violation, weighs under 200 KB
transferred (HTML, CSS and everything else it loads), reads without JavaScript, and leads to
the public report form."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Request, expect

from layak.core.demo import DemoContext
from layak.evaluations.models import Award
from layak.indicators.loader import load_definitions
from layak.portal.demo import seed_portal
from layak.portal.tests.factories import add_small_cases, make_portal_world
from layak.regions.services import regions_load_bundled
from tests.browser.browser_support import browser_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_BUDGET = 200 * 1024
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGES = (
    "/publik/",
    "/publik/statistik/",
    "/publik/statistik/kekerasan-anak/",
    "/publik/statistik/akta-lahir/",
    "/publik/layanan/",
)


def _world() -> None:
    """Balikpapan with its boundaries, the demo directory, awards and small case counts."""
    regions_load_bundled(actor=None)
    load_definitions()  # the transactional test flushed the rows the data migration loaded
    world = make_portal_world()
    seed_portal(DemoContext(size="small", rng=random.Random(1), shared={"home": world.city}))
    Award.objects.create(region=world.city, year=2023, category="Nindya")
    Award.objects.create(region=world.city, year=2024, evaluated=False)
    Award.objects.create(
        region=world.city, year=2025, category="Utama", verified_score=Decimal("935")
    )
    add_small_cases(world)


def _transferred(requests: list[Request]) -> int:
    """Bytes the page and everything it loaded took over the network (headers and bodies)."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += sizes["requestBodySize"] + sizes["requestHeadersSize"]
    return total


def _serious(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_portal_pages_are_light_accessible_and_fit(
    new_page: Callable[..., Page], width: int
) -> None:
    _world()
    for path in PAGES:
        # A fresh browser for each page: nothing comes from an earlier page's cache.
        page = new_page(viewport={"width": width, "height": 800})
        finished: list[Request] = []
        page.on("requestfinished", lambda request, seen=finished: seen.append(request))
        response = page.goto(path, wait_until="load")
        assert response is not None and response.status == 200, path
        weight = _transferred(finished)
        print(f"{path} at {width} px: {weight} bytes over {len(finished)} request(s)")
        assert weight < PAGE_BUDGET, (path, weight)
        assert _serious(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert browser_errors(page) == [], path


def test_portal_reads_without_javascript_and_leads_to_the_report_form(
    new_page: Callable[..., Page],
) -> None:
    _world()
    page = new_page(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page.goto("/publik/")
    expect(page.locator("[data-testid=kla-current]")).to_have_attribute("data-year", "2025")
    expect(page.locator("[data-testid=kla-history] tr[data-year='2024']")).to_have_attribute(
        "data-evaluated", "no"
    )
    page.goto("/publik/layanan/")
    expect(page.locator("[data-kind=sapa129]")).to_contain_text("08111-129-129")
    expect(page.locator("svg.region-map .map-marker")).to_have_count(4)
    expect(page.locator("[data-testid=play-spaces] tbody tr")).to_have_count(4)
    page.goto("/publik/statistik/kekerasan-anak/")
    expect(page.locator("[data-testid=indicator-table] td[data-hidden=true]").first).to_be_visible()
    page.goto("/publik/")
    with page.expect_navigation():
        page.locator("[data-testid=report-link]").click()
    assert page.url.endswith("/lapor/")
    expect(page.locator("form[method=post]").first).to_be_visible()
