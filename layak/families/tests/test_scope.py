"""Puspaga on the one rule of "which kab/kota does this person work in" (issue #14,
``accounts.scope``), and the booking's rules computed on the model, not in the template."""

from __future__ import annotations

from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.testing import login
from layak.families.permissions import can_counsel, counts_city
from layak.families.tests.factories import FamilyWorld, make_booking, make_family_world
from layak.regions.tests.factories import make_region


class ProvinceStaffTests(TestCase):
    """Province staff work in no kab/kota: they neither counsel nor read a kab/kota's counts
    (403); a superuser without a kab/kota reads the deployment's home kab/kota."""

    world: FamilyWorld
    province_counsellor: User
    province_secretariat: User
    superuser: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()
        province = make_agency(region=make_region("64"), code="dp3a-prov", name="DP3A Provinsi")
        cls.province_counsellor = make_person(
            Role.COUNSELLOR, agency=province, username="konselor.provinsi"
        )
        cls.province_secretariat = make_person(
            Role.SECRETARIAT, agency=province, username="sekretariat.provinsi"
        )
        cls.superuser = make_person(username="super.uji", is_superuser=True, is_staff=True)
        User.objects.filter(pk=cls.superuser.pk).update(agency=None)
        cls.superuser.refresh_from_db()

    def test_province_staff_are_refused(self) -> None:
        self.assertFalse(can_counsel(self.province_counsellor))
        self.assertIsNone(counts_city(self.province_secretariat))
        for person, name in (
            (self.province_counsellor, "families:booking_new"),
            (self.province_counsellor, "families:home"),
            (self.province_secretariat, "families:counts"),
        ):
            with self.subTest(person=person.username, page=name):
                client = Client()
                login(client, person)
                self.assertEqual(client.get(reverse(name)).status_code, 403)

    @override_settings(LAYAK_HOME_REGION="64.71")
    def test_superuser_without_a_city_reads_the_home_city(self) -> None:
        self.assertIsNone(self.superuser.agency)
        self.assertEqual(counts_city(self.superuser), self.world.city)
        client = Client()
        login(client, self.superuser)
        self.assertEqual(client.get(reverse("families:counts")).status_code, 200)


class BookingRulesTests(TestCase):
    world: FamilyWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_family_world()

    def test_a_future_booking_awaits_its_session_and_no_attendance(self) -> None:
        booking = make_booking(self.world)
        self.assertFalse(booking.has_started)
        self.assertTrue(booking.awaits_session)
        client = Client()
        login(client, self.world.counsellor)
        page = client.get(reverse("families:booking", args=[booking.pk]))
        self.assertContains(page, 'data-action="record-session"')
        self.assertContains(page, 'data-action="cancel"')
        self.assertNotContains(page, 'data-action="attended"')

    def test_a_cancelled_booking_awaits_nothing(self) -> None:
        booking = make_booking(self.world)
        booking.status = "cancelled"
        self.assertFalse(booking.awaits_session)
