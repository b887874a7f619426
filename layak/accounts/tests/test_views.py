"""The agency and people pages: what each person sees, what the forms accept (issue #2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import CityWorld, make_agency, make_city_world, make_person
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

STRONG_PASSWORD = "Teluk-Balikpapan-2026!"


class PageTestCase(TestCase):
    world: CityWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city_world()

    def get_as(self, user: User, url: str, *, htmx: bool = False) -> Response:
        login(self.client, user)
        return self.client.get(url, headers={"HX-Request": "true"} if htmx else None)

    def post_as(self, user: User, url: str, data: dict[str, object]) -> Response:
        login(self.client, user)
        return self.client.post(url, data)

    def assert_queries_do_not_grow(
        self, url: str, user: User, add_rows: Callable[[], None]
    ) -> None:
        """The page runs as many queries with many more rows (no query per row)."""
        login(self.client, user)
        self.client.get(url)  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as before:
            self.assertEqual(self.client.get(url).status_code, 200)
        add_rows()
        with self.assertNumQueries(len(before.captured_queries)):
            self.assertEqual(self.client.get(url).status_code, 200)


class AgencyListPageTests(PageTestCase):
    def test_admin_sees_agencies_of_own_city_only(self) -> None:
        response = self.get_as(self.world.admin, "/agencies/")
        self.assertContains(response, "Dinas PPPA Balikpapan")
        self.assertContains(response, "UPTD PPA Balikpapan")
        self.assertNotContains(response, "Dinas PPPA Samarinda")
        self.assertContains(response, f'href="/agencies/{self.world.home.pk}/"')

    def test_person_without_role_sees_own_city_without_edit_links(self) -> None:
        response = self.get_as(self.world.no_role, "/agencies/")
        self.assertContains(response, "Dinas PPPA Balikpapan")
        self.assertNotContains(response, "Dinas PPPA Samarinda")
        self.assertNotContains(response, f'href="/agencies/{self.world.home.pk}/"')

    def test_admin_of_other_city_sees_only_their_city(self) -> None:
        response = self.get_as(self.world.other_admin, "/agencies/")
        self.assertContains(response, "Dinas PPPA Samarinda")
        self.assertNotContains(response, "Dinas PPPA Balikpapan")
        self.assertNotContains(response, "UPTD PPA Balikpapan")

    def test_ministry_staff_see_agencies_of_every_city(self) -> None:
        ministry = Agency.objects.create(
            region=None, code="kemenpppa", name="Kementerian PPPA", kind=AgencyKind.MINISTRY
        )
        response = self.get_as(make_person(Role.LEADERSHIP, agency=ministry), "/agencies/")
        self.assertContains(response, "Dinas PPPA Balikpapan")
        self.assertContains(response, "Dinas PPPA Samarinda")

    def test_search_and_kind_filter_narrow_the_list(self) -> None:
        response = self.get_as(self.world.admin, "/agencies/?q=uptd")
        self.assertContains(response, "UPTD PPA Balikpapan")
        self.assertNotContains(response, "Dinas PPPA Balikpapan")
        response = self.client.get("/agencies/", {"kind": AgencyKind.SERVICE_UNIT})
        self.assertContains(response, "UPTD PPA Balikpapan")
        self.assertNotContains(response, "Dinas PPPA Balikpapan")

    def test_htmx_request_gets_only_the_table(self) -> None:
        response = self.get_as(self.world.admin, "/agencies/?q=uptd", htmx=True)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, "UPTD PPA Balikpapan")

    def test_list_runs_a_fixed_number_of_queries(self) -> None:
        def add_rows() -> None:
            for i in range(10):
                agency = make_agency(region=self.world.city, area=self.world.kecamatan)
                make_person(Role.OPD_FOCAL, agency=agency, username=f"extra{i}")

        self.assert_queries_do_not_grow("/agencies/", self.world.admin, add_rows)


class AgencyFormPageTests(PageTestCase):
    def _data(self, **overrides: object) -> dict[str, object]:
        data: dict[str, object] = {
            "name": "Dinas Kesehatan",
            "code": "dinkes",
            "kind": AgencyKind.OPD,
            "region": self.world.city.pk,
            "is_active": "on",
        }
        data.update(overrides)
        return data

    def test_admin_is_offered_only_regions_of_own_city(self) -> None:
        response = self.get_as(self.world.admin, "/agencies/new/")
        self.assertContains(response, "Kota Balikpapan")
        self.assertContains(response, "Balikpapan Timur")
        self.assertNotContains(response, "Kota Samarinda")

    def test_admin_creates_an_agency_and_the_audit_names_its_fields(self) -> None:
        response = self.post_as(
            self.world.admin, "/agencies/new/", self._data(area=self.world.kecamatan.pk)
        )
        self.assertRedirects(response, "/agencies/", fetch_redirect_response=False)
        agency = Agency.objects.get(code="dinkes")
        self.assertEqual(agency.region, self.world.city)
        self.assertEqual(agency.area, self.world.kecamatan)
        entry = AuditEntry.objects.get(object_type="accounts.agency", object_id=str(agency.pk))
        self.assertEqual(entry.actor_username, "admin.bpn")
        self.assertIn("area", entry.fields)

    def test_region_of_another_city_is_refused(self) -> None:
        response = self.post_as(
            self.world.admin, "/agencies/new/", self._data(region=self.world.other_city.pk)
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Agency.objects.filter(code="dinkes").exists())

    def test_duplicate_code_is_shown_as_an_error_and_nothing_is_saved(self) -> None:
        response = self.post_as(self.world.admin, "/agencies/new/", self._data(code="dp3akb"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Agency.objects.filter(code="dp3akb").count(), 1)
        self.assertFalse(Agency.objects.filter(name="Dinas Kesehatan").exists())

    def test_agency_cannot_become_its_own_parent(self) -> None:
        home = self.world.home
        data = self._data(code=home.code, name=home.name, parent=home.pk)
        response = self.post_as(self.world.admin, f"/agencies/{home.pk}/", data)
        self.assertEqual(response.status_code, 400)
        self.assertIsNone(Agency.objects.get(pk=home.pk).parent_id)

    def test_edit_page_shows_the_current_values(self) -> None:
        response = self.get_as(self.world.admin, f"/agencies/{self.world.home.pk}/")
        self.assertContains(response, 'value="dp3akb"')


class PersonListPageTests(PageTestCase):
    def test_secretariat_sees_people_of_own_city_without_edit_links(self) -> None:
        w = self.world
        make_person(agency=w.home, username="root.bpn", is_superuser=True)
        response = self.get_as(w.secretariat, "/people/")
        for username in ("admin.bpn", "focal.bpn", "pekerja.bpn", "tanpa.peran"):
            self.assertContains(response, username)
        self.assertNotContains(response, "focal.smd")
        self.assertNotContains(response, "admin.smd")
        self.assertNotContains(response, "root.bpn")
        self.assertNotContains(response, f'href="/people/{w.focal.pk}/"')

    def test_admin_sees_edit_links(self) -> None:
        response = self.get_as(self.world.admin, "/people/")
        self.assertContains(response, f'href="/people/{self.world.focal.pk}/"')

    def test_role_filter_narrows_the_list(self) -> None:
        response = self.get_as(self.world.admin, "/people/?role=case_worker")
        self.assertContains(response, "pekerja.bpn")
        self.assertNotContains(response, "focal.bpn")

    def test_list_runs_a_fixed_number_of_queries(self) -> None:
        def add_rows() -> None:
            agency = make_agency(region=self.world.city)
            for i in range(10):
                make_person(Role.OPD_FOCAL, Role.SECRETARIAT, agency=agency, username=f"extra{i}")

        self.assert_queries_do_not_grow("/people/", self.world.admin, add_rows)


class PersonFormPageTests(PageTestCase):
    def _data(self, person: User, **overrides: object) -> dict[str, object]:
        data: dict[str, object] = {
            "full_name": person.full_name,
            "username": person.username,
            "email": person.email,
            "position": person.position,
            "agency": person.agency_id or "",
            "scope_region": person.scope_region_id or "",
            "is_active": "on",
            "roles": list(person.role_assignments.values_list("role", flat=True)),
        }
        data.update(overrides)
        return data

    def test_admin_is_offered_only_agencies_of_own_city(self) -> None:
        response = self.get_as(self.world.admin, "/people/new/")
        self.assertContains(response, "Dinas PPPA Balikpapan")
        self.assertNotContains(response, "Dinas PPPA Samarinda")

    def test_invited_person_sets_a_password_through_the_link_and_logs_in(self) -> None:
        data = {
            "full_name": "Rina Baru",
            "username": "rina.baru",
            "email": "rina.baru@example.invalid",
            "agency": self.world.home.pk,
            "is_active": "on",
            "roles": [Role.OPD_FOCAL],
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post_as(self.world.admin, "/people/new/", data)
        self.assertRedirects(response, "/people/", fetch_redirect_response=False)
        [message] = mail.outbox
        self.assertEqual(message.to, ["rina.baru@example.invalid"])
        match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(message.body))
        assert match is not None, message.body
        person = User.objects.get(username="rina.baru")
        self.assertFalse(person.has_usable_password())

        visitor = Client()
        form_page = visitor.get(match.group(1), follow=True)
        self.assertEqual(form_page.status_code, 200)
        set_password_url = form_page.redirect_chain[-1][0]
        weak = visitor.post(
            set_password_url, {"password1": "password123", "password2": "password123"}
        )
        self.assertEqual(weak.status_code, 200)
        person.refresh_from_db()
        self.assertFalse(person.has_usable_password())
        visitor.post(set_password_url, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
        person.refresh_from_db()
        self.assertTrue(person.check_password(STRONG_PASSWORD))

        response = Client().post(
            "/accounts/login/", {"login": "rina.baru", "password": STRONG_PASSWORD}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_admin_changes_roles_and_the_audit_records_roles(self) -> None:
        focal = self.world.focal
        data = self._data(focal, roles=[Role.OPD_FOCAL, Role.SECRETARIAT])
        response = self.post_as(self.world.admin, f"/people/{focal.pk}/", data)
        self.assertRedirects(response, "/people/", fetch_redirect_response=False)
        self.assertEqual(
            set(focal.role_assignments.values_list("role", flat=True)),
            {Role.OPD_FOCAL, Role.SECRETARIAT},
        )
        entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(focal.pk))
        self.assertEqual(entry.fields, ["roles"])

    def test_saving_unchanged_person_writes_no_audit_entry(self) -> None:
        focal = self.world.focal
        response = self.post_as(self.world.admin, f"/people/{focal.pk}/", self._data(focal))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(
            AuditEntry.objects.filter(object_type="accounts.user", object_id=str(focal.pk)).exists()
        )

    def test_admin_cannot_deactivate_themself_through_the_page(self) -> None:
        admin = self.world.admin
        data = self._data(admin)
        del data["is_active"]
        response = self.post_as(admin, f"/people/{admin.pk}/", data)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(User.objects.get(pk=admin.pk).is_active)

    def test_admin_cannot_change_their_own_roles_through_the_page(self) -> None:
        admin = self.world.admin
        data = self._data(admin, roles=[Role.ADMIN, Role.CASE_MANAGER], position="Kepala")
        with self.settings(LANGUAGE_CODE="en"):
            response = self.post_as(admin, f"/people/{admin.pk}/", data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["form"].errors["roles"],
            ["You cannot change your own roles; ask another administrator."],
        )
        self.assertEqual(set(admin.role_assignments.values_list("role", flat=True)), {Role.ADMIN})
        self.assertEqual(User.objects.get(pk=admin.pk).position, "")
        self.assertFalse(
            AuditEntry.objects.filter(
                action=AuditAction.UPDATE, object_type="accounts.user", object_id=str(admin.pk)
            ).exists()
        )

    def test_scope_outside_the_agency_region_is_refused(self) -> None:
        focal = self.world.focal
        other_kecamatan = self.world.other_city.children.create(
            code="64.72.01", level="kecamatan", name="Palaran"
        )
        data = self._data(focal, scope_region=other_kecamatan.pk)
        response = self.post_as(self.world.admin, f"/people/{focal.pk}/", data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(User.objects.get(pk=focal.pk).scope_region, self.world.city)

    def test_username_already_taken_is_refused(self) -> None:
        data = {
            "full_name": "Kembar",
            "username": "focal.bpn",
            "email": "kembar@example.invalid",
            "agency": self.world.home.pk,
            "is_active": "on",
        }
        response = self.post_as(self.world.admin, "/people/new/", data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(email="kembar@example.invalid").exists())

    def test_user_name_differing_only_in_case_is_refused_and_its_owner_still_logs_in(
        self,
    ) -> None:
        make_person(agency=self.world.home, username="siti", password=STRONG_PASSWORD)
        data = {
            "full_name": "Siti Kedua",
            "username": "SITI",
            "email": "siti.kedua@example.invalid",
            "agency": self.world.home.pk,
            "is_active": "on",
        }
        response = self.post_as(self.world.admin, "/people/new/", data)
        self.assertEqual(response.status_code, 400)
        cache.clear()
        response = Client().post("/accounts/login/", {"login": "siti", "password": STRONG_PASSWORD})
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_duplicate_email_is_refused(self) -> None:
        data = {
            "full_name": "Kembar",
            "username": "kembar",
            "email": self.world.focal.email.upper(),
            "agency": self.world.home.pk,
            "is_active": "on",
        }
        response = self.post_as(self.world.admin, "/people/new/", data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(username="kembar").exists())


class ProfilePageTests(PageTestCase):
    def test_profile_shows_own_agency_roles_and_scope(self) -> None:
        response = self.get_as(self.world.focal, "/profile/")
        self.assertContains(response, "focal.bpn")
        self.assertContains(response, "Dinas PPPA Balikpapan")
        self.assertContains(response, str(Role.OPD_FOCAL.label))
        self.assertContains(response, "Kota Balikpapan")
        self.assertNotContains(response, "admin.bpn")

    def test_profile_of_person_without_agency_works(self) -> None:
        response = self.get_as(self.world.homeless, "/profile/")
        self.assertContains(response, "tanpa.instansi")
