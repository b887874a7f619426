"""PATBM on the one rule of "which kab/kota does this person work in" (issue #14,
``accounts.scope``): reports and group profiles belong to a kab/kota, so province staff get
neither; their coverage is their province."""

from __future__ import annotations

from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.community.models import PatbmGroup
from layak.community.permissions import can_send_reports, coverage_scope
from layak.community.services import report_kelurahan_choices
from layak.community.tests.factories import PatbmWorld, make_patbm_world
from layak.core.testing import login
from layak.regions.tests.factories import make_region


class ProvinceStaffTests(TestCase):
    world: PatbmWorld
    province_activist: User
    province_admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()
        province = make_agency(region=make_region("64"), code="dp3a-prov", name="DP3A Provinsi")
        cls.province_activist = make_person(
            Role.PATBM_ACTIVIST, agency=province, username="aktivis.provinsi"
        )
        cls.province_admin = make_person(Role.ADMIN, agency=province, username="admin.provinsi")

    def test_activist_of_a_city_reports_from_its_kelurahan(self) -> None:
        activist = self.world.activist
        self.assertTrue(can_send_reports(activist))
        self.assertIn(self.world.manggar, report_kelurahan_choices(activist))

    def test_province_activist_sends_no_report(self) -> None:
        self.assertFalse(can_send_reports(self.province_activist))
        self.assertFalse(report_kelurahan_choices(self.province_activist).exists())
        client = Client()
        login(client, self.province_activist)
        self.assertEqual(client.get(reverse("community:report_new")).status_code, 403)

    def test_province_admin_reads_the_province_but_creates_no_profiles(self) -> None:
        self.assertEqual(coverage_scope(self.province_admin), "64")
        client = Client()
        login(client, self.province_admin)
        before = PatbmGroup.objects.count()
        response = client.post(reverse("community:profiles_create"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(PatbmGroup.objects.count(), before)

    def test_city_secretariat_reads_its_city(self) -> None:
        self.assertEqual(coverage_scope(self.world.secretariat), self.world.city.code)
