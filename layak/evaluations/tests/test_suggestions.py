"""Suggested answers (issue #5): a module's figures are shown next to the questions of the
indicator it supports and are taken over only by an explicit action."""

from __future__ import annotations

from django.test import TestCase, override_settings
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.core.testing import login
from layak.evaluations import suggestions
from layak.evaluations.models import Answer, Cycle, Instrument
from layak.evaluations.tests.factories import (
    City,
    answer_of,
    make_city,
    make_cycle,
    make_instrument,
    question,
)
from layak.regions.models import Region


def _compute(city: Region, year: int, area: Region | None) -> suggestions.Suggestion:
    return suggestions.Suggestion(
        source=f"Puspaga {year}",
        text=f"Layanan Puspaga {city.code} tahun {year}: 42 sesi.",
        values={"jumlah_layanan": "42", "tidak_ditanya": "7"},
    )


class SuggestionTests(TestCase):
    world: City
    instrument: Instrument
    cycle: Cycle
    focal: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument(
            groups={
                "K2": {
                    "8": [
                        question(
                            "8.01", "10", agencies=("dp3akb",), data_fields=("jumlah_layanan",)
                        )
                    ],
                    "9": [question("9.01", "10", agencies=("dp3akb",))],
                }
            }
        )
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=cls.instrument, actor=cls.world.secretariat
        )
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.world.dp3akb)

    def setUp(self) -> None:
        suggestions.register(suggestions.Provider("test.puspaga", "8", _compute))
        self.addCleanup(suggestions._PROVIDERS.pop, "test.puspaga", None)
        login(self.client, self.focal)

    def test_the_figures_are_shown_but_change_nothing(self) -> None:
        answer = answer_of(self.cycle, "8.01")
        page = self.client.get(reverse("evaluations:answer", args=[answer.pk]))
        self.assertContains(page, "42 sesi")
        self.assertNotContains(page, "tidak_ditanya")
        answer.refresh_from_db()
        self.assertEqual((answer.data_values, answer.explanation, answer.version), ({}, "", 1))
        other = answer_of(self.cycle, "9.01")
        self.assertNotContains(
            self.client.get(reverse("evaluations:answer", args=[other.pk])), "42 sesi"
        )

    def test_taking_them_over_fills_the_asked_values_and_the_explanation(self) -> None:
        answer = answer_of(self.cycle, "8.01")
        response = self.client.post(
            reverse("evaluations:answer_suggestion", args=[answer.pk]),
            {"version": answer.version, "provider": "test.puspaga"},
        )
        self.assertRedirects(response, reverse("evaluations:answer", args=[answer.pk]))
        answer.refresh_from_db()
        self.assertEqual(answer.data_values, {"jumlah_layanan": "42"})
        self.assertIn("42 sesi", answer.explanation)
        self.assertIsNone(answer.option_id)
        self.assertEqual(answer.version, 2)

    def test_a_stale_version_is_a_conflict(self) -> None:
        answer = answer_of(self.cycle, "8.01")
        Answer.objects.filter(pk=answer.pk).update(version=5)
        response = self.client.post(
            reverse("evaluations:answer_suggestion", args=[answer.pk]),
            {"version": "1", "provider": "test.puspaga"},
        )
        self.assertEqual(response.status_code, 409)
        answer.refresh_from_db()
        self.assertEqual(answer.data_values, {})

    @override_settings(LAYAK_SUGGESTION_INDICATORS={"test.puspaga": "9"})
    def test_the_indicator_is_configurable(self) -> None:
        moved = answer_of(self.cycle, "9.01")
        self.assertContains(
            self.client.get(reverse("evaluations:answer", args=[moved.pk])), "42 sesi"
        )

    def test_others_cannot_take_it_over(self) -> None:
        answer = answer_of(self.cycle, "8.01")
        stranger = make_person(Role.OPD_FOCAL, agency=self.world.disdukcapil)
        login(self.client, stranger)
        response = self.client.post(
            reverse("evaluations:answer_suggestion", args=[answer.pk]),
            {"version": answer.version, "provider": "test.puspaga"},
        )
        self.assertIn(response.status_code, (403, 404))
        answer.refresh_from_db()
        self.assertEqual(answer.data_values, {})
