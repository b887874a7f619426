"""The PDF report is prepared in the background and downloadable by those who see the cycle."""

from __future__ import annotations

import tempfile

import pytest
from django.test import override_settings

from layak.accounts.models import User
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.core.models import AuditEntry
from layak.core.testing import (
    LOGIN_REDIRECT,
    NOT_FOUND,
    DemoCityTestCase,
    Expect,
    assert_access_matrix,
    login,
)
from layak.evaluations.models import Cycle, CycleReport, ReportStatus
from layak.regions.tests.factories import make_region

MEDIA = tempfile.mkdtemp(prefix="layak-reports-")


@pytest.mark.usefixtures("demo_seed")  # the suite's one seeding (the root conftest.py)
@override_settings(
    MEDIA_ROOT=MEDIA,
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
)
class ReportTests(DemoCityTestCase):
    cycle: Cycle
    secretariat: User
    outsider: User

    @classmethod
    def setUpTestData(cls) -> None:
        cycle = Cycle.objects.order_by("-year").first()
        assert cycle is not None
        cls.cycle = cycle
        cls.secretariat = User.objects.get(username="sekretariat")
        enable_totp(cls.secretariat)  # the secretariat sees Forum Anak members: TOTP required
        cls.outsider = make_person("secretariat", agency=make_agency(region=make_region("64.72")))

    def test_report_is_generated_in_the_background_and_downloaded(self) -> None:
        login(self.client, self.secretariat)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"/evaluation/cycles/{self.cycle.pk}/reports/", {"target": "kla"}
            )
        self.assertEqual(response.status_code, 302)
        report = CycleReport.objects.get(cycle=self.cycle)
        self.assertEqual(report.status, ReportStatus.DONE)
        download = self.client.get(f"/evaluation/reports/{report.pk}/")
        self.assertEqual(download.status_code, 200)
        content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertTrue(
            AuditEntry.objects.filter(action="download", object_id=str(report.pk)).exists()
        )
        assert_access_matrix(
            self,
            f"/evaluation/reports/{report.pk}/",
            allowed=self.secretariat,
            no_permission=self.outsider,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=NOT_FOUND,
            expect_allowed=Expect(200),
        )

    def test_unknown_target_band_is_refused(self) -> None:
        login(self.client, self.secretariat)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/evaluation/cycles/{self.cycle.pk}/reports/", {"target": "nope"})
        self.assertFalse(CycleReport.objects.exists())
