"""Retention (``layak anonymise_closed_cases``, issue #4): identifying data of cases closed long
ago is removed, the counts and categories stay, recent and open cases are left alone."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from layak.cases import services
from layak.cases.models import (
    Attachment,
    Case,
    Incident,
    LookupKind,
    Note,
    Perpetrator,
    Report,
    Stage,
    Victim,
)
from layak.cases.statistics import case_statistic
from layak.cases.tests.factories import (
    NOTE_TEXT,
    REPORTER_NAME,
    VICTIM_BIRTH,
    VICTIM_NAME,
    VICTIM_NIK,
    CaseWorld,
    FullCase,
    lookup,
    make_case_world,
    make_full_case,
)
from layak.cases.tests.test_encryption import TempMediaMixin
from layak.core.models import AuditAction, AuditEntry

PERPETRATOR_NAME = "Joko Susilo Hartono"
INCIDENT_TEXT = "Kejadian di rumah pada malam hari"


def years_ago(years: int, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today.replace(year=today.year - years)


class AnonymiseTests(TempMediaMixin):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def setUp(self) -> None:
        super().setUp()
        self.old = self.closed_case(years=3)
        self.recent = self.closed_case(years=1)
        self.open = self.make(Stage.SERVICES)

    def make(self, stage: str) -> FullCase:
        full = make_full_case(self.world)
        services.perpetrator_add(
            actor=self.world.worker,
            case=full.case,
            name=PERPETRATOR_NAME,
            sex="M",
            age=40,
            relationship=lookup(LookupKind.RELATIONSHIP, "orang-tua"),
        )
        services.incident_add(
            actor=self.world.worker,
            case=full.case,
            occurred_on=None,
            place=lookup(LookupKind.PLACE, "rumah-tangga"),
            kelurahan=self.world.kelurahan,
            description=INCIDENT_TEXT,
        )
        services.stage_set(actor=self.world.worker, case=full.case, stage=stage, note="Selesai")
        return full

    def closed_case(self, years: int) -> FullCase:
        full = self.make(Stage.CLOSED)
        Case.objects.filter(pk=full.case.pk).update(closed_on=years_ago(years))
        return full

    def statistics(self) -> list[tuple[str, int | None, list[tuple[str, int | None]]]]:
        year = timezone.localdate().year
        result = []
        for unit, dimension in (("victims", "form"), ("victims", "sex"), ("cases", "kecamatan")):
            stat = case_statistic(city=self.world.city, year=year, unit=unit, dimension=dimension)
            result.append((dimension, stat.total, [(c.key, c.value) for c in stat.cells]))
        return result

    def assertBlank(self, *values: object) -> None:  # noqa: N802 - unittest naming
        """Empty: encrypted blanks are stored as NULL and read back as None."""
        for value in values:
            self.assertIn(value, ("", None))

    def anonymise(self, years: int = 2) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return services.anonymise_closed_cases(years=years)

    def test_identifying_data_of_old_closed_cases_is_removed(self) -> None:
        self.assertEqual(len(self.stored_files()), 3)
        self.assertEqual(self.anonymise(), 1)
        case = Case.objects.get(pk=self.old.case.pk)
        self.assertIsNotNone(case.anonymised_at)
        self.assertBlank(case.summary, case.closure_note)
        victim = Victim.objects.get(pk=self.old.victim.pk)
        self.assertBlank(
            victim.name,
            victim.nik,
            victim.address,
            victim.phone,
            victim.guardian,
            victim.birth_date,
        )
        self.assertEqual((victim.nik_index, victim.birth_index), ("", ""))
        self.assertFalse(Note.objects.filter(case=case).exists())
        self.assertFalse(Attachment.objects.filter(case=case).exists())
        self.assertEqual(len(self.stored_files()), 2)
        self.assertBlank(Perpetrator.objects.get(case=case).name)
        self.assertBlank(Incident.objects.get(case=case).description)
        report = Report.objects.get(pk=self.old.report.pk)
        self.assertBlank(
            report.reporter_name, report.reporter_contact, report.child_name, report.description
        )
        entry = AuditEntry.objects.get(
            object_type="cases.case", object_id=str(case.pk), action=AuditAction.DELETE
        )
        self.assertEqual(entry.fields, ["identifying_data"])
        self.assertEqual(entry.actor_username, "retention")

    def test_counts_and_categories_stay(self) -> None:
        before = self.statistics()
        victim = Victim.objects.get(pk=self.old.victim.pk)
        forms = sorted(victim.forms.values_list("code", flat=True))
        self.anonymise()
        self.assertEqual(self.statistics(), before)
        victim = Victim.objects.get(pk=self.old.victim.pk)
        self.assertEqual(sorted(victim.forms.values_list("code", flat=True)), forms)
        self.assertEqual((victim.sex, victim.age), ("F", 12))
        self.assertIsNotNone(victim.age_group)
        self.assertIsNotNone(victim.education)
        perpetrator = Perpetrator.objects.get(case=self.old.case)
        self.assertEqual(perpetrator.relationship, lookup(LookupKind.RELATIONSHIP, "orang-tua"))
        self.assertEqual(Victim.objects.filter(case=self.old.case).count(), 1)

    def test_recent_and_open_cases_are_left_alone(self) -> None:
        self.anonymise()
        for full in (self.recent, self.open):
            self.assertIsNone(Case.objects.get(pk=full.case.pk).anonymised_at)
            victim = Victim.objects.get(pk=full.victim.pk)
            self.assertEqual((victim.name, victim.nik), (VICTIM_NAME, VICTIM_NIK))
            self.assertEqual(Note.objects.get(case=full.case).text, NOTE_TEXT)
            self.assertEqual(Report.objects.get(pk=full.report.pk).reporter_name, REPORTER_NAME)
            self.assertTrue(Attachment.objects.filter(case=full.case).exists())

    def test_the_cutoff_day_itself_is_kept(self) -> None:
        today = timezone.localdate()
        Case.objects.filter(pk=self.old.case.pk).update(closed_on=years_ago(2, today))
        self.assertEqual(services.anonymise_closed_cases(years=2, today=today), 0)
        Case.objects.filter(pk=self.old.case.pk).update(
            closed_on=years_ago(2, today) - datetime.timedelta(days=1)
        )
        self.assertEqual(services.anonymise_closed_cases(years=2, today=today), 1)

    def test_a_second_run_does_nothing(self) -> None:
        self.anonymise()
        self.assertEqual(self.anonymise(), 0)
        self.assertEqual(
            AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="cases.case").count(),
            1,
        )

    def test_the_duplicate_check_no_longer_finds_the_anonymised_child(self) -> None:
        Case.objects.filter(pk__in=[self.recent.case.pk, self.open.case.pk]).delete()
        self.assertEqual(len(self.duplicates()), 1)
        self.anonymise()
        self.assertEqual(self.duplicates(), [])

    def duplicates(self) -> list[services.PossibleMatch]:
        return services.duplicate_check(
            city=self.world.city, name=VICTIM_NAME, birth_date=VICTIM_BIRTH, nik=VICTIM_NIK
        )

    def test_an_anonymised_case_cannot_be_reopened(self) -> None:
        self.anonymise()
        with self.assertRaises(ValidationError):
            services.stage_set(actor=self.world.worker, case=self.old.case, stage=Stage.ASSESSMENT)

    def test_the_command_refuses_less_than_a_year(self) -> None:
        with self.assertRaises(CommandError):
            call_command("anonymise_closed_cases", "--years", "0", stdout=StringIO())
        self.assertIsNone(Case.objects.get(pk=self.recent.case.pk).anonymised_at)

    @override_settings(LAYAK_CASE_RETENTION_YEARS=2)
    def test_the_command_uses_the_configured_years(self) -> None:
        out = StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("anonymise_closed_cases", stdout=out)
        self.assertIn("1 case(s) anonymised.", out.getvalue())
        self.assertIsNotNone(Case.objects.get(pk=self.old.case.pk).anonymised_at)
        self.assertIsNone(Case.objects.get(pk=self.recent.case.pk).anonymised_at)
