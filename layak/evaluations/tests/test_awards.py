"""The KLA status history: recorded by the secretariat, audited, filled from submitted cycles."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.tests.factories import CityWorld, make_city_world
from layak.core.models import AuditEntry
from layak.core.testing import Expect, assert_access_matrix, login
from layak.evaluations.models import Award

FORM = {
    "year": "2023",
    "evaluated": "on",
    "category": "Utama",
    "verified_score": "891",
    "self_score": "",
    "decree": "Kepmen PPPA 2023",
    "note": "",
    "public": "on",
}


class AwardPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city_world()

    world: CityWorld

    def test_who_may_read_and_record(self) -> None:
        url = reverse("evaluations:awards")
        assert_access_matrix(self, url, allowed=self.world.leader, no_permission=self.world.worker)
        assert_access_matrix(
            self,
            url,
            method="post",
            data=FORM,
            allowed=self.world.secretariat,
            read_only=self.world.leader,
            no_permission=self.world.worker,
            expect_allowed=Expect(302),
        )
        award = Award.objects.get()
        self.assertEqual(
            (award.region, award.year, award.category, award.verified_score),
            (self.world.city, 2023, "Utama", Decimal("891.00")),
        )
        self.assertTrue(
            AuditEntry.objects.filter(object_type="evaluations.award", action="create").exists()
        )

    def test_bad_input_changes_nothing(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        for field, value in (("year", "1850"), ("verified_score", "1200"), ("category", "")):
            response = client.post(reverse("evaluations:awards"), {**FORM, field: value})
            self.assertEqual(response.status_code, 400, field)
        self.assertFalse(Award.objects.exists())

    def test_editing_a_bad_year_shows_the_empty_form(self) -> None:
        Award.objects.create(region=self.world.city, year=2023, category="Utama")
        client = Client()
        login(client, self.world.secretariat)
        for year in ("abc", "²", "2023.5", "-1"):
            response = client.get(reverse("evaluations:awards"), {"year": year})
            self.assertEqual(response.status_code, 200, year)
            self.assertIsNone(response.context["form"].initial.get("year"), year)
        response = client.get(reverse("evaluations:awards"), {"year": "2023"})
        self.assertEqual(response.context["form"].initial["category"], "Utama")

    def test_a_year_without_evaluation_keeps_no_category_and_can_be_removed(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        form = {**FORM, "year": "2024"}
        del form["evaluated"]
        client.post(reverse("evaluations:awards"), form)
        award = Award.objects.get()
        self.assertEqual((award.evaluated, award.category, award.verified_score), (False, "", None))
        page = client.get(reverse("evaluations:awards"))
        self.assertContains(page, "2024")
        client.post(reverse("evaluations:award_remove", args=[2024]))
        self.assertFalse(Award.objects.exists())

    def test_another_citys_secretariat_cannot_see_or_remove(self) -> None:
        Award.objects.create(region=self.world.city, year=2025, category="Utama")
        client = Client()
        login(client, self.world.other_admin)
        self.assertNotContains(client.get(reverse("evaluations:awards")), "Utama")
        response = client.post(reverse("evaluations:award_remove", args=[2025]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Award.objects.exists())
