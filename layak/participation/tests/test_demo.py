"""Forum Anak demo data for Balikpapan (issue #5): a city forum and kecamatan forums, about
30 members with consent, about 40 aspirations in every status, some published, and nothing
added when seeded again."""

from __future__ import annotations

import random

from django.test import TestCase

from layak.accounts.demo import seed_accounts
from layak.core.demo import DemoContext
from layak.participation.demo import seed_participation
from layak.participation.models import (
    Aspiration,
    Consent,
    Forum,
    ForumLevel,
    Member,
    PlanningProposal,
    Status,
)
from layak.regions.demo import seed_regions


def seed() -> DemoContext:
    context = DemoContext(size="small", rng=random.Random(2026))
    for seeder in (seed_regions, seed_accounts, seed_participation):
        seeder(context)
    return context


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        seed()

    def test_forums_members_and_consent(self) -> None:
        city = Forum.objects.get(level=ForumLevel.CITY)
        self.assertEqual(city.city.code, "64.71")
        self.assertTrue(city.facilitators.filter(username="fasilitator.fa").exists())
        self.assertGreaterEqual(Forum.objects.filter(level=ForumLevel.KECAMATAN).count(), 5)
        active = Member.objects.filter(left_on__isnull=True)
        self.assertGreaterEqual(active.count(), 25)
        for member in active:
            self.assertTrue(Consent.objects.filter(member=member, withdrawn_on__isnull=True))
        erased = Member.objects.filter(erased_at__isnull=False)
        self.assertEqual([m.name or "" for m in erased], [""])

    def test_aspirations_in_every_status_some_published_and_planned(self) -> None:
        self.assertGreaterEqual(Aspiration.objects.count(), 35)
        statuses = set(Aspiration.objects.values_list("status", flat=True))
        self.assertLessEqual({Status.NEW, Status.RECEIVED, Status.ANSWERED, Status.ACTED}, statuses)
        self.assertGreaterEqual(Aspiration.objects.filter(published_at__isnull=False).count(), 10)
        self.assertGreaterEqual(PlanningProposal.objects.count(), 3)
        self.assertGreaterEqual(len(set(Aspiration.objects.values_list("cluster", flat=True))), 5)
        self.assertTrue(Aspiration.objects.filter(agency__code="dinkes").exists())

    def test_seeding_again_adds_nothing(self) -> None:
        before = (Forum.objects.count(), Member.objects.count(), Aspiration.objects.count())
        seed()
        after = (Forum.objects.count(), Member.objects.count(), Aspiration.objects.count())
        self.assertEqual(before, after)
