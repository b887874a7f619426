"""E-mail reminders before the answer deadline (issue #3)."""

from __future__ import annotations

import datetime

from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings

from layak.evaluations.models import Cycle, ReminderSent
from layak.evaluations.services import REMINDER_DAYS, reminders_enqueue


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
class ReminderTests(TestCase):
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("seed_demo", size="small", verbosity=0)
        cycle = Cycle.objects.order_by("-year").first()
        assert cycle is not None
        cls.cycle = cycle

    def test_agencies_with_open_answers_are_reminded_once_per_day_offset(self) -> None:
        today = self.cycle.answer_deadline - datetime.timedelta(days=7)
        with self.captureOnCommitCallbacks(execute=True):
            queued = reminders_enqueue(today=today)
        self.assertGreater(queued, 0)
        self.assertEqual(ReminderSent.objects.filter(days_before=7).count(), queued)
        recipients = {address for message in mail.outbox for address in message.to}
        self.assertIn("opd.disdukcapil@demo.layak.invalid", recipients)
        self.assertTrue(all("KLA" in message.subject for message in mail.outbox))
        sent = len(mail.outbox)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(reminders_enqueue(today=today), 0)
        self.assertEqual(len(mail.outbox), sent)

    def test_no_reminder_on_other_days_or_after_submission(self) -> None:
        days = max(REMINDER_DAYS) + 1
        with self.captureOnCommitCallbacks(execute=True):
            queued = reminders_enqueue(
                today=self.cycle.answer_deadline - datetime.timedelta(days=days)
            )
        self.assertEqual(queued, 0)
        Cycle.objects.filter(pk=self.cycle.pk).update(status="submitted")
        with self.captureOnCommitCallbacks(execute=True):
            queued = reminders_enqueue(
                today=self.cycle.answer_deadline - datetime.timedelta(days=1)
            )
        self.assertEqual(queued, 0)
        self.assertEqual(mail.outbox, [])
