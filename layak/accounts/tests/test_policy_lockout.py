"""No hard lock for the roles that see children's identities (issue #11, finding 8).

Five wrong passwords from anywhere used to lock the on-duty case manager out for 30 minutes.
Now those roles get a progressive delay, enforced by the server, that refused attempts do not
extend, and can lift it themselves with a TOTP code. Other roles keep the lockout.
"""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pyotp
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from layak.accounts.lockout import delay_for
from layak.accounts.models import TotpUnlockAttempt, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.core.models import AuditEntry

PASSWORD = "Kuat-Sekali-2026!"
WRONG = "salah-Sekali-1!"


def _code(secret: str) -> str:
    """The code of this moment on the real clock (allauth reads ``time.time()``)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return totp.now()


def _later(seconds: float) -> mock._patch[mock.MagicMock]:
    """Move the clock (the only thing mocked) ``seconds`` forward."""
    moment = timezone.now() + timedelta(seconds=seconds)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@override_settings(
    LAYAK_LOGIN_DELAY_AFTER=3, LAYAK_LOGIN_DELAY_SECONDS=5, LAYAK_LOGIN_DELAY_MAX_SECONDS=300
)
class ProgressiveDelayTests(TestCase):
    manager: User
    focal: User
    secret: str

    @classmethod
    def setUpTestData(cls) -> None:
        agency = make_agency()
        cls.manager = make_person(
            Role.CASE_MANAGER,
            agency=agency,
            username="manajer",
            email="manajer@example.invalid",
            password=PASSWORD,
            totp=False,
        )
        cls.secret = enable_totp(cls.manager)
        cls.focal = make_person(Role.OPD_FOCAL, agency=agency, username="fokal", password=PASSWORD)

    def _post(self, login: str, password: str, client: Client | None = None) -> int:
        response = (client or Client()).post(
            "/accounts/login/", {"login": login, "password": password}
        )
        return response.status_code

    def _attack(self, times: int) -> None:
        """Wrong passwords from a fresh client each time (an attacker anywhere), each one
        sent just after the previous delay ran out."""
        for n in range(times):
            with _later(sum(delay_for(k).total_seconds() + 1 for k in range(n + 1))):
                self.assertNotEqual(self._post("manajer", WRONG), 302)

    def _log_in_with_totp(self, offset_seconds: float) -> Client:
        client = Client()
        with _later(offset_seconds):
            response = client.post("/accounts/login/", {"login": "manajer", "password": PASSWORD})
            self.assertRedirects(
                response, "/accounts/2fa/authenticate/", fetch_redirect_response=False
            )
            response = client.post("/accounts/2fa/authenticate/", {"code": _code(self.secret)})
            self.assertEqual(response.status_code, 302)
            self.assertEqual(int(client.session["_auth_user_id"]), self.manager.pk)
        return client

    def test_five_wrong_passwords_leave_the_case_manager_able_to_log_in_after_the_delay(
        self,
    ) -> None:
        self._attack(5)
        total = sum(delay_for(k).total_seconds() + 1 for k in range(6))
        self._log_in_with_totp(total)

    def test_twenty_wrong_passwords_delay_by_at_most_the_ceiling(self) -> None:
        self._attack(20)
        self.assertEqual(delay_for(20), timedelta(seconds=300))
        total = sum(delay_for(k).total_seconds() + 1 for k in range(20))
        self._log_in_with_totp(total + 301)

    def test_attempt_inside_the_delay_is_refused_and_does_not_extend_it(self) -> None:
        for _ in range(3):
            self._post("manajer", WRONG)
        # The fourth attempt comes at once: refused without looking at the password.
        response = Client().post("/accounts/login/", {"login": "manajer", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "accounts/login_delay.html")
        self.assertIn("Retry-After", response)
        for _ in range(10):
            self.assertEqual(self._post("manajer", PASSWORD), 429)
        # Refused attempts were not counted: the delay is still the one of 3 failures.
        with _later(delay_for(3).total_seconds() + 1):
            self.assertEqual(self._post("manajer", PASSWORD), 302)

    def test_the_delay_is_counted_under_every_login_name(self) -> None:
        for _ in range(3):
            self._post("manajer@example.invalid", WRONG)
        self.assertEqual(self._post("MANAJER", PASSWORD), 429)

    def test_other_roles_keep_the_lockout(self) -> None:
        for _ in range(settings.LAYAK_LOGIN_FAILURE_LIMIT):
            self._post("fokal", WRONG)
        with _later(600):
            response = Client().post("/accounts/login/", {"login": "fokal", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "account/lockout.html")


@override_settings(
    LAYAK_LOGIN_DELAY_AFTER=3,
    LAYAK_LOGIN_DELAY_SECONDS=60,
    LAYAK_LOGIN_DELAY_MAX_SECONDS=600,
    LAYAK_TOTP_UNLOCK_LIMIT=3,
)
class TotpUnlockTests(TestCase):
    manager: User
    focal: User
    secret: str

    @classmethod
    def setUpTestData(cls) -> None:
        agency = make_agency()
        cls.manager = make_person(
            Role.CASE_MANAGER, agency=agency, username="manajer", password=PASSWORD, totp=False
        )
        cls.secret = enable_totp(cls.manager)
        cls.focal = make_person(Role.OPD_FOCAL, agency=agency, username="fokal", password=PASSWORD)
        enable_totp(cls.focal)

    def _delay(self) -> None:
        for _ in range(5):
            Client().post("/accounts/login/", {"login": "manajer", "password": WRONG})
        response = Client().post("/accounts/login/", {"login": "manajer", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)

    def test_a_valid_totp_code_lifts_the_delay_and_is_audited(self) -> None:
        self._delay()
        response = self.client.post(
            "/accounts/unlock/", {"login": "manajer", "code": _code(self.secret)}
        )
        self.assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        client = Client()
        response = client.post("/accounts/login/", {"login": "manajer", "password": PASSWORD})
        self.assertRedirects(response, "/accounts/2fa/authenticate/", fetch_redirect_response=False)
        response = client.post("/accounts/2fa/authenticate/", {"code": _code(self.secret)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(client.session["_auth_user_id"]), self.manager.pk)
        self.assertTrue(
            AuditEntry.objects.filter(
                object_id=str(self.manager.pk), fields=["lockout"], actor_id=self.manager.pk
            ).exists()
        )

    def test_a_wrong_code_does_not_unlock(self) -> None:
        self._delay()
        wrong = "000000" if _code(self.secret) != "000000" else "111111"
        response = self.client.post("/accounts/unlock/", {"login": "manajer", "code": wrong})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            Client()
            .post("/accounts/login/", {"login": "manajer", "password": PASSWORD})
            .status_code,
            429,
        )

    def test_wrong_codes_are_limited_then_even_a_right_one_is_refused(self) -> None:
        self._delay()
        wrong = "000000" if _code(self.secret) != "000000" else "111111"
        for _ in range(3):
            self.client.post("/accounts/unlock/", {"login": "manajer", "code": wrong})
        response = self.client.post(
            "/accounts/unlock/", {"login": "manajer", "code": _code(self.secret)}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(TotpUnlockAttempt.objects.filter(user=self.manager).count(), 3)

    def test_locked_roles_cannot_unlock_themselves(self) -> None:
        for _ in range(settings.LAYAK_LOGIN_FAILURE_LIMIT):
            Client().post("/accounts/login/", {"login": "fokal", "password": WRONG})
        secret = Authenticator.objects.get(user=self.focal, type="totp").data["secret"]
        response = self.client.post("/accounts/unlock/", {"login": "fokal", "code": _code(secret)})
        self.assertEqual(response.status_code, 400)

    def test_unknown_account_gets_the_same_answer(self) -> None:
        response = self.client.post("/accounts/unlock/", {"login": "nobody", "code": "123456"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "tidak membuka akun", status_code=400)
