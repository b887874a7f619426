"""Every change in case management (issue #4), through the services and the database: deadlines,
numbering, the public form and its tracking code, concurrent edits, audit on read, consent and
referrals, emergency access, the duplicate check, the team and the stages."""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, fields
from unittest import mock
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.cases import selectors, services
from layak.cases.models import (
    BreakGlass,
    Case,
    CaseEvent,
    CaseMember,
    EventKind,
    Holiday,
    LookupKind,
    Purpose,
    Referral,
    ReferralScope,
    ReferralStatus,
    Report,
    ReportStatus,
    Stage,
)
from layak.cases.tests.factories import (
    PLAINTEXTS,
    VICTIM_BIRTH,
    VICTIM_NAME,
    VICTIM_NIK,
    CaseWorld,
    lookup,
    make_case,
    make_case_world,
    make_full_case,
    report_data,
    victim_data,
)
from layak.cases.tests.test_encryption import TempMediaMixin
from layak.core.errors import ConflictError
from layak.core.models import AuditAction, AuditEntry
from layak.core.throttles import public_throttled

MAKASSAR = ZoneInfo("Asia/Makassar")
WEDNESDAY = datetime.date(2025, 4, 30)  # Thursday 1 May 2025 is Labour Day
URGENT = "Anak dalam bahaya, polisi perlu berkas hari ini juga"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=MAKASSAR)


def frozen(moment: datetime.datetime) -> mock._patch[mock.MagicMock]:
    """Mock the clock (``timezone.now``, which ``timezone.localdate`` reads too)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def serial(case: Case) -> tuple[str, str]:
    """(year, serial) of a case number ``<agency prefix>-<year>-<serial>``."""
    _prefix, year, number = case.number.rsplit("-", 2)
    return year, number


def prefix(case: Case) -> str:
    return case.number.rsplit("-", 2)[0]


class WorkingDayTests(TestCase):
    def test_weekends_are_skipped(self) -> None:
        friday = datetime.date(2025, 5, 2)
        self.assertEqual(services.working_days_after(friday, 1), datetime.date(2025, 5, 5))
        self.assertEqual(services.working_days_after(friday, 3), datetime.date(2025, 5, 7))

    def test_holidays_are_skipped(self) -> None:
        self.assertEqual(services.working_days_after(WEDNESDAY, 3), datetime.date(2025, 5, 5))
        Holiday.objects.create(date=datetime.date(2025, 5, 1), name="Hari Buruh")
        self.assertEqual(services.working_days_after(WEDNESDAY, 3), datetime.date(2025, 5, 6))

    def test_a_holiday_on_the_start_day_does_not_count(self) -> None:
        Holiday.objects.create(date=WEDNESDAY, name="Libur")
        self.assertEqual(services.working_days_after(WEDNESDAY, 1), datetime.date(2025, 5, 1))


class CaseOpenTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        Holiday.objects.create(date=datetime.date(2025, 5, 1), name="Hari Buruh")

    def test_first_followup_falls_due_three_working_days_after_intake(self) -> None:
        with frozen(at(WEDNESDAY)):
            case = make_case(self.world)
        self.assertEqual(case.opened_on, WEDNESDAY)
        # Thursday is a holiday, then Friday, Monday, Tuesday.
        self.assertEqual(case.followup_due, datetime.date(2025, 5, 6))
        self.assertEqual(case.stage, Stage.INTAKE)
        self.assertEqual(case.region_code, self.world.kelurahan.code)
        self.assertTrue(CaseEvent.objects.filter(case=case, kind=EventKind.OPENED).exists())

    @override_settings(LAYAK_CASE_FOLLOWUP_DAYS=1)
    def test_followup_days_come_from_settings(self) -> None:
        with frozen(at(WEDNESDAY)):
            case = make_case(self.world)
        self.assertEqual(case.followup_due, datetime.date(2025, 5, 2))

    def test_cases_are_numbered_per_agency_and_year(self) -> None:
        with frozen(at(WEDNESDAY)):
            first = make_case(self.world)
            second = make_case(self.world, actor=self.world.colleague)
            police = make_case(self.world, actor=self.world.officer)
        with frozen(at(datetime.date(2026, 1, 5))):
            next_year = make_case(self.world)
        self.assertEqual(serial(first), ("2025", "0001"))
        self.assertEqual(serial(second), ("2025", "0002"))
        self.assertEqual(serial(police), ("2025", "0001"))
        self.assertEqual(serial(next_year), ("2026", "0001"))
        self.assertIn("UPTD-PPA", prefix(first))
        self.assertEqual({prefix(second), prefix(next_year)}, {prefix(first)})
        self.assertIn("POLRESTA", prefix(police))

    def test_case_numbers_are_counted_per_agency_even_when_agencies_share_a_code(self) -> None:
        # Every city's intake agency is coded "uptd-ppa" (LAYAK_CASE_INTAKE_AGENCY).
        samarinda_worker = make_person(Role.CASE_WORKER, agency=self.world.other_uptd)
        with frozen(at(WEDNESDAY)):
            balikpapan = make_case(self.world)
            make_case(self.world)
            samarinda = services.case_open(actor=samarinda_worker, data=services.CaseData())
        self.assertEqual(serial(samarinda), ("2025", "0001"))
        self.assertNotEqual(prefix(samarinda), prefix(balikpapan))

    def test_the_owner_must_work_in_the_same_agency(self) -> None:
        with self.assertRaises(ValidationError):
            services.case_open(
                actor=self.world.worker, data=services.CaseData(), owner=self.world.officer
            )

    def test_a_kelurahan_of_another_city_is_refused(self) -> None:
        from layak.regions.tests.factories import make_region

        elsewhere = make_region("64.72.01.1001", "Kelurahan di Samarinda")
        with self.assertRaises(ValidationError):
            services.case_open(actor=self.world.worker, data=services.CaseData(kelurahan=elsewhere))

    def test_a_case_from_a_report_takes_its_description_as_summary(self) -> None:
        report = services.report_record(actor=self.world.worker, data=report_data())
        case = make_case(self.world, report=report)
        report.refresh_from_db()
        self.assertEqual(report.status, ReportStatus.CASE)
        self.assertEqual(report.case_id, case.pk)
        self.assertEqual(case.summary, report.description)
        with self.assertRaises(ValidationError):
            make_case(self.world, report=report)  # already handled


class PublicFormTrackingTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def submit(self, **overrides: object) -> Report:
        data = report_data(channel="web", kelurahan=self.world.kelurahan, **overrides)
        return services.report_submit_public(city=self.world.city, data=data)

    def test_a_public_report_gets_a_tracking_code_and_goes_to_the_intake_agency(self) -> None:
        report = self.submit()
        self.assertEqual(len(report.tracking_code), services.TRACKING_LENGTH)
        self.assertTrue(set(report.tracking_code) <= set(services.TRACKING_ALPHABET))
        stored = Report.objects.get(tracking_code=report.tracking_code)
        self.assertEqual(stored.agency, self.world.uptd)
        self.assertIsNone(stored.received_by)
        self.assertEqual(stored.status, ReportStatus.RECEIVED)
        self.assertEqual(services.public_status(stored), "received")
        entry = AuditEntry.objects.get(object_type="cases.report", object_id=str(report.pk))
        self.assertEqual(entry.actor_username, "public")

    def test_the_status_moves_from_received_to_handling_to_closed(self) -> None:
        report = self.submit()
        self.assertEqual(services.public_status(report), "received")
        case = make_case(self.world, report=report)
        report.refresh_from_db()
        self.assertEqual(services.public_status(report), "handling")
        services.stage_set(actor=self.world.worker, case=case, stage=Stage.ASSESSMENT)
        self.assertEqual(services.public_status(report), "handling")
        services.stage_set(actor=self.world.worker, case=case, stage=Stage.CLOSED)
        self.assertEqual(services.public_status(report), "closed")
        services.stage_set(actor=self.world.worker, case=case, stage=Stage.MONITORING)
        self.assertEqual(services.public_status(report), "handling")

    def test_a_dismissed_report_shows_closed(self) -> None:
        report = self.submit()
        services.report_dismiss(actor=self.world.worker, report=report)
        report.refresh_from_db()
        self.assertEqual(services.public_status(report), "closed")

    def test_a_merged_report_shows_handling(self) -> None:
        case = make_case(self.world)
        report = self.submit()
        services.report_merge(actor=self.world.worker, report=report, case=case)
        report.refresh_from_db()
        self.assertEqual(report.status, ReportStatus.MERGED)
        self.assertEqual(services.public_status(report), "handling")

    def test_an_anonymous_reporter_leaves_no_name_or_contact(self) -> None:
        report = self.submit(anonymous=True)
        stored = Report.objects.get(pk=report.pk)
        self.assertTrue(stored.anonymous)
        # Encrypted blanks are stored as NULL.
        self.assertIn(stored.reporter_name, ("", None))
        self.assertIn(stored.reporter_contact, ("", None))

    def test_a_city_without_intake_agency_refuses(self) -> None:
        data = report_data(channel="web")
        with self.assertRaises(ValidationError):
            services.report_submit_public(city=self.world.kecamatan, data=data)

    def test_the_throttle_refuses_after_the_limit(self) -> None:
        ip = "203.0.113.7"
        for _attempt in range(3):
            self.assertFalse(public_throttled(ip, "report", 3))
        self.assertTrue(public_throttled(ip, "report", 3))
        self.assertFalse(public_throttled("203.0.113.8", "report", 3))
        self.assertFalse(public_throttled(ip, "status", 3))

    def test_the_throttle_forgets_attempts_after_an_hour(self) -> None:
        ip = "203.0.113.9"
        start = timezone.now()
        with frozen(start):
            self.assertFalse(public_throttled(ip, "report", 1))
            self.assertTrue(public_throttled(ip, "report", 1))
        with frozen(start + datetime.timedelta(minutes=61)):
            self.assertFalse(public_throttled(ip, "report", 1))


class ConflictTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_the_second_save_of_the_same_version_gets_a_conflict_and_loses_nothing(self) -> None:
        case = make_case(self.world)
        version = case.version
        high = lookup(LookupKind.RISK, "tinggi")
        first = services.CaseData(
            kelurahan=self.world.kelurahan2, risk=high, summary="Versi pertama", online_harm=True
        )
        second = services.CaseData(kelurahan=self.world.kelurahan, summary="Versi kedua")
        services.case_update(actor=self.world.worker, case=case, version=version, data=first)
        stale = Case.objects.get(pk=case.pk)
        stale.version = version
        with self.assertRaises(ConflictError) as raised:
            services.case_update(
                actor=self.world.colleague, case=stale, version=version, data=second
            )
        stored = Case.objects.get(pk=case.pk)
        self.assertEqual(stored.version, version + 1)
        self.assertEqual(stored.summary, "Versi pertama")
        self.assertEqual(stored.kelurahan, self.world.kelurahan2)
        self.assertEqual(stored.region_code, self.world.kelurahan2.code)
        self.assertEqual(stored.risk, high)
        self.assertTrue(stored.online_harm)
        current = raised.exception.current
        assert isinstance(current, Case)
        self.assertEqual(current.summary, "Versi pertama")

    def test_other_changes_to_the_case_also_move_the_version(self) -> None:
        case = make_case(self.world)
        version = case.version
        services.victim_add(actor=self.world.worker, case=case, data=victim_data())
        with self.assertRaises(ConflictError):
            services.case_update(
                actor=self.world.worker, case=case, version=version, data=services.CaseData()
            )


class AuditOnReadTests(TempMediaMixin):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_viewing_and_downloading_are_audited_without_values(self) -> None:
        full = make_full_case(self.world)
        case = full.case
        reads = AuditEntry.objects.filter(
            object_type="cases.case",
            object_id=str(case.pk),
            action__in=[AuditAction.VIEW, AuditAction.DOWNLOAD],
        )
        self.assertFalse(reads.exists())
        services.case_viewed(actor=self.world.manager, case=case)
        content = services.attachment_read(actor=self.world.colleague, attachment=full.attachment)
        self.assertTrue(content.startswith(b"%PDF"))
        view = reads.get(action=AuditAction.VIEW)
        download = reads.get(action=AuditAction.DOWNLOAD)
        self.assertEqual(view.actor_id, self.world.manager.pk)
        self.assertEqual(download.actor_id, self.world.colleague.pk)
        self.assertEqual(view.region_code, case.region_code)
        for entry in AuditEntry.objects.all():
            text = json.dumps([entry.object_label, entry.fields, entry.actor_username])
            for plain in PLAINTEXTS:
                self.assertNotIn(plain, text, f"{plain!r} in audit entry {entry}")
        log = list(selectors.access_log(case))
        self.assertEqual(log[0], download)
        self.assertEqual(log[1], view)
        self.assertTrue(all(e.object_id == str(case.pk) for e in log))

    def test_the_access_log_lists_only_this_case(self) -> None:
        one = make_case(self.world)
        other = make_case(self.world)
        services.case_viewed(actor=self.world.manager, case=other)
        self.assertFalse(selectors.access_log(one).filter(action=AuditAction.VIEW).exists())
        self.assertEqual(selectors.access_log(other).filter(action=AuditAction.VIEW).count(), 1)


class ConsentAndReferralTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def setUp(self) -> None:
        self.case = make_case(self.world, victims=[victim_data()])

    def consent(self, *purposes: str) -> None:
        for purpose in purposes:
            services.consent_record(
                actor=self.world.worker,
                case=self.case,
                purpose=purpose,
                given_by="guardian",
                given_on=timezone.localdate(),
            )

    def refer(self, **overrides: object) -> Referral:
        values: dict[str, object] = {
            "actor": self.world.worker,
            "case": self.case,
            "scope": ReferralScope.CASE,
            "to_agency": self.world.police,
        }
        values.update(overrides)
        return services.referral_create(**values)  # type: ignore[arg-type]  # test kwargs

    def test_sharing_without_consent_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            self.refer()
        self.assertFalse(Referral.objects.exists())

    def test_an_override_needs_the_authority_to_override(self) -> None:
        with self.assertRaises(PermissionDenied):
            self.refer(override_reason=URGENT, may_override=False)
        self.assertFalse(Referral.objects.exists())

    def test_an_authorised_override_with_a_reason_is_recorded_and_audited(self) -> None:
        referral = self.refer(actor=self.world.manager, override_reason=URGENT, may_override=True)
        self.assertEqual(referral.override_reason, URGENT)
        entry = AuditEntry.objects.get(object_type="cases.referral", object_id=str(referral.pk))
        self.assertIn("consent_override", entry.fields)
        self.assertNotIn(URGENT, entry.object_label)

    def test_a_blank_override_reason_is_no_override(self) -> None:
        with self.assertRaises(ValidationError):
            self.refer(override_reason="   ", may_override=True)

    def test_with_consent_the_file_can_be_shared(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        referral = self.refer()
        self.assertEqual(referral.status, ReferralStatus.PENDING)
        self.assertEqual(referral.override_reason, "")
        self.assertGreater(referral.respond_by, timezone.now() + datetime.timedelta(hours=47))

    def test_a_service_request_needs_only_service_consent(self) -> None:
        self.consent(Purpose.SERVICES)
        with self.assertRaises(ValidationError):
            self.refer()  # the whole file also needs consent to sharing
        with self.assertRaises(ValidationError):
            self.refer(scope=ReferralScope.SERVICE)  # which service?
        referral = self.refer(
            scope=ReferralScope.SERVICE, service_kind=lookup(LookupKind.SERVICE_TYPE, "kesehatan")
        )
        self.assertEqual(referral.scope, ReferralScope.SERVICE)

    def test_withdrawn_consent_no_longer_counts(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        sharing = self.case.consents.get(purpose=Purpose.SHARING)
        services.consent_withdraw(actor=self.world.worker, consent=sharing, on=timezone.localdate())
        with self.assertRaises(ValidationError):
            self.refer()

    def test_referral_only_within_the_city(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        with self.assertRaises(ValidationError):
            self.refer(to_agency=self.world.other_uptd)

    def test_a_closed_case_cannot_be_referred(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        services.stage_set(actor=self.world.worker, case=self.case, stage=Stage.CLOSED)
        self.case.refresh_from_db()
        with self.assertRaises(ValidationError):
            self.refer()

    def test_accept_then_done(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        referral = self.refer()
        services.referral_accept(actor=self.world.officer, referral=referral)
        self.assertEqual(referral.status, ReferralStatus.ACCEPTED)
        self.assertEqual(referral.responded_by, self.world.officer)
        with self.assertRaises(ValidationError):
            services.referral_accept(actor=self.world.officer, referral=referral)
        with self.assertRaises(ValidationError):
            services.referral_decline(
                actor=self.world.officer, referral=referral, reason="Bukan wewenang kami"
            )
        services.referral_done(actor=self.world.officer, referral=referral)
        self.assertEqual(Referral.objects.get(pk=referral.pk).status, ReferralStatus.DONE)
        with self.assertRaises(ValidationError):
            services.referral_revoke(actor=self.world.worker, referral=referral)

    def test_decline_needs_a_reason(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        referral = self.refer()
        with self.assertRaises(ValidationError):
            services.referral_decline(actor=self.world.officer, referral=referral, reason="  ")
        self.assertEqual(Referral.objects.get(pk=referral.pk).status, ReferralStatus.PENDING)
        services.referral_decline(
            actor=self.world.officer, referral=referral, reason="Bukan wewenang kami"
        )
        stored = Referral.objects.get(pk=referral.pk)
        self.assertEqual(stored.status, ReferralStatus.DECLINED)
        self.assertEqual(stored.reason, "Bukan wewenang kami")
        with self.assertRaises(ValidationError):
            services.referral_revoke(actor=self.world.worker, referral=referral)

    def test_done_needs_an_accepted_referral(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        referral = self.refer()
        with self.assertRaises(ValidationError):
            services.referral_done(actor=self.world.officer, referral=referral)

    def test_revoke_a_pending_or_accepted_referral(self) -> None:
        self.consent(Purpose.SERVICES, Purpose.SHARING)
        pending = self.refer()
        services.referral_revoke(actor=self.world.worker, referral=pending, reason="Salah kirim")
        self.assertEqual(Referral.objects.get(pk=pending.pk).status, ReferralStatus.REVOKED)
        with self.assertRaises(ValidationError):
            services.referral_accept(actor=self.world.officer, referral=pending)
        accepted = self.refer()
        services.referral_accept(actor=self.world.officer, referral=accepted)
        services.referral_revoke(actor=self.world.worker, referral=accepted)
        self.assertEqual(Referral.objects.get(pk=accepted.pk).status, ReferralStatus.REVOKED)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class BreakGlassTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_a_reason_is_required(self) -> None:
        case = make_case(self.world, victims=[victim_data()])
        for reason in ("", "   ", "darurat"):
            with self.assertRaises(ValidationError):
                services.break_glass_open(actor=self.world.officer, case=case, reason=reason)
        self.assertFalse(case.break_glass.exists())

    def test_supervising_case_managers_are_told_without_the_childs_name(self) -> None:
        case = make_case(self.world, victims=[victim_data()])
        narrow = make_person(Role.CASE_MANAGER, agency=self.world.uptd, scope=self.world.kecamatan2)
        with self.captureOnCommitCallbacks(execute=True):
            grant = services.break_glass_open(actor=self.world.officer, case=case, reason=URGENT)
        self.assertEqual(grant.reason, URGENT)
        hours = (grant.expires_at - grant.started_at).total_seconds() / 3600
        self.assertAlmostEqual(hours, 4, places=2)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.world.manager.email])
        self.assertNotIn(narrow.email, message.to)
        self.assertNotIn(self.world.other_manager.email, message.to)
        self.assertIn(case.number, message.subject)
        self.assertIn(case.number, message.body)
        for plain in PLAINTEXTS:
            self.assertNotIn(plain, message.body)
            self.assertNotIn(plain, message.subject)
        self.assertIn(grant, list(_review_list(self.world)))
        self.assertTrue(CaseEvent.objects.filter(case=case, kind=EventKind.BREAK_GLASS).exists())


def _review_list(world: CaseWorld) -> QuerySet[BreakGlass]:
    from layak.cases.permissions import break_glass_to_review

    return break_glass_to_review(world.manager)


class DuplicateCheckTests(TestCase):
    world: CaseWorld
    case: Case

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        cls.case = make_case(cls.world, victims=[victim_data()])

    def check(self, **overrides: object) -> list[services.PossibleMatch]:
        values: dict[str, object] = {
            "city": self.world.city,
            "name": "",
            "birth_date": None,
            "nik": "",
        }
        values.update(overrides)
        return services.duplicate_check(**values)  # type: ignore[arg-type]  # test kwargs

    def test_the_same_nik_is_found_and_only_the_agency_is_told(self) -> None:
        matches = self.check(name="Nama Lain Sama Sekali", nik=VICTIM_NIK)
        self.assertEqual(len(matches), 1)
        match = matches[0]
        self.assertEqual({f.name for f in fields(match)}, {"agency_name", "agency_phone", "reason"})
        self.assertEqual(match.agency_name, self.world.uptd.name)
        self.assertEqual(match.agency_phone, "0542-111222")
        told = json.dumps(asdict(match))
        for plain in (VICTIM_NAME, VICTIM_NIK, VICTIM_BIRTH.isoformat(), self.case.number):
            self.assertNotIn(plain, told)

    def test_the_same_birth_date_and_a_similar_name_is_found(self) -> None:
        matches = self.check(name="siti aminah rahayoe", birth_date=VICTIM_BIRTH)
        self.assertEqual([m.agency_name for m in matches], [self.world.uptd.name])
        self.assertNotEqual(matches[0].reason, self.check(nik=VICTIM_NIK)[0].reason)

    def test_a_different_birth_date_finds_nothing(self) -> None:
        self.assertEqual(self.check(name=VICTIM_NAME, birth_date=datetime.date(2012, 3, 5)), [])

    def test_the_same_birth_date_with_another_name_finds_nothing(self) -> None:
        self.assertEqual(self.check(name="Dewi Lestari", birth_date=VICTIM_BIRTH), [])

    def test_another_city_finds_nothing(self) -> None:
        self.assertEqual(
            self.check(
                city=self.world.other_city,
                name=VICTIM_NAME,
                birth_date=VICTIM_BIRTH,
                nik=VICTIM_NIK,
            ),
            [],
        )

    def test_the_case_itself_can_be_left_out(self) -> None:
        self.assertEqual(self.check(nik=VICTIM_NIK, exclude_case=self.case), [])


class TeamAndStageTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_member_add_refuses_staff_of_another_agency(self) -> None:
        case = make_case(self.world)
        with self.assertRaises(ValidationError):
            services.member_add(actor=self.world.manager, case=case, user=self.world.officer)
        self.assertFalse(CaseMember.objects.filter(case=case).exists())

    def test_member_add_refuses_people_without_a_case_role(self) -> None:
        case = make_case(self.world)
        counsellor = make_person(Role.COUNSELLOR, agency=self.world.uptd)
        with self.assertRaises(ValidationError):
            services.member_add(actor=self.world.manager, case=case, user=counsellor)

    def test_member_add_puts_a_colleague_on_the_team(self) -> None:
        case = make_case(self.world)
        services.member_add(actor=self.world.manager, case=case, user=self.world.colleague)
        self.assertTrue(CaseMember.objects.filter(case=case, user=self.world.colleague).exists())
        self.assertEqual(Case.objects.get(pk=case.pk).version, case.version + 1)

    def test_close_and_reopen(self) -> None:
        case = make_case(self.world)
        closed = services.stage_set(
            actor=self.world.worker, case=case, stage=Stage.CLOSED, note="Anak kembali aman"
        )
        self.assertTrue(closed.is_closed)
        self.assertEqual(closed.closed_on, timezone.localdate())
        self.assertIsNotNone(closed.followup_done_at)
        stored = Case.objects.get(pk=case.pk)
        self.assertEqual(stored.closure_note, "Anak kembali aman")
        reopened = services.stage_set(actor=self.world.worker, case=case, stage=Stage.MONITORING)
        self.assertEqual(reopened.stage, Stage.MONITORING)
        self.assertIsNone(Case.objects.get(pk=case.pk).closed_on)
        kinds = list(
            CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True)
        )
        self.assertEqual(kinds[-2:], [EventKind.CLOSED, EventKind.REOPENED])

    def test_an_unknown_stage_is_refused(self) -> None:
        case = make_case(self.world)
        with self.assertRaises(ValidationError):
            services.stage_set(actor=self.world.worker, case=case, stage="archived")
