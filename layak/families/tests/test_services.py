"""Puspaga rules through the services and the public pages (issue #5): booking without double
booking, encryption of family data and notes, the certificate and its public check, the
consent-limited hand-off, suppressed counts, the indicator-8 suggestion and the reminders."""

from __future__ import annotations

import datetime
from unittest import mock

from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.cases.models import Channel, Report
from layak.cases.services import public_status
from layak.core.disclosure import hidden_mark
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.families import selectors, services
from layak.families.models import (
    Booking,
    BookingStatus,
    Certificate,
    Family,
    HandOff,
    Session,
    Topic,
)
from layak.families.selectors import service_counts
from layak.families.tests.factories import (
    FAMILY_EMAIL,
    FAMILY_NAME,
    FAMILY_PHONE,
    NOTES_TEXT,
    PLAINTEXTS,
    REQUEST_NOTE,
    FamilyWorld,
    family_data,
    first_slot_key,
    make_booking,
    make_family_world,
    make_session,
)


class BookingTests(TestCase):
    world: FamilyWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()

    def test_schedule_offers_slots_with_breaks(self) -> None:
        slots = [s for s in selectors.free_slots(self.world.city, days=7)]
        times = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots]
        self.assertEqual(times, ["08:00", "09:15", "10:30"])

    def test_booked_slot_is_no_longer_offered(self) -> None:
        key = first_slot_key(self.world)
        make_booking(self.world)
        self.assertNotIn(key, [s.key for s in selectors.free_slots(self.world.city)])

    def test_double_booking_is_refused(self) -> None:
        key = first_slot_key(self.world)
        make_booking(self.world)
        with self.assertRaises(ValidationError):
            services.booking_register_desk(
                actor=self.world.counsellor,
                data=services.RequestData(
                    family=family_data(), slot_key=key, mode="in_person", topic=Topic.TEENAGERS
                ),
            )
        self.assertEqual(Booking.objects.count(), 1)
        self.assertEqual(Family.objects.count(), 1)  # the second family rolled back too

    def test_database_refuses_a_second_active_booking_of_the_same_slot(self) -> None:
        booking = make_booking(self.world)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Booking.objects.create(
                region=booking.region,
                family=booking.family,
                service_point=booking.service_point,
                counsellor=booking.counsellor,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                mode="online",
                topic="other",
                source="desk",
            )

    def test_cancelled_slot_can_be_booked_again(self) -> None:
        key = first_slot_key(self.world)
        booking = make_booking(self.world)
        services.booking_set_status(
            actor=self.world.counsellor, booking=booking, status=BookingStatus.CANCELLED
        )
        self.assertIn(key, [s.key for s in selectors.free_slots(self.world.city)])
        make_booking(self.world)
        self.assertEqual(Booking.objects.filter(status=BookingStatus.BOOKED).count(), 1)

    def test_time_not_in_the_schedule_is_refused(self) -> None:
        key = first_slot_key(self.world)
        wrong = key[:-4] + "0815"
        with self.assertRaises(ValidationError):
            services.booking_register_desk(
                actor=self.world.counsellor,
                data=services.RequestData(
                    family=family_data(), slot_key=wrong, mode="in_person", topic="other"
                ),
            )

    def test_attendance_before_the_appointment_is_refused(self) -> None:
        booking = make_booking(self.world)
        with self.assertRaises(ValidationError):
            services.booking_set_status(
                actor=self.world.counsellor, booking=booking, status=BookingStatus.NO_SHOW
            )

    def test_no_show_is_recorded_once_the_time_has_come(self) -> None:
        booking = make_booking(self.world)
        later = booking.starts_at + datetime.timedelta(minutes=20)
        with mock.patch.object(timezone, "now", return_value=later):
            services.booking_set_status(
                actor=self.world.counsellor, booking=booking, status=BookingStatus.NO_SHOW
            )
        self.assertEqual(Booking.objects.get().status, BookingStatus.NO_SHOW)

    def test_session_of_a_booking_marks_attendance_and_assigns_the_counsellor(self) -> None:
        booking = make_booking(self.world)
        data = services.SessionData(
            held_on=timezone.localdate(booking.starts_at),
            mode="in_person",
            topic="parenting",
            outcome="advised",
        )
        with self.assertRaises(ValidationError):  # not before the appointment
            services.session_record(
                actor=self.world.counsellor, family=booking.family, booking=booking, data=data
            )
        later = booking.starts_at + datetime.timedelta(minutes=50)
        with mock.patch.object(timezone, "now", return_value=later):
            session = services.session_record(
                actor=self.world.counsellor, family=booking.family, booking=booking, data=data
            )
        booking.refresh_from_db()
        self.assertEqual(booking.status, BookingStatus.ATTENDED)
        self.assertEqual(session.family.assigned_counsellor, self.world.counsellor)

    def test_overlapping_hours_of_one_counsellor_are_refused(self) -> None:
        w = self.world
        with self.assertRaises(ValidationError):
            services.schedule_add(
                actor=w.admin,
                data=services.ScheduleData(
                    service_point=w.point,
                    counsellor=w.counsellor,
                    weekday=w.schedule.weekday,
                    start_time=datetime.time(11),
                    end_time=datetime.time(13),
                    valid_from=timezone.localdate(),
                ),
            )


class EncryptionTests(TestCase):
    def test_family_data_request_and_notes_are_not_stored_in_plain_text(self) -> None:
        world = make_family_world()
        booking = make_booking(world)
        make_session(world, family=booking.family)
        with connection.cursor() as cursor:
            rows: list[str] = []
            for table in ("families_family", "families_booking", "families_session"):
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
                rows += [repr(row) for row in cursor.fetchall()]
            cursor.execute("SELECT object_label, fields FROM core_auditentry")
            rows += [repr(row) for row in cursor.fetchall()]
        dump = "\n".join(rows)
        for plain in PLAINTEXTS:
            self.assertNotIn(plain, dump)
        self.assertEqual(Family.objects.get().name, FAMILY_NAME)
        self.assertEqual(Session.objects.get().notes, NOTES_TEXT)
        self.assertEqual(Booking.objects.get().request_note, REQUEST_NOTE)


class ConfidentialityTests(TestCase):
    world: FamilyWorld
    session: Session

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()
        cls.session = make_session(cls.world)

    def _get(self, user: object, url: str) -> bytes:
        client = Client()
        login(client, user)
        response = client.get(url)
        return bytes(response.content)

    def test_supervisor_cannot_read_session_notes_on_page_api_or_export(self) -> None:
        w = self.world
        for person in (w.secretariat, w.admin, w.leader):
            for url in (
                reverse("families:session", args=[self.session.pk]),
                f"/api/v1/families/sessions/{self.session.pk}/",
                reverse("families:counts") + "?format=csv",
                reverse("families:counts"),
                "/api/v1/families/counts/",
            ):
                with self.subTest(person=person.username, url=url):
                    body = self._get(person, url)
                    self.assertNotIn(NOTES_TEXT.encode(), body)
                    self.assertNotIn(FAMILY_NAME.encode(), body)

    def test_the_families_counsellor_reads_the_notes_and_the_reading_is_audited(self) -> None:
        body = self._get(self.world.counsellor, f"/api/v1/families/sessions/{self.session.pk}/")
        self.assertIn(NOTES_TEXT.encode(), body)
        entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("seq")
        self.assertEqual(entry.object_type, "families.session")
        self.assertEqual(entry.fields, ["notes"])
        self.assertEqual(entry.actor_id, self.world.counsellor.pk)

    def test_opening_the_family_file_is_audited(self) -> None:
        self._get(self.world.counsellor, reverse("families:family", args=[self.session.family_id]))
        entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("seq")
        self.assertEqual(entry.object_type, "families.family")
        self.assertNotIn(FAMILY_NAME, entry.object_label)

    def test_newly_assigned_counsellor_reads_the_notes_of_a_colleague(self) -> None:
        w = self.world
        services.family_assign(
            actor=w.admin, family=self.session.family, counsellor=w.other_counsellor
        )
        body = self._get(w.other_counsellor, reverse("families:session", args=[self.session.pk]))
        self.assertIn(NOTES_TEXT.encode(), body)


class CertificateTests(TestCase):
    world: FamilyWorld
    session: Session
    certificate: Certificate

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()
        cls.session = make_session(cls.world, topic=Topic.CHILD_MARRIAGE)
        cls.certificate = services.certificate_issue(
            actor=cls.world.counsellor, session=cls.session
        )

    def test_numbers_are_sequential_with_a_check_part(self) -> None:
        second = services.certificate_issue(
            actor=self.world.counsellor,
            session=make_session(self.world, topic=Topic.CHILD_MARRIAGE),
        )
        year = timezone.localdate().year
        self.assertRegex(self.certificate.number, rf"^PSPG-6471-{year}-0001-[A-Z2-9]{{4}}$")
        self.assertRegex(second.number, rf"^PSPG-6471-{year}-0002-[A-Z2-9]{{4}}$")
        self.assertEqual(self.certificate.initials, "S. N.")

    def test_only_child_marriage_prevention_gets_a_certificate(self) -> None:
        with self.assertRaises(ValidationError):
            services.certificate_issue(
                actor=self.world.counsellor, session=make_session(self.world, topic="parenting")
            )
        with self.assertRaises(ValidationError):
            services.certificate_issue(actor=self.world.counsellor, session=self.session)

    def test_pdf_is_a_pdf(self) -> None:
        pdf = services.certificate_render(self.certificate)
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_public_check_confirms_a_valid_number_without_the_name(self) -> None:
        response = Client().get(
            reverse("families_public:check"), {"number": self.certificate.number.lower()}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-valid="true"')
        self.assertContains(response, self.certificate.number)
        self.assertContains(response, "S. N.")
        self.assertContains(response, "Puspaga Harapan")
        self.assertNotContains(response, FAMILY_NAME)
        self.assertNotContains(response, "Nurhaliza")

    def test_public_check_of_an_unknown_number(self) -> None:
        response = Client().get(
            reverse("families_public:check"), {"number": "PSPG-6471-2020-9999-AAAA"}
        )
        self.assertContains(response, 'data-testid="certificate-unknown"')
        self.assertNotContains(response, 'data-testid="certificate-result"')

    def test_revoked_certificate_is_reported_invalid(self) -> None:
        Certificate.objects.filter(pk=self.certificate.pk).update(revoked_on=timezone.localdate())
        response = Client().get(
            reverse("families_public:check"), {"number": self.certificate.number}
        )
        self.assertContains(response, 'data-valid="false"')

    @override_settings(LAYAK_PUSPAGA_CHECKS_PER_HOUR=2)
    def test_public_check_is_throttled(self) -> None:
        client = Client()
        url = reverse("families_public:check")
        for _ in range(2):
            self.assertEqual(client.get(url, {"number": "PSPG-X-0000"}).status_code, 200)
        response = client.get(url, {"number": self.certificate.number})
        self.assertEqual(response.status_code, 429)
        self.assertNotContains(response, 'data-testid="certificate-result"', status_code=429)


class HandOffTests(TestCase):
    world: FamilyWorld
    session: Session

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()
        cls.session = make_session(cls.world)

    def _data(self, **overrides: object) -> services.HandOffData:
        values: dict[str, object] = {
            "consent": True,
            "consent_given_by": "Ibu",
            "consent_on": timezone.localdate(),
            "narrative": "Ibu dipukul suami di depan anak",
            "child_name": "Anak Uji Rahasia",
            "child_age": 9,
            "child_sex": "M",
        }
        values.update(overrides)
        return services.HandOffData(**values)  # type: ignore[arg-type]

    def test_only_what_the_consent_covers_reaches_the_report(self) -> None:
        handoff = services.handoff_create(
            actor=self.world.counsellor,
            session=self.session,
            data=self._data(covers_contact=True, covers_narrative=True),
        )
        report = Report.objects.get()
        self.assertEqual(report.channel, Channel.PUSPAGA)
        self.assertEqual(report.agency, self.world.uptd)
        self.assertEqual(report.reporter_user, self.world.counsellor)
        self.assertEqual(report.reporter_contact, f"{FAMILY_PHONE}, {FAMILY_EMAIL}")
        self.assertEqual(report.description, "Ibu dipukul suami di depan anak")
        # Not covered: stays empty.
        self.assertFalse(report.reporter_name)  # encrypted empty values read back as None
        self.assertFalse(report.child_name)
        self.assertIsNone(report.child_age)
        self.assertEqual(report.child_sex, "")
        self.assertIsNone(report.kelurahan)
        self.assertEqual(handoff.covered, ["contact", "narrative"])

    def test_everything_covered_goes_over(self) -> None:
        services.handoff_create(
            actor=self.world.counsellor,
            session=self.session,
            data=self._data(
                covers_identity=True,
                covers_contact=True,
                covers_location=True,
                covers_narrative=True,
                covers_child=True,
            ),
        )
        report = Report.objects.get()
        self.assertEqual(report.reporter_name, FAMILY_NAME)
        self.assertEqual(report.child_name, "Anak Uji Rahasia")
        self.assertEqual(report.child_age, 9)
        self.assertEqual(report.kelurahan, self.world.kelurahan)
        self.assertFalse(report.anonymous)

    def test_without_consent_nothing_is_handed_over(self) -> None:
        for data in (
            self._data(consent=False, covers_contact=True, covers_narrative=True),
            self._data(consent=True),  # consent that covers nothing
        ):
            with self.subTest(data=data), self.assertRaises(ValidationError):
                services.handoff_create(
                    actor=self.world.counsellor, session=self.session, data=data
                )
        self.assertFalse(Report.objects.exists())
        self.assertFalse(HandOff.objects.exists())

    def test_page_refuses_hand_off_without_consent(self) -> None:
        client = Client()
        login(client, self.world.counsellor)
        url = reverse("families:handoff_new", args=[self.session.pk])
        response = client.post(
            url,
            {
                "consent_on": timezone.localdate().isoformat(),
                "covers_narrative": "on",
                "narrative": "x",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("consent", response.context["form"].errors)
        self.assertFalse(Report.objects.exists())

    def test_counsellor_sees_only_the_status(self) -> None:
        handoff = services.handoff_create(
            actor=self.world.counsellor,
            session=self.session,
            data=self._data(covers_narrative=True),
        )
        client = Client()
        login(client, self.world.counsellor)
        response = client.get(reverse("families:handoff", args=[handoff.pk]))
        self.assertContains(response, 'data-status="received"')
        self.assertNotContains(response, "Ibu dipukul suami")
        self.assertEqual(services.handoff_status(handoff), public_status(handoff.report))


class CountsTests(TestCase):
    world: FamilyWorld

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_family_world()
        cls.world = w
        family = services.family_create(
            actor=w.counsellor, city=w.city, data=family_data(kelurahan=w.kelurahan), source="desk"
        )
        for _ in range(12):
            make_session(w, family=family, topic=Topic.PARENTING)
        for _ in range(6):
            make_session(w, family=family, topic=Topic.MARITAL)
        for _ in range(2):
            make_session(w, family=family, topic=Topic.DIGITAL, mode="online")

    def test_small_cells_are_hidden_with_the_cells_that_would_give_them_away(self) -> None:
        mark = hidden_mark()
        data = selectors.service_counts(self.world.city, timezone.localdate().year)
        rows = {r.key: r for r in data.by_topic.rows}
        # Digital safety online: 2 sessions -> hidden, and its row total too (else derivable).
        self.assertEqual(rows[Topic.DIGITAL].cells[1], mark)
        self.assertEqual(rows[Topic.DIGITAL].total, mark)
        # The online column would give the 2 away by subtraction: it is hidden as well, and so
        # is the grand total (18 in person + 0 outreach would leave the online column).
        self.assertEqual(data.by_topic.mode_totals[1], mark)
        self.assertEqual(data.by_topic.total, mark)
        self.assertEqual(rows[Topic.PARENTING].cells[0], "12")
        self.assertNotIn("2", [c for r in data.by_topic.rows for c in r.cells])
        kecamatan = {r.key: r for r in data.by_kecamatan.rows}
        # One kecamatan only: its online cell is the online column, so it hides too.
        self.assertEqual(kecamatan["64.71.01"].cells, ["18", mark, "0"])
        self.assertEqual(kecamatan["64.71.01"].total, mark)
        # Both tables publish the same mode totals and grand total.
        self.assertEqual(data.by_kecamatan.mode_totals, data.by_topic.mode_totals)
        self.assertEqual(data.by_kecamatan.total, data.by_topic.total)
        # One family is a small count.
        self.assertEqual(data.families, mark)
        self.assertEqual(
            selectors.mode_totals(self.world.city, timezone.localdate().year),
            {"in_person": 18, "online": None, "outreach": 0},
        )

    def test_csv_has_the_same_hidden_cells_as_the_page(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        response = client.get(reverse("families:counts"), {"format": "csv"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        text = response.content.decode()
        self.assertIn("topic,parenting,", text)
        self.assertIn(f"topic,digital_safety,Keamanan digital,0,{hidden_mark()},0,", text)
        self.assertNotIn("<5", text)
        self.assertNotIn(NOTES_TEXT, text)
        page = client.get(reverse("families:counts"))
        self.assertContains(page, f'class="hidden-cell" data-hidden>{hidden_mark()}<', count=8)
        self.assertContains(page, 'data-testid="hidden-legend"')
        self.assertNotContains(page, "&lt;5")
        self.assertEqual(text.count(hidden_mark()), 8)

    def test_suggestion_for_indicator_8(self) -> None:
        from layak.evaluations.suggestions import providers_for

        provider = next(p for p in providers_for("8") if p.key == "families.services")
        year = timezone.localdate().year
        suggestion = provider.compute(self.world.city, year, None)
        assert suggestion is not None
        # One family is a small cell: it is neither a value to take over nor in the text;
        # the sessions are the same protected figures the counts page shows.
        self.assertEqual(suggestion.values, {"jumlah_konselor": "1"})
        self.assertIn(f"{hidden_mark()} ", suggestion.text)
        self.assertNotIn("<5", suggestion.text)
        table = service_counts(self.world.city, year).by_topic
        self.assertIn(f"{table.total} ", suggestion.text)
        self.assertIsNone(provider.compute(self.world.city, year - 5, None))
        self.assertIsNone(provider.compute(self.world.city, year, self.world.kecamatan))


class PublicRequestTests(TestCase):
    world: FamilyWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()

    def _post(self, client: Client, **overrides: str) -> object:
        data = {
            "name": FAMILY_NAME,
            "phone": FAMILY_PHONE,
            "email": FAMILY_EMAIL,
            "topic": "teenagers",
            "mode": "in_person",
            "slot": first_slot_key(self.world),
            "note": REQUEST_NOTE,
            "agree": "on",
            "website": "",
        }
        data.update(overrides)
        return client.post(reverse("families_public:request"), data)

    def test_family_books_online(self) -> None:
        response = self._post(Client())
        self.assertContains(response, 'data-testid="family-code"')  # type: ignore[arg-type]
        booking = Booking.objects.get()
        self.assertEqual(booking.source, "online")
        self.assertEqual(booking.counsellor, self.world.counsellor)
        self.assertEqual(booking.family.name, FAMILY_NAME)

    def test_honeypot_stores_nothing(self) -> None:
        response = self._post(Client(), website="http://spam.example")
        self.assertEqual(response.status_code, 200)  # type: ignore[attr-defined]
        self.assertFalse(Family.objects.exists())

    def test_contact_is_required(self) -> None:
        response = self._post(Client(), phone="", email="")
        self.assertEqual(response.status_code, 400)  # type: ignore[attr-defined]
        self.assertTrue(response.context["form"].errors)  # type: ignore[attr-defined]
        self.assertFalse(Booking.objects.exists())

    @override_settings(LAYAK_PUSPAGA_REQUESTS_PER_HOUR=1)
    def test_requests_are_throttled_per_address(self) -> None:
        client = Client()
        self._post(client)
        response = self._post(client, slot=first_slot_key(self.world))
        self.assertEqual(response.status_code, 429)  # type: ignore[attr-defined]
        self.assertEqual(Booking.objects.count(), 1)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class ReminderTests(TestCase):
    def test_tomorrows_bookings_are_reminded_once_without_the_topic(self) -> None:
        world = make_family_world()
        booking = make_booking(world)
        day = timezone.localtime(booking.starts_at).date()
        call_command("puspaga_reminders", f"--date={day.isoformat()}", stdout=mock.MagicMock())
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [FAMILY_EMAIL])
        self.assertIn(world.point.name, mail.outbox[0].body)
        self.assertNotIn(REQUEST_NOTE, mail.outbox[0].body)
        from layak.families.tasks import enqueue_reminders

        self.assertEqual(enqueue_reminders(day), 0)
        self.assertEqual(len(mail.outbox), 1)
