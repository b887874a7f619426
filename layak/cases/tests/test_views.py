"""Case pages through the test client (issue #4): intake to closure, the public form and its
tracking code, conflicts, the duplicate warning, consent-gated referrals, audit on read."""

from __future__ import annotations

from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_person
from layak.cases import services
from layak.cases.models import Case, Lookup, Referral, ReferralStatus, Report, ReportStatus, Stage
from layak.cases.tests.factories import (
    VICTIM_NAME,
    CaseWorld,
    make_case,
    make_case_world,
    victim_data,
)
from layak.core.disclosure import hidden_mark
from layak.core.models import AuditEntry
from layak.core.testing import login


class CaseFlowViewTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        for person in (cls.world.worker, cls.world.manager, cls.world.officer):
            enable_totp(person)

    def client_for(self, user: object) -> Client:
        client = Client()
        login(client, user)
        return client

    def test_report_to_case_to_closure(self) -> None:
        w = self.world
        client = self.client_for(w.worker)
        response = client.post(
            reverse("cases:report_new"),
            {
                "channel": "hotline",
                "description": "Anak dipukul di rumah",
                "kelurahan": w.kelurahan.pk,
                "child_name": VICTIM_NAME,
                "child_age": "9",
                "child_sex": "F",
            },
        )
        report = Report.objects.get()
        self.assertRedirects(response, reverse("cases:report", args=[report.pk]))
        opened = client.post(
            reverse("cases:report_open", args=[report.pk]), {"kelurahan": w.kelurahan.pk}
        )
        case = Case.objects.get()
        self.assertRedirects(opened, reverse("cases:case", args=[case.pk]))
        report.refresh_from_db()
        self.assertEqual((report.status, report.case_id), (ReportStatus.CASE, case.pk))
        self.assertEqual(case.summary, "Anak dipukul di rumah")
        self.assertContains(client.get(reverse("cases:home")), case.number)
        closed = client.post(
            reverse("cases:stage", args=[case.pk]), {"stage": "closed", "note": "Selesai"}
        )
        self.assertRedirects(closed, reverse("cases:case", args=[case.pk]))
        case.refresh_from_db()
        self.assertEqual(case.stage, Stage.CLOSED)
        self.assertIsNotNone(case.closed_on)
        self.assertIsNotNone(case.followup_done_at)

    def test_report_handled_twice_is_refused(self) -> None:
        w = self.world
        report = services.report_record(actor=w.worker, data=services.ReportData("walk_in", "x"))
        client = self.client_for(w.worker)
        client.post(reverse("cases:report_dismiss", args=[report.pk]))
        client.post(reverse("cases:report_open", args=[report.pk]), {})
        self.assertFalse(Case.objects.exists())
        report.refresh_from_db()
        self.assertEqual(report.status, ReportStatus.DISMISSED)

    def test_opening_the_file_is_audited_and_listed_for_the_team(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        client = self.client_for(w.manager)
        before = AuditEntry.objects.filter(action="view", object_id=str(case.pk)).count()
        client.get(reverse("cases:case", args=[case.pk]))
        entry = AuditEntry.objects.filter(action="view", object_id=str(case.pk)).last()
        self.assertEqual(
            AuditEntry.objects.filter(action="view", object_id=str(case.pk)).count(), before + 1
        )
        assert entry is not None
        self.assertEqual(entry.actor_username, w.manager.username)
        self.assertNotIn(VICTIM_NAME, f"{entry.object_label}{entry.fields}")
        log = self.client_for(w.worker).get(reverse("cases:access_log", args=[case.pk]))
        self.assertContains(log, w.manager.username)

    def test_second_save_of_the_same_version_is_a_conflict(self) -> None:
        w = self.world
        case = make_case(w)
        client = self.client_for(w.worker)
        first = client.post(
            reverse("cases:case_edit", args=[case.pk]),
            {"summary": "Versi pertama", "version": case.version},
        )
        self.assertRedirects(first, reverse("cases:case", args=[case.pk]))
        second = self.client_for(w.manager).post(
            reverse("cases:case_edit", args=[case.pk]),
            {"summary": "Versi kedua", "version": case.version},
        )
        self.assertEqual(second.status_code, 409)
        self.assertContains(second, "Versi pertama", status_code=409)
        self.assertContains(second, "Versi kedua", status_code=409)
        case.refresh_from_db()
        self.assertEqual(case.summary, "Versi pertama")

    def test_duplicate_warning_names_the_agency_not_the_record(self) -> None:
        w = self.world
        make_case(w, victims=[victim_data()], summary="Rahasia kasus pertama")
        second = make_case(w)
        client = self.client_for(w.worker)
        data = {
            "name": "Siti Aminah Rahayu",
            "birth_date": "2012-03-04",
            "sex": "F",
            "age": "12",
            "violence": [Lookup.objects.get(kind="violence_form", code="psikis").pk],
        }
        warned = client.post(reverse("cases:victim_add", args=[second.pk]), data)
        self.assertContains(warned, "UPTD PPA Kota Balikpapan", status_code=400)
        self.assertNotContains(warned, "Rahasia kasus pertama", status_code=400)
        self.assertFalse(second.victims.exists())
        saved = client.post(
            reverse("cases:victim_add", args=[second.pk]), {**data, "confirm_duplicate": "on"}
        )
        self.assertRedirects(saved, reverse("cases:case", args=[second.pk]))
        self.assertEqual(second.victims.count(), 1)

    def test_referral_needs_consent_or_a_managers_reason(self) -> None:
        w = self.world
        case = make_case(w, victims=[victim_data()])
        url = reverse("cases:referral_new", args=[case.pk])
        data = {"scope": "case", "to_agency": w.police.pk, "message": "Mohon pendampingan"}
        refused = self.client_for(w.worker).post(url, data)
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "Persetujuan belum ada", status_code=400)
        not_authorised = self.client_for(w.worker).post(
            url, {**data, "override_reason": "Anak dalam bahaya"}
        )
        self.assertEqual(not_authorised.status_code, 400)
        self.assertFalse(Referral.objects.exists())
        done = self.client_for(w.manager).post(
            url, {**data, "override_reason": "Anak dalam bahaya, orang tua pelaku"}
        )
        self.assertRedirects(done, reverse("cases:case", args=[case.pk]))
        referral = Referral.objects.get()
        self.assertTrue(referral.override_reason)
        entry = AuditEntry.objects.get(object_type="cases.referral", action="create")
        self.assertIn("consent_override", entry.fields)
        officer = self.client_for(w.officer)
        self.assertEqual(officer.get(reverse("cases:case", args=[case.pk])).status_code, 404)
        officer.post(reverse("cases:referral_act", args=[referral.pk, "accept"]))
        referral.refresh_from_db()
        self.assertEqual(referral.status, ReferralStatus.ACCEPTED)
        self.assertEqual(officer.get(reverse("cases:case", args=[case.pk])).status_code, 200)
        self.client_for(w.worker).post(reverse("cases:referral_act", args=[referral.pk, "revoke"]))
        self.assertEqual(officer.get(reverse("cases:case", args=[case.pk])).status_code, 404)

    def test_decline_needs_a_reason(self) -> None:
        w = self.world
        case = make_case(w)
        services.consent_record(
            actor=w.worker,
            case=case,
            purpose="services",
            given_by="guardian",
            given_on=timezone.localdate(),
        )
        referral = services.referral_create(
            actor=w.worker,
            case=case,
            scope="service",
            to_agency=w.police,
            service_kind=Lookup.objects.get(kind="service_type", code="penegakan-hukum"),
        )
        officer = self.client_for(w.officer)
        officer.post(reverse("cases:referral_act", args=[referral.pk, "decline"]), {"reason": ""})
        referral.refresh_from_db()
        self.assertEqual(referral.status, ReferralStatus.PENDING)
        officer.post(
            reverse("cases:referral_act", args=[referral.pk, "decline"]),
            {"reason": "Bukan wilayah kami"},
        )
        referral.refresh_from_db()
        self.assertEqual((referral.status, referral.reason), ("declined", "Bukan wilayah kami"))

    def test_statistics_page_suppresses_small_cells(self) -> None:
        w = self.world
        make_case(w, victims=[victim_data()])
        leader = make_person(Role.LEADERSHIP, agency=w.uptd)
        response = self.client_for(leader).get(
            reverse("cases:statistics"),
            {"year": str(timezone.localdate().year), "unit": "victims", "dimension": "sex"},
        )
        self.assertContains(response, 'data-hidden="true"')
        self.assertNotContains(response, "&lt;5")
        self.assertNotContains(response, "<td>1</td>")
        csv = self.client_for(leader).get(
            reverse("cases:statistics"),
            {
                "year": str(timezone.localdate().year),
                "unit": "victims",
                "dimension": "sex",
                "format": "csv",
            },
        )
        self.assertIn(hidden_mark(), csv.content.decode())
        self.assertNotIn("<5", csv.content.decode())
        bad = self.client_for(leader).get(
            reverse("cases:statistics"), {"year": "1999", "unit": "reports", "dimension": "form"}
        )
        self.assertEqual(bad.status_code, 400)


@override_settings(LAYAK_PUBLIC_FORM_PER_HOUR=3)
class PublicFormTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()

    def test_report_and_status_by_tracking_code(self) -> None:
        client = Client()
        page = client.get(reverse("report:form"))
        self.assertEqual(page.status_code, 200)
        response = client.post(
            reverse("report:form"),
            {
                "description": "Ada anak ditelantarkan di pasar",
                "kelurahan": self.world.kelurahan.pk,
                "anonymous": "on",
                "reporter_name": "Tidak boleh disimpan",
            },
        )
        report = Report.objects.get()
        self.assertContains(response, report.tracking_code)
        self.assertEqual(report.channel, "web")
        self.assertEqual(report.agency, self.world.uptd)
        self.assertEqual(report.reporter_name, None)
        status = client.post(reverse("report:status"), {"code": report.tracking_code.lower()})
        self.assertContains(status, 'data-testid="report-status"')
        self.assertNotContains(status, "ditelantarkan")
        case = services.case_open(actor=self.world.worker, report=report, data=services.CaseData())
        status = client.post(reverse("report:status"), {"code": report.tracking_code})
        self.assertContains(status, "Sedang ditangani")
        self.assertNotContains(status, case.number)
        services.stage_set(actor=self.world.worker, case=case, stage=Stage.CLOSED)
        status = client.post(reverse("report:status"), {"code": report.tracking_code})
        self.assertContains(status, "Ditutup")
        unknown = client.post(reverse("report:status"), {"code": "ZZZZZZZZZZ"})
        self.assertContains(unknown, "Tidak ada laporan dengan kode pelacakan ini")

    def test_honeypot_stores_nothing(self) -> None:
        response = Client().post(
            reverse("report:form"), {"description": "spam", "website": "http://spam.example"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Report.objects.exists())

    def test_throttled_per_address(self) -> None:
        client = Client(REMOTE_ADDR="203.0.113.9")
        for _ in range(3):
            client.post(reverse("report:form"), {"description": "laporan"})
        refused = client.post(reverse("report:form"), {"description": "laporan"})
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(Report.objects.count(), 3)
        other = Client(REMOTE_ADDR="203.0.113.10").post(
            reverse("report:form"), {"description": "laporan"}
        )
        self.assertEqual(other.status_code, 200)
        self.assertEqual(Report.objects.count(), 4)

    def test_bad_input_gets_a_message_and_changes_nothing(self) -> None:
        response = Client().post(reverse("report:form"), {"description": "", "child_age": "40"})
        self.assertEqual(response.status_code, 400)  # a refused form (layak.core.forms)
        self.assertContains(response, 'role="alert"', status_code=400)
        self.assertFalse(Report.objects.exists())


class LookupAdminTests(TestCase):
    def test_administrator_edits_lists_others_cannot(self) -> None:
        world = make_case_world()
        admin = make_person(Role.ADMIN, agency=world.uptd)
        client = Client()
        login(client, admin)
        self.assertEqual(client.get(reverse("cases:lookups")).status_code, 200)
        response = client.post(
            reverse("cases:lookup_new"),
            {"kind": "violence_form", "code": "daring", "name": "Kekerasan daring", "order": 8},
        )
        self.assertRedirects(response, reverse("cases:lookups"))
        self.assertTrue(Lookup.objects.filter(code="daring").exists())
        enable_totp(world.worker)
        login(client, world.worker)
        self.assertEqual(client.get(reverse("cases:lookups")).status_code, 403)


class HolidayPageTests(TestCase):
    def test_holiday_moves_the_follow_up_deadline(self) -> None:
        import datetime

        world = make_case_world()
        admin = make_person(Role.ADMIN, agency=world.uptd)
        client = Client()
        login(client, admin)
        monday = datetime.date(2026, 11, 30)
        self.assertEqual(services.working_days_after(monday, 3), datetime.date(2026, 12, 3))
        response = client.post(
            reverse("cases:holidays"), {"date": "2026-12-01", "name": "Libur uji"}
        )
        self.assertRedirects(response, reverse("cases:holidays"))
        self.assertEqual(services.working_days_after(monday, 3), datetime.date(2026, 12, 4))
        bad = client.post(reverse("cases:holidays"), {"date": "2026-12-01", "name": "Lagi"})
        self.assertEqual(bad.status_code, 400)
        from layak.cases.models import Holiday

        client.post(reverse("cases:holidays"), {"remove": str(Holiday.objects.get().pk)})
        self.assertFalse(Holiday.objects.exists())
        enable_totp(world.worker)
        login(client, world.worker)
        self.assertEqual(client.get(reverse("cases:holidays")).status_code, 403)


class RefusedFormTests(TestCase):
    """A form refused by itself or by its service: the page again, the error on the form,
    400, nothing changed (``layak.core.forms``, issue #14)."""

    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        enable_totp(cls.world.worker)

    def setUp(self) -> None:
        self.client = Client()
        login(self.client, self.world.worker)

    def test_merging_into_an_unknown_number_shows_the_report_again(self) -> None:
        report = services.report_record(
            actor=self.world.worker, data=services.ReportData("walk_in", "x")
        )
        response = self.client.post(
            reverse("cases:report_merge", args=[report.pk]), {"number": "NO-SUCH-NUMBER"}
        )
        self.assertContains(response, 'class="error" role="alert"', status_code=400)
        report.refresh_from_db()
        self.assertEqual(report.status, ReportStatus.RECEIVED)

    def test_an_unknown_stage_shows_the_case_again(self) -> None:
        case = make_case(self.world)
        response = self.client.post(reverse("cases:stage", args=[case.pk]), {"stage": "nope"})
        self.assertContains(response, 'role="alert"', status_code=400)
        case.refresh_from_db()
        self.assertEqual(case.stage, Stage.INTAKE)

    def test_a_report_handled_meanwhile_says_so(self) -> None:
        report = services.report_record(
            actor=self.world.worker, data=services.ReportData("walk_in", "x")
        )
        services.report_dismiss(actor=self.world.worker, report=report)
        response = self.client.post(
            reverse("cases:report_open", args=[report.pk]), {"kelurahan": self.world.kelurahan.pk}
        )
        self.assertContains(response, 'class="errors" role="alert"', status_code=400)
        self.assertFalse(Case.objects.exists())

    def test_a_malformed_tracking_code_is_refused(self) -> None:
        response = Client().post(reverse("report:status"), {"code": "x"})
        self.assertContains(response, 'role="alert"', status_code=400)
