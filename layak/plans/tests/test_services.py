"""Slippage, reminders and validation of the plans services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.evaluations.models import Indicator, IndicatorGroup, Instrument, Question
from layak.plans import selectors, services
from layak.plans.models import Action, FollowUp, ProgressReport
from layak.plans.tests.factories import TODAY, PlansWorld, make_plans_world


class SlippageTests(TestCase):
    w: PlansWorld
    on_track: Action

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()
        w = cls.w
        cls.on_track = services.action_create(
            actor=w.secretariat, plan=w.plan, code="K1.01", title="Akta", cluster="K1",
            agency=w.disdukcapil,
        )  # fmt: skip

    def test_expected_percent_is_straight_line(self) -> None:
        self.assertEqual(selectors.expected_percent(datetime.date(2026, 1, 1)), 0)
        self.assertEqual(selectors.expected_percent(TODAY), 49)

    def test_behind_and_missed_actions_are_grouped_by_agency(self) -> None:
        w = self.w
        services.progress_report(
            actor=w.focal, action=w.action, reported_on=datetime.date(2026, 6, 1), text="x",
            percent=30,
        )  # fmt: skip
        services.progress_report(
            actor=w.other_focal, action=self.on_track, reported_on=datetime.date(2026, 6, 20),
            text="x", percent=45,
        )  # fmt: skip
        groups = selectors.slippage_by_agency(w.secretariat, today=TODAY)
        self.assertEqual([agency.code for agency, _rows in groups], ["dinkes"])
        self.assertTrue(groups[0][1][0].behind)

        milestone = services.milestone_create(
            actor=w.secretariat, action=self.on_track, title="Tahap 1",
            due_on=datetime.date(2026, 6, 30),
        )  # fmt: skip
        groups = selectors.slippage_by_agency(w.secretariat, today=TODAY)
        self.assertEqual([a.code for a, _rows in groups], ["dinkes", "disdukcapil"])
        self.assertEqual(groups[1][1][0].missed, [milestone])
        self.assertFalse(groups[1][1][0].behind)

        services.milestone_done(actor=w.focal, milestone=milestone, done_on=TODAY)
        groups = selectors.slippage_by_agency(w.secretariat, today=TODAY)
        self.assertEqual([a.code for a, _rows in groups], ["dinkes"])

    def test_other_city_sees_no_slippage(self) -> None:
        self.assertEqual(selectors.slippage_by_agency(self.w.other_secretariat, today=TODAY), [])


class ReminderTests(TestCase):
    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()

    def _run(self, today: datetime.date) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return services.followup_reminders_enqueue(today=today)

    @override_settings(LAYAK_PLANS_REMIND_DAYS=3)
    def test_each_stage_is_reminded_once(self) -> None:
        w = self.w
        self.assertEqual(self._run(datetime.date(2026, 7, 1)), 0)
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(self._run(datetime.date(2026, 7, 7)), 1)
        self.assertEqual(self._run(datetime.date(2026, 7, 8)), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [w.focal.email])
        self.assertIn("Kirim data imunisasi", mail.outbox[0].body)
        self.assertEqual(self._run(datetime.date(2026, 7, 10)), 1)
        self.assertEqual(self._run(datetime.date(2026, 7, 11)), 0)
        self.assertEqual(len(mail.outbox), 2)

    def test_closed_followup_is_not_reminded(self) -> None:
        services.followup_close(actor=self.w.focal, followup=self.w.followup, done_on=TODAY)
        self.assertEqual(self._run(datetime.date(2026, 7, 10)), 0)
        self.assertEqual(len(mail.outbox), 0)

    def test_command_queues_reminders(self) -> None:
        from django.core.management import call_command

        FollowUp.objects.update(due_on=timezone.localdate())
        with self.captureOnCommitCallbacks(execute=True):
            call_command("followup_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(len(mail.outbox), 1)


class ValidationTests(TestCase):
    w: PlansWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = make_plans_world()
        instrument = Instrument.objects.create(year=2024, name="KLA", total_points=Decimal(100))
        group = IndicatorGroup.objects.create(instrument=instrument, code="III", name="K3")
        indicator = Indicator.objects.create(
            instrument=instrument, group=group, code="17", name="Imunisasi", max_points=Decimal(10)
        )
        Question.objects.create(
            instrument=instrument,
            indicator=indicator,
            code="17.01",
            text="?",
            max_points=Decimal(5),
        )

    def _action(self, **overrides: object) -> Action:
        values: dict[str, object] = {
            "actor": self.w.secretariat, "plan": self.w.plan, "code": "K3.02",
            "title": "Laktasi", "cluster": "K3", "agency": self.w.dinkes,
        }  # fmt: skip
        values.update(overrides)
        return services.action_create(**values)  # type: ignore[arg-type]

    def test_known_codes_are_accepted(self) -> None:
        action = self._action(question_codes=["17.01"], evaluation_indicator_codes=["17"])
        self.assertEqual(action.question_codes, ["17.01"])

    def test_a_code_numbered_within_several_indicators_must_name_its_indicator(self) -> None:
        from layak.evaluations.tests.factories import make_instrument, question

        make_instrument(
            year=2099,
            name="Per-indicator numbering",
            groups={"KL": {"5": [question("1", "10")], "6": [question("1", "10")]}},
        )
        with self.assertRaises(ValidationError) as raised:
            self._action(question_codes=["1"])
        self.assertIn("tuliskan sebagai 'indikator / kode'", str(raised.exception))
        action = self._action(code="K3.03", question_codes=["5 / 1"])
        self.assertEqual(action.question_codes, ["5 / 1"])

    def test_unknown_question_code_changes_nothing(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self._action(question_codes=["17.01", "99.99"])
        self.assertIn("question_codes", raised.exception.message_dict)
        self.assertEqual(Action.objects.count(), 1)

    def test_negative_budget_changes_nothing(self) -> None:
        with self.assertRaises(ValidationError):
            self._action(budget_amount=Decimal("-1"))
        self.assertEqual(Action.objects.count(), 1)

    def test_agency_of_other_city_is_refused(self) -> None:
        other = self.w.other_secretariat.agency
        with self.assertRaises(ValidationError):
            self._action(agency=other)
        self.assertEqual(Action.objects.count(), 1)

    def test_due_date_before_meeting_changes_nothing(self) -> None:
        with self.assertRaises(ValidationError):
            services.followup_create(
                actor=self.w.secretariat, meeting=self.w.meeting, text="x",
                agency=self.w.dinkes, due_on=datetime.date(2026, 5, 1),
            )  # fmt: skip
        self.assertEqual(FollowUp.objects.count(), 1)

    def test_percent_over_100_changes_nothing(self) -> None:
        with self.assertRaises(ValidationError):
            services.progress_report(
                actor=self.w.focal, action=self.w.action, reported_on=TODAY, text="x",
                percent=101,
            )  # fmt: skip
        self.assertFalse(ProgressReport.objects.exists())
