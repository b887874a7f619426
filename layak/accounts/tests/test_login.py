"""Log-in, lockout, password policy, idle timeout, password reset, closed sign-up and
two-factor log-in (issue #2)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from unittest import mock

import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpResponse
from django.test import Client, RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.checks import check_mfa_required_roles
from layak.accounts.middleware import RequireTwoFactorMiddleware
from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.services import person_unlock
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PASSWORD = "Kuat-Sekali-2026!"
WRONG_PASSWORD = "Salah-Sekali-2026!"
LOGIN_URL = "/accounts/login/"
#: The roles that see case data and must use two-factor log-in (issue #2).
MFA_ROLES = (
    Role.CASE_MANAGER,
    Role.CASE_WORKER,
    Role.COUNSELLOR,
    Role.SECRETARIAT,
    Role.FORUM_FACILITATOR,
)
#: Wrong two-factor codes accepted before every further code is refused for a while.
MFA_CODE_LIMIT = 5
LOCMEM_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def post_login(client: Client, name: str, password: str) -> Response:
    return client.post(LOGIN_URL, {"login": name, "password": password})


def logged_in_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None


def password_errors(password: str, user: User | None = None) -> set[str]:
    """The codes of the policy rules ``password`` breaks (empty: accepted)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code or "" for e in error.error_list}
    return set()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Move Django's clock (sessions, audit) and django-axes' clock to ``moment``."""
    with (
        mock.patch("django.utils.timezone.now", return_value=moment),
        mock.patch("axes.handlers.proxy.now", return_value=moment),
    ):
        yield


class LoginTestCase(TestCase):
    """Rate limits of allauth live in the cache; each test starts without earlier attempts."""

    agency: Agency
    person: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.agency = make_agency()
        cls.person = make_person(
            Role.OPD_FOCAL,
            agency=cls.agency,
            username="siti",
            email="siti@example.invalid",
            password=PASSWORD,
        )

    def setUp(self) -> None:
        cache.clear()


class LoginTests(LoginTestCase):
    def test_right_password_logs_in_and_redirects_home(self) -> None:
        response = post_login(self.client, "siti", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(logged_in_user_id(self.client), str(self.person.pk))
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_email_address_is_accepted_as_login_name(self) -> None:
        response = post_login(self.client, "siti@example.invalid", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_login_without_csrf_token_is_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        self.assertEqual(post_login(client, "siti", PASSWORD).status_code, 403)
        self.assertIsNone(logged_in_user_id(client))

    def test_wrong_password_is_refused(self) -> None:
        response = post_login(self.client, "siti", WRONG_PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(logged_in_user_id(self.client))
        self.assertRedirects(
            self.client.get("/"), f"{LOGIN_URL}?next=/", fetch_redirect_response=False
        )

    def test_inactive_person_cannot_log_in(self) -> None:
        User.objects.filter(pk=self.person.pk).update(is_active=False)
        response = post_login(self.client, "siti", PASSWORD)
        self.assertNotEqual(response.get("Location"), "/")
        self.assertIsNone(logged_in_user_id(self.client))

    def test_deactivated_person_is_logged_out_at_the_next_request(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        User.objects.filter(pk=self.person.pk).update(is_active=False)
        self.assertRedirects(
            self.client.get("/"), f"{LOGIN_URL}?next=/", fetch_redirect_response=False
        )

    def test_next_pointing_to_another_site_is_ignored(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"login": "siti", "password": PASSWORD, "next": "https://evil.example/"}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_next_within_layak_is_followed(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"login": "siti", "password": PASSWORD, "next": "/profile/"}
        )
        self.assertRedirects(response, "/profile/", fetch_redirect_response=False)

    def test_login_and_logout_are_audited(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        self.client.post("/accounts/logout/")
        self.assertIsNone(logged_in_user_id(self.client))
        entries = AuditEntry.objects.filter(object_type="accounts.user").order_by("seq")
        self.assertEqual(
            [(e.action, e.object_id, e.actor_username) for e in entries],
            [
                (AuditAction.LOGIN, str(self.person.pk), "siti"),
                (AuditAction.LOGOUT, str(self.person.pk), "siti"),
            ],
        )
        self.assertEqual(entries[0].ip, "127.0.0.1")
        self.assertEqual(entries[0].region_code, "64.71")

    def test_logout_needs_a_post(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        self.client.get("/accounts/logout/")
        self.assertEqual(logged_in_user_id(self.client), str(self.person.pk))
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.LOGOUT).exists())

    def test_failed_login_writes_no_login_entry(self) -> None:
        post_login(self.client, "siti", WRONG_PASSWORD)
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.LOGIN).exists())


class LockoutTests(LoginTestCase):
    def assert_locked_out(self, response: Response) -> None:
        """Refused by the lockout (django-axes), not by some other limit."""
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "account/lockout.html")

    def _fail(self, client: Client, name: str, times: int) -> None:
        for _ in range(times):
            self.assertNotEqual(post_login(client, name, WRONG_PASSWORD).status_code, 302)

    def test_repeated_wrong_passwords_lock_the_account(self) -> None:
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        self.assert_locked_out(post_login(self.client, "siti", PASSWORD))
        self.assertIsNone(logged_in_user_id(self.client))
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.LOGIN).exists())

    def test_lockout_holds_from_another_browser(self) -> None:
        self._fail(Client(), "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        self.assert_locked_out(post_login(Client(REMOTE_ADDR="10.1.2.3"), "siti", PASSWORD))

    def test_login_name_counts_whatever_its_case(self) -> None:
        for i in range(settings.LAYAK_LOGIN_FAILURE_LIMIT):
            post_login(self.client, "SITI" if i % 2 else "siti", WRONG_PASSWORD)
        self.assert_locked_out(post_login(self.client, "siti", PASSWORD))

    def test_fewer_failures_than_the_limit_do_not_lock(self) -> None:
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT - 1)
        response = post_login(self.client, "siti", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_successful_login_resets_the_failure_count(self) -> None:
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT - 1)
        post_login(self.client, "siti", PASSWORD)
        client = Client()
        self._fail(client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT - 1)
        self.assertEqual(post_login(client, "siti", PASSWORD).status_code, 302)

    def test_locked_account_is_refused_when_logging_in_by_email(self) -> None:
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        self.assert_locked_out(post_login(Client(), "siti@example.invalid", PASSWORD))

    def test_failures_by_email_and_by_user_name_count_together(self) -> None:
        by_name = settings.LAYAK_LOGIN_FAILURE_LIMIT // 2
        self._fail(self.client, "siti", by_name)
        self._fail(
            self.client, "siti@example.invalid", settings.LAYAK_LOGIN_FAILURE_LIMIT - by_name
        )
        self.assert_locked_out(post_login(Client(), "siti", PASSWORD))

    def test_lock_ends_after_the_cool_off_time(self) -> None:
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)
        with clock_at(later):
            response = post_login(Client(), "siti", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_failures_through_a_second_address_lock_the_account(self) -> None:
        EmailAddress.objects.create(user=self.person, email="siti.lain@example.invalid")
        self.assertRedirects(
            post_login(Client(), "siti.lain@example.invalid", PASSWORD),
            "/",
            fetch_redirect_response=False,
        )
        self._fail(self.client, "siti.lain@example.invalid", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        self.assert_locked_out(post_login(Client(), "siti", PASSWORD))
        self.assert_locked_out(post_login(Client(), "siti@example.invalid", PASSWORD))
        self.assert_locked_out(post_login(Client(), "siti.lain@example.invalid", PASSWORD))

    def test_unlock_by_an_administrator_also_frees_the_second_address(self) -> None:
        EmailAddress.objects.create(user=self.person, email="siti.lain@example.invalid")
        self._fail(self.client, "siti.lain@example.invalid", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        admin = make_person(Role.ADMIN, agency=self.agency)
        person_unlock(actor=admin, person=self.person)
        response = post_login(Client(), "siti.lain@example.invalid", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_lockout_of_one_account_leaves_other_accounts_alone(self) -> None:
        make_person(agency=self.agency, username="budi", password=PASSWORD)
        self._fail(self.client, "siti", settings.LAYAK_LOGIN_FAILURE_LIMIT)
        response = post_login(self.client, "budi", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)


class PasswordPolicyTests(TestCase):
    def test_common_password_is_rejected(self) -> None:
        self.assertIn("password_too_common", password_errors("password123"))

    def test_twelve_lower_case_letters_are_rejected_as_too_simple(self) -> None:
        self.assertEqual(password_errors("kelurahanbpn"), {"password_too_simple"})

    def test_mixed_but_short_password_is_rejected(self) -> None:
        self.assertEqual(password_errors("Ab1!Cd2?Ef3"), {"password_too_short"})

    def test_password_like_the_user_name_is_rejected(self) -> None:
        user = User(username="kartika.lestari", email="kartika@example.invalid")
        self.assertIn("password_too_similar", password_errors("Kartika.Lestari1", user))

    def test_strong_password_is_accepted(self) -> None:
        self.assertEqual(password_errors(PASSWORD), set())
        self.assertEqual(password_errors("Teluk Balikpapan 2026 indah"), set())


class SessionTimeoutTests(LoginTestCase):
    def _session(self) -> Session:
        return Session.objects.get(session_key=self.client.session.session_key)

    def test_session_cookie_is_renewed_on_every_request_and_ends_with_the_browser(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertEqual(cookie.value, self.client.session.session_key)
        self.assertEqual(cookie["max-age"], "")
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")

    def test_every_request_pushes_the_expiry_by_the_idle_timeout(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE // 2)
        with clock_at(later):
            self.assertEqual(self.client.get("/").status_code, 200)
        expected = later + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        self.assertAlmostEqual(self._session().expire_date, expected, delta=timedelta(seconds=1))

    def test_idle_session_expires_after_the_idle_timeout(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        idle = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)
        with clock_at(idle):
            response = self.client.get("/")
        self.assertRedirects(response, f"{LOGIN_URL}?next=/", fetch_redirect_response=False)

    def test_activity_keeps_the_session_alive_past_the_idle_timeout(self) -> None:
        post_login(self.client, "siti", PASSWORD)
        start = timezone.now()
        step = timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        for n in (1, 2, 3):
            with clock_at(start + n * step):
                self.assertEqual(self.client.get("/").status_code, 200, f"request {n}")


class PasswordResetTests(LoginTestCase):
    def test_reset_sends_a_mail_with_a_link_that_sets_a_new_password(self) -> None:
        response = self.client.post("/accounts/password/reset/", {"email": "siti@example.invalid"})
        self.assertEqual(response.status_code, 302)
        [message] = mail.outbox
        self.assertEqual(message.to, ["siti@example.invalid"])
        match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(message.body))
        assert match is not None, message.body
        page = self.client.get(match.group(1), follow=True)
        self.assertEqual(page.status_code, 200)
        new_password = "Pantai-Manggar-2027?"
        self.client.post(
            page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password}
        )
        self.person.refresh_from_db()
        self.assertTrue(self.person.check_password(new_password))
        self.assertFalse(self.person.check_password(PASSWORD))

    def test_reset_sends_no_link_for_an_unknown_address(self) -> None:
        self.client.post("/accounts/password/reset/", {"email": "nobody@example.invalid"})
        self.assertNotIn("/accounts/password/reset/key/", "".join(str(m.body) for m in mail.outbox))


class SignupClosedTests(LoginTestCase):
    def test_signup_page_says_closed(self) -> None:
        response = self.client.get("/accounts/signup/")
        self.assertTemplateUsed(response, "account/signup_closed.html")

    def test_signup_post_creates_no_account(self) -> None:
        before = User.objects.count()
        self.client.post(
            "/accounts/signup/",
            {
                "username": "stranger",
                "email": "stranger@example.invalid",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        self.assertEqual(User.objects.count(), before)
        self.assertFalse(User.objects.filter(username="stranger").exists())
        self.assertIsNone(logged_in_user_id(self.client))


def current_totp(secret: str) -> str:
    """The code of this moment, not one about to expire (the test would race the clock)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 2:
        time.sleep(2)
    return totp.now()


class TwoFactorTests(LoginTestCase):
    def test_role_requiring_two_factor_is_sent_to_totp_activation(self) -> None:
        for role in MFA_ROLES:
            with self.subTest(role=role):
                person = make_person(role, agency=self.agency, totp=False)
                client = Client()
                login(client, person)
                for url in ("/", "/profile/", "/agencies/"):
                    response = client.get(url)
                    self.assertRedirects(
                        response, reverse("mfa_activate_totp"), fetch_redirect_response=False
                    )

    def test_case_worker_enrols_totp_after_logging_in_and_then_reaches_home(self) -> None:
        worker = make_person(
            Role.CASE_WORKER,
            agency=self.agency,
            username="pekerja",
            password=PASSWORD,
            totp=False,
        )
        response = post_login(self.client, "pekerja", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        activate = reverse("mfa_activate_totp")
        self.assertRedirects(self.client.get("/"), activate, fetch_redirect_response=False)
        # allauth asks for the password again before a two-factor change.
        response = self.client.get(activate, follow=True)
        self.assertTemplateUsed(response, "account/reauthenticate.html")
        response = self.client.post(
            response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True
        )
        self.assertEqual(response.redirect_chain[-1][0], activate)
        self.assertEqual(response.status_code, 200)
        secret = self.client.session[SECRET_SESSION_KEY]
        response = self.client.post(activate, {"code": current_totp(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(is_mfa_enabled(worker, ["totp"]))
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_role_requiring_two_factor_with_totp_reaches_home(self) -> None:
        for role in MFA_ROLES:
            with self.subTest(role=role):
                person = make_person(role, agency=self.agency, totp=False)
                enable_totp(person)
                client = Client()
                login(client, person)
                self.assertEqual(client.get("/").status_code, 200)

    def test_other_roles_are_not_forced_to_enrol(self) -> None:
        for role in (Role.OPD_FOCAL, Role.ADMIN, Role.LEADERSHIP):
            with self.subTest(role=role):
                client = Client()
                login(client, make_person(role, agency=self.agency))
                self.assertEqual(client.get("/").status_code, 200)

    def test_login_with_totp_needs_the_code_after_the_password(self) -> None:
        worker = make_person(
            Role.CASE_WORKER,
            agency=self.agency,
            username="pekerja",
            password=PASSWORD,
            totp=False,
        )
        secret = enable_totp(worker)

        response = post_login(self.client, "pekerja", PASSWORD)
        self.assertRedirects(response, reverse("mfa_authenticate"), fetch_redirect_response=False)
        self.assertIsNone(logged_in_user_id(self.client))
        self.assertRedirects(
            self.client.get("/"), f"{LOGIN_URL}?next=/", fetch_redirect_response=False
        )
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.LOGIN).exists())

        code = current_totp(secret)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        response = self.client.post(reverse("mfa_authenticate"), {"code": wrong})
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(logged_in_user_id(self.client))

        response = self.client.post(reverse("mfa_authenticate"), {"code": code})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(logged_in_user_id(self.client), str(worker.pk))
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertTrue(
            AuditEntry.objects.filter(action=AuditAction.LOGIN, object_id=str(worker.pk)).exists()
        )


@override_settings(CACHES=LOCMEM_CACHE)
class RateLimitWithARealCacheTests(LoginTestCase):
    """With a cache that keeps allauth's counts (as in production), wrong two-factor codes are
    limited per person and wrong passwords still meet django-axes' lockout page."""

    worker: User
    secret: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.worker = make_person(
            Role.CASE_WORKER, agency=cls.agency, username="pekerja", password=PASSWORD, totp=False
        )
        cls.secret = enable_totp(cls.worker)

    def _post_code(self, client: Client, code: str) -> Response:
        return client.post(reverse("mfa_authenticate"), {"code": code})

    def test_wrong_totp_codes_beyond_the_limit_refuse_even_the_right_code(self) -> None:
        self.assertRedirects(
            post_login(self.client, "pekerja", PASSWORD),
            reverse("mfa_authenticate"),
            fetch_redirect_response=False,
        )
        code = current_totp(self.secret)
        wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
        for attempt in range(MFA_CODE_LIMIT):
            response = self._post_code(self.client, wrong)
            self.assertEqual(response.status_code, 200, f"attempt {attempt + 1}")
        response = self._post_code(self.client, current_totp(self.secret))
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(logged_in_user_id(self.client))
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.LOGIN).exists())

    def test_a_new_log_in_does_not_reset_the_count_of_wrong_codes(self) -> None:
        post_login(self.client, "pekerja", PASSWORD)
        code = current_totp(self.secret)
        wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
        for _ in range(MFA_CODE_LIMIT):
            self._post_code(self.client, wrong)
        client = Client()
        post_login(client, "pekerja", PASSWORD)
        self._post_code(client, current_totp(self.secret))
        self.assertIsNone(logged_in_user_id(client))

    def test_fewer_wrong_codes_than_the_limit_still_let_the_right_code_in(self) -> None:
        post_login(self.client, "pekerja", PASSWORD)
        code = current_totp(self.secret)
        wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
        for _ in range(MFA_CODE_LIMIT - 1):
            self._post_code(self.client, wrong)
        response = self._post_code(self.client, current_totp(self.secret))
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_wrong_passwords_meet_the_lockout_page_not_a_form_error(self) -> None:
        for _ in range(settings.LAYAK_LOGIN_FAILURE_LIMIT):
            post_login(self.client, "siti", WRONG_PASSWORD)
        response = post_login(self.client, "siti", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "account/lockout.html")


class EmailAddressManagementTests(LoginTestCase):
    def test_email_page_sends_the_person_to_their_profile(self) -> None:
        login(self.client, self.person)
        response = self.client.get(reverse("account_email"))
        self.assertRedirects(response, "/profile/", fetch_redirect_response=False)

    def test_person_cannot_add_a_log_in_address_of_their_own(self) -> None:
        login(self.client, self.person)
        self.client.post(
            reverse("account_email"), {"action_add": "", "email": "siti.lain@example.invalid"}
        )
        self.assertFalse(EmailAddress.objects.filter(email="siti.lain@example.invalid").exists())
        self.assertNotEqual(
            post_login(Client(), "siti.lain@example.invalid", PASSWORD).status_code, 302
        )


class TwoFactorMiddlewareTests(LoginTestCase):
    def _through_middleware(self, user: User, path: str, script_name: str = "") -> HttpResponse:
        request = RequestFactory().get(path, SCRIPT_NAME=script_name)
        request.user = user
        return RequireTwoFactorMiddleware(lambda request: HttpResponse("page"))(request)

    def test_allauth_pages_are_reachable_under_a_url_prefix(self) -> None:
        worker = make_person(Role.CASE_WORKER, agency=self.agency, totp=False)
        response = self._through_middleware(worker, "/accounts/2fa/totp/activate/", "/layak")
        self.assertEqual(response.content, b"page")

    def test_other_pages_under_a_url_prefix_still_need_enrolment(self) -> None:
        worker = make_person(Role.CASE_WORKER, agency=self.agency, totp=False)
        response = self._through_middleware(worker, "/profile/", "/layak")
        self.assertEqual(response.status_code, 302)


class MfaRequiredRolesCheckTests(TestCase):
    def test_known_roles_pass(self) -> None:
        with self.settings(LAYAK_MFA_REQUIRED_ROLES=["case_manager", "case_worker"]):
            self.assertEqual(check_mfa_required_roles(), [])

    def test_unknown_role_is_an_error_naming_it(self) -> None:
        with self.settings(LAYAK_MFA_REQUIRED_ROLES=["case_worker", "caseworker"]):
            [error] = check_mfa_required_roles()
        self.assertEqual(error.id, "accounts.E002")
        self.assertIn("caseworker", error.msg)

    def test_unknown_role_stops_the_management_commands(self) -> None:
        with (
            self.settings(LAYAK_MFA_REQUIRED_ROLES=["case_managr"]),
            self.assertRaisesMessage(SystemCheckError, "case_managr"),
        ):
            call_command("check", tags=["security"])

    def test_a_single_string_instead_of_a_list_is_an_error(self) -> None:
        with self.settings(LAYAK_MFA_REQUIRED_ROLES="case_worker"):
            [error] = check_mfa_required_roles()
        self.assertEqual(error.id, "accounts.E001")
