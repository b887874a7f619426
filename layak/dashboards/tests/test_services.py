"""The secretariat edits the challenges of its city; the defaults stay for other cities."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse

from layak.core.models import AuditEntry
from layak.core.testing import assert_access_matrix, login
from layak.dashboards import services
from layak.dashboards.models import Challenge
from layak.dashboards.permissions import can_manage_challenges, can_view_dashboards
from layak.dashboards.tests.factories import make_dashboard_world


class ChallengeServiceTests(TestCase):
    def setUp(self) -> None:
        self.world = make_dashboard_world(kelurahan=3)

    def test_first_change_copies_the_defaults_to_the_city_and_is_audited(self) -> None:
        services.challenge_update(
            actor=self.world.secretariat,
            city=self.world.city,
            code="perlindungan-digital",
            name="Perlindungan digital",
            order=5,
            indicator_codes=["kia", "kia", " "],
            description="",
        )
        own = Challenge.objects.filter(city=self.world.city)
        self.assertEqual(own.count(), 6)
        digital = own.get(code="perlindungan-digital")
        self.assertEqual((digital.order, digital.indicator_codes), (5, ["kia"]))
        self.assertEqual(
            Challenge.objects.get(city__isnull=True, code="perlindungan-digital").indicator_codes,
            ["kekerasan-daring"],
        )
        entry = AuditEntry.objects.latest("seq")
        self.assertEqual((entry.object_type, entry.region_code), ("dashboards.challenge", "64.71"))

    def test_unknown_indicator_is_rejected_and_nothing_changes(self) -> None:
        with self.assertRaises(ValidationError):
            services.challenge_update(
                actor=self.world.secretariat,
                city=self.world.city,
                code="kekerasan",
                name="Kekerasan",
                order=1,
                indicator_codes=["kekerasan-anak", "tidak-ada"],
            )
        self.assertFalse(Challenge.objects.filter(city=self.world.city).exists())

    def test_only_the_secretariat_manages_challenges(self) -> None:
        self.assertTrue(can_manage_challenges(self.world.secretariat))
        self.assertFalse(can_manage_challenges(self.world.focal))
        self.assertTrue(can_view_dashboards(self.world.focal))
        self.assertFalse(can_view_dashboards(self.world.no_role))
        for url in (
            reverse("dashboards:challenges"),
            reverse("dashboards:challenge_edit", args=["kekerasan"]),
        ):
            assert_access_matrix(
                self,
                url,
                allowed=self.world.secretariat,
                no_permission=self.world.no_role,
                read_only=self.world.focal,
            )

    def test_edit_page_saves_order_and_indicators(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        url = reverse("dashboards:challenge_edit", args=["putus-sekolah"])
        response = client.post(
            url,
            {
                "name": "Putus sekolah",
                "order": "1",
                "indicators": ["sra", "putus-sekolah"],
                "description": "",
            },
        )
        self.assertRedirects(response, reverse("dashboards:challenges"))
        saved = Challenge.objects.get(city=self.world.city, code="putus-sekolah")
        # The indicator already chosen keeps its place; the new one comes after it.
        self.assertEqual(saved.indicator_codes, ["putus-sekolah", "sra"])
        self.assertEqual(saved.order, 1)
        overview = client.get(reverse("dashboards:city")).context["overview"]
        self.assertEqual(overview.challenges[0].challenge.code, "putus-sekolah")
        self.assertEqual(
            client.get(reverse("dashboards:challenge_edit", args=["nope"])).status_code, 404
        )


class DemoTests(TestCase):
    def test_demo_seeder_restores_the_defaults_and_rolls_up_the_home_city(self) -> None:
        import random

        from layak.core.demo import DemoContext
        from layak.dashboards.demo import seed_dashboards
        from layak.indicators.models import Rollup

        world = make_dashboard_world(kelurahan=3)
        Challenge.objects.all().delete()
        Rollup.objects.all().delete()
        seed_dashboards(DemoContext(size="small", rng=random.Random(1)))
        self.assertEqual(Challenge.objects.filter(city__isnull=True).count(), 6)
        self.assertTrue(Rollup.objects.filter(city=world.city, region=world.city).exists())
