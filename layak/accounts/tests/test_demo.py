"""Demo data of the accounts app: one Balikpapan login per role, safe to seed twice (issue #2).

Only the "small" size is tested here; "national" creates hundreds of kab/kota and is too slow
for a unit test. The city is the suite's one seeding (``demo_seed``, the root conftest.py); its
report is what that seeding printed.
"""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from layak.accounts.demo import BALIKPAPAN_LOGINS
from layak.accounts.models import Agency, RoleAssignment, User
from layak.cases.demo import CASE_LOGINS
from layak.core.demo import DEMO_PASSWORD
from layak.core.testing import DemoCityTestCase


def seed_small() -> str:
    out = io.StringIO()
    call_command("seed_demo", size="small", stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("demo_output")
class SmallDemoTests(DemoCityTestCase):
    output: str

    def test_creates_the_twelve_demo_logins_with_their_roles(self) -> None:
        self.assertEqual(len(BALIKPAPAN_LOGINS), 12)
        usernames = [login.username for login in BALIKPAPAN_LOGINS]
        people = {p.username: p for p in User.objects.filter(username__in=usernames)}
        self.assertEqual(sorted(people), sorted(usernames))
        for login in BALIKPAPAN_LOGINS:
            with self.subTest(username=login.username):
                person = people[login.username]
                roles = set(person.role_assignments.values_list("role", flat=True))
                self.assertEqual(roles, {str(login.role)})
                self.assertIsNotNone(person.agency)
                assert person.agency is not None
                self.assertEqual(person.agency.code, login.agency_code)
                expected_scope = login.scope_code or (
                    person.agency.region.code if person.agency.region else None
                )
                self.assertEqual(person.scope_code, expected_scope)
        # One hash for all of them: checking one checks every password.
        self.assertEqual(len({p.password for p in people.values()}), 1)
        self.assertTrue(people["pimpinan"].check_password(DEMO_PASSWORD))

    def test_small_size_creates_only_the_demo_logins(self) -> None:
        # Every app may add its own demo logins (cases adds its case roles, Puspaga two more
        # counsellors), but every person created is a login the report prints.
        self.assertGreaterEqual(User.objects.count(), len(BALIKPAPAN_LOGINS) + len(CASE_LOGINS))
        for username in User.objects.values_list("username", flat=True):
            self.assertIn(username, self.output)

    def test_report_lists_every_login_and_the_password(self) -> None:
        self.assertIn(DEMO_PASSWORD, self.output)
        for login in BALIKPAPAN_LOGINS:
            self.assertIn(login.username, self.output)

    def test_seeding_again_changes_nothing(self) -> None:
        before = (
            User.objects.count(),
            Agency.objects.count(),
            RoleAssignment.objects.count(),
            sorted(User.objects.values_list("username", "full_name", "agency_id")),
        )
        seed_small()
        after = (
            User.objects.count(),
            Agency.objects.count(),
            RoleAssignment.objects.count(),
            sorted(User.objects.values_list("username", "full_name", "agency_id")),
        )
        self.assertEqual(after, before)

    def test_demo_admin_logs_in_with_the_demo_password(self) -> None:
        cache.clear()
        response = self.client.post(
            "/accounts/login/", {"login": "admin", "password": DEMO_PASSWORD}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/people/").status_code, 200)
