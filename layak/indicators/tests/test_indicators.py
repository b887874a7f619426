"""Indicator data: import, re-import diff, approval lock, audited unlock, permissions, rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_city_world, make_person
from layak.core.errors import ImportRejected
from layak.core.models import AuditEntry
from layak.core.testing import FORBIDDEN, OK, Expect, assert_access_matrix, login
from layak.indicators import services
from layak.indicators.loader import load_definitions
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    ImportRun,
    ImportStatus,
    PeriodApproval,
    Value,
)
from layak.indicators.permissions import can_use_indicators
from layak.regions.tests.factories import make_region

HEADER = "region_code,period,numerator,denominator\n"
K1, K2 = "64.71.01.1001", "64.71.01.1002"


class IndicatorTests(TestCase):
    def setUp(self) -> None:
        load_definitions()
        self.world = make_city_world()
        self.k1 = make_region(K1, "Manggar")
        self.k2 = make_region(K2, "Manggar Baru")
        agency = make_agency(region=self.world.city, code="disdukcapil")
        self.own = make_person(Role.OPD_FOCAL, agency=agency)
        self.other = self.world.focal  # focal point of dp3akb
        self.secretariat = self.world.secretariat
        self.definition = Definition.objects.get(code="akta-lahir")

    def _upload(self, user: object, text: str, name: str = "data.csv") -> ImportRun:
        client = Client()
        login(client, user)
        response = client.post(
            reverse("indicators:import", args=["akta-lahir"]),
            {"file": SimpleUploadedFile(name, text.encode())},
        )
        self.assertEqual(response.status_code, 302)
        return ImportRun.objects.latest("pk")

    def test_rates_are_computed_from_raw_counts(self) -> None:
        self.assertEqual(self.definition.rate(45, 60), Decimal("75.0"))
        self.assertIsNone(self.definition.rate(0, 0))
        count = Definition.objects.get(code="putus-sekolah")
        self.assertEqual(count.rate(7, None), Decimal(7))
        self._upload(self.own, HEADER + f"{K1},2025,2,3\n")
        client = Client()
        login(client, self.own)
        csv_text = client.get(
            reverse("indicators:csv", args=["akta-lahir"]), {"period": "2025"}
        ).content.decode()
        self.assertIn(f"{K1},Manggar,2025,2,3,66.7", csv_text)

    def test_bad_file_is_rejected_with_row_numbers_and_saves_nothing(self) -> None:
        text = HEADER + (
            f"{K1},2025,10,20\n"  # row 2 fine
            f"64.72.01.1001,2025,1,2\n"  # row 3 other city
            f"{K2},25,1,2\n"  # row 4 bad period
            f"{K2},2025,-1,2\n"  # row 5 negative
            f"{K2},2025,30,20\n"  # row 6 numerator > denominator
            f"{K1},2025,1,2\n"  # row 7 duplicate of row 2
        )
        run = self._upload(self.own, text)
        self.assertEqual(run.status, ImportStatus.FAILED)
        rows = sorted({row for row, _message in run.errors})
        self.assertEqual(rows, [3, 4, 5, 6, 7])
        self.assertFalse(Value.objects.exists())
        self.assertIn("baris 2", dict((r, m) for r, m in run.errors)[7])

    def test_unreadable_xlsx_is_rejected(self) -> None:
        run = self._upload(self.own, "not a workbook", name="x.xlsx")
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertEqual(run.errors[0][0], 1)

    def test_reimport_replaces_the_period_and_records_the_diff(self) -> None:
        first = self._upload(self.own, HEADER + f"{K1},2025,10,20\n{K2},2025,5,10\n")
        self.assertEqual((first.added, first.changed, first.removed), (2, 0, 0))
        Value.objects.create(
            definition=self.definition,
            region=self.k1,
            period_start=datetime.date(2024, 1, 1),
            period_label="2024",
            numerator=1,
            denominator=2,
        )
        second = self._upload(self.own, HEADER + f"{K1},2025,11,20\n")
        self.assertEqual(second.status, ImportStatus.DONE)
        self.assertEqual((second.added, second.changed, second.removed), (0, 1, 1))
        values = Value.objects.filter(period_start=datetime.date(2025, 1, 1))
        self.assertEqual([(v.region.code, v.numerator) for v in values], [(K1, 11)])
        # Another period is untouched.
        self.assertTrue(Value.objects.filter(period_label="2024").exists())

    def test_approval_locks_entry_and_import(self) -> None:
        self._upload(self.own, HEADER + f"{K1},2025,10,20\n")
        client = Client()
        login(client, self.secretariat)
        client.post(reverse("indicators:approve", args=["akta-lahir"]), {"period": "2025"})
        self.assertTrue(
            PeriodApproval.objects.filter(
                status=ApprovalStatus.APPROVED, period_label="2025"
            ).exists()
        )
        run = self._upload(self.own, HEADER + f"{K1},2025,12,20\n")
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertIn("dikunci", run.errors[0][1])
        login(client, self.own)
        client.post(
            reverse("indicators:enter", args=["akta-lahir"]),
            {"period": "2025", f"n-{K1}": "15", f"d-{K1}": "20"},
        )
        self.assertEqual(Value.objects.get().numerator, 10)
        with self.assertRaises(services.PeriodLocked):
            services.values_enter(
                actor=self.own,
                definition=self.definition,
                city=self.world.city,
                period="2025",
                entries=[(K1, "15", "20")],
            )

    def test_unlock_needs_a_reason_and_is_audited(self) -> None:
        start = datetime.date(2025, 1, 1)
        services.period_approve(
            actor=self.secretariat,
            definition=self.definition,
            city=self.world.city,
            start=start,
            label="2025",
        )
        url = reverse("indicators:unlock", args=["akta-lahir"])
        client = Client()
        login(client, self.secretariat)
        client.post(url, {"period": "2025", "reason": " "})
        self.assertTrue(services.is_locked(self.definition, self.world.city, start))
        before = AuditEntry.objects.count()
        client.post(url, {"period": "2025", "reason": "Typo in Manggar"})
        self.assertFalse(services.is_locked(self.definition, self.world.city, start))
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(AuditEntry.objects.count(), before + 1)
        self.assertEqual(entry.fields, ["status", "unlock_reason"])
        self.assertNotIn("Typo", entry.object_label)
        approval = PeriodApproval.objects.get()
        self.assertEqual(approval.unlock_reason, "Typo in Manggar")

    def test_entry_by_own_agency_saves_values(self) -> None:
        client = Client()
        login(client, self.own)
        response = client.post(
            reverse("indicators:enter", args=["akta-lahir"]),
            {"period": "2025", f"n-{K1}": "15", f"d-{K1}": "20", f"n-{K2}": "", f"d-{K2}": ""},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Value.objects.get().rate, Decimal("75.0"))

    def test_access_matrix(self) -> None:
        no_role = self.world.no_role
        self.assertFalse(can_use_indicators(no_role))
        self._upload(self.own, HEADER + f"{K1},2025,10,20\n")
        run = ImportRun.objects.get()
        read = [
            reverse("indicators:home"),
            reverse("indicators:detail", args=["akta-lahir"]),
            reverse("indicators:csv", args=["akta-lahir"]),
        ]
        for url in read:
            for allowed in (self.secretariat, self.own):
                assert_access_matrix(
                    self,
                    url,
                    allowed=allowed,
                    no_permission=no_role,
                    read_only=self.other,
                    expect_read_only=OK,
                )
        write = [
            reverse("indicators:enter", args=["akta-lahir"]),
            reverse("indicators:import", args=["akta-lahir"]),
            reverse("indicators:template", args=["akta-lahir"]),
            reverse("indicators:import_status", args=[run.pk]),
        ]
        for url in write:
            for allowed in (self.secretariat, self.own):
                assert_access_matrix(
                    self, url, allowed=allowed, no_permission=no_role, read_only=self.other
                )
        for name in ("approve", "unlock"):
            url = reverse(f"indicators:{name}", args=["akta-lahir"])
            # The own agency's focal point may not approve or unlock.
            assert_access_matrix(
                self,
                url,
                allowed=self.own,
                no_permission=no_role,
                read_only=self.other,
                method="post",
                data={"period": "2025", "reason": "x"},
                expect_allowed=FORBIDDEN,
            )
        assert_access_matrix(
            self,
            reverse("indicators:approve", args=["akta-lahir"]),
            allowed=self.secretariat,
            no_permission=no_role,
            read_only=self.other,
            method="post",
            data={"period": "2025"},
            expect_allowed=Expect(302),
        )
        assert_access_matrix(
            self,
            reverse("indicators:unlock", args=["akta-lahir"]),
            allowed=self.secretariat,
            no_permission=no_role,
            read_only=self.own,
            method="post",
            data={"period": "2025", "reason": "correction"},
            expect_allowed=Expect(302),
        )
        self.assertFalse(
            services.is_locked(self.definition, self.world.city, datetime.date(2025, 1, 1))
        )

    def test_loader_is_idempotent(self) -> None:
        self.assertEqual(load_definitions(), 0)
        self.assertGreaterEqual(Definition.objects.count(), 17)

    def test_bad_input_raises_import_rejected(self) -> None:
        with self.assertRaises(ImportRejected):
            services.validate_rows(self.definition, self.world.city, [])

    def test_large_file_runs_as_a_job_and_progress_is_polled(self) -> None:
        with override_settings(LAYAK_INDICATOR_IMPORT_INLINE_BYTES=0):
            run = self._upload(self.own, HEADER + f"{K1},2025,10,20\n")
        self.assertEqual(run.status, ImportStatus.DONE)
        self.assertEqual(run.total_rows, 1)
        client = Client()
        login(client, self.own)
        url = reverse("indicators:import_status", args=[run.pk])
        partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
        self.assertTrue(partial.startswith('<div id="import-progress"'))
        self.assertNotIn("hx-get", partial)
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
        self.assertIn('hx-trigger="every 2s"', client.get(url).content.decode())
