"""Demo PATBM data (issue #5): a profile for each of Balikpapan's 34 kelurahan groups, most of
them functioning, members with trainings, 18 months of activities, early-detection reports by
``patbm.manggar``; seeding again adds nothing."""

from __future__ import annotations

import datetime
import random
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from layak.accounts.demo import seed_accounts
from layak.cases.models import Channel, Report
from layak.community.demo import seed_community
from layak.community.models import Activity, GroupStatus, Member, PatbmGroup, Training
from layak.community.selectors import coverage_of
from layak.core.demo import DemoContext
from layak.regions.demo import seed_regions
from layak.regions.models import Region

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        context = DemoContext(size="small", rng=random.Random(2026))
        with mock.patch.object(timezone, "now", return_value=NOW):
            for seeder in (seed_regions, seed_accounts, seed_community):
                seeder(context)

    def test_every_kelurahan_has_a_group_most_functioning(self) -> None:
        groups = PatbmGroup.objects.filter(agency__region__code="64.71")
        self.assertEqual(groups.count(), 34)
        self.assertEqual(groups.filter(status=GroupStatus.INACTIVE).count(), 3)
        home = groups.get(agency__code="patbm-64-71-01-1001")
        self.assertEqual(home.status, GroupStatus.ACTIVE)
        self.assertTrue(home.members.filter(user__username="patbm.manggar").exists())
        cov = coverage_of(Region.objects.get(code="64.71"), on=NOW.date())
        assert cov.total is not None
        self.assertEqual(cov.total.kelurahan, 34)
        self.assertTrue(25 <= cov.total.functioning <= 30, cov.total.functioning)
        self.assertTrue(Training.objects.exists())
        oldest = Activity.objects.order_by("date").first()
        assert oldest is not None
        self.assertGreaterEqual(oldest.date, NOW.date() - datetime.timedelta(days=18 * 31))
        self.assertEqual(
            Report.objects.filter(
                channel=Channel.PATBM, reporter_user__username="patbm.manggar"
            ).count(),
            3,
        )

    def test_seeding_again_adds_nothing(self) -> None:
        counts = (Member.objects.count(), Activity.objects.count(), Report.objects.count())
        with mock.patch.object(timezone, "now", return_value=NOW):
            seed_community(
                DemoContext(
                    size="small",
                    rng=random.Random(7),
                    shared={"home": Region.objects.get(code="64.71")},
                )
            )
        self.assertEqual(
            (Member.objects.count(), Activity.objects.count(), Report.objects.count()), counts
        )
