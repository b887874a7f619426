"""An administrator lifts a lockout after repeated failed log-ins (issue #2)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client, TestCase

from layak.accounts.models import User
from layak.accounts.selectors import person_is_locked
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditEntry
from layak.core.testing import (
    FORBIDDEN,
    LOGIN_REDIRECT,
    NOT_FOUND,
    Expect,
    assert_access_matrix,
    login,
)
from layak.regions.tests.factories import make_region

PASSWORD = "Kuat-Sekali-2026!"


class UnlockTests(TestCase):
    admin: User
    secretariat: User
    locked: User
    other_admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        agency = make_agency()
        cls.admin = make_person("admin", agency=agency)
        cls.secretariat = make_person("secretariat", agency=agency)
        cls.locked = make_person("opd_focal", agency=agency, password=PASSWORD)
        cls.other_admin = make_person("admin", agency=make_agency(region=make_region("64.72")))

    def _lock(self) -> None:
        client = Client()
        for _ in range(settings.LAYAK_LOGIN_FAILURE_LIMIT):
            client.post(
                "/accounts/login/", {"login": self.locked.username, "password": "wrong-Pass-1!"}
            )
        response = client.post(
            "/accounts/login/", {"login": self.locked.username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429)

    def test_locked_person_is_shown_as_locked_and_can_be_unlocked(self) -> None:
        self._lock()
        self.assertTrue(person_is_locked(self.locked))
        login(self.client, self.admin)
        page = self.client.get(f"/people/{self.locked.pk}/")
        self.assertContains(page, f"/people/{self.locked.pk}/unlock/")
        response = self.client.post(f"/people/{self.locked.pk}/unlock/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(person_is_locked(self.locked))
        self.assertTrue(
            AuditEntry.objects.filter(
                action="update", object_id=str(self.locked.pk), fields=["lockout"]
            ).exists()
        )
        client = Client()
        response = client.post(
            "/accounts/login/", {"login": self.locked.username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)

    def test_unlock_access_matrix(self) -> None:
        self._lock()
        assert_access_matrix(
            self,
            f"/people/{self.locked.pk}/unlock/",
            method="post",
            allowed=self.admin,
            no_permission=self.other_admin,
            read_only=self.secretariat,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=NOT_FOUND,
            expect_read_only=FORBIDDEN,
            expect_allowed=Expect(302),
        )
        self.assertFalse(person_is_locked(self.locked))

    def test_unlock_needs_post(self) -> None:
        login(self.client, self.admin)
        self.assertEqual(self.client.get(f"/people/{self.locked.pk}/unlock/").status_code, 405)
