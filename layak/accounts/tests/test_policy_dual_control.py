"""Changes that take two people (issue #11, finding 5), through the pages.

One administrator alone used to be able to create a case-manager account and read every case.
Now a role that reads case files is pending until a second person (the intake agency's case
manager or another administrator) approves it, and the case managers are told by e-mail. A
lost authenticator is reset by a case manager and an administrator together. All audited.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.models import (
    Agency,
    AgencyKind,
    DualControlKind,
    DualControlRequest,
    DualControlStatus,
    User,
)
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.regions.models import Region
from layak.regions.tests.factories import make_region


def roles_of(person: User) -> set[str]:
    return set(person.role_assignments.values_list("role", flat=True))


class DualControlWorld(TestCase):
    city: Region
    home: Agency
    intake: Agency
    puspaga: Agency
    admin: User
    second_admin: User
    intake_manager: User
    other_manager: User
    other_admin: User
    focal: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.city = make_region("64.71", "Kota Balikpapan")
        other_city = make_region("64.72", "Kota Samarinda")
        cls.home = make_agency(region=cls.city, code="dp3akb", name="Dinas PPPA Balikpapan")
        cls.intake = make_agency(
            region=cls.city, code="uptd-ppa", name="UPTD PPA", kind=AgencyKind.SERVICE_UNIT
        )
        cls.puspaga = make_agency(
            region=cls.city, code="puspaga", name="Puspaga", kind=AgencyKind.SERVICE_UNIT
        )
        cls.admin = make_person(Role.ADMIN, agency=cls.home, username="admin.satu")
        cls.second_admin = make_person(Role.ADMIN, agency=cls.home, username="admin.dua")
        cls.intake_manager = make_person(
            Role.CASE_MANAGER,
            agency=cls.intake,
            username="manajer.uptd",
            email="manajer.uptd@example.invalid",
        )
        # A case manager outside the intake agency: told, but may not approve.
        cls.other_manager = make_person(
            Role.CASE_MANAGER,
            agency=cls.puspaga,
            username="manajer.lain",
            email="manajer.lain@example.invalid",
        )
        cls.other_admin = make_person(
            Role.ADMIN, agency=make_agency(region=other_city, code="dp3a"), username="admin.smd"
        )
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.home, username="fokal")

    def client_for(self, user: User) -> Client:
        client = Client()
        login(client, user)
        return client

    def create_case_manager(self) -> User:
        data = {
            "full_name": "Budi Baru",
            "username": "budi.baru",
            "email": "budi.baru@example.invalid",
            "agency": self.intake.pk,
            "is_active": "on",
            "roles": [Role.CASE_MANAGER],
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.admin).post("/people/new/", data)
        self.assertRedirects(response, "/people/", fetch_redirect_response=False)
        return User.objects.get(username="budi.baru")

    def pending_request(self, person: User) -> DualControlRequest:
        return DualControlRequest.objects.get(
            subject=person, kind=DualControlKind.ROLE_GRANT, status=DualControlStatus.PENDING
        )


class RoleGrantTests(DualControlWorld):
    def test_one_administrator_alone_cannot_make_a_case_manager(self) -> None:
        """Finding 5: the role is pending, the person sees no case, the managers are told."""
        person = self.create_case_manager()
        self.assertEqual(roles_of(person), set())
        request = self.pending_request(person)
        self.assertEqual(request.role, Role.CASE_MANAGER)
        self.assertEqual(request.requested_by, self.admin)
        client = self.client_for(person)
        self.assertNotEqual(client.get("/cases/").status_code, 200)
        told = [m for m in mail.outbox if "manajer.uptd@example.invalid" in m.to]
        self.assertEqual(len(told), 1)
        self.assertIn("manajer.lain@example.invalid", told[0].to)
        self.assertIn(person.display_name, told[0].body)
        self.assertTrue(
            AuditEntry.objects.filter(
                object_type="accounts.dualcontrolrequest", object_id=str(request.pk)
            ).exists()
        )

    def test_the_asking_administrator_cannot_approve(self) -> None:
        person = self.create_case_manager()
        request = self.pending_request(person)
        response = self.client_for(self.admin).post(
            reverse("accounts:dual_control_approve", args=[request.pk])
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(roles_of(person), set())

    def test_a_second_administrator_approves_and_the_role_takes_effect(self) -> None:
        person = self.create_case_manager()
        request = self.pending_request(person)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.second_admin).post(
                reverse("accounts:dual_control_approve", args=[request.pk])
            )
        self.assertRedirects(response, "/people/approvals/", fetch_redirect_response=False)
        self.assertEqual(roles_of(person), {Role.CASE_MANAGER})
        request.refresh_from_db()
        self.assertEqual(request.status, DualControlStatus.APPROVED)
        self.assertEqual(request.decided_by, self.second_admin)
        self.assertEqual(
            sorted(m.to for m in mail.outbox),
            [["manajer.lain@example.invalid", "manajer.uptd@example.invalid"]],
        )
        entry = AuditEntry.objects.filter(
            object_type="accounts.dualcontrolrequest", object_id=str(request.pk)
        ).latest("seq")
        self.assertEqual(entry.actor_id, self.second_admin.pk)
        self.assertEqual(entry.fields, ["roles", "status"])

    def test_the_intake_case_manager_approves_from_the_approvals_page(self) -> None:
        person = self.create_case_manager()
        request = self.pending_request(person)
        client = self.client_for(self.intake_manager)
        page = client.get("/people/approvals/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, reverse("accounts:dual_control_approve", args=[request.pk]))
        client.post(reverse("accounts:dual_control_approve", args=[request.pk]))
        self.assertEqual(roles_of(person), {Role.CASE_MANAGER})

    def test_who_may_not_approve(self) -> None:
        person = self.create_case_manager()
        url = reverse("accounts:dual_control_approve", args=[self.pending_request(person).pk])
        # Another kab/kota's administrator does not see it; a case manager outside the intake
        # agency and a focal point may not open the approvals at all.
        self.assertEqual(self.client_for(self.other_admin).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.other_manager).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.focal).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.focal).get("/people/approvals/").status_code, 403)
        self.assertEqual(Client().post(url).status_code, 302)
        # The person concerned cannot approve their own role either.
        self.assertEqual(self.client_for(person).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.admin).get(url).status_code, 405)
        self.assertEqual(roles_of(person), set())

    def test_rejected_request_grants_nothing(self) -> None:
        person = self.create_case_manager()
        request = self.pending_request(person)
        self.client_for(self.second_admin).post(
            reverse("accounts:dual_control_reject", args=[request.pk])
        )
        request.refresh_from_db()
        self.assertEqual(request.status, DualControlStatus.REJECTED)
        self.assertEqual(roles_of(person), set())
        # Decided once: approving afterwards is refused.
        response = self.client_for(self.intake_manager).post(
            reverse("accounts:dual_control_approve", args=[request.pk])
        )
        self.assertEqual(response.status_code, 403)

    def test_adding_a_case_role_to_an_existing_person_is_pending_too(self) -> None:
        data = {
            "full_name": self.focal.full_name,
            "username": self.focal.username,
            "email": self.focal.email,
            "agency": self.home.pk,
            "is_active": "on",
            "roles": [Role.OPD_FOCAL, Role.COUNSELLOR],
        }
        response = self.client_for(self.admin).post(f"/people/{self.focal.pk}/", data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(roles_of(self.focal), {Role.OPD_FOCAL})
        self.assertEqual(self.pending_request(self.focal).role, Role.COUNSELLOR)

    def test_roles_that_read_no_case_file_are_granted_at_once(self) -> None:
        data = {
            "full_name": "Lia",
            "username": "lia",
            "email": "lia@example.invalid",
            "agency": self.home.pk,
            "is_active": "on",
            "roles": [Role.LEADERSHIP],
        }
        self.client_for(self.admin).post("/people/new/", data)
        person = User.objects.get(username="lia")
        self.assertEqual(roles_of(person), {Role.LEADERSHIP})
        self.assertFalse(DualControlRequest.objects.filter(subject=person).exists())


class AuthenticatorResetTests(DualControlWorld):
    worker: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.worker = make_person(Role.CASE_WORKER, agency=cls.intake, username="pekerja", totp=True)

    def _ask(self, asker: User) -> DualControlRequest:
        response = self.client_for(asker).post(
            reverse("accounts:authenticator_reset", args=[self.worker.pk])
        )
        self.assertRedirects(response, "/people/approvals/", fetch_redirect_response=False)
        return DualControlRequest.objects.get(
            subject=self.worker, kind=DualControlKind.TOTP_RESET, status=DualControlStatus.PENDING
        )

    def test_administrator_asks_case_manager_approves_and_the_person_sets_up_again(self) -> None:
        request = self._ask(self.admin)
        # Neither the asker nor a second administrator completes it: it takes a case manager.
        url = reverse("accounts:dual_control_approve", args=[request.pk])
        self.assertEqual(self.client_for(self.admin).post(url).status_code, 403)
        self.assertEqual(self.client_for(self.second_admin).post(url).status_code, 403)
        self.assertTrue(Authenticator.objects.filter(user=self.worker).exists())
        self.client_for(self.intake_manager).post(url)
        self.assertFalse(Authenticator.objects.filter(user=self.worker).exists())
        response = self.client_for(self.worker).get("/")
        self.assertRedirects(response, reverse("mfa_activate_totp"), fetch_redirect_response=False)
        entry = AuditEntry.objects.filter(
            object_type="accounts.dualcontrolrequest", object_id=str(request.pk)
        ).latest("seq")
        self.assertEqual(entry.fields, ["authenticator", "status"])
        self.assertEqual(entry.actor_id, self.intake_manager.pk)

    def test_case_manager_asks_administrator_approves(self) -> None:
        request = self._ask(self.intake_manager)
        url = reverse("accounts:dual_control_approve", args=[request.pk])
        self.assertEqual(self.client_for(self.intake_manager).post(url).status_code, 403)
        self.client_for(self.admin).post(url)
        self.assertFalse(Authenticator.objects.filter(user=self.worker).exists())

    def test_who_may_ask(self) -> None:
        url = reverse("accounts:authenticator_reset", args=[self.worker.pk])
        self.assertEqual(self.client_for(self.other_admin).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.other_manager).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.focal).post(url).status_code, 404)
        self.assertEqual(self.client_for(self.worker).post(url).status_code, 404)
        self.assertFalse(DualControlRequest.objects.exists())
