"""Regression tests for the security review of the case module: each would have passed a
leak or a crash before its fix."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_person
from layak.cases import services
from layak.cases.models import Lookup, Referral, ReferralScope, ReferralStatus, Report
from layak.cases.tests.factories import (
    VICTIM_NAME,
    CaseWorld,
    make_case,
    make_case_world,
    report_data,
    victim_data,
)
from layak.core.errors import ConflictError
from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.core.throttles import public_throttle_key


class ReviewFindingTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        for person in (cls.world.worker, cls.world.manager, cls.world.colleague, cls.world.officer):
            enable_totp(person)

    def client_for(self, user: object) -> Client:
        client = Client()
        login(client, user)
        return client

    def test_a_person_who_moves_agency_loses_the_files_and_can_be_removed(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        services.member_add(actor=w.manager, case=case, user=w.colleague)
        url = reverse("cases:case", args=[case.pk])
        self.assertEqual(self.client_for(w.colleague).get(url).status_code, 200)
        w.colleague.agency = w.police
        w.colleague.save()
        self.assertEqual(self.client_for(w.colleague).get(url).status_code, 404)
        removed = self.client_for(w.manager).post(
            reverse("cases:team", args=[case.pk]), {"user": w.colleague.pk, "action": "remove"}
        )
        self.assertRedirects(removed, url)
        self.assertFalse(case.members.exists())

    def test_withdrawing_consent_to_share_revokes_the_file_referral(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        consents = {
            purpose: services.consent_record(
                actor=w.worker,
                case=case,
                purpose=purpose,
                given_by="guardian",
                given_on=timezone.localdate(),
            )
            for purpose in ("services", "sharing")
        }
        referral = services.referral_create(
            actor=w.worker, case=case, scope=ReferralScope.CASE, to_agency=w.police
        )
        services.referral_accept(actor=w.officer, referral=referral)
        officer = self.client_for(w.officer)
        self.assertEqual(officer.get(reverse("cases:case", args=[case.pk])).status_code, 200)
        services.consent_withdraw(
            actor=w.worker, consent=consents["sharing"], on=timezone.localdate()
        )
        referral.refresh_from_db()
        self.assertEqual(referral.status, ReferralStatus.REVOKED)
        self.assertEqual(officer.get(reverse("cases:case", args=[case.pk])).status_code, 404)
        self.assertEqual(
            officer.get(reverse("cases:referral", args=[referral.pk])).status_code, 404
        )

    def test_dismissed_reports_stay_with_who_recorded_them_and_managers(self) -> None:
        w = self.world
        report = services.report_record(actor=w.worker, data=report_data())
        services.report_dismiss(actor=w.worker, report=report)
        url = reverse("cases:report", args=[report.pk])
        self.assertEqual(self.client_for(w.colleague).get(url).status_code, 404)
        self.assertEqual(self.client_for(w.worker).get(url).status_code, 200)
        self.assertEqual(self.client_for(w.manager).get(url).status_code, 200)

    def test_waiting_reports_are_for_the_desk_of_the_area(self) -> None:
        w = self.world
        report = services.report_record(actor=w.worker, data=report_data(kelurahan=w.kelurahan2))
        elsewhere = make_person(Role.CASE_WORKER, agency=w.uptd, scope=w.kecamatan)
        enable_totp(elsewhere)
        url = reverse("cases:report", args=[report.pk])
        self.assertEqual(self.client_for(elsewhere).get(url).status_code, 404)
        self.assertEqual(self.client_for(w.colleague).get(url).status_code, 200)

    def test_old_dismissed_reports_are_anonymised(self) -> None:
        w = self.world
        report = services.report_record(actor=w.worker, data=report_data())
        services.report_dismiss(actor=w.worker, report=report)
        Report.objects.filter(pk=report.pk).update(
            received_at=timezone.now().replace(year=timezone.now().year - 12)
        )
        services.anonymise_closed_cases(years=10)
        report.refresh_from_db()
        self.assertFalse(report.child_name)
        self.assertFalse(report.reporter_name)
        self.assertFalse(report.description)

    def test_no_merge_into_a_closed_case(self) -> None:
        w = self.world
        case = make_case(w)
        services.stage_set(actor=w.worker, case=case, stage="closed")
        report = services.report_record(actor=w.worker, data=report_data())
        with self.assertRaises(ValidationError):
            services.report_merge(actor=w.worker, report=report, case=case)
        report.refresh_from_db()
        self.assertIsNone(report.case_id)

    def test_victim_edits_of_the_same_version_conflict(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        victim = case.victims.get()
        version = case.version
        services.victim_update(
            actor=w.worker, victim=victim, data=victim_data(name="Nama Pertama"), version=version
        )
        with self.assertRaises(ConflictError):
            services.victim_update(
                actor=w.manager, victim=victim, data=victim_data(name="Nama Kedua"), version=version
            )
        victim.refresh_from_db()
        self.assertEqual(victim.name, "Nama Pertama")

    def test_opening_a_victim_and_checking_duplicates_are_audited(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        victim = case.victims.get()
        client = self.client_for(w.worker)
        page = client.get(reverse("cases:victim_edit", args=[case.pk, victim.pk]))
        self.assertContains(page, VICTIM_NAME)
        views = AuditEntry.objects.filter(object_id=str(case.pk), action="view")
        self.assertTrue(any("victims" in entry.fields for entry in views))
        other = make_case(w)
        client.post(
            reverse("cases:victim_add", args=[other.pk]),
            {
                "name": "Nama Lain",
                "sex": "F",
                "age": "5",
                "violence": [Lookup.objects.get(kind="violence_form", code="psikis").pk],
            },
        )
        checks = AuditEntry.objects.filter(object_id=str(other.pk), action="view")
        self.assertTrue(any("duplicate_check" in entry.fields for entry in checks))

    def test_referral_override_reason_is_for_the_team_only(self) -> None:
        w = self.world
        case = make_case(w)
        referral = services.referral_create(
            actor=w.manager,
            case=case,
            scope=ReferralScope.CASE,
            to_agency=w.police,
            override_reason="Ayah tiri mengancam anak",
            may_override=True,
        )
        receiver = self.client_for(w.officer).get(reverse("cases:referral", args=[referral.pk]))
        self.assertNotContains(receiver, "Ayah tiri")
        team = self.client_for(w.worker).get(reverse("cases:referral", args=[referral.pk]))
        self.assertContains(team, "Ayah tiri")
        self.assertEqual(Referral.objects.count(), 1)

    def test_bad_numbers_get_an_answer_not_a_crash(self) -> None:
        w = self.world
        client = self.client_for(w.manager)
        for year in ("10000", "-5"):
            response = client.get("/api/v1/cases/statistics/", {"year": year})
            self.assertIn(response.status_code, (400, 422), year)
        self.assertIn(
            client.get("/api/v1/cases/", {"offset": "99999999999999999999"}).status_code,
            (200, 422),
        )
        self.assertEqual(
            client.get(reverse("cases:export", args=["csv"]), {"year": "99999"}).status_code, 200
        )
        response = self.client_for(w.worker).post(
            reverse("cases:report_new"),
            {"channel": "hotline", "description": "x", "child_age": "-3"},
        )
        # A refused form: the page again with the error, 400 (layak.core.forms).
        self.assertContains(response, 'role="alert"', status_code=400)
        self.assertFalse(Report.objects.exists())


class ThrottleNetworkTests(TestCase):
    def test_an_ipv6_64_counts_as_one_sender(self) -> None:
        first = public_throttle_key("2001:db8:1:2::1", "report")
        self.assertEqual(first, public_throttle_key("2001:db8:1:2:ffff::9", "report"))
        self.assertNotEqual(first, public_throttle_key("2001:db8:1:3::1", "report"))
        self.assertNotEqual(
            public_throttle_key("203.0.113.9", "report"),
            public_throttle_key("203.0.113.10", "report"),
        )
