"""The KLA evaluation in a real browser (issue #3): the dashboard shows the score and band,
the what-if page recomputes the total through htmx without saving, the gap page names a plan."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from layak.core.demo import DEMO_PASSWORD
from layak.core.formatting import format_score
from layak.evaluations.models import Answer, Cycle, CycleStatus
from layak.evaluations.selectors import cycle_scorecard
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


def test_secretariat_brings_a_recap_in_as_history_and_records_the_official_scores(
    page: Page, tmp_path: Path
) -> None:
    """Issue #13: the recap of a submitted cycle, downloaded from its page, comes back in as
    a closed cycle of another year with the same exact totals; the official score of an
    indicator is typed with a comma and shown beside Layak's figure with the difference."""
    call_command("seed_demo", size="small", verbosity=0)
    source = Cycle.objects.get(status=CycleStatus.SUBMITTED)
    _data, card = cycle_scorecard(source)
    log_in_with_two_factor(page, "sekretariat", DEMO_PASSWORD)
    page.goto(f"/evaluation/cycles/{source.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Rekap (XLSX)").click()
    recap = tmp_path / "rekap.xlsx"
    download.value.save_as(recap)

    page.goto("/evaluation/")
    page.locator("[data-testid=history-import-link]").click()
    page.locator("#id_instrument").select_option(str(source.instrument_id))
    page.locator("#id_year").fill(str(source.year - 2))
    page.locator("#id_file").set_input_files(recap)
    page.locator("[data-testid=history-form] button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(str(source.year - 2))
    closed = Cycle.objects.get(region=source.region, year=source.year - 2)
    assert closed.status == CycleStatus.CLOSED
    _data, imported = cycle_scorecard(closed)
    assert imported.total.self_points == card.total.self_points
    assert imported.total.verified_points == card.total.verified_points
    expect(page.locator("[data-testid=self-score] .score-big")).to_contain_text(
        format_score_id(card.total.self_points)
    )

    page.locator("[data-testid=official-link]").click()
    indicator = page.locator("[data-testid=official-1]")
    indicator.locator("input").fill("12,5")
    page.get_by_role("button", name="Simpan nilai resmi").click()
    expect(page.locator("[data-testid=official-1] input")).to_have_value(re.compile(r"^12[.,]50?$"))
    verified = imported.indicators[
        next(i.pk for i in _data.indicators if i.code == "1")
    ].verified_points
    expect(page.locator("[data-testid=official-1]")).to_contain_text(
        format_score_id(Fraction(25, 2) - verified)
    )
    screenshot(page, "evaluation-official-scores")
    assert browser_errors(page) == []


def format_score_id(value: Fraction) -> str:
    with translation.override("id"):
        return format_score(value)
