"""``layak disclosure_audit`` and publishing only what passed it (issue #12).

On the demo city the audit passes and the public statistics pages are snapshotted. A family
that publishes an unprotected table (a hidden cell worked out by subtraction) fails the audit:
the command exits 1, the failure is recorded, the public statistics page and CSV keep serving
the snapshot of the last passing audit, and the secretariat's portal page says so. A full audit
that passes again lifts the hold.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from layak.accounts.models import User
from layak.accounts.tests.factories import enable_totp
from layak.core.disclosure import Linked, Published
from layak.core.disclosure import registry as disclosure_registry
from layak.core.disclosure.publishing import (
    CSRF_PLACEHOLDER,
    publishing_blocked,
    publishing_hold,
)
from layak.core.models import DisclosureAudit, PublishedSnapshot
from layak.core.testing import DemoCityTestCase, login

CITY = "64.71"
LEAKY = "zz-leaky-test"


def _leaky(city: object, year: int | None) -> Iterator[Published]:
    """Issue #12's leak: a total of 13 with a shown 10 and one hidden cell: it is 3."""
    table = Linked()
    table.cell(("leak", "total"), 13)
    table.cell(("leak", "kelurahan", "64.71.03.1001"), 3)
    table.cell(("leak", "kelurahan", "64.71.03.1002"), 10)
    table.add_sum(
        ("leak", "total"),
        [("leak", "kelurahan", "64.71.03.1001"), ("leak", "kelurahan", "64.71.03.1002")],
    )
    yield Published(
        name="leaky 64.71", linked=table, hidden=frozenset({("leak", "kelurahan", "64.71.03.1001")})
    )


def _audit(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("disclosure_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("demo_seed")  # the suite's one seeding (the root conftest.py)
class DisclosureAuditCommandTests(DemoCityTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("refresh_rollups", no_audit=True, stdout=io.StringIO())

    def tearDown(self) -> None:
        disclosure_registry._FAMILIES.pop(LEAKY, None)

    def _register_leaky(self) -> None:
        disclosure_registry.family(LEAKY, "A table published without disclosure control")(_leaky)

    def test_demo_city_passes_and_its_statistics_are_published(self) -> None:
        out, err = _audit()
        self.assertIn(f"{CITY}: ", out)
        self.assertIn("OK", out)
        self.assertNotIn("SHORT", out + err)
        audit = DisclosureAudit.objects.get(city_code=CITY)
        self.assertTrue(audit.ok)
        self.assertGreater(audit.tables, 0)
        self.assertGreater(audit.hidden_cells, 0)  # the demo data has small counts to hide
        self.assertEqual(audit.cells_short, 0)
        self.assertGreater(audit.information_loss["cells_hidden"], 0)
        self.assertIsNone(publishing_blocked(CITY))
        paths = set(
            PublishedSnapshot.objects.filter(city_code=CITY, language="id").values_list(
                "path", flat=True
            )
        )
        self.assertTrue(
            {"/publik/", "/publik/statistik/", "/publik/statistik/ringkasan.csv"} <= paths
        )
        self.assertEqual(
            PublishedSnapshot.objects.filter(city_code=CITY, language="en").count(), len(paths)
        )
        page = PublishedSnapshot.objects.get(
            city_code=CITY, path="/publik/statistik/", language="id"
        )
        self.assertIn(CSRF_PLACEHOLDER, bytes(page.body))  # no visitor's token is stored

    def test_unprotected_table_fails_and_the_portal_keeps_the_last_audited_version(self) -> None:
        _audit()
        passed = DisclosureAudit.objects.get(ok=True)
        stored = PublishedSnapshot.objects.get(
            city_code=CITY, path="/publik/statistik/ringkasan.csv", language="id"
        )
        # The live figures change after the passing audit: the portal drops every indicator.
        from layak.portal.models import PublicIndicator

        PublicIndicator.objects.all().delete()
        self._register_leaky()

        with self.assertRaises(CommandError) as failure:
            _audit()
        self.assertIn(CITY, str(failure.exception))
        failed = DisclosureAudit.objects.filter(ok=False).get()
        self.assertEqual(failed.cells_short, 1)
        short = [row for row in failed.narrowest if row.get("short")]
        self.assertEqual(
            [(r["table"], r["cell"], r["low"], r["high"]) for r in short],
            [("leaky 64.71", "leak / kelurahan / 64.71.03.1001", 3.0, 3.0)],
        )
        self.assertEqual(publishing_blocked(CITY), failed)
        # Nothing was snapshotted from the failing run.
        self.assertEqual(
            set(PublishedSnapshot.objects.values_list("audited_at", flat=True)),
            {passed.finished_at},
        )

        csv = self.client.get("/publik/statistik/ringkasan.csv")
        self.assertEqual(csv.status_code, 200)
        self.assertEqual(csv.content, bytes(stored.body))
        self.assertEqual(csv["Content-Type"], stored.content_type)
        self.assertIn("statistik-layak.csv", csv["Content-Disposition"])
        self.assertGreater(csv.content.count(b"\n"), 1)  # the audited rows, not today's none

        page = self.client.get("/publik/statistik/")
        self.assertEqual(page.status_code, 200)
        self.assertIn("X-Layak-Audited", page)
        body = page.content
        self.assertNotIn(CSRF_PLACEHOLDER, body)
        self.assertIn(b'name="csrfmiddlewaretoken" value="', body)
        self.assertIn(b'data-testid="summary"', body)  # the audited page still lists figures
        self.assertIn("private", page["Cache-Control"])  # the portal's headers still apply

        secretariat = User.objects.get(username="sekretariat")
        enable_totp(secretariat)
        login(self.client, secretariat)
        manage = self.client.get("/publik/kelola/")
        self.assertContains(manage, 'data-testid="publishing-hold"')
        self.assertContains(manage, f'data-failed-audit="{failed.pk}"')
        self.assertContains(manage, f'data-passed-audit="{passed.pk}"')

    def test_a_passing_full_audit_lifts_the_hold(self) -> None:
        self._register_leaky()
        with self.assertRaises(CommandError):
            _audit()
        self.assertIsNotNone(publishing_blocked(CITY))
        self.assertEqual(self.client.get("/publik/statistik/").status_code, 503)  # none passed yet
        disclosure_registry._FAMILIES.pop(LEAKY)
        _audit()
        self.assertIsNone(publishing_blocked(CITY))
        page = self.client.get("/publik/statistik/")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("X-Layak-Audited", page)  # live again

    def test_year_audit_names_only_that_year(self) -> None:
        out, _err = _audit("--year", "2026", "--city", CITY)
        self.assertIn(" 2026:", out)
        self.assertNotIn(" 2025:", out)
        audit = DisclosureAudit.objects.get()
        self.assertEqual(audit.year, 2026)
        self.assertFalse(PublishedSnapshot.objects.exists())  # only a full audit publishes


class PublishingHoldTests(TestCase):
    """Which failure holds publishing back, and until when (no demo data needed)."""

    def _run(self, *, ok: bool, minutes: int, year: int | None = None) -> DisclosureAudit:
        at = timezone.now() - timedelta(days=1) + timedelta(minutes=minutes)
        return DisclosureAudit.objects.create(
            city_code=CITY, year=year, started_at=at, finished_at=at, ok=ok
        )

    def test_no_audit_holds_nothing(self) -> None:
        self.assertIsNone(publishing_blocked(CITY))
        self.assertIsNone(publishing_hold(CITY))

    def test_failed_year_audit_holds_until_a_later_full_audit_passes(self) -> None:
        first = self._run(ok=True, minutes=0)
        failed = self._run(ok=False, minutes=10, year=2026)
        self._run(ok=True, minutes=20, year=2026)  # one year passing is not enough
        hold = publishing_hold(CITY)
        assert hold is not None
        self.assertEqual((hold.failed, hold.passed), (failed, first))
        self._run(ok=True, minutes=30)
        self.assertIsNone(publishing_blocked(CITY))

    def test_other_city_failure_does_not_hold_this_one(self) -> None:
        DisclosureAudit.objects.create(
            city_code="64.72", started_at=timezone.now(), finished_at=timezone.now(), ok=False
        )
        self.assertIsNone(publishing_blocked(CITY))
