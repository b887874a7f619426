"""Accessibility: axe-core finds no WCAG 2 A/AA violation on the foundation's pages (issue #2).

axe-core comes inside the ``axe-playwright-python`` package; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from layak.accounts.tests.factories import make_agency, make_person
from layak.regions.services import regions_load_bundled
from tests.browser.browser_support import PASSWORD, browser_errors, log_in, log_in_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_have_no_wcag_violations(new_page: Callable[..., Page], width: int) -> None:
    regions_load_bundled(actor=None)
    agency = make_agency()
    admin = make_person("admin", agency=agency, username="admin.a11y", password=PASSWORD)
    page = new_page(viewport={"width": width, "height": 800})
    page.goto("/accounts/login/")
    assert _violations(page) == [], "login page"
    log_in(page, admin.username)
    for path in (
        "/",
        "/regions/",
        "/regions/64.71.01/",
        "/regions/import/",
        "/agencies/",
        f"/agencies/{agency.pk}/",
        "/people/",
        "/people/new/",
        f"/people/{admin.pk}/",
        "/profile/",
        "/audit/",
        "/evaluation/",
        "/evaluation/instruments/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ):
        page.goto(path)
        assert _violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    assert browser_errors(page) == []


@pytest.mark.parametrize("width", [360, 1280])
def test_case_pages_have_no_wcag_violations(new_page: Callable[..., Page], width: int) -> None:
    """The public report form and every case page (issue #4), on a phone and a desktop."""
    import time

    import pyotp
    from django.utils import timezone

    from layak.accounts.tests.factories import enable_totp
    from layak.cases import services
    from layak.cases.tests.factories import make_case, make_case_world, report_data, victim_data

    world = make_case_world()
    world.worker.set_password(PASSWORD)
    world.worker.save()
    secret = enable_totp(world.worker)
    report = services.report_record(actor=world.worker, data=report_data())
    case = make_case(world, victims=[victim_data()])
    services.consent_record(
        actor=world.worker,
        case=case,
        purpose="services",
        given_by="guardian",
        given_on=timezone.localdate(),
    )
    page = new_page(viewport={"width": width, "height": 800})
    for path in ("/lapor/", "/lapor/status/"):
        page.goto(path)
        assert _violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    log_in(page, world.worker.username)
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    page.locator("input[name=code]").fill(totp.now())
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()
    for path in (
        "/cases/",
        f"/cases/reports/{report.pk}/",
        "/cases/reports/new/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/victims/new/",
        f"/cases/{case.pk}/refer/",
        f"/cases/{case.pk}/access/",
        "/cases/referrals/",
    ):
        page.goto(path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert _violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    assert browser_errors(page) == []


@pytest.mark.parametrize("width", [360, 1280])
def test_family_community_and_participation_pages_have_no_wcag_violations(
    new_page: Callable[..., Page], width: int
) -> None:
    """Issue #5: the public pages (Puspaga request and certificate check, the child's form,
    "Kalian bilang, kami lakukan") and each module's home for the people who use it."""
    from django.core.management import call_command

    from layak.core.demo import DEMO_PASSWORD

    call_command("seed_demo", size="small", verbosity=0)
    from layak.indicators.models import Definition

    definition = Definition.objects.filter(values__isnull=False, level="kelurahan").first()
    assert definition is not None
    mapped = definition.code
    page = new_page(viewport={"width": width, "height": 800})
    for path in (
        "/puspaga/",
        "/puspaga/sertifikat/",
        "/suara-anak/",
        "/suara-anak/kalian-bilang-kami-lakukan/",
        "/lapor/",
    ):
        page.goto(path)
        assert _violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    for username, paths in (
        ("konselor", ["/families/"]),
        ("patbm.manggar", ["/community/", "/community/reports/", "/community/reports/new/"]),
        ("fasilitator.fa", ["/forum-anak/"]),
        ("sekretariat", ["/community/coverage/", "/forum-anak/", "/indicators/", "/plans/"]),
        ("sekretariat", [f"/indicators/{mapped}/", f"/indicators/{mapped}/?level=kecamatan"]),
    ):
        context_page = new_page(viewport={"width": width, "height": 800})
        log_in_with_two_factor(context_page, username, DEMO_PASSWORD)
        for path in paths:
            context_page.goto(path)
            assert _violations(context_page) == [], f"{username} {path}"
            assert context_page.evaluate("document.documentElement.scrollWidth") <= width, (
                f"{username} {path}"
            )
        assert browser_errors(context_page) == []
