"""Demo Puspaga data of Balikpapan (issue #5): service points, hours, a few hundred sessions over
two years with a realistic topic mix, certificates, appointments of the demo counsellor and one
consented hand-off; nothing added when seeded again."""

from __future__ import annotations

import datetime
import random
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from layak.accounts.demo import seed_accounts
from layak.cases.models import Channel, Report
from layak.core.demo import DemoContext
from layak.families.demo import seed_families
from layak.families.models import (
    Booking,
    BookingStatus,
    Certificate,
    HandOff,
    Schedule,
    ServicePoint,
    Session,
    Topic,
)
from layak.families.selectors import free_slots
from layak.regions.demo import seed_regions

NOW = datetime.datetime(2026, 11, 27, 4, 0, tzinfo=datetime.UTC)


class DemoFamiliesTests(TestCase):
    context: DemoContext

    @classmethod
    def setUpTestData(cls) -> None:
        cls.context = DemoContext(size="small", rng=random.Random(2026))
        with mock.patch.object(timezone, "now", return_value=NOW):
            for seeder in (seed_regions, seed_accounts, seed_families):
                seeder(cls.context)

    def test_balikpapan_has_three_service_points_with_hours(self) -> None:
        self.assertEqual(ServicePoint.objects.filter(region__code="64.71").count(), 3)
        self.assertTrue(Schedule.objects.filter(counsellor__username="konselor").exists())
        with mock.patch.object(timezone, "now", return_value=NOW):
            self.assertTrue(free_slots(ServicePoint.objects.first().region))  # type: ignore[union-attr]

    def test_a_few_hundred_sessions_over_two_years_mostly_parenting(self) -> None:
        total = Session.objects.count()
        self.assertGreaterEqual(total, 250)
        self.assertLessEqual(total, 400)
        for year in (2025, 2026):
            self.assertTrue(Session.objects.filter(held_on__year=year).exists())
        self.assertFalse(Session.objects.filter(held_on__gte=NOW.date()).exists())
        parenting = Session.objects.filter(topic=Topic.PARENTING).count()
        self.assertGreater(parenting, Session.objects.filter(topic=Topic.DIGITAL).count())

    def test_certificates_appointments_and_one_hand_off(self) -> None:
        self.assertTrue(Certificate.objects.exists())
        self.assertFalse(Certificate.objects.exclude(session__topic=Topic.CHILD_MARRIAGE).exists())
        self.assertGreaterEqual(
            Booking.objects.filter(
                counsellor__username="konselor", status=BookingStatus.BOOKED
            ).count(),
            6,
        )
        self.assertEqual(HandOff.objects.count(), 1)
        self.assertEqual(Report.objects.get().channel, Channel.PUSPAGA)

    def test_seeding_again_adds_nothing(self) -> None:
        before = Session.objects.count()
        with mock.patch.object(timezone, "now", return_value=NOW):
            seed_families(
                DemoContext(size="small", rng=random.Random(1), shared=self.context.shared)
            )
        self.assertEqual(Session.objects.count(), before)
        self.assertEqual(ServicePoint.objects.count(), 3)
