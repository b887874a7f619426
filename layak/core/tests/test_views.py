"""Home page and the audit-trail page (issue #2)."""

from __future__ import annotations

from unittest import mock

from django.test import TestCase

from layak.accounts.models import Agency, User
from layak.accounts.tests.factories import make_agency, make_person
from layak.core import permissions_audit
from layak.core.audit import audit_record
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import FORBIDDEN, LOGIN_REDIRECT, OK, assert_access_matrix, login
from layak.regions.tests.factories import make_region


class AuditPageTests(TestCase):
    agency: Agency
    admin: User
    leader: User
    worker: User
    other_admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.agency = make_agency()
        cls.admin = make_person("admin", agency=cls.agency)
        cls.leader = make_person("leadership", agency=cls.agency)
        cls.worker = make_person("opd_focal", agency=cls.agency)
        other_city = make_agency(region=make_region("64.72"))
        cls.other_admin = make_person("admin", agency=other_city)
        audit_record(
            actor=cls.admin,
            action=AuditAction.UPDATE,
            object_type="accounts.agency",
            object_id="1",
            label="visible-entry",
            region_code="64.71",
        )
        audit_record(
            actor=cls.other_admin,
            action=AuditAction.UPDATE,
            object_type="accounts.agency",
            object_id="2",
            label="other-city-entry",
            region_code="64.72",
        )

    def test_access_matrix(self) -> None:
        assert_access_matrix(
            self,
            "/audit/",
            allowed=self.admin,
            no_permission=self.worker,
            read_only=self.leader,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=FORBIDDEN,
            expect_read_only=FORBIDDEN,
            expect_allowed=OK,
        )

    def test_admin_sees_only_entries_of_own_city(self) -> None:
        login(self.client, self.admin)
        response = self.client.get("/audit/")
        self.assertContains(response, "visible-entry")
        self.assertNotContains(response, "other-city-entry")

    def test_admin_sees_no_entry_until_accounts_registers_the_region_scope(self) -> None:
        """Core does not know whose region is whose (issue #14): accounts tells it."""
        with mock.patch.object(permissions_audit, "_scope", []):
            self.assertFalse(permissions_audit.audit_entries_visible_to(self.admin).exists())
        self.assertTrue(permissions_audit.audit_entries_visible_to(self.admin).exists())

    def test_filter_by_action_through_htmx_returns_only_the_table(self) -> None:
        login(self.client, self.admin)
        audit_record(
            actor=self.admin,
            action=AuditAction.EXPORT,
            object_type="x",
            label="exported-entry",
            region_code="64.71",
        )
        response = self.client.get("/audit/", {"action": "export"}, HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, "exported-entry")
        self.assertNotContains(response, "visible-entry")

    def test_audit_page_offers_no_way_to_change_entries(self) -> None:
        login(self.client, self.admin)
        before = list(AuditEntry.objects.values_list("seq", "entry_hash"))
        response = self.client.post("/audit/", {"action": "delete"})
        self.assertIn(response.status_code, {200, 405})
        self.assertEqual(list(AuditEntry.objects.values_list("seq", "entry_hash")), before)


class HomeTests(TestCase):
    admin: User
    focal: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.admin = make_person("admin")
        cls.focal = make_person("opd_focal")

    def test_anonymous_is_sent_to_login(self) -> None:
        response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_menu_shows_each_role_only_what_it_can_use(self) -> None:
        login(self.client, self.admin)
        admin_page = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        self.client.logout()
        login(self.client, self.focal)
        focal_page = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for key in ("people", "audit"):
            self.assertIn(f'data-menu="{key}"', admin_page)
            self.assertNotIn(f'data-menu="{key}"', focal_page)
        for key in ("home", "regions", "agencies"):
            self.assertIn(f'data-menu="{key}"', focal_page)
