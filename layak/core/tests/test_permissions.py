"""The one permission mechanism: role predicates, location scope, 404 versus 403 (issue #2)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import TestCase

from layak.accounts.models import Agency, User
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.permissions import (
    always,
    code_within,
    get_object_for,
    has_role,
    user_roles,
    within_scope,
)
from layak.regions.models import Region
from layak.regions.tests.factories import make_region


class ScopeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        for code in ("64.71.01.1001", "64.71.01.1002", "64.71.02.1001", "64.72.01.1001"):
            make_region(code)

    def test_scope_includes_the_region_and_everything_below(self) -> None:
        codes = set(Region.objects.filter(within_scope("64.71.01")).values_list("code", flat=True))
        self.assertEqual(codes, {"64.71.01", "64.71.01.1001", "64.71.01.1002"})

    def test_scope_does_not_match_a_sibling_sharing_a_prefix(self) -> None:
        make_region("64.71.10")
        codes = set(Region.objects.filter(within_scope("64.71.1")).values_list("code", flat=True))
        self.assertEqual(codes, set())
        self.assertFalse(code_within("64.71.10", "64.71.1"))

    def test_national_scope_matches_everything(self) -> None:
        self.assertEqual(Region.objects.filter(within_scope(None)).count(), Region.objects.count())
        self.assertTrue(code_within("64.72.01.1001", None))

    def test_code_within(self) -> None:
        self.assertTrue(code_within("64.71.01.1001", "64.71"))
        self.assertTrue(code_within("64.71", "64.71"))
        self.assertFalse(code_within("64.72.01", "64.71"))


class RoleAndObjectTests(TestCase):
    agency: Agency
    other: Agency
    secretariat: User
    worker: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.agency = make_agency()
        cls.other = make_agency(region=make_region("64.72"))
        cls.secretariat = make_person("secretariat", agency=cls.agency)
        cls.worker = make_person("case_worker", agency=cls.agency)

    def _get(self, user: object, pk: object, action: str) -> Agency:
        return get_object_for(
            user,
            pk,
            action=action,
            visible=lambda u: Agency.objects.filter(region=self.agency.region),
            checks={"view": always, "change": self._may_change},
        )

    @staticmethod
    def _may_change(user: object, agency: Agency) -> bool:
        return bool(is_sec(user))

    def test_roles_of_an_inactive_person_count_for_nothing(self) -> None:
        self.assertEqual(user_roles(self.secretariat), frozenset({"secretariat"}))
        self.secretariat.is_active = False
        self.assertEqual(user_roles(self.secretariat), frozenset())

    def test_invisible_object_is_404_whatever_the_action(self) -> None:
        for action in ("view", "change"):
            with self.assertRaises(Http404):
                self._get(self.secretariat, self.other.pk, action)

    def test_missing_or_malformed_pk_is_404(self) -> None:
        with self.assertRaises(Http404):
            self._get(self.secretariat, 10**9, "view")
        with self.assertRaises(Http404):
            self._get(self.secretariat, "not-a-number", "view")

    def test_visible_object_with_forbidden_action_is_403(self) -> None:
        self.assertEqual(self._get(self.worker, self.agency.pk, "view"), self.agency)
        with self.assertRaises(PermissionDenied):
            self._get(self.worker, self.agency.pk, "change")
        self.assertEqual(self._get(self.secretariat, self.agency.pk, "change"), self.agency)

    def test_unknown_action_is_a_programming_error(self) -> None:
        with self.assertRaises(ValueError):
            self._get(self.secretariat, self.agency.pk, "destroy")


is_sec = has_role("secretariat")
