"""Who may open and post each page of the accounts app: 404 when invisible, 403 when
visible but forbidden (STYLE.md "Permissions", issue #2)."""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import CityWorld, make_city_world, make_person
from layak.core.models import AuditEntry
from layak.core.testing import (
    FORBIDDEN,
    LOGIN_REDIRECT,
    NOT_FOUND,
    OK,
    Expect,
    assert_access_matrix,
    login,
)


def status_as(user: User | None, url: str, method: str = "get", data: Any = None) -> int:
    client = Client()
    if user is not None:
        login(client, user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return int(response.status_code)


class AccountsAccessTests(TestCase):
    world: CityWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city_world()

    # /agencies/ -------------------------------------------------------------------------

    def test_agency_list_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            "/agencies/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.homeless,
            expect_no_permission=FORBIDDEN,
            read_only=w.leader,
            expect_read_only=OK,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_person_with_an_agency_but_no_role_sees_the_agency_list(self) -> None:
        self.assertEqual(status_as(self.world.no_role, "/agencies/"), 200)

    # /agencies/new/ ---------------------------------------------------------------------

    def test_agency_create_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            "/agencies/new/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=FORBIDDEN,
            read_only=w.leader,
            expect_read_only=FORBIDDEN,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_secretariat_and_person_without_agency_cannot_open_agency_create(self) -> None:
        self.assertEqual(status_as(self.world.secretariat, "/agencies/new/"), 403)
        self.assertEqual(status_as(self.world.homeless, "/agencies/new/"), 403)

    def test_only_admin_creates_an_agency_through_the_page(self) -> None:
        w = self.world
        data = {
            "name": "Dinas Kesehatan",
            "short_name": "Dinkes",
            "code": "dinkes",
            "kind": AgencyKind.OPD,
            "region": w.city.pk,
            "is_active": "on",
        }
        assert_access_matrix(
            self,
            "/agencies/new/",
            method="post",
            data=data,
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            read_only=w.leader,
            allowed=w.admin,
            expect_allowed=Expect(302, "/agencies/"),
        )
        self.assertEqual(Agency.objects.filter(code="dinkes").count(), 1)

    def test_non_admin_post_creates_no_agency(self) -> None:
        w = self.world
        data = {"name": "X", "code": "x", "kind": AgencyKind.OPD, "region": w.city.pk}
        for user in (w.secretariat, w.leader, w.focal, w.no_role, w.homeless):
            with self.subTest(user=user.username):
                self.assertEqual(status_as(user, "/agencies/new/", "post", data), 403)
        self.assertFalse(Agency.objects.filter(code="x").exists())

    # /agencies/<pk>/ --------------------------------------------------------------------

    def test_agency_edit_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            f"/agencies/{w.home.pk}/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=FORBIDDEN,
            read_only=w.leader,
            expect_read_only=FORBIDDEN,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_admin_of_other_city_gets_404_for_agency(self) -> None:
        self.assertEqual(status_as(self.world.other_admin, f"/agencies/{self.world.home.pk}/"), 404)

    def test_person_without_agency_gets_404_for_agency(self) -> None:
        self.assertEqual(status_as(self.world.homeless, f"/agencies/{self.world.home.pk}/"), 404)

    def test_missing_agency_is_404_even_for_admin(self) -> None:
        self.assertEqual(status_as(self.world.admin, "/agencies/999999/"), 404)

    def test_only_admin_changes_an_agency_through_the_page(self) -> None:
        w = self.world
        data = {
            "name": "Dinas PPPA Kota Balikpapan",
            "short_name": "",
            "code": "dp3akb",
            "kind": AgencyKind.OPD,
            "region": w.city.pk,
            "is_active": "on",
        }
        assert_access_matrix(
            self,
            f"/agencies/{w.home.pk}/",
            method="post",
            data=data,
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            read_only=w.leader,
            allowed=w.admin,
            expect_allowed=Expect(302, "/agencies/"),
        )
        agency = Agency.objects.get(pk=w.home.pk)
        self.assertEqual(agency.name, "Dinas PPPA Kota Balikpapan")
        entries = AuditEntry.objects.filter(object_type="accounts.agency", object_id=str(agency.pk))
        self.assertEqual([e.fields for e in entries], [["name"]])

    def test_admin_of_other_city_post_to_agency_is_404_and_changes_nothing(self) -> None:
        w = self.world
        data = {"name": "Hijacked", "code": "dp3akb", "kind": "opd", "region": w.other_city.pk}
        self.assertEqual(status_as(w.other_admin, f"/agencies/{w.home.pk}/", "post", data), 404)
        self.assertEqual(Agency.objects.get(pk=w.home.pk).name, "Dinas PPPA Balikpapan")

    # /people/ ---------------------------------------------------------------------------

    def test_person_list_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            "/people/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=FORBIDDEN,
            read_only=w.secretariat,
            expect_read_only=OK,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_leadership_and_person_without_role_cannot_list_people(self) -> None:
        for user in (self.world.leader, self.world.no_role, self.world.homeless):
            with self.subTest(user=user.username):
                self.assertEqual(status_as(user, "/people/"), 403)

    # /people/new/ -----------------------------------------------------------------------

    def test_person_create_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            "/people/new/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=FORBIDDEN,
            read_only=w.secretariat,
            expect_read_only=FORBIDDEN,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_only_admin_creates_a_person_through_the_page(self) -> None:
        w = self.world
        data = {
            "full_name": "Rina Baru",
            "username": "rina.baru",
            "email": "rina.baru@example.invalid",
            "agency": w.home.pk,
            "is_active": "on",
            "roles": [Role.OPD_FOCAL],
        }
        assert_access_matrix(
            self,
            "/people/new/",
            method="post",
            data=data,
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            read_only=w.secretariat,
            allowed=w.admin,
            expect_allowed=Expect(302, "/people/"),
        )
        person = User.objects.get(username="rina.baru")
        self.assertEqual(person.agency, w.home)
        self.assertEqual(
            list(person.role_assignments.values_list("role", flat=True)), [Role.OPD_FOCAL]
        )

    def test_non_admin_post_creates_no_person(self) -> None:
        w = self.world
        data = {
            "full_name": "X",
            "username": "intruder",
            "email": "intruder@example.invalid",
            "agency": w.home.pk,
            "is_active": "on",
            "roles": [Role.ADMIN],
        }
        for user in (w.leader, w.focal, w.no_role, w.homeless):
            with self.subTest(user=user.username):
                self.assertEqual(status_as(user, "/people/new/", "post", data), 403)
        self.assertFalse(User.objects.filter(username="intruder").exists())

    def test_admin_of_other_city_cannot_post_a_person_into_this_city(self) -> None:
        data = {
            "full_name": "X",
            "username": "intruder",
            "email": "intruder@example.invalid",
            "agency": self.world.home.pk,
            "is_active": "on",
        }
        self.assertEqual(status_as(self.world.other_admin, "/people/new/", "post", data), 400)
        self.assertFalse(User.objects.filter(username="intruder").exists())

    # /people/<pk>/ ----------------------------------------------------------------------

    def test_person_edit_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            f"/people/{w.focal.pk}/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=NOT_FOUND,
            read_only=w.secretariat,
            expect_read_only=FORBIDDEN,
            allowed=w.admin,
            expect_allowed=OK,
        )

    def test_admin_of_other_city_gets_404_for_person(self) -> None:
        self.assertEqual(status_as(self.world.other_admin, f"/people/{self.world.focal.pk}/"), 404)

    def test_person_without_role_gets_403_for_own_record_and_404_for_others(self) -> None:
        w = self.world
        self.assertEqual(status_as(w.no_role, f"/people/{w.no_role.pk}/"), 403)
        self.assertEqual(status_as(w.no_role, f"/people/{w.focal.pk}/"), 404)

    def test_admin_gets_404_for_a_superuser(self) -> None:
        root = make_person(agency=self.world.home, is_superuser=True)
        self.assertEqual(status_as(self.world.admin, f"/people/{root.pk}/"), 404)

    def test_only_admin_changes_a_person_through_the_page(self) -> None:
        w = self.world
        data = {
            "full_name": "Fika Focal",
            "username": "focal.bpn",
            "email": w.focal.email,
            "position": "Kepala Bidang",
            "agency": w.home.pk,
            "scope_region": w.city.pk,
            "is_active": "on",
            "roles": [Role.OPD_FOCAL],
        }
        assert_access_matrix(
            self,
            f"/people/{w.focal.pk}/",
            method="post",
            data=data,
            anonymous=LOGIN_REDIRECT,
            no_permission=w.worker,
            expect_no_permission=NOT_FOUND,
            read_only=w.secretariat,
            expect_read_only=FORBIDDEN,
            allowed=w.admin,
            expect_allowed=Expect(302, "/people/"),
        )
        self.assertEqual(User.objects.get(pk=w.focal.pk).position, "Kepala Bidang")

    def test_admin_of_other_city_post_to_person_is_404_and_changes_nothing(self) -> None:
        w = self.world
        data = {
            "full_name": "Taken Over",
            "username": "focal.bpn",
            "email": w.focal.email,
            "agency": w.other_agency.pk,
            "is_active": "on",
        }
        self.assertEqual(status_as(w.other_admin, f"/people/{w.focal.pk}/", "post", data), 404)
        focal = User.objects.get(pk=w.focal.pk)
        self.assertEqual((focal.full_name, focal.agency_id), ("Fika Focal", w.home.pk))

    # /profile/ --------------------------------------------------------------------------

    def test_profile_matrix(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            "/profile/",
            anonymous=LOGIN_REDIRECT,
            no_permission=w.homeless,
            expect_no_permission=OK,
            read_only=w.leader,
            expect_read_only=OK,
            allowed=w.admin,
            expect_allowed=OK,
        )
