"""The main menu is a registry the apps fill from their AppConfig.ready() (issue #14)."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, TestCase

from layak.accounts.tests.factories import make_person
from layak.core import navigation
from layak.core.navigation import MenuEntry, menu_for

#: The menu of docs/architecture.md, in order.
MENU = [
    "home",
    "dashboards",
    "evaluations",
    "cases",
    "case_statistics",
    "indicators",
    "plans",
    "families",
    "community",
    "participation",
    "portal",
    "regions",
    "agencies",
    "people",
    "approvals",
    "audit",
    "case_lookups",
]


def _nobody(user: Any) -> bool:
    return False


class MenuRegistryTests(SimpleTestCase):
    def test_the_apps_register_the_documented_menu_in_order(self) -> None:
        self.assertEqual([entry.key for entry in navigation.entries()], MENU)

    def test_anonymous_visitor_has_no_menu(self) -> None:
        self.assertEqual(menu_for(AnonymousUser()), [])

    def test_an_entry_registered_again_unchanged_is_accepted(self) -> None:
        with mock.patch.dict(navigation._menu._items, clear=False):
            home = navigation._menu._items["home"]
            navigation.register(home)
            self.assertEqual([entry.key for entry in navigation.entries()], MENU)

    def test_a_second_entry_with_a_taken_key_fails(self) -> None:
        with mock.patch.dict(navigation._menu._items, clear=False):
            entry = MenuEntry("cases", "Cases again", "core:home", _nobody, order=999)
            with self.assertRaisesMessage(ImproperlyConfigured, "'cases' is registered twice"):
                navigation.register(entry)

    def test_a_second_entry_with_a_taken_order_fails(self) -> None:
        with mock.patch.dict(navigation._menu._items, clear=False):
            entry = MenuEntry("new", "New", "core:home", _nobody, order=30)
            with self.assertRaisesMessage(ImproperlyConfigured, "share order 30"):
                navigation.register(entry)
            self.assertNotIn("new", navigation._menu._items)

    def test_a_new_entry_takes_its_place_by_order(self) -> None:
        with mock.patch.dict(navigation._menu._items, clear=False):
            navigation.register(MenuEntry("new", "New", "core:home", _nobody, order=35))
            keys = [entry.key for entry in navigation.entries()]
        self.assertEqual(keys[keys.index("cases") + 1], "new")
        self.assertNotIn("new", [entry.key for entry in navigation.entries()])


class MenuForTests(TestCase):
    def test_superuser_menu_is_in_order_with_urls_and_the_current_entry(self) -> None:
        superuser = make_person(is_superuser=True)
        menu = menu_for(superuser, current="audit")
        keys = [item["key"] for item in menu]
        # Which apps a superuser may use is each app's rule; core's and accounts' are given.
        self.assertTrue({"home", "agencies", "people", "approvals", "audit"} <= set(keys))
        self.assertEqual(keys, [key for key in MENU if key in keys])
        self.assertEqual(menu[0]["url"], "/")
        self.assertEqual([item["key"] for item in menu if item["current"]], ["audit"])

    def test_entries_follow_each_apps_permission_function(self) -> None:
        focal = make_person("opd_focal")
        keys = [item["key"] for item in menu_for(focal)]
        self.assertIn("evaluations", keys)
        self.assertNotIn("audit", keys)
        self.assertNotIn("people", keys)
        self.assertEqual(keys, [key for key in MENU if key in keys])

    def test_the_menu_of_one_request_is_worked_out_once_and_the_next_sees_new_roles(self) -> None:
        """The page and the menu of a request share one reading of the permissions; a role
        given between two requests shows in the next request's menu."""
        from layak.accounts.models import RoleAssignment
        from layak.core.testing import login

        person = make_person("opd_focal")
        client = self.client
        login(client, person)
        calls: list[str] = []
        original = navigation.entries

        def counted() -> list[MenuEntry]:
            calls.append("entries")
            return original()

        with mock.patch.object(navigation, "entries", counted):
            page = client.get("/")
        self.assertEqual(page.status_code, 200)
        # The home page's tiles and the menu of the same request: one reading.
        self.assertEqual(len(calls), 1)
        self.assertNotIn("case_statistics", [item["key"] for item in page.context["menu"]])
        RoleAssignment.objects.create(user=person, role="leadership")
        again = client.get("/")
        self.assertIn("case_statistics", [item["key"] for item in again.context["menu"]])
