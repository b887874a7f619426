"""The nightly refresh fills the awards' blank self-scores (issue #14: indicators run the step
that the evaluation registers, without importing it)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from layak.evaluations.awards import cycle_self_score
from layak.evaluations.models import Award, Cycle, CycleStatus
from layak.evaluations.tests.factories import make_city, make_cycle, make_instrument
from layak.indicators import sources


class NightlyAwardStepTests(TestCase):
    def test_the_step_is_registered_by_the_evaluation(self) -> None:
        sources.source_for("cases")  # the first read discovers the rollups modules
        self.assertIn("layak.evaluations.awards.awards_fill_self_scores", sources._AFTER_REFRESH)

    def test_refresh_rollups_fills_a_blank_self_score_from_the_submitted_cycle(self) -> None:
        city = make_city()
        instrument = make_instrument()
        cycle = make_cycle(city=city.city, instrument=instrument, actor=city.secretariat, year=2025)
        Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.SUBMITTED)
        Award.objects.create(region=city.city, year=2025, category="Madya")
        Award.objects.create(region=city.city, year=2024, category="Madya")  # no cycle that year

        call_command("refresh_rollups", "--no-audit", city=city.city.code, stdout=StringIO())

        cycle.refresh_from_db()
        self.assertEqual(Award.objects.get(year=2025).self_score, cycle_self_score(cycle))
        self.assertIsNone(Award.objects.get(year=2024).self_score)
