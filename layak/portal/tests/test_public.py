"""The public pages (issue #6): anonymous, GET only, and never a case count below 5; every
hidden cell shows the one mark of issue #12, with the legend under its table."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from layak.cases.models import Case
from layak.core.disclosure import hidden_mark, legend_text
from layak.indicators import rollups
from layak.indicators.models import Definition, Level, Rollup, Value
from layak.portal.models import PublicIndicator
from layak.portal.tests.factories import (
    CASES_PER_KELURAHAN,
    SMALL,
    PortalWorld,
    add_small_cases,
    make_award,
    make_play_space,
    make_portal_world,
    make_service,
    year_start,
)
from layak.regions.tests.factories import make_region, square

CASE_CELL = re.compile(r'<t[dh][^>]*data-source="cases"[^>]*>(.*?)</t[dh]>', re.S)
NUMBER = re.compile(r"\d[\d.,]*")

PAGES = ("portal:home", "portal:statistics", "portal:directory")


def _numbers(text: str) -> list[int]:
    return [int(re.sub(r"[.,]", "", n)) for n in NUMBER.findall(text)]


class PublicPagesTest(TestCase):
    world: PortalWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        add_small_cases(cls.world)
        make_award(cls.world.city, 2021, category="Madya", verified_score=Decimal("640.50"))
        make_award(cls.world.city, 2023, category="Nindya")
        make_award(cls.world.city, 2024, evaluated=False, category="")
        make_award(cls.world.city, 2025, category="Utama", verified_score=Decimal("935"))
        make_award(cls.world.city, 2026, category="Paripurna", public=False)

    def _case_pages(self) -> list[str]:
        return [
            reverse("portal:home"),
            reverse("portal:statistics"),
            reverse("portal:indicator", args=["kekerasan-anak"]),
            reverse("portal:directory"),
        ]

    def test_every_page_answers_anonymous_visitors(self) -> None:
        for url in [*self._case_pages(), reverse("portal:indicator", args=["akta-lahir"])]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertEqual(response.headers["Content-Language"], "id", url)

    def test_pages_are_get_only(self) -> None:
        for name in PAGES:
            self.assertEqual(self.client.post(reverse(name)).status_code, 405, name)

    def test_indicator_not_public_is_404(self) -> None:
        self.assertEqual(
            self.client.get(reverse("portal:indicator", args=["penduduk-anak"])).status_code, 404
        )
        PublicIndicator.objects.filter(definition__code="stunting").delete()
        for name in ("portal:indicator", "portal:indicator_csv"):
            response = self.client.get(reverse(name, args=["stunting"]))
            self.assertEqual(response.status_code, 404, name)

    def test_no_response_carries_a_case_count_below_5(self) -> None:
        self.assertEqual(Case.objects.count(), sum(CASES_PER_KELURAHAN.values()))
        case_cells: list[str] = []
        for url in self._case_pages():
            html = self.client.get(url).content.decode()
            case_cells += CASE_CELL.findall(html)
        self.assertGreater(len(case_cells), 10)  # city, kecamatan and kelurahan were scanned
        for cell in case_cells:
            for number in _numbers(cell):
                self.assertNotIn(number, SMALL, cell)
        hidden = [c for c in case_cells if c == escape(hidden_mark())]
        shown = [c for c in case_cells if c != escape(hidden_mark())]
        self.assertTrue(hidden)
        self.assertIn(str(sum(CASES_PER_KELURAHAN.values())), " ".join(shown))  # the city total

        for url in (
            reverse("portal:indicator_csv", args=["kekerasan-anak"]),
            reverse("portal:statistics_csv"),
        ):
            response = self.client.get(url)
            self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            values = [
                r[-1]
                for r in rows[1:]
                if url.endswith("kekerasan-anak.csv") or (r[0] == "kekerasan-anak")
            ]
            self.assertTrue(values, url)
            for value in values:
                try:
                    figure = Decimal(value)
                except InvalidOperation:
                    self.assertEqual(value, hidden_mark())
                else:
                    self.assertGreaterEqual(figure, 5, url)

    def test_the_portal_hides_exactly_what_the_roll_up_hides(self) -> None:
        """One rule: a cell the roll-up suppressed shows the mark on the page and in the CSV,
        whatever number it holds; a shown 0 is a 0 (zeros are published)."""
        definition = Definition.objects.get(code="kekerasan-anak")
        rows = Rollup.objects.filter(definition=definition, period_start=year_start())
        kelurahan = rows.filter(level=Level.KELURAHAN)
        kelurahan.filter(region__code="64.71.03.1001").update(numerator=0, suppressed=False)
        kelurahan.filter(region__code="64.71.03.1002").update(numerator=50, suppressed=True)
        html = self.client.get(reverse("portal:indicator", args=["kekerasan-anak"]))
        download = self.client.get(reverse("portal:indicator_csv", args=["kekerasan-anak"]))
        table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        csv_cells = {row[0]: row[-1] for row in table[1:]}
        for code, shown in (("64.71.03.1001", "0"), ("64.71.03.1002", escape(hidden_mark()))):
            row = re.search(
                rf'data-code="{re.escape(code)}">(.*?)</tr>', html.content.decode(), re.S
            )
            assert row is not None
            self.assertEqual(CASE_CELL.findall(row.group(1))[-1], shown, code)
        self.assertEqual(csv_cells["64.71.03.1001"], "0")
        self.assertEqual(csv_cells["64.71.03.1002"], hidden_mark())

    def test_no_page_or_csv_says_below_5_and_hidden_cells_share_one_mark(self) -> None:
        urls = [
            *self._case_pages(),
            reverse("portal:indicator_csv", args=["kekerasan-anak"]),
            reverse("portal:statistics_csv"),
        ]
        for language in ("id", "en"):
            self.client.cookies["django_language"] = language
            for url in urls:
                text = self.client.get(url).content.decode("utf-8-sig")
                for old in ("<5", "&lt;5", "fewer than", "kurang dari"):
                    self.assertNotIn(old, text, (url, language))
        html = self.client.get(reverse("portal:indicator", args=["kekerasan-anak"])).content
        hidden = re.findall(r'<td [^>]*data-hidden="true"[^>]*>(.*?)</td>', html.decode())
        self.assertGreater(len(hidden), 1)
        self.assertEqual(set(hidden), {escape(hidden_mark())})

    def test_a_table_with_a_hidden_cell_has_the_legend_and_one_without_has_none(self) -> None:
        legend = f'data-testid="hidden-legend">{escape(legend_text())}<'
        violence = self.client.get(reverse("portal:indicator", args=["kekerasan-anak"]))
        self.assertIn(legend, violence.content.decode().split("</table>")[1])
        births = self.client.get(reverse("portal:indicator", args=["akta-lahir"]))
        self.assertNotIn("hidden-legend", births.content.decode())

    def test_kla_history_shows_public_awards_and_years_without_evaluation(self) -> None:
        html = self.client.get(reverse("portal:home")).content.decode()
        self.assertRegex(html, r'data-testid="kla-current" data-year="2025"')
        years = re.findall(r'<tr data-year="(\d+)" data-evaluated="(\w+)"', html)
        self.assertEqual(
            years,
            [
                ("2025", "yes"),
                ("2024", "no"),
                ("2023", "yes"),
                ("2022", "unknown"),
                ("2021", "yes"),
            ],
        )
        self.assertIn("935", html)
        self.assertIn("640,5", html)  # Indonesian decimal comma
        self.assertNotIn("Paripurna", html)  # not public

    def test_home_links_to_the_public_forms(self) -> None:
        html = self.client.get(reverse("portal:home")).content.decode()
        for name in (
            "report:form",
            "families_public:request",
            "participation_public:submit",
            "participation_public:published",
        ):
            self.assertIn(f'href="{reverse(name)}"', html, name)

    def test_statistics_read_roll_ups_only(self) -> None:
        url = reverse("portal:indicator", args=["kekerasan-anak"])
        self.client.get(url)  # warm-up (language, sessions)
        Case.objects.all().delete()  # the page does not count cases itself
        html = self.client.get(url).content.decode()
        self.assertIn(str(sum(CASES_PER_KELURAHAN.values())), html)

    def test_directory_lists_services_and_play_spaces_on_the_map(self) -> None:
        city = self.world.city
        manggar = self.world.cases.kelurahan
        manggar.boundary = square(116.95, -1.22, 0.02)
        manggar.save()
        make_service(city)
        make_service(city, name="Nonaktif", kind="other", active=False)
        make_play_space(
            city,
            kelurahan=manggar,
            latitude=Decimal("-1.21"),
            longitude=Decimal("116.96"),
            location_approximate=True,
        )
        make_play_space(city, name="Tanpa titik")
        html = self.client.get(reverse("portal:directory")).content.decode()
        self.assertIn('data-kind="sapa129"', html)
        self.assertIn("08111-129-129", html)
        self.assertNotIn("Nonaktif", html)
        self.assertIn("<svg", html)
        self.assertEqual(len(re.findall(r'class="map-marker" data-number="1"', html)), 1)
        self.assertNotIn('data-number="2">', html.split("</svg>")[0])  # no point, not drawn
        self.assertIn('<tr data-number="2">', html)  # but listed in the table


class PuspagaTimesTest(TestCase):
    def test_directory_shows_the_next_free_times_without_the_counsellor(self) -> None:
        from django.utils import timezone

        from layak.families.selectors import free_slots
        from layak.families.tests.factories import make_family_world

        world = make_family_world()
        html = self.client.get(reverse("portal:directory")).content.decode()
        listed = re.findall(r'<time datetime="([^"]+)"', html)
        expected = [timezone.localtime(s.starts_at).isoformat() for s in free_slots(world.city)[:3]]
        self.assertEqual(len(expected), 3)
        self.assertEqual(listed, expected)
        self.assertNotIn(world.counsellor.display_name, html)


class CountFigureTest(TestCase):
    def test_a_count_is_published_without_decimals_on_the_page_and_in_the_csv(self) -> None:
        world = make_portal_world()
        Rollup.objects.create(
            definition=Definition.objects.get(code="putus-sekolah"),
            city=world.city,
            region=world.city,
            level=Level.CITY,
            period_start=year_start(),
            period_label=str(year_start().year),
            numerator=165,
            rate=Decimal("165.0"),
        )
        rows = list(
            csv.reader(
                io.StringIO(
                    self.client.get(reverse("portal:statistics_csv")).content.decode("utf-8-sig")
                )
            )
        )
        self.assertEqual([r[-1] for r in rows if r[0] == "putus-sekolah"], ["165"])
        html = self.client.get(reverse("portal:statistics")).content.decode()
        self.assertRegex(html, r'data-definition="putus-sekolah"[^>]*>165</td>')


class SmallCountsOfChildrenTest(TestCase):
    """Drop-out children (entered by the agency, ``suppress_small``) are published like cases:
    no kelurahan shows 1..4, nor a figure from which one could be worked out."""

    def test_small_drop_out_counts_are_hidden_with_a_second_cell(self) -> None:
        world = make_portal_world()
        definition = Definition.objects.get(code="putus-sekolah")
        small = make_region("64.71.01.1002", "Lamaru")
        counts = {world.cases.kelurahan: 3, small: 12, world.cases.kelurahan2: 40}
        for region, count in counts.items():
            Value.objects.create(
                definition=definition,
                region=region,
                period_start=year_start(),
                period_label=str(year_start().year),
                numerator=count,
            )
        rollups.refresh(definition, world.city)
        page = self.client.get(reverse("portal:indicator", args=["putus-sekolah"]))
        html = page.content.decode()
        download = self.client.get(reverse("portal:indicator_csv", args=["putus-sekolah"]))
        table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        shown = {row[0]: row[-1] for row in table[1:]}
        self.assertEqual(shown[world.cases.kelurahan.code], hidden_mark())  # 3
        self.assertEqual(shown[small.code], hidden_mark())  # else 15 - 12 gives the 3 away
        self.assertEqual(shown[world.cases.kecamatan.code], "15")
        self.assertEqual(shown[world.cases.kelurahan2.code], "40")
        self.assertEqual(shown[world.city.code], "55")
        self.assertIn(f'data-hidden="true">{escape(hidden_mark())}</td>', html)
        self.assertIn(escape(legend_text()), html)
        self.assertNotRegex(html, r">\s*(3|12)\s*</td>")
