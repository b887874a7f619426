"""Profil Anak (issue #6): the yearly child profile from roll-ups, as a page, a PDF and a
workbook; suppressed case cells never appear as numbers but as the one hidden mark, with the
legend under every table and sheet that holds one; downloads are audited exports."""

from __future__ import annotations

import datetime
import io
import re
import zlib
from decimal import Decimal
from typing import Any

import openpyxl
from django.template.loader import render_to_string
from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases.models import Case
from layak.cases.tests.factories import make_case, make_case_world
from layak.core.disclosure import hidden_mark, legend_text
from layak.core.models import AuditAction, AuditEntry, Document, DocumentStatus
from layak.core.testing import LOGIN_REDIRECT, OK, Expect, assert_access_matrix, login
from layak.evaluations.models import Award
from layak.indicators.loader import load_definitions
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    Level,
    PeriodApproval,
    Rollup,
    Target,
    Value,
)
from layak.indicators.rollups import refresh_city
from layak.plans import profile
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

YEAR = 2025
# (kelurahan code, children aged 0-17 in 2023, 2024, 2025)
POPULATION = {
    "64.71.01.1001": (1000, 1100, 1200),
    "64.71.01.1002": (500, 520, 540),
    "64.71.02.1001": (800, 810, 820),
}


def _value(code: str, region: Region, year: int, numerator: int, denominator: int | None) -> None:
    Value.objects.create(
        definition=Definition.objects.get(code=code),
        region=region,
        period_start=datetime.date(year, 1, 1),
        period_label=str(year),
        numerator=numerator,
        denominator=denominator,
    )


def _inflated(pdf: bytes) -> bytes:
    """The PDF's compressed streams, inflated and joined (no PDF text tool is installed)."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts).lower()


def _city_rollup(code: str, year: int) -> Rollup:
    return Rollup.objects.get(
        definition__code=code, level=Level.CITY, period_start=datetime.date(year, 1, 1)
    )


class ProfileTests(TestCase):
    city: Region
    secretariat: User
    focal: User
    worker: User
    other_secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        world = make_case_world()
        cls.city = world.city
        make_region("64.71.01.1002", "Manggar Baru")
        dp3akb = make_agency(region=cls.city, code="dp3akb", name="DP3AKB Balikpapan")
        disdukcapil = make_agency(region=cls.city, code="disdukcapil", name="Disdukcapil BPN")
        cls.secretariat = make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat")
        cls.focal = make_person(Role.OPD_FOCAL, agency=disdukcapil, username="focal.dukcapil")
        # A case worker (2FA enabled, as case roles require) reads no indicator data.
        cls.worker = make_person(Role.CASE_WORKER, agency=world.uptd, totp=True)
        other = make_agency(region=world.other_city, code="dp3a", name="DP3A Samarinda")
        cls.other_secretariat = make_person(Role.SECRETARIAT, agency=other, username="sek.smd")
        for code, counts in POPULATION.items():
            region = Region.objects.get(code=code)
            for year, count in zip((2023, 2024, 2025), counts, strict=True):
                _value("penduduk-anak", region, year, count, None)
                _value("akta-lahir", region, year, count * 9 // 10, count)
        # A monthly city-level count: the year shows the sum of its months.
        for month, served in ((1, 4), (2, 6), (3, 10)):
            Value.objects.create(
                definition=Definition.objects.get(code="puspaga-layanan"),
                region=cls.city,
                period_start=datetime.date(YEAR, month, 1),
                period_label=f"{YEAR}-{month:02d}",
                numerator=served,
            )
        PeriodApproval.objects.create(
            definition=Definition.objects.get(code="akta-lahir"),
            city=cls.city,
            period_start=datetime.date(YEAR, 1, 1),
            period_label=str(YEAR),
            status=ApprovalStatus.APPROVED,
        )
        Target.objects.create(
            definition=Definition.objects.get(code="akta-lahir"),
            city=cls.city,
            year=YEAR,
            value=Decimal("95.00"),
        )
        Award.objects.create(region=cls.city, year=2024, category="Nindya")
        # Two cases in one kelurahan: below the small-cell limit everywhere.
        for _n in range(2):
            make_case(world)
        Case.objects.update(opened_on=datetime.date(YEAR, 3, 1))
        refresh_city(cls.city)

    def _get(self, name: str, user: User | None = None, **params: str) -> Any:
        login(self.client, user or self.secretariat)
        return self.client.get(reverse(name), params)

    # -- the data ------------------------------------------------------------------------------

    def test_profile_reads_the_city_rollups_for_three_years(self) -> None:
        data = profile.child_profile(self.city, YEAR)
        self.assertEqual(data.years, [2023, 2024, 2025])
        assert data.population is not None
        self.assertEqual([c.number for c in data.population.city], [2300, 2430, 2560])
        self.assertEqual(data.population.current.number, _city_rollup("penduduk-anak", 2025).rate)
        timur = next(r for r in data.population.kecamatan if r.region.code == "64.71.01")
        self.assertEqual(timur.cells[-1].number, 1740)
        self.assertEqual([c.code for c in data.clusters], ["KL", "K1", "K2", "K3", "K4", "K5"])
        self.assertEqual(data.indicators[0].definition.cluster, "KL")
        self.assertEqual(data.indicators[-1].definition.cluster, "K5")

    def test_targets_approval_completeness_and_agency(self) -> None:
        data = profile.child_profile(self.city, YEAR)
        akta = next(i for i in data.indicators if i.definition.code == "akta-lahir")
        self.assertEqual(akta.target, Decimal("95.00"))
        self.assertIs(akta.approved, True)
        self.assertEqual((akta.current.reporting, akta.current.expected), (3, 3))
        self.assertEqual(akta.agency, "Disdukcapil BPN")
        population = next(i for i in data.indicators if i.definition.code == "penduduk-anak")
        self.assertIs(population.approved, False)
        self.assertEqual(data.approved_count, 1)

    def test_monthly_counts_are_summed_over_the_year(self) -> None:
        data = profile.child_profile(self.city, YEAR)
        puspaga = next(i for i in data.indicators if i.definition.code == "puspaga-layanan")
        self.assertEqual(puspaga.current.number, 20)
        self.assertEqual((puspaga.current.reporting, puspaga.current.expected), (3, 12))
        self.assertEqual(puspaga.kecamatan, [])

    def test_suppressed_case_cell_has_no_number(self) -> None:
        self.assertTrue(_city_rollup("kekerasan-anak", YEAR).suppressed)
        data = profile.child_profile(self.city, YEAR)
        violence = next(i for i in data.indicators if i.definition.code == "kekerasan-anak")
        self.assertTrue(violence.current.suppressed)
        self.assertIsNone(violence.current.number)
        self.assertEqual(violence.current.display, hidden_mark())
        self.assertIsNone(violence.approved)

    def test_indicator_without_rollups_says_no_data(self) -> None:
        data = profile.child_profile(self.city, YEAR)
        stunting = next(i for i in data.indicators if i.definition.code == "stunting")
        self.assertFalse(stunting.has_data)
        self.assertIsNone(stunting.current.number)
        self.assertFalse(stunting.current.present)

    def test_profile_takes_a_fixed_number_of_queries(self) -> None:
        # definitions, areas, roll-ups, targets, approvals, agencies, awards
        with self.assertNumQueries(7):
            profile.child_profile(self.city, YEAR)

    # -- the page ------------------------------------------------------------------------------

    def test_page_shows_the_year_and_the_download_links(self) -> None:
        response = self._get("plans:profile", year=str(YEAR))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["profile"].year, YEAR)
        self.assertContains(response, 'data-testid="population"')
        self.assertContains(response, f"{reverse('plans:profile_pdf')}?year={YEAR}")
        self.assertContains(response, f"{reverse('plans:profile_xlsx')}?year={YEAR}")
        self.assertContains(response, "2.560")  # id: dot groups

    def test_page_shows_the_mark_and_the_legend_under_tables_with_a_hidden_cell(self) -> None:
        html = self._get("plans:profile", year=str(YEAR)).content.decode()
        self.assertNotIn("&lt;5", html)
        k5 = html.split('data-testid="cluster-K5"')[1].split("</section>")[0]
        row = k5.split('data-testid="indicator-kekerasan-anak"')[1].split("</tr>")[0]
        self.assertIn(f"<td>{escape(hidden_mark())}</td>", row)
        cluster_table = k5.split("</table>")[1].split("<details")[0]
        self.assertIn(f'data-testid="hidden-legend">{escape(legend_text())}<', cluster_table)
        by_kecamatan = k5.split('data-testid="kecamatan-kekerasan-anak"')[1].split("</details>")[0]
        self.assertIn(f"<td>{escape(hidden_mark())}</td>", by_kecamatan)
        self.assertIn('data-testid="hidden-legend"', by_kecamatan.split("</table>")[1])
        kl = html.split('data-testid="cluster-KL"')[1].split("</section>")[0]
        self.assertNotIn("hidden-legend", kl)  # no hidden cell there
        population = html.split('data-testid="population"')[1].split("</section>")[0]
        self.assertNotIn("hidden-legend", population)

    def test_pdf_template_holds_the_mark_and_the_legend(self) -> None:
        html = render_to_string(
            "plans/profile_pdf.html", {"profile": profile.child_profile(self.city, YEAR)}
        )
        self.assertNotIn("&lt;5", html)
        self.assertIn(f'<td class="n">{escape(hidden_mark())}</td>', html)
        self.assertGreaterEqual(html.count(escape(legend_text())), 2)  # cover and the table

    def test_page_defaults_to_the_latest_year_with_agency_data(self) -> None:
        # Cases opened in January make a roll-up of the new year; the profile stays on the
        # last year the agencies reported.
        Rollup.objects.create(
            definition=Definition.objects.get(code="kekerasan-anak"),
            city=self.city,
            region=self.city,
            level=Level.CITY,
            period_start=datetime.date(YEAR + 1, 1, 1),
            period_label=str(YEAR + 1),
            numerator=7,
            rate=Decimal(7),
        )
        response = self._get("plans:profile")
        self.assertEqual(response.context["profile"].year, YEAR)
        self.assertIn(YEAR + 1, response.context["years"])

    def test_bad_year_is_not_found(self) -> None:
        for name in ("plans:profile", "plans:profile_pdf", "plans:profile_xlsx"):
            for year in ("abc", "1800", "99999", "-1", "2025.5", "²", "٢٠٢٥"):
                if name == "plans:profile_pdf":  # asked for with a POST (issue #11)
                    url = f"{reverse(name)}?year={year}"
                    response = self.client.post(url)
                else:
                    response = self._get(name, year=year)
                self.assertEqual(response.status_code, 404, (name, year))
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.EXPORT).exists())
        self.assertFalse(Document.objects.exists())

    def test_year_without_data_shows_no_data(self) -> None:
        response = self._get("plans:profile", year="2020")
        self.assertEqual(response.status_code, 200)
        data = response.context["profile"]
        self.assertFalse(any(i.has_data for i in data.indicators))

    def test_home_links_to_the_profile(self) -> None:
        response = self._get("plans:home")
        self.assertContains(response, reverse("plans:profile"))

    # -- the downloads -------------------------------------------------------------------------

    def test_pdf_holds_the_city_name_and_is_audited(self) -> None:
        # Built in the background (issue #11): request, job, download.
        login(self.client, self.secretariat)
        with self.captureOnCommitCallbacks(execute=True):
            queued = self.client.post(f"{reverse('plans:profile_pdf')}?year={YEAR}")
        self.assertEqual(queued.status_code, 302)
        document = Document.objects.get()
        self.assertEqual(document.status, DocumentStatus.DONE)
        response = self.client.get(reverse("core:document_download", args=[document.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(f"profil-anak-64.71-{YEAR}.pdf", response["Content-Disposition"])
        content = response.content
        self.assertTrue(content.startswith(b"%PDF"))
        # The document title names the city (WeasyPrint stores it, UTF-16 hex, in a stream).
        self.assertIn("Kota Balikpapan".encode("utf-16-be").hex().encode(), _inflated(content))
        entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id, entry.fields),
            (self.secretariat.pk, "plans.profile", f"64.71-{YEAR}", ["pdf"]),
        )
        self.assertEqual(entry.region_code, "64.71")

    def test_xlsx_holds_rollup_numbers_and_text_for_suppressed_cells(self) -> None:
        response = self._get("plans:profile_xlsx", year=str(YEAR))
        self.assertEqual(response.status_code, 200)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(
            workbook.sheetnames, ["Ringkasan", "KL", "K1", "K2", "K3", "K4", "K5", "Penghargaan"]
        )
        summary = {row[1]: row for row in workbook["Ringkasan"].iter_rows(values_only=True)}
        header = next(workbook["Ringkasan"].iter_rows(values_only=True))
        column = header.index(str(YEAR))
        self.assertEqual(summary["penduduk-anak"][column], 2560)
        self.assertEqual(summary["penduduk-anak"][column - 1], 2430)
        self.assertEqual(_city_rollup("akta-lahir", YEAR).rate, Decimal("90.0"))
        self.assertEqual(summary["akta-lahir"][column], 90.0)
        self.assertEqual(summary["akta-lahir"][column + 1], 95)  # target
        violence = summary["kekerasan-anak"][column]
        self.assertIsInstance(violence, str)
        self.assertEqual(violence, hidden_mark())
        k5 = {
            r[3]: r[-1]
            for r in workbook["K5"].iter_rows(values_only=True)
            if r[0] == "kekerasan-anak"
        }
        # The two cases are in one kelurahan: it, its kecamatan and the city are suppressed.
        for code in ("64.71", "64.71.01", "64.71.01.1001"):
            self.assertEqual(k5[code], hidden_mark(), code)
        self.assertEqual(k5["64.71.02.1001"], 0)
        # The legend stands one blank row under the table of each sheet with a hidden cell.
        for name in ("Ringkasan", "K5"):
            rows = list(workbook[name].iter_rows(values_only=True))
            self.assertEqual(rows[-1][0], legend_text(), name)
            self.assertTrue(all(v is None for v in rows[-2]), name)
        self.assertNotIn(legend_text(), [r[0] for r in workbook["KL"].iter_rows(values_only=True)])
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                self.assertNotIn("<5", row, sheet.title)
        kl = {
            r[3]: r for r in workbook["KL"].iter_rows(values_only=True) if r[0] == "penduduk-anak"
        }
        self.assertEqual(kl["64.71.01.1001"][-1], 1200)
        self.assertEqual(kl["64.71.01"][-1], 1740)
        awards = list(workbook["Penghargaan"].iter_rows(values_only=True))
        self.assertEqual(awards[1][:2], (2024, "Nindya"))
        entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(entry.fields, ["xlsx"])

    def test_a_name_that_looks_like_a_formula_is_written_as_text(self) -> None:
        Definition.objects.filter(code="stunting").update(name="=HYPERLINK(1)")
        response = self._get("plans:profile_xlsx", year=str(YEAR))
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        names = [row[2] for row in workbook["Ringkasan"].iter_rows(values_only=True)]
        self.assertIn("'=HYPERLINK(1)", names)

    # -- who may see it ------------------------------------------------------------------------

    def test_access(self) -> None:
        for name in ("plans:profile", "plans:profile_xlsx"):
            assert_access_matrix(
                self,
                f"{reverse(name)}?year={YEAR}",
                allowed=self.secretariat,
                read_only=self.focal,
                no_permission=self.worker,
                anonymous=LOGIN_REDIRECT,
                expect_read_only=OK,
                expect_allowed=Expect(200),
            )
        # The PDF is asked for with a POST and answered with its progress page (issue #11).
        assert_access_matrix(
            self,
            f"{reverse('plans:profile_pdf')}?year={YEAR}",
            method="post",
            allowed=self.secretariat,
            no_permission=self.worker,
            anonymous=LOGIN_REDIRECT,
            expect_allowed=Expect(302, "/documents/"),
        )

    def test_another_city_sees_its_own_profile_only(self) -> None:
        response = self._get("plans:profile", self.other_secretariat, year=str(YEAR))
        self.assertEqual(response.status_code, 200)
        data = response.context["profile"]
        self.assertEqual(data.city.code, "64.72")
        self.assertFalse(any(i.has_data for i in data.indicators))
