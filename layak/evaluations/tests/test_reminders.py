"""E-mail reminders before each deadline of a cycle (issue #3): the answer deadline to focal
points with open answers, the review deadline to the secretariat when answers wait for review,
the submission deadline to the secretariat."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import TestCase, override_settings

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.core.testing import DemoCityTestCase
from layak.evaluations import services
from layak.evaluations.models import Answer, AnswerStatus, Cycle, ReminderKind, ReminderSent
from layak.evaluations.services import REMINDER_DAYS, reminders_enqueue
from layak.evaluations.tests.factories import City, make_city, make_cycle, make_instrument


@pytest.mark.usefixtures("demo_seed")  # the suite's one seeding (the root conftest.py)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
class ReminderTests(DemoCityTestCase):
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
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


@override_settings(
    LANGUAGE_CODE="en",
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
)
class DeadlineReminderTests(TestCase):
    """The 1000-point test instrument (every question assigned to DP3AKB) in Balikpapan: a
    focal point and the secretariat work at DP3AKB, a second secretariat member at
    Disdukcapil, and another focal point at Disdukcapil, which has no questions."""

    world: City
    cycle: Cycle
    focal: User
    other_focal: User
    second_secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=make_instrument(), actor=cls.world.secretariat
        )
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.world.dp3akb)
        cls.other_focal = make_person(Role.OPD_FOCAL, agency=cls.world.disdukcapil)
        cls.second_secretariat = make_person(Role.SECRETARIAT, agency=cls.world.disdukcapil)

    def enqueue(self, today: datetime.date) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return reminders_enqueue(today=today)

    def recipients(self) -> set[str]:
        return {address for message in mail.outbox for address in message.to}

    def secretariat(self) -> set[str]:
        return {self.world.secretariat.email, self.second_secretariat.email}

    def send_for_review(self) -> None:
        Answer.objects.filter(cycle=self.cycle, question__code="1.01").update(
            status=AnswerStatus.SUBMITTED
        )

    def test_focal_points_with_open_answers_are_reminded_before_the_answer_deadline(self) -> None:
        self.assertEqual(self.enqueue(self.cycle.answer_deadline - datetime.timedelta(days=3)), 1)

        self.assertEqual(self.recipients(), {self.focal.email})
        self.assertEqual(ReminderSent.objects.get().kind, ReminderKind.ANSWER)

    def test_secretariat_is_reminded_of_answers_waiting_for_review(self) -> None:
        self.send_for_review()

        queued = self.enqueue(self.cycle.review_deadline - datetime.timedelta(days=3))

        self.assertEqual(queued, 2)  # one per agency of the secretariat
        self.assertEqual(self.recipients(), self.secretariat())
        self.assertTrue(all("1 answers to review" in m.subject for m in mail.outbox))
        self.assertTrue(all("waiting for your review" in m.body for m in mail.outbox))
        self.assertEqual(
            set(ReminderSent.objects.values_list("kind", "deadline", "days_before")),
            {(ReminderKind.REVIEW, self.cycle.review_deadline, 3)},
        )

    def test_no_review_reminder_when_nothing_waits_for_review(self) -> None:
        self.assertEqual(self.enqueue(self.cycle.review_deadline - datetime.timedelta(days=3)), 0)

        self.assertEqual(mail.outbox, [])

    def test_secretariat_is_reminded_once_before_the_submission_deadline(self) -> None:
        today = self.cycle.submission_deadline - datetime.timedelta(days=1)

        self.assertEqual(self.enqueue(today), 2)
        self.assertEqual(self.enqueue(today), 0)

        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(self.recipients(), self.secretariat())
        self.assertTrue(all("self-assessment is due" in m.subject for m in mail.outbox))

    def test_answer_and_review_reminders_of_the_same_day_both_go_out(self) -> None:
        Cycle.objects.filter(pk=self.cycle.pk).update(review_deadline=self.cycle.answer_deadline)
        self.send_for_review()

        queued = self.enqueue(self.cycle.answer_deadline - datetime.timedelta(days=7))

        self.assertEqual(queued, 3)
        self.assertEqual(self.recipients(), {self.focal.email, *self.secretariat()})
        self.assertEqual(
            sorted(ReminderSent.objects.filter(agency=self.world.dp3akb).values_list("kind")),
            [(ReminderKind.ANSWER,), (ReminderKind.REVIEW,)],
        )

    def test_no_reminder_once_the_cycle_is_submitted(self) -> None:
        self.send_for_review()
        services.cycle_submit(actor=self.world.secretariat, cycle=self.cycle)
        for deadline in (
            self.cycle.answer_deadline,
            self.cycle.review_deadline,
            self.cycle.submission_deadline,
        ):
            with self.subTest(deadline=deadline):
                self.assertEqual(self.enqueue(deadline - datetime.timedelta(days=1)), 0)
        self.assertEqual(mail.outbox, [])
