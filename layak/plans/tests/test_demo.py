"""The demo RAD and meetings: complete, with slippage and overdue follow-ups, idempotent."""

from __future__ import annotations

import random

from django.test import TestCase
from django.utils import timezone

from layak.accounts.tests.factories import make_agency
from layak.core.demo import DemoContext
from layak.plans.demo import ACTIONS, FOLLOWUPS, seed_plans
from layak.plans.models import Action, FollowUp, Meeting, Plan, YearTarget
from layak.regions.tests.factories import make_region


class DemoTests(TestCase):
    def test_seed_is_complete_and_idempotent(self) -> None:
        home = make_region("64.71", "Kota Balikpapan")
        for code in sorted({c for _k, c, _t, _b in ACTIONS} | {c for c, _t, _d in FOLLOWUPS}):
            make_agency(region=home, code=code, name=code)
        for _run in range(2):
            seed_plans(DemoContext(size="small", rng=random.Random(7), shared={"home": home}))
        self.assertEqual(Plan.objects.count(), 1)
        self.assertEqual(Action.objects.count(), 15)
        self.assertEqual(YearTarget.objects.count(), 15 * 5)
        self.assertEqual(Meeting.objects.count(), 2)
        today = timezone.localdate()
        self.assertTrue(FollowUp.objects.filter(due_on__lt=today, done_on__isnull=True).exists())
