"""The KLA evaluation in a real browser (issue #3): the dashboard shows the score and band,
the what-if page recomputes the total through htmx without saving, the gap page names a plan."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from layak.core.demo import DEMO_PASSWORD
from layak.evaluations.models import Answer, Cycle
from tests.browser.browser_support import browser_errors, log_in_with_two_factor, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretariat_sees_score_band_what_if_and_plan(page: Page) -> None:
    call_command("seed_demo", size="small", verbosity=0)
    cycle = Cycle.objects.order_by("-year").first()
    assert cycle is not None
    log_in_with_two_factor(page, "sekretariat", DEMO_PASSWORD)
    page.locator("[data-menu=evaluations]").click()
    page.get_by_role("link", name=str(cycle.year), exact=True).click()
    self_score = page.locator("[data-testid=self-score]")
    expect(self_score).to_contain_text("Utama")
    screenshot(page, "evaluation-dashboard")

    page.goto(f"/evaluation/cycles/{cycle.pk}/what-if/")
    before = page.locator("[data-testid=whatif-score] .score-big").inner_text()
    stored = list(Answer.objects.filter(cycle=cycle).values_list("pk", "option_id"))
    select = page.locator("select[name^=answer_]").first
    options = select.locator("option").all()
    select.select_option(options[1].get_attribute("value") or "")
    expect(page.locator("[data-testid=whatif-score] .score-big")).not_to_have_text(before)
    assert list(Answer.objects.filter(cycle=cycle).values_list("pk", "option_id")) == stored

    page.goto(f"/evaluation/cycles/{cycle.pk}/gap/?target=kla")
    explanation = page.locator("[data-testid=plan-explanation]")
    expect(explanation).to_contain_text(re.compile(r"901"))
    assert browser_errors(page) == []
