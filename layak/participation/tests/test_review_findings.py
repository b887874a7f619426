"""Regression tests for the review of the Forum Anak module."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from layak.core.testing import login
from layak.participation import services
from layak.participation.models import Aspiration
from layak.participation.tests.factories import (
    CHILD_TEXT,
    PARENT_NAME,
    World,
    answered,
    make_member,
    make_public_aspiration,
    make_world,
    routed,
)


class ChildSafeTextTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def test_the_route_form_never_starts_with_the_childs_words(self) -> None:
        aspiration = make_public_aspiration(self.world)
        login(self.client, self.world["secretariat"])
        page = self.client.get(reverse("participation:aspiration", args=[aspiration.pk]))
        self.assertEqual(page.status_code, 200)
        form = page.context["route_form"]
        self.assertFalse(form.initial.get("safe_text"))

    def test_disguised_names_schools_and_parents_are_refused(self) -> None:
        member = make_member(self.world)
        aspiration = services.aspiration_record(
            actor=self.world["facilitator"],
            forum=self.world.city_forum,
            data=services.AspirationData(text=CHILD_TEXT, member=member),
        )
        for text in (
            "Kata R i z k y, taman kami gelap dan rusak sekali.",
            "Rizky2 bilang taman kami gelap dan rusak sekali.",
            "Kata Ｒｉｚｋｙ taman kami gelap dan rusak sekali.",
            "Kata Ri\u200bzky taman kami gelap dan rusak sekali.",
            "Anak SMPN 17 bilang taman kami gelap dan rusak.",
            f"Kata {PARENT_NAME.split()[1]} taman kami gelap dan rusak.",
        ):
            with self.subTest(text=text), self.assertRaises(ValidationError):
                routed(self.world, aspiration, safe_text=text)

    def test_musrenbang_counts_in_the_planning_year(self) -> None:
        from layak.participation.selectors import participation_figures

        aspiration = routed(self.world, make_public_aspiration(self.world))
        this_year = timezone.localdate().year
        Aspiration.objects.filter(pk=aspiration.pk).update(
            submitted_at=timezone.now() - datetime.timedelta(days=400)
        )
        services.planning_record(
            actor=self.world["secretariat"],
            aspiration=aspiration,
            data=services.PlanningData(level="city", year=this_year, status="accepted"),
        )
        self.assertEqual(participation_figures(self.world.city, this_year).proposed, 1)
        self.assertEqual(participation_figures(self.world.city, this_year - 1).proposed, 0)


class WorkflowTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def test_acted_upon_comes_after_an_answer(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        with self.assertRaises(ValidationError):
            services.aspiration_respond(
                actor=self.world["opd"],
                aspiration=aspiration,
                status="acted",
                response="Kami sudah memperbaiki taman.",
            )
        self.assertEqual(answered(self.world, aspiration, "acted").status, "acted")

    def test_the_due_date_is_capped(self) -> None:
        aspiration = make_public_aspiration(self.world)
        with self.assertRaises(ValidationError) as raised:
            services.aspiration_route(
                actor=self.world["secretariat"],
                aspiration=aspiration,
                cluster="k4",
                agency=self.world.dinkes,
                safe_text="Taman di dekat rumah rusak dan gelap.",
                due_on=timezone.localdate() + datetime.timedelta(days=400),
            )
        self.assertIn("due_on", raised.exception.message_dict)

    def test_withdrawal_erases_kelurahan_and_the_childs_words(self) -> None:
        member = make_member(self.world)
        aspiration = services.aspiration_record(
            actor=self.world["facilitator"],
            forum=self.world.city_forum,
            data=services.AspirationData(text=CHILD_TEXT, member=member),
        )
        consent = member.consents.get()
        services.consent_withdraw(
            actor=self.world["facilitator"], consent=consent, on=timezone.localdate()
        )
        member.refresh_from_db()
        aspiration.refresh_from_db()
        self.assertIsNone(member.kelurahan_id)
        self.assertIsNone(aspiration.member_id)
        self.assertFalse(aspiration.text)

    def test_a_forum_one_does_not_run_is_not_found(self) -> None:
        login(self.client, self.world["other_facilitator"])
        response = self.client.post(
            reverse("participation:aspiration_new"),
            {"forum": self.world.city_forum.pk, "text": "Taman kami gelap sekali."},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Aspiration.objects.exists())

    def test_the_export_neutralises_formulas(self) -> None:
        aspiration = answered(self.world, routed(self.world, make_public_aspiration(self.world)))
        services.aspiration_publish(
            actor=self.world["secretariat"],
            aspiration=aspiration,
            public_text='=HYPERLINK("http://x","klik") taman kami gelap',
        )
        login(self.client, self.world["secretariat"])
        body = b"".join(self.client.get(reverse("participation:aspiration_export")))
        self.assertIn(b"'=HYPERLINK", body)
