"""Onboarding that works (issue #11, finding 1): an invited or reset case worker gets through
two-factor set-up to the case list, and nobody can block that by requesting a password reset.

allauth refuses to activate TOTP while the person has an unverified e-mail address; the
invitation link and every password reset left one behind (allauth's token generator records
``User.email`` as an unverified ``EmailAddress``), so case staff who must use TOTP could never
get in. Each test walks the pages a person uses, from the administrator's invitation e-mail on.
"""

from __future__ import annotations

import html
import re
import time
from typing import TYPE_CHECKING

import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core import mail
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.accounts.models import DualControlRequest, DualControlStatus, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import (
    CityWorld,
    enable_totp,
    make_city_world,
    make_person,
)
from layak.core.models import AuditEntry
from layak.core.testing import login

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PASSWORD = "Kuat-Sekali-2026!"
NEW_PASSWORD = "Lebih-Kuat-2027!"
LOGIN_URL = "/accounts/login/"
RESET_URL = "/accounts/password/reset/"
CASES_URL = "/cases/"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)")
SECRET = re.compile(
    r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"'
    r'|value="([A-Z2-7]+)"[^>]*id="authenticator_secret"'
)
RECOVERY_CODES = re.compile(r"<textarea[^>]*recovery_codes[^>]*>(.*?)</textarea>", re.S)


def current_totp(secret: str) -> str:
    """The code of this moment, not one about to expire (the test would race the clock)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return totp.now()


def link_in(message: mail.EmailMessage) -> str:
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    return match.group(1)


def reset_links_to(address: str) -> list[str]:
    """The password-reset links e-mailed to ``address`` (allauth also tells an address it
    knows no account for that a reset was asked, without a link)."""
    return [
        m
        for message in mail.outbox
        if address in message.to
        for m in LINK.findall(str(message.body))
    ]


def secret_on(response: Response) -> str:
    """The TOTP secret the set-up page shows the person (beside the QR code)."""
    match = SECRET.search(response.content.decode())
    assert match is not None, response.content.decode()[:3000]
    return match.group(1) or match.group(2)


def recovery_codes_on(response: Response) -> list[str]:
    match = RECOVERY_CODES.search(response.content.decode())
    assert match is not None, response.content.decode()[:3000]
    return html.unescape(match.group(1)).split()


class OnboardingTestCase(TestCase):
    world: CityWorld
    approver: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city_world()
        # Whatever roles must use two-factor log-in, the administrator here may act at once.
        if not is_mfa_enabled(cls.world.admin, ["totp"]):
            enable_totp(cls.world.admin)
        # A case role takes a second person: a case manager of the intake agency approves.
        cls.approver = make_person(
            Role.CASE_MANAGER, agency=cls.world.service_unit, username="manajer.uptd", totp=True
        )

    def invite(self, username: str, roles: list[str]) -> str:
        """The administrator creates the person on the people page; returns the link path."""
        admin = Client()
        login(admin, self.world.admin)
        data = {
            "full_name": "Rina Baru",
            "username": username,
            "email": f"{username}@example.invalid",
            "agency": self.world.service_unit.pk,
            "is_active": "on",
            "roles": roles,
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = admin.post("/people/new/", data)
        self.assertRedirects(response, "/people/", fetch_redirect_response=False)
        [message] = [m for m in mail.outbox if m.to == [data["email"]]]
        self.approve_pending_roles(User.objects.get(username=username))
        return link_in(message)

    def approve_pending_roles(self, person: User) -> None:
        approver = Client()
        login(approver, self.approver)
        pending = DualControlRequest.objects.filter(
            subject=person, status=DualControlStatus.PENDING
        )
        for pk in list(pending.values_list("pk", flat=True)):
            response = approver.post(reverse("accounts:dual_control_approve", args=[pk]))
            self.assertEqual(response.status_code, 302)
        self.assertFalse(pending.exists())

    def set_password(self, client: Client, link: str, password: str = PASSWORD) -> None:
        """Open the e-mailed link and choose a password on the page it leads to."""
        form_page = client.get(link, follow=True)
        self.assertEqual(form_page.status_code, 200)
        set_password_url = form_page.redirect_chain[-1][0]
        response = client.post(set_password_url, {"password1": password, "password2": password})
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])

    def log_in(self, client: Client, username: str, password: str = PASSWORD) -> Response:
        response = client.post(LOGIN_URL, {"login": username, "password": password})
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        return response

    def set_up_totp(self, client: Client, password: str = PASSWORD) -> tuple[str, list[str]]:
        """From any page to the TOTP set-up page, activate it; returns the secret and codes."""
        activate = reverse("mfa_activate_totp")
        self.assertRedirects(client.get(CASES_URL), activate, fetch_redirect_response=False)
        page = client.get(activate, follow=True)
        landed = page.redirect_chain[-1][0] if page.redirect_chain else activate
        if landed.startswith(reverse("account_reauthenticate")):
            # allauth asks for the password again before a two-factor change.
            page = client.post(landed, {"password": password}, follow=True)
            landed = page.redirect_chain[-1][0]
        # The old code sent the person to the two-factor overview with "verify your address".
        self.assertEqual(landed, activate, page.content.decode()[:3000])
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "verified your email address")
        secret = secret_on(page)
        response = client.post(activate, {"code": current_totp(secret)}, follow=True)
        self.assertEqual(
            response.redirect_chain[0][0], reverse("mfa_view_recovery_codes"), response.content
        )
        codes = recovery_codes_on(response)
        self.assertGreaterEqual(len(codes), 8)
        download = client.get(reverse("mfa_download_recovery_codes"))
        self.assertEqual(download.status_code, 200)
        self.assertIn(codes[0], download.content.decode())
        return secret, codes

    def log_in_with_second_factor(
        self, username: str, code: str, password: str = PASSWORD
    ) -> Client:
        client = Client()
        response = self.log_in(client, username, password)
        authenticate = reverse("mfa_authenticate")
        self.assertRedirects(response, authenticate, fetch_redirect_response=False)
        self.assertIsNone(client.session.get("_auth_user_id"))
        response = client.post(authenticate, {"code": code})
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(client.get(CASES_URL).status_code, 200)
        return client

    def walk_in_after_link(self, person: User, link: str, password: str = PASSWORD) -> None:
        """Link, password, log-in, TOTP, recovery codes, cases; then both kinds of log-in."""
        visitor = Client()
        self.set_password(visitor, link, password)
        self.log_in(visitor, person.username, password)
        secret, codes = self.set_up_totp(visitor, password)
        self.assertEqual(visitor.get(CASES_URL).status_code, 200)
        visitor.post("/accounts/logout/")
        self.assertRedirects(visitor.get(CASES_URL), f"{LOGIN_URL}?next={CASES_URL}")

        self.log_in_with_second_factor(person.username, current_totp(secret), password)
        used = AuditEntry.objects.filter(object_label__contains="recovery code used").count()
        self.log_in_with_second_factor(person.username, codes[0], password)
        self.assertEqual(
            AuditEntry.objects.filter(
                object_type="accounts.user",
                object_id=str(person.pk),
                object_label__contains="recovery code used",
            ).count(),
            used + 1,
        )
        # A code works once.
        again = Client()
        self.log_in(again, person.username, password)
        again.post(reverse("mfa_authenticate"), {"code": codes[0]})
        self.assertIsNone(again.session.get("_auth_user_id"))


class InvitationTests(OnboardingTestCase):
    def test_invited_case_worker_sets_up_totp_and_reaches_the_case_list(self) -> None:
        link = self.invite("rina.baru", [Role.CASE_WORKER])
        person = User.objects.get(username="rina.baru")
        self.walk_in_after_link(person, link)

    def test_completing_the_invitation_verifies_the_address_it_was_sent_to(self) -> None:
        link = self.invite("rina.baru", [Role.CASE_WORKER])
        person = User.objects.get(username="rina.baru")
        self.set_password(Client(), link)
        address = EmailAddress.objects.get(user=person)
        self.assertEqual(address.email, "rina.baru@example.invalid")
        self.assertTrue(address.verified)
        self.assertTrue(address.primary)

    def test_invited_case_manager_sets_up_totp_even_after_an_anonymous_reset_request(
        self,
    ) -> None:
        link = self.invite("manajer.baru", [Role.CASE_MANAGER])
        person = User.objects.get(username="manajer.baru")
        Client().post(RESET_URL, {"email": "manajer.baru@example.invalid"})
        reset_mail = mail.outbox[-1]
        self.assertEqual(reset_mail.to, ["manajer.baru@example.invalid"])
        visitor = Client()
        # The invitation link was issued before the reset request; it still sets the password.
        self.set_password(visitor, link)
        self.log_in(visitor, person.username)
        self.set_up_totp(visitor)
        self.assertTrue(Authenticator.objects.filter(user=person, type="totp").exists())

    @override_settings(MFA_ALLOW_UNVERIFIED_EMAIL=False)
    def test_the_link_itself_satisfies_allauths_verified_address_rule(self) -> None:
        """Even with allauth's refusal for unverified addresses back on, the invitation
        verifies the address, so TOTP set-up goes through."""
        link = self.invite("rina.ketat", [Role.CASE_WORKER])
        visitor = Client()
        self.set_password(visitor, link)
        self.log_in(visitor, "rina.ketat")
        self.set_up_totp(visitor)


class PasswordResetTests(OnboardingTestCase):
    def test_anonymous_reset_request_does_not_block_totp_set_up(self) -> None:
        manager = make_person(
            Role.CASE_MANAGER,
            agency=self.world.service_unit,
            username="manajer",
            email="manajer@example.invalid",
            password=PASSWORD,
            totp=False,
        )
        Client().post(RESET_URL, {"email": "manajer@example.invalid"})
        self.assertEqual(mail.outbox[-1].to, ["manajer@example.invalid"])
        visitor = Client()
        self.log_in(visitor, "manajer")
        self.set_up_totp(visitor)
        self.assertTrue(Authenticator.objects.filter(user=manager, type="totp").exists())

    def test_anonymous_reset_request_leaves_an_enrolled_manager_able_to_log_in(self) -> None:
        manager = make_person(
            Role.CASE_MANAGER,
            agency=self.world.service_unit,
            username="manajer",
            email="manajer@example.invalid",
            password=PASSWORD,
            totp=False,
        )
        secret = enable_totp(manager)
        Client().post(RESET_URL, {"email": "manajer@example.invalid"})
        self.log_in_with_second_factor("manajer", current_totp(secret))

    def test_reset_by_link_then_totp_set_up_recovery_codes_and_case_list(self) -> None:
        worker = make_person(
            Role.CASE_WORKER,
            agency=self.world.service_unit,
            username="pekerja.lupa",
            email="pekerja.lupa@example.invalid",
            totp=False,
        )
        Client().post(RESET_URL, {"email": "pekerja.lupa@example.invalid"})
        link = link_in(mail.outbox[-1])
        self.walk_in_after_link(worker, link, NEW_PASSWORD)
        address = EmailAddress.objects.get(user=worker)
        self.assertTrue(address.verified)
        self.assertTrue(address.primary)

    @override_settings(MFA_ALLOW_UNVERIFIED_EMAIL=False)
    def test_reset_link_itself_satisfies_allauths_verified_address_rule(self) -> None:
        make_person(
            Role.CASE_WORKER,
            agency=self.world.service_unit,
            username="pekerja.ketat",
            email="pekerja.ketat@example.invalid",
            totp=False,
        )
        Client().post(RESET_URL, {"email": "pekerja.ketat@example.invalid"})
        visitor = Client()
        self.set_password(visitor, link_in(mail.outbox[-1]))
        self.log_in(visitor, "pekerja.ketat")
        self.set_up_totp(visitor)

    def test_reset_is_sent_only_to_the_address_the_administrator_recorded(self) -> None:
        person = make_person(
            Role.CASE_WORKER,
            agency=self.world.service_unit,
            username="pindah",
            email="lama@example.invalid",
            totp=False,
        )
        admin = Client()
        login(admin, self.world.admin)
        response = admin.post(
            f"/people/{person.pk}/",
            {
                "full_name": person.full_name,
                "username": person.username,
                "email": "baru@example.invalid",
                "agency": self.world.service_unit.pk,
                "is_active": "on",
                "roles": [Role.CASE_WORKER],
            },
        )
        self.assertEqual(response.status_code, 302)
        Client().post(RESET_URL, {"email": "lama@example.invalid"})
        self.assertEqual(reset_links_to("lama@example.invalid"), [])
        self.assertEqual(
            list(EmailAddress.objects.filter(user=person).values_list("email", flat=True)),
            ["baru@example.invalid"],
        )
        Client().post(RESET_URL, {"email": "baru@example.invalid"})
        self.assertEqual(len(reset_links_to("baru@example.invalid")), 1)

    def test_no_reset_link_goes_to_an_address_left_over_from_before(self) -> None:
        person = make_person(
            Role.CASE_WORKER,
            agency=self.world.service_unit,
            email="sekarang@example.invalid",
            totp=False,
        )
        # An address recorded before administrators' changes replaced the allauth addresses.
        EmailAddress.objects.create(
            user=person, email="dulu@example.invalid", verified=True, primary=False
        )
        Client().post(RESET_URL, {"email": "dulu@example.invalid"})
        self.assertEqual(reset_links_to("dulu@example.invalid"), [])
        Client().post(RESET_URL, {"email": "sekarang@example.invalid"})
        self.assertEqual(len(reset_links_to("sekarang@example.invalid")), 1)


class AdministratorRecordedAddressTests(OnboardingTestCase):
    def test_person_created_by_an_administrator_has_the_address_recorded(self) -> None:
        self.invite("rina.baru", [Role.CASE_WORKER])
        person = User.objects.get(username="rina.baru")
        [address] = EmailAddress.objects.filter(user=person)
        self.assertEqual(address.email, "rina.baru@example.invalid")
        self.assertTrue(address.primary)

    def test_address_changed_by_an_administrator_does_not_block_totp_set_up(self) -> None:
        worker = make_person(
            Role.CASE_WORKER,
            agency=self.world.service_unit,
            username="pekerja.pindah",
            password=PASSWORD,
            totp=False,
        )
        EmailAddress.objects.create(user=worker, email=worker.email, verified=True, primary=True)
        admin = Client()
        login(admin, self.world.admin)
        admin.post(
            f"/people/{worker.pk}/",
            {
                "full_name": worker.full_name,
                "username": worker.username,
                "email": "alamat.baru@example.invalid",
                "agency": self.world.service_unit.pk,
                "is_active": "on",
                "roles": [Role.CASE_WORKER],
            },
        )
        self.assertEqual(User.objects.get(pk=worker.pk).email, "alamat.baru@example.invalid")
        visitor = Client()
        self.log_in(visitor, worker.username)
        self.set_up_totp(visitor)

    def test_person_cannot_manage_their_own_addresses(self) -> None:
        client = Client()
        login(client, self.world.worker)
        response = client.post(
            "/accounts/email/", {"email": "mine@example.invalid", "action_add": ""}
        )
        self.assertRedirects(response, "/profile/", fetch_redirect_response=False)
        self.assertFalse(EmailAddress.objects.filter(email="mine@example.invalid").exists())
