"""A person's own security changes through allauth's pages reach the audit trail (issue #2):
password changed or reset, e-mail addresses, two-factor authenticators. Entries name what
changed, never a password, code or secret."""

from __future__ import annotations

import re

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.test import RequestFactory, TestCase
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.accounts.tests.test_login import PASSWORD, current_totp, post_login
from layak.core.models import AuditAction, AuditEntry
from layak.regions.tests.factories import make_region

NEW_PASSWORD = "Pantai-Manggar-2027?"


class OwnChangesAuditTests(TestCase):
    person: User

    @classmethod
    def setUpTestData(cls) -> None:
        agency = make_agency(region=make_region("64.71", "Kota Balikpapan"))
        cls.person = make_person(
            Role.OPD_FOCAL,
            agency=agency,
            username="siti",
            email="siti@example.invalid",
            password=PASSWORD,
        )

    def own_changes(self) -> list[tuple[str, list[str], str]]:
        """(fields, label, actor) of the UPDATE entries on the person's own record."""
        entries = AuditEntry.objects.filter(
            action=AuditAction.UPDATE, object_type="accounts.user", object_id=str(self.person.pk)
        ).order_by("seq")
        for entry in entries:
            self.assertEqual(entry.region_code, "64.71")
        return [(e.object_label, list(e.fields), e.actor_username) for e in entries]

    def assert_no_secret_recorded(self, *secrets: str) -> None:
        for entry in AuditEntry.objects.all():
            text = " ".join([entry.object_label, entry.object_id, *entry.fields])
            for secret in secrets:
                self.assertNotIn(secret, text)

    def test_password_change_is_audited(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        response = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.own_changes(), [("siti: password changed", ["password"], "siti")])
        self.assert_no_secret_recorded(PASSWORD, NEW_PASSWORD)

    def test_password_reset_through_the_mailed_link_is_audited(self) -> None:
        self.client.post(reverse("account_reset_password"), {"email": "siti@example.invalid"})
        [message] = mail.outbox
        match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(message.body))
        assert match is not None, message.body
        page = self.client.get(match.group(1), follow=True)
        self.client.post(
            page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        self.assertEqual(
            self.own_changes(), [("siti: password reset by e-mail link", ["password"], "siti")]
        )
        self.assert_no_secret_recorded(NEW_PASSWORD, match.group(1).rstrip("/").split("/")[-1])

    def test_totp_activation_regeneration_and_deactivation_are_audited(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        # allauth asks for the password again before a two-factor change.
        response = self.client.get(reverse("mfa_activate_totp"), follow=True)
        self.client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
        secret = self.client.session[SECRET_SESSION_KEY]
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("mfa_activate_totp"), {"code": current_totp(secret)}
            )
        self.assertEqual(response.status_code, 302)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("mfa_generate_recovery_codes"))
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("mfa_deactivate_totp"))
        self.assertFalse(Authenticator.objects.filter(user=self.person).exists())
        self.assertEqual(
            self.own_changes(),
            [
                ("siti: two-factor totp activated", ["totp"], "siti"),
                ("siti: two-factor recovery_codes activated", ["recovery_codes"], "siti"),
                ("siti: two-factor recovery_codes regenerated", ["recovery_codes"], "siti"),
                ("siti: two-factor totp deactivated", ["totp"], "siti"),
                ("siti: two-factor recovery_codes deactivated", ["recovery_codes"], "siti"),
            ],
        )
        self.assert_no_secret_recorded(secret)

    def test_email_address_changes_are_audited_without_the_address(self) -> None:
        request = RequestFactory().post("/accounts/email/")
        request.user = self.person
        first = EmailAddress.objects.create(user=self.person, email="siti@example.invalid")
        second = EmailAddress.objects.create(user=self.person, email="siti.baru@example.invalid")
        account_signals.email_added.send(
            sender=EmailAddress, request=request, user=self.person, email_address=second
        )
        account_signals.email_changed.send(
            sender=EmailAddress,
            request=request,
            user=self.person,
            from_email_address=first,
            to_email_address=second,
        )
        account_signals.email_removed.send(
            sender=EmailAddress, request=request, user=self.person, email_address=first
        )
        self.assertEqual(
            self.own_changes(),
            [
                ("siti: e-mail address added", ["email"], "siti"),
                ("siti: primary e-mail address changed", ["email"], "siti"),
                ("siti: e-mail address removed", ["email"], "siti"),
            ],
        )
        self.assert_no_secret_recorded("siti.baru@example.invalid", "siti@example.invalid")
