"""The deadline job (``layak case_deadlines``, issue #4): unanswered referrals escalate to the case
manager once, overdue first follow-ups are flagged once, and no e-mail names the child."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.cases import services
from layak.cases.models import Case, CaseEvent, EventKind, Referral, ReferralScope, Stage
from layak.cases.tasks import check_deadlines, supervisors_of
from layak.cases.tests.factories import (
    PLAINTEXTS,
    CaseWorld,
    make_case,
    make_case_world,
    victim_data,
)

OVERRIDE = "Anak dalam bahaya, polisi perlu berkas segera"


def make_overdue(case: Case, days: int = 1) -> None:
    Case.objects.filter(pk=case.pk).update(
        followup_due=timezone.localdate() - datetime.timedelta(days=days)
    )


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class DeadlineTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def setUp(self) -> None:
        world = self.world
        # A case whose first follow-up was done, with a referral to the police.
        self.referred = make_case(world, victims=[victim_data()])
        services.followup_record(actor=world.worker, case=self.referred)
        self.referral = services.referral_create(
            actor=world.manager,
            case=self.referred,
            scope=ReferralScope.CASE,
            to_agency=world.police,
            override_reason=OVERRIDE,
            may_override=True,
        )
        # A case whose first follow-up is overdue.
        self.overdue = make_case(world, victims=[victim_data()])
        make_overdue(self.overdue)

    def late(self, referral: Referral) -> None:
        Referral.objects.filter(pk=referral.pk).update(
            respond_by=timezone.now() - datetime.timedelta(hours=1)
        )

    def test_nothing_is_due_before_the_deadlines(self) -> None:
        Case.objects.filter(pk=self.overdue.pk).update(followup_due=timezone.localdate())
        self.assertEqual(check_deadlines(), (0, 0))
        self.assertEqual(mail.outbox, [])

    def test_a_late_referral_escalates_once_and_an_overdue_case_is_flagged_once(self) -> None:
        self.late(self.referral)
        self.assertEqual(check_deadlines(), (1, 1))
        self.assertIsNotNone(Referral.objects.get(pk=self.referral.pk).escalated_at)
        self.assertEqual(
            CaseEvent.objects.filter(case=self.overdue, kind=EventKind.OVERDUE).count(), 1
        )
        self.assertFalse(
            CaseEvent.objects.filter(case=self.referred, kind=EventKind.OVERDUE).exists()
        )
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(check_deadlines(), (0, 0))
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(
            CaseEvent.objects.filter(case=self.overdue, kind=EventKind.OVERDUE).count(), 1
        )

    def test_the_mails_go_to_the_supervisors_and_name_the_case_not_the_child(self) -> None:
        narrow = make_person(Role.CASE_MANAGER, agency=self.world.uptd, scope=self.world.kecamatan2)
        self.late(self.referral)
        check_deadlines()
        by_case = {
            self.referred.number: [m for m in mail.outbox if self.referred.number in m.subject],
            self.overdue.number: [m for m in mail.outbox if self.overdue.number in m.subject],
        }
        for number, messages in by_case.items():
            self.assertEqual(len(messages), 1, number)
            message = messages[0]
            self.assertEqual(message.to, [self.world.manager.email])
            self.assertNotIn(narrow.email, message.to)
            self.assertIn(number, message.body)
            for plain in PLAINTEXTS:
                self.assertNotIn(plain, message.body)
                self.assertNotIn(plain, message.subject)
        self.assertIn(self.world.police.name, by_case[self.referred.number][0].body)

    def test_answered_referrals_do_not_escalate(self) -> None:
        services.referral_accept(actor=self.world.officer, referral=self.referral)
        self.late(self.referral)
        self.assertEqual(check_deadlines()[0], 0)

    def test_closed_and_followed_up_cases_are_not_flagged(self) -> None:
        services.stage_set(actor=self.world.worker, case=self.overdue, stage=Stage.CLOSED)
        Case.objects.filter(pk=self.overdue.pk).update(followup_done_at=None)
        make_overdue(self.overdue)
        self.assertEqual(check_deadlines()[1], 0)
        services.stage_set(actor=self.world.worker, case=self.overdue, stage=Stage.ASSESSMENT)
        self.assertEqual(check_deadlines()[1], 0)  # the follow-up counted as done

    def test_supervisors_are_the_case_managers_whose_scope_covers_the_case(self) -> None:
        narrow = make_person(Role.CASE_MANAGER, agency=self.world.uptd, scope=self.world.kecamatan)
        elsewhere = make_person(
            Role.CASE_MANAGER, agency=self.world.uptd, scope=self.world.kecamatan2
        )
        people = supervisors_of(self.overdue)
        self.assertIn(self.world.manager, people)
        self.assertIn(narrow, people)
        self.assertNotIn(elsewhere, people)
        self.assertNotIn(self.world.other_manager, people)
        self.assertNotIn(self.world.worker, people)

    def test_the_command_reports_what_it_did(self) -> None:
        self.late(self.referral)
        out = StringIO()
        call_command("case_deadlines", stdout=out)
        self.assertIn("1 referral(s) escalated, 1 case(s) flagged overdue.", out.getvalue())
