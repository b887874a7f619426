"""Rules of the Forum Anak services (issue #5): encryption of children's data, consent and its
withdrawal, routing, answering with evidence, Musrenbang outcomes, the due-date escalation
(once), and the audit trail holding field names only."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.participation import services
from layak.participation.models import (
    Aspiration,
    Cluster,
    Consent,
    Member,
    PlanningLevel,
    PlanningStatus,
    Status,
)
from layak.participation.tests.factories import (
    CHILD_NAME,
    CHILD_TEXT,
    MEMBER_NAME,
    MEMBER_SCHOOL,
    PARENT_NAME,
    PUBLIC_TEXT,
    World,
    answered,
    make_member,
    make_public_aspiration,
    make_world,
    routed,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _raw(table: str, columns: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - fixed names in tests
        return repr(cursor.fetchall())


class EncryptionTests(TestCase):
    def test_childrens_data_is_encrypted_in_raw_rows(self) -> None:
        world = make_world()
        member = make_member(world)
        make_public_aspiration(world)
        self.assertEqual(Member.objects.get(pk=member.pk).name, MEMBER_NAME)
        rows = (
            _raw("participation_member", "name, school, birth_year")
            + _raw("participation_consent", "given_by")
            + _raw("participation_aspiration", "text, child_name")
        )
        for secret in (MEMBER_NAME, MEMBER_SCHOOL, PARENT_NAME, CHILD_NAME, CHILD_TEXT, "Nadia"):
            with self.subTest(secret=secret):
                self.assertNotIn(secret, rows)
        self.assertNotIn(str(member.birth_year), _raw("participation_member", "birth_year"))

    def test_audit_entries_hold_field_names_only(self) -> None:
        world = make_world()
        make_member(world)
        make_public_aspiration(world)
        dump = repr(list(AuditEntry.objects.values()))
        for secret in (MEMBER_NAME, MEMBER_SCHOOL, PARENT_NAME, CHILD_NAME, "Nadia"):
            self.assertNotIn(secret, dump)
        self.assertIn("child_name", dump)


class ConsentTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def test_a_member_cannot_be_added_without_consent(self) -> None:
        with self.assertRaises(ValidationError):
            services.member_add(
                actor=self.world["facilitator"],
                forum=self.world.city_forum,
                data=services.MemberData(name="Anak Baru", joined_on=timezone.localdate()),
                consent=services.ConsentData(
                    given_by="", relation="mother", given_on=timezone.localdate()
                ),
            )
        self.assertFalse(Member.objects.exists())

    def test_withdrawing_the_only_consent_ends_membership_and_erases_the_data(self) -> None:
        member = make_member(self.world)
        consent = member.consents.get()
        client = Client()
        login(client, self.world["facilitator"])
        response = client.post(
            reverse("participation:consent_withdraw", args=[consent.pk]),
            {"withdraw-on": timezone.localdate().isoformat()},
        )
        self.assertEqual(response.status_code, 302)
        member.refresh_from_db()
        consent.refresh_from_db()
        self.assertEqual(consent.withdrawn_on, timezone.localdate())
        self.assertEqual(member.left_on, timezone.localdate())
        self.assertIsNotNone(member.erased_at)
        self.assertEqual(
            (member.name or "", member.school or "", member.birth_year), ("", "", None)
        )
        self.assertFalse(consent.given_by)
        page = client.get(reverse("participation:forum", args=[self.world.city_forum.pk]))
        self.assertNotContains(page, MEMBER_NAME)
        self.assertEqual(page.context["member_count"], "0")
        # Erased data cannot be edited back in, and the consent cannot be withdrawn twice.
        edit = client.post(
            reverse("participation:member", args=[member.pk]),
            {"name": "X", "joined_on": "2024-01-01"},
        )
        self.assertEqual(edit.status_code, 403)
        again = client.post(reverse("participation:consent_withdraw", args=[consent.pk]))
        self.assertEqual(again.status_code, 403)

    def test_with_a_second_consent_the_member_stays(self) -> None:
        member = make_member(self.world)
        services.consent_record(
            actor=self.world["facilitator"],
            member=member,
            data=services.ConsentData(
                given_by="Bapak Wali", relation="father", given_on=timezone.localdate()
            ),
        )
        first = Consent.objects.filter(member=member).order_by("pk").first()
        assert first is not None
        services.consent_withdraw(
            actor=self.world["facilitator"], consent=first, on=timezone.localdate()
        )
        member.refresh_from_db()
        self.assertIsNone(member.left_on)
        self.assertEqual(member.name, MEMBER_NAME)

    def test_withdrawal_before_it_was_given_is_refused(self) -> None:
        consent = make_member(self.world).consents.get()
        with self.assertRaises(ValidationError):
            services.consent_withdraw(
                actor=self.world["facilitator"],
                consent=consent,
                on=consent.given_on - datetime.timedelta(days=1),
            )


class AspirationFlowTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def setUp(self) -> None:
        media = tempfile.mkdtemp(prefix="layak-participation-")
        self.addCleanup(shutil.rmtree, media, True)
        self.enterContext(override_settings(MEDIA_ROOT=media))

    @override_settings(LAYAK_ASPIRATION_DUE_DAYS=10)
    def test_routing_sets_cluster_agency_and_default_due_date(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        self.assertEqual(aspiration.status, Status.RECEIVED)
        self.assertEqual(aspiration.due_on, timezone.localdate() + datetime.timedelta(days=10))
        self.assertEqual(aspiration.cluster, Cluster.EDUCATION)

    def test_routing_needs_a_child_safe_text_without_the_name(self) -> None:
        aspiration = make_public_aspiration(self.world)
        for text in ("", "Nadia minta lampu taman", "Puspitasari minta lampu taman"):
            with self.subTest(text=text), self.assertRaises(ValidationError):
                routed(self.world, aspiration, safe_text=text)
        aspiration.refresh_from_db()
        self.assertEqual((aspiration.status, aspiration.public_text), (Status.NEW, ""))

    def test_the_agency_reads_the_child_safe_text_only(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        client = Client()
        login(client, self.world["opd"])
        page = client.get(reverse("participation:aspiration", args=[aspiration.pk]))
        self.assertContains(page, PUBLIC_TEXT)
        self.assertNotContains(page, CHILD_TEXT)
        api = client.get(f"/api/v1/participation/aspirations/{aspiration.pk}/").json()
        self.assertEqual(api["text"], PUBLIC_TEXT)

    def test_routing_to_another_citys_agency_is_refused(self) -> None:
        aspiration = make_public_aspiration(self.world)
        with self.assertRaises(ValidationError):
            routed(self.world, aspiration, agency=self.world.other_agency)
        aspiration.refresh_from_db()
        self.assertEqual(aspiration.status, Status.NEW)

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def test_routing_e_mails_the_agency_without_the_childs_data(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            routed(self.world, make_public_aspiration(self.world))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.world["opd"].email])
        self.assertNotIn("Nadia", f"{mail.outbox[0].body} {mail.outbox[0].subject}")
        self.assertNotIn("taman", mail.outbox[0].body)

    def test_agency_answers_with_evidence_then_acts(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        client = Client()
        login(client, self.world["opd"])
        url = reverse("participation:aspiration_respond", args=[aspiration.pk])
        response = client.post(
            url,
            {
                "respond-status": Status.ANSWERED,
                "respond-response": "Kami akan memperbaiki taman.",
                "respond-evidence": SimpleUploadedFile("bukti.pdf", PDF),
            },
        )
        self.assertEqual(response.status_code, 302)
        aspiration.refresh_from_db()
        self.assertEqual(aspiration.status, Status.ANSWERED)
        self.assertEqual(aspiration.evidence_type, "application/pdf")
        client.post(url, {"respond-status": Status.ACTED, "respond-response": "Sudah diperbaiki."})
        aspiration.refresh_from_db()
        self.assertEqual(aspiration.status, Status.ACTED)
        self.assertIsNotNone(aspiration.acted_at)
        # Acted upon is final for the agency.
        self.assertEqual(client.post(url, {}).status_code, 403)

    def test_evidence_that_is_not_an_accepted_file_is_refused(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        with self.assertRaises(ValidationError):
            services.aspiration_respond(
                actor=self.world["opd"],
                aspiration=aspiration,
                status=Status.ANSWERED,
                response="Jawaban kami.",
                evidence=SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00 not a pdf"),
                evidence_name="bukti.pdf",
            )
        aspiration.refresh_from_db()
        self.assertEqual(aspiration.status, Status.RECEIVED)

    def test_publishing_needs_routing_first(self) -> None:
        with self.assertRaises(ValidationError):
            services.aspiration_publish(
                actor=self.world["facilitator"],
                aspiration=make_public_aspiration(self.world),
                public_text="Taman perlu lampu.",
            )

    def test_musrenbang_outcome(self) -> None:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        with self.assertRaises(ValidationError):
            services.planning_record(
                actor=self.world["facilitator"],
                aspiration=aspiration,
                data=services.PlanningData(
                    level=PlanningLevel.CITY, year=2026, status=PlanningStatus.FUNDED
                ),
            )
        proposal = services.planning_record(
            actor=self.world["facilitator"],
            aspiration=aspiration,
            data=services.PlanningData(
                level=PlanningLevel.CITY,
                year=2026,
                status=PlanningStatus.FUNDED,
                funded_year=2027,
                amount=None,
            ),
        )
        self.assertEqual(proposal.funded_year, 2027)
        self.assertEqual(aspiration.planning.status, PlanningStatus.FUNDED)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class EscalationTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def _overdue(self) -> Aspiration:
        aspiration = routed(self.world, make_public_aspiration(self.world))
        Aspiration.objects.filter(pk=aspiration.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=1)
        )
        return aspiration

    def test_a_missed_due_date_escalates_to_the_secretariat_once(self) -> None:
        late = self._overdue()
        on_time = routed(self.world, make_public_aspiration(self.world))
        done = self._overdue()
        answered(self.world, done)
        mail.outbox.clear()
        out = StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("aspiration_deadlines", stdout=out)
        self.assertIn("1 aspiration(s) escalated", out.getvalue())
        late.refresh_from_db()
        on_time.refresh_from_db()
        self.assertIsNotNone(late.escalated_at)
        self.assertIsNone(on_time.escalated_at)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.world["secretariat"].email])
        self.assertIn(str(late.pk), mail.outbox[0].body)
        self.assertNotIn("Nadia", mail.outbox[0].body)
        # The next day's run escalates nothing again.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                services.aspirations_escalate(
                    today=timezone.localdate() + datetime.timedelta(days=1)
                ),
                [],
            )
        self.assertEqual(len(mail.outbox), 1)

    def test_escalation_shows_on_the_secretariat_list(self) -> None:
        late = self._overdue()
        services.aspirations_escalate()
        client = Client()
        login(client, self.world["secretariat"])
        page = client.get(reverse("participation:aspirations"), {"overdue": "on"})
        self.assertEqual([a.pk for a in page.context["rows"]], [late.pk])

    def test_escalation_is_not_repeated_when_the_clock_goes_on(self) -> None:
        self._overdue()
        later = timezone.now() + datetime.timedelta(days=3)
        self.assertEqual(len(services.aspirations_escalate()), 1)
        with mock.patch.object(timezone, "now", return_value=later):
            self.assertEqual(services.aspirations_escalate(), [])
