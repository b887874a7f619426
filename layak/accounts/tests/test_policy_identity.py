"""Two-factor log-in for every role that can see a child's identity (issue #11, finding 4).

The required roles are derived from the apps' permission rules (``layak.core.identity``),
not kept by hand. These tests read the demo city (every role, with cases, referrals,
families and Forum Anak members) and check, for every demo person, that whoever receives a
row from an identity-bearing queryset holds a declared role and is sent to the TOTP set-up.
"""

from __future__ import annotations

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.middleware import required_roles
from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.core.identity import identity_accesses, identity_roles
from layak.core.permissions import user_roles
from layak.core.testing import DemoCityTestCase, login


@pytest.mark.usefixtures("demo_seed")  # the suite's one seeding (the root conftest.py)
class IdentityRolesDeclaredTests(DemoCityTestCase):
    def test_whoever_sees_an_identity_holds_a_declared_role(self) -> None:
        declared = identity_roles()
        seen_by: set[str] = set()
        people = User.objects.filter(is_active=True, role_assignments__isnull=False).distinct()
        self.assertGreater(people.count(), 10)
        for person in people:
            roles = user_roles(person)
            for access in identity_accesses():
                for visible in access.querysets:
                    if visible(person).exists():
                        seen_by.add(person.username)
                        with self.subTest(person=person.username, app=access.app):
                            self.assertTrue(
                                roles & declared,
                                f"{person.username} ({', '.join(sorted(roles))}) sees "
                                f"{access.what} but no role of theirs requires TOTP",
                            )
        # The check above must have something to check: the demo's case staff, counsellor,
        # facilitator and secretariat do see identities.
        self.assertTrue({"manajer.kasus", "konselor", "fasilitator.fa"} <= seen_by, seen_by)

    def test_every_declared_role_sees_identities_somewhere_in_the_demo(self) -> None:
        """A declaration that no rule backs up would be noise; each declared role must show."""
        roles_seeing: set[str] = set()
        for person in User.objects.filter(is_active=True):
            for access in identity_accesses():
                if any(visible(person).exists() for visible in access.querysets):
                    roles_seeing |= user_roles(person) & access.roles
        self.assertEqual(roles_seeing, set(identity_roles()))


class DerivedTwoFactorTests(TestCase):
    def test_counsellor_receiving_referrals_is_required_to_use_totp(self) -> None:
        """Finding 4: a Puspaga counsellor used to reach case files with a password only."""
        self.assertIn(Role.COUNSELLOR, required_roles())
        counsellor = make_person(Role.COUNSELLOR, agency=make_agency(), totp=False)
        client = Client()
        login(client, counsellor)
        for url in ("/", "/cases/referrals/", "/families/"):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertRedirects(
                    response, reverse("mfa_activate_totp"), fetch_redirect_response=False
                )
        enable_totp(counsellor)
        self.assertEqual(client.get("/").status_code, 200)

    def test_setting_cannot_remove_a_derived_role(self) -> None:
        with self.settings(LAYAK_MFA_REQUIRED_ROLES=[]):
            self.assertTrue(identity_roles() <= required_roles())
            self.assertIn(Role.CASE_WORKER, required_roles())

    def test_setting_can_add_a_role(self) -> None:
        with self.settings(LAYAK_MFA_REQUIRED_ROLES=[Role.LEADERSHIP]):
            self.assertIn(Role.LEADERSHIP, required_roles())
            person = make_person(Role.LEADERSHIP, agency=make_agency(), totp=False)
            client = Client()
            login(client, person)
            self.assertRedirects(
                client.get("/"), reverse("mfa_activate_totp"), fetch_redirect_response=False
            )

    def test_roles_that_see_no_identity_are_not_forced(self) -> None:
        derived = identity_roles()
        for role in (Role.ADMIN, Role.OPD_FOCAL, Role.LEADERSHIP, Role.VERIFIER):
            self.assertNotIn(role, derived)
