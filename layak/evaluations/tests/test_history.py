"""Bringing a previous cycle in from a file, and the official scores beside Layak's exact
figures (issue #13): through the pages and what they leave in the database."""

from __future__ import annotations

import html
import io
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, TestCase
from django.utils import timezone, translation

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.evaluations import services
from layak.evaluations.exports import recap_xlsx
from layak.evaluations.history import HistoryRejected, history_import, read_history_xlsx
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    Award,
    Cycle,
    CycleStatus,
    Indicator,
    Instrument,
    OfficialScore,
    Question,
    QuestionScope,
    RecordedScore,
)
from layak.evaluations.selectors import cycle_scorecard
from layak.evaluations.tests.factories import (
    KELURAHAN_CODES,
    BandSpec,
    City,
    make_city,
    make_cycle,
    make_instrument,
    question,
)
from layak.regions.tests.factories import make_region

#: Indicator 1: a 2-point question in thirds and a 10-point question in quarters; indicator
#: 26: a 3-point question answered by each kelurahan (yes/no). 15 points in all.
GROUPS = {
    "KL": {"1": [question("1.01", "2"), question("1.02", "10")]},
    "K5": {"26": [question("26.01", "3", scope=QuestionScope.KELURAHAN, fractions=("0", "1"))]},
}
BANDS = (
    BandSpec("pratama", "Pratama", "5", "9.99"),
    BandSpec("madya", "Madya", "10", "15"),
)
IMPORT_URL = "/evaluation/history/import/"


def client_of(person: Any) -> Client:
    client = Client()
    login(client, person)
    return client


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An XLSX workbook with one sheet per entry (first row: the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


ANSWERS = ["indicator", "question", "area", "option", "score", "verified_option", "verified_score"]


def shares_of(answer: Answer) -> tuple[Fraction | None, Fraction | None]:
    """The (self, verified) shares of an answer's options."""
    own, verified = answer.option, answer.verified_option
    return (
        own.fraction if own is not None else None,
        verified.fraction if verified is not None else None,
    )


def thirds_instrument() -> Instrument:
    instrument = make_instrument(year=2024, groups=GROUPS, bands=BANDS)
    thirds = Question.objects.get(instrument=instrument, code="1.01")
    AnswerOption.objects.filter(question=thirds).delete()
    for share in (Fraction(0), Fraction(1, 3), Fraction(2, 3), Fraction(1)):
        option = AnswerOption(question=thirds, label=f"{share.numerator}/{share.denominator}")
        option.fraction = share
        option.save()
    return instrument


class HistoryTestCase(TestCase):
    place: City
    instrument: Instrument
    focal: Any
    leader: Any
    other_secretariat: Any

    @classmethod
    def setUpTestData(cls) -> None:
        cls.place = make_city()
        cls.instrument = thirds_instrument()
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.place.disdukcapil)
        cls.leader = make_person(Role.LEADERSHIP, agency=cls.place.dp3akb)
        other_city = make_region("64.72", "Kota Samarinda")
        cls.other_secretariat = make_person(
            Role.SECRETARIAT, agency=make_agency(region=other_city, code="dp3a-smd")
        )

    def upload(
        self, content: bytes, *, year: int = 2023, person: Any = None, language: str = "id"
    ) -> Any:
        return client_of(person or self.place.secretariat).post(
            IMPORT_URL,
            {
                "instrument": str(self.instrument.pk),
                "year": str(year),
                "file": SimpleUploadedFile("riwayat.xlsx", content),
            },
            HTTP_ACCEPT_LANGUAGE=language,
        )

    def temporary_file(self, content: bytes) -> Path:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = Path(folder.name) / "riwayat.xlsx"
        path.write_bytes(content)
        return path

    def imported(self, year: int = 2023) -> Cycle:
        return Cycle.objects.get(region=self.place.city, year=year)


class RecapImportTests(HistoryTestCase):
    def test_recap_of_a_submitted_cycle_imports_with_the_same_exact_totals(self) -> None:
        source = make_cycle(
            city=self.place.city,
            instrument=self.instrument,
            actor=self.place.secretariat,
            year=2026,
        )
        options = {
            (o.question.code, o.fraction): o
            for o in AnswerOption.objects.filter(
                question__instrument=self.instrument
            ).select_related("question")
        }
        Answer.objects.filter(cycle=source, question__code="1.01").update(
            option=options[("1.01", Fraction(2, 3))],
            verified_option=options[("1.01", Fraction(1, 3))],
        )
        Answer.objects.filter(cycle=source, question__code="1.02").update(
            option=options[("1.02", Fraction(3, 4))]
        )
        Answer.objects.filter(
            cycle=source, question__code="26.01", area__code__in=KELURAHAN_CODES[:2]
        ).update(option=options[("26.01", Fraction(1))])
        services.cycle_submit(actor=self.place.secretariat, cycle=source)
        _data, before = cycle_scorecard(source)

        response = self.upload(recap_xlsx(source), year=2025)

        cycle = self.imported(2025)
        self.assertRedirects(
            response, f"/evaluation/cycles/{cycle.pk}/", fetch_redirect_response=False
        )
        self.assertEqual(cycle.status, CycleStatus.CLOSED)
        self.assertEqual(cycle.history_source, "riwayat.xlsx")
        _data, after = cycle_scorecard(cycle)
        self.assertEqual(before.total.self_points, Fraction(4, 3) + Fraction(15, 2) + 2)
        self.assertEqual(after.total.self_points, before.total.self_points)
        self.assertEqual(after.total.verified_points, before.total.verified_points)
        self.assertEqual(after.self_band, before.self_band)
        self.assertEqual(
            set(Answer.objects.filter(cycle=cycle).values_list("status", flat=True)), {"accepted"}
        )
        self.assertTrue(
            AuditEntry.objects.filter(action=AuditAction.IMPORT, object_id=str(cycle.pk)).exists()
        )


class MinimalLayoutTests(HistoryTestCase):
    def test_rounded_scores_and_shares_map_to_exact_options(self) -> None:
        content = workbook(
            {
                "answers": [
                    ANSWERS,
                    ["1", "1.01", "", "", "0.67", "", "0,67"],
                    ["1", "1.02", "", "Option 0.5", "", "0.25", ""],
                    ["26", "26.01", KELURAHAN_CODES[0], "1", "", "", ""],
                ]
            }
        )
        response = self.upload(content)

        self.assertEqual(response.status_code, 302)
        cycle = self.imported()
        first = Answer.objects.get(cycle=cycle, question__code="1.01")
        self.assertEqual(shares_of(first), (Fraction(1, 3), Fraction(1, 3)))
        second = Answer.objects.get(cycle=cycle, question__code="1.02")
        self.assertEqual(shares_of(second), (Fraction(1, 2), Fraction(1, 4)))
        _data, card = cycle_scorecard(cycle)
        # 2/3 + 5 + 3 x 1/3 (one kelurahan of three), exactly.
        self.assertEqual(card.total.self_points, Fraction(2, 3) + 5 + 1)

    def test_area_question_given_for_the_city_is_a_recorded_score_in_the_total(self) -> None:
        content = workbook(
            {
                "answers": [
                    ANSWERS,
                    ["1", "1.01", "", "1/3", "", "", ""],
                    ["26", "26.01", "", "", "1.67", "", "2"],
                ]
            }
        )
        self.assertEqual(self.upload(content).status_code, 302)

        cycle = self.imported()
        recorded = RecordedScore.objects.get(cycle=cycle)
        self.assertEqual(recorded.question.code, "26.01")
        self.assertEqual(recorded.self_points, Decimal("1.67"))
        self.assertEqual(recorded.verified_points, Decimal("2.00"))
        self.assertFalse(Answer.objects.filter(cycle=cycle, question__code="26.01").exists())
        _data, card = cycle_scorecard(cycle)
        self.assertEqual(card.total.self_points, Fraction(2, 3) + Fraction(167, 100))
        self.assertEqual(card.total.verified_points, Fraction(2))

    def test_official_sheet_records_the_declared_scores(self) -> None:
        content = workbook(
            {
                "answers": [ANSWERS, ["1", "1.01", "", "1", "", "", ""]],
                "official": [["indicator", "score"], ["1", "7.5"], ["26", ""]],
            }
        )
        self.assertEqual(self.upload(content).status_code, 302)

        scores = OfficialScore.objects.filter(cycle=self.imported())
        self.assertEqual([(s.indicator.code, s.points) for s in scores], [("1", Decimal("7.50"))])

    def test_command_imports_a_file(self) -> None:
        content = workbook({"answers": [ANSWERS, ["1", "1.02", "", "1", "", "", ""]]})
        path = self.temporary_file(content)
        out = io.StringIO()
        call_command(
            "import_history",
            str(path),
            city="64.71",
            instrument=self.instrument.pk,
            year=2023,
            stdout=out,
        )
        self.assertIn("self-assessed 10,00 (exact 10)", out.getvalue())
        self.assertEqual(self.imported().status, CycleStatus.CLOSED)

    def test_command_prints_the_official_scores_beside_the_exact_ones(self) -> None:
        content = workbook(
            {
                "answers": [ANSWERS, ["1", "1.02", "", "1", "", "1/2", ""]],
                "official": [["indicator", "score"], ["1", "4.75"]],
            }
        )
        out = io.StringIO()
        with translation.override("en"):
            call_command(
                "import_history",
                str(self.temporary_file(content)),
                city="64.71",
                instrument=self.instrument.pk,
                year=2023,
                stdout=out,
            )
        lines = out.getvalue().splitlines()
        # indicator 1: official 4.75, self 10 (1.02 at its maximum), verified 5: -0.25
        row = next(line for line in lines if line.startswith("1 "))
        self.assertEqual(row.split()[2:], ["4.75", "10.00", "5.00", "-0.25"])


class RefusalTests(HistoryTestCase):
    BAD = workbook(
        {
            "answers": [
                ANSWERS,
                ["1", "9.99", "", "1", "", "", ""],
                ["1", "1.01", "", "", "0.5", "", ""],
                ["1", "1.02", "", "1", "", "", "11"],
                ["1", "1.02", "", "0.5", "", "", ""],
                ["26", "26.01", "99.99", "1", "", "", ""],
            ]
        }
    )

    def refused(self, content: bytes, language: str, **kwargs: Any) -> str:
        answers, cycles = Answer.objects.count(), Cycle.objects.count()
        response = self.upload(content, language=language, **kwargs)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Answer.objects.count(), answers)
        self.assertEqual(Cycle.objects.count(), cycles)
        self.assertEqual(RecordedScore.objects.count(), 0)
        return str(response.content.decode())

    def test_every_row_error_is_listed_in_english_and_nothing_is_saved(self) -> None:
        page = self.refused(self.BAD, "en")

        self.assertIn("sheet answers, row 2, question 1 / 9.99: unknown question", page)
        self.assertIn(
            "sheet answers, row 3, question 1.01: the score 0.5 matches no option; "
            "the options score 0.00, 0.67, 1.33, 2.00",
            page,
        )
        self.assertIn(
            "sheet answers, row 5, question 1.02: duplicate row: the same answer is on "
            "sheet answers, row 4",
            page,
        )
        self.assertIn("row 6, question 26.01: unknown area “99.99”: not a kelurahan", page)
        self.assertIn("row 4, question 1.02: the score 11 is outside 0 to 10.00", page)

    def test_a_question_given_for_the_city_and_per_area_is_refused(self) -> None:
        content = workbook(
            {
                "answers": [
                    ANSWERS,
                    ["26", "26.01", KELURAHAN_CODES[0], "1", "", "", ""],
                    ["26", "26.01", "", "", "2", "", ""],
                ]
            }
        )
        page = html.unescape(self.refused(content, "en"))

        self.assertIn(
            "row 3, question 26.01: the question is given both as the city's figure and per "
            "area: give one row per area, or only the city's figure",
            page,
        )

    def test_a_recap_score_without_its_option_is_refused(self) -> None:
        header = ["indicator", "question", "area", "self_option", "self_score"]
        content = workbook({"recap": [header, ["1", "1.02", "", "", "7.5"]]})

        page = self.refused(content, "en")

        self.assertIn(
            "row 2, question 1.02: a score of 7.5 without its option: the recap is read by its "
            "option columns (self_option, verified_option)",
            page,
        )

    def test_a_year_still_to_come_is_refused(self) -> None:
        content = workbook({"answers": [ANSWERS, ["1", "1.02", "", "1", "", "", ""]]})
        year = timezone.localdate().year + 1

        page = self.refused(content, "en", year=year)

        self.assertIn(f"{year} has not come yet", page)

    def test_errors_are_in_indonesian_by_default(self) -> None:
        page = self.refused(self.BAD, "id")

        self.assertIn(
            "lembar answers, baris 2, pertanyaan 1 / 9.99: pertanyaan tidak dikenal", page
        )
        self.assertIn("0,00, 0,67, 1,33, 2,00", page)
        self.assertIn("baris duplikat", page)

    def test_a_year_the_city_already_has_is_refused(self) -> None:
        make_cycle(
            city=self.place.city,
            instrument=self.instrument,
            actor=self.place.secretariat,
            year=2024,
        )
        content = workbook({"answers": [ANSWERS, ["1", "1.02", "", "1", "", "", ""]]})

        english = self.refused(content, "en", year=2024)
        indonesian = self.refused(content, "id", year=2024)

        self.assertIn("already has an evaluation cycle for 2024", english)
        self.assertIn("sudah mempunyai siklus evaluasi 2024", indonesian)

    def test_a_file_that_is_not_a_workbook_is_refused(self) -> None:
        response = self.upload(b"%PDF-1.4 not a workbook")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Cycle.objects.filter(year=2023).exists())

    def test_the_service_refuses_in_the_language_asked(self) -> None:
        sheets = read_history_xlsx(io.BytesIO(self.BAD))
        for language, text in (("en", "unknown question"), ("id", "pertanyaan tidak dikenal")):
            with translation.override(language), self.assertRaises(HistoryRejected) as caught:
                history_import(
                    actor=self.place.secretariat,
                    region=self.place.city,
                    instrument=self.instrument,
                    year=2023,
                    sheets=sheets,
                    source_name="x.xlsx",
                )
            self.assertIn(text, " ".join(message for _row, message in caught.exception.errors))

    def test_command_prints_the_grouped_errors(self) -> None:
        path = self.temporary_file(self.BAD)
        err = io.StringIO()
        with translation.override("en"), self.assertRaises(CommandError):
            call_command(
                "import_history",
                str(path),
                city="64.71",
                instrument=self.instrument.pk,
                year=2023,
                stderr=err,
            )
        self.assertIn("[answers]", err.getvalue())
        self.assertIn("unknown question", err.getvalue())
        self.assertFalse(Cycle.objects.filter(year=2023).exists())


class OfficialScoreTests(HistoryTestCase):
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        content = workbook(
            {
                "answers": [
                    ANSWERS,
                    ["1", "1.01", "", "2/3", "", "1/3", ""],
                    ["1", "1.02", "", "0.5", "", "0.5", ""],
                    ["26", "26.01", "", "", "1", "", "1"],
                ]
            }
        )
        cls.cycle = history_import(
            actor=cls.place.secretariat,
            region=cls.place.city,
            instrument=cls.instrument,
            year=2023,
            sheets=read_history_xlsx(io.BytesIO(content)),
            source_name="2023.xlsx",
        )
        cls.url = f"/evaluation/cycles/{cls.cycle.pk}/official/"
        cls.indicators = {i.code: i for i in Indicator.objects.filter(instrument=cls.instrument)}

    url: str
    indicators: dict[str, Indicator]

    def post(self, person: Any, language: str = "id", **values: str) -> Any:
        data = {f"indicator_{self.indicators[code].pk}": v for code, v in values.items()}
        data.update(total="", category="")
        return client_of(person).post(self.url, data, HTTP_ACCEPT_LANGUAGE=language)

    def test_saved_scores_show_beside_layak_with_the_differences(self) -> None:
        response = client_of(self.place.secretariat).post(
            self.url,
            {
                f"indicator_{self.indicators['1'].pk}": "6",
                f"indicator_{self.indicators['26'].pk}": "1,5",
                "total": "7,5",
                "category": "Madya",
            },
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertEqual(
            dict(
                OfficialScore.objects.filter(cycle=self.cycle).values_list(
                    "indicator__code", "points"
                )
            ),
            {"1": Decimal("6.00"), "26": Decimal("1.50")},
        )
        award = Award.objects.get(region=self.place.city, year=2023)
        self.assertEqual((award.category, award.verified_score), ("Madya", Decimal("7.50")))

        page = (
            client_of(self.place.secretariat)
            .get(self.url, HTTP_ACCEPT_LANGUAGE="id")
            .content.decode()
        )
        row = page[page.index('data-testid="official-1"') :]
        row = row[: row.index("</tr>")]
        # Layak: 4/3 + 5 = 19/3 self (6,33), 2/3 + 5 = 17/3 verified (5,67); official 6.
        self.assertIn("6,33", row)
        self.assertIn("5,67", row)
        self.assertIn('<td class="num">-0,33</td>', row)
        self.assertIn('<td class="num">0,33</td>', row)
        total = page[page.index('data-testid="official-total"') :]
        total = total[: total.index("</tr>")]
        # 7.5 - (19/3 + 1) = 1/6; 7.5 - (17/3 + 1) = 5/6.
        self.assertIn('<td class="num">0,17</td>', total)
        self.assertIn('<td class="num">0,83</td>', total)
        self.assertIn("Riwayat (ditutup)", page)
        band = page[page.index('data-testid="official-band"') :]
        self.assertIn("Madya", band[: band.index("</tr>")])

    def test_a_score_above_the_maximum_saves_nothing(self) -> None:
        response = self.post(self.place.secretariat, "en", **{"1": "13", "26": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("the score must be from 0 to 12.00", response.content.decode())
        self.assertFalse(OfficialScore.objects.filter(cycle=self.cycle).exists())

    def test_leadership_reads_but_may_not_record(self) -> None:
        self.assertEqual(client_of(self.leader).get(self.url).status_code, 200)
        self.assertEqual(self.post(self.leader, **{"1": "5"}).status_code, 403)
        self.assertFalse(OfficialScore.objects.exists())

    def test_focal_point_gets_403(self) -> None:
        self.assertEqual(client_of(self.focal).get(self.url).status_code, 403)
        self.assertEqual(self.post(self.focal, **{"1": "5"}).status_code, 403)
        self.assertEqual(client_of(self.focal).get(IMPORT_URL).status_code, 403)

    def test_other_city_gets_404(self) -> None:
        self.assertEqual(client_of(self.other_secretariat).get(self.url).status_code, 404)
        self.assertEqual(self.post(self.other_secretariat, **{"1": "5"}).status_code, 404)
        self.assertFalse(OfficialScore.objects.exists())

    def test_a_province_secretariat_reads_but_does_not_record_a_citys_scores(self) -> None:
        province = make_region("64", "Kalimantan Timur")
        person = make_person(
            Role.SECRETARIAT, agency=make_agency(region=province, code="dp3a-kaltim-sekretariat")
        )
        self.assertEqual(client_of(person).get(self.url).status_code, 200)
        self.assertEqual(self.post(person, **{"1": "5"}).status_code, 403)
        self.assertFalse(OfficialScore.objects.exists())

    def test_anonymous_is_sent_to_log_in(self) -> None:
        for url in (self.url, IMPORT_URL):
            response = Client().get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn("login", response["Location"])

    def test_focal_point_may_not_import(self) -> None:
        content = workbook({"answers": [ANSWERS, ["1", "1.02", "", "1", "", "", ""]]})
        response = self.upload(content, year=2022, person=self.focal)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Cycle.objects.filter(year=2022).exists())


class ClosedCycleIsReadOnlyTests(HistoryTestCase):
    """A closed (history) cycle changes through no page: answers, review, verification,
    submission, band conditions, planning, assignments and evidence are all refused."""

    def test_every_write_to_a_closed_cycle_is_refused_and_changes_nothing(self) -> None:
        content = workbook({"answers": [ANSWERS, ["1", "1.02", "", "1", "", "0.5", ""]]})
        self.assertEqual(self.upload(content).status_code, 302)
        cycle = self.imported()
        answer = Answer.objects.get(cycle=cycle, question__code="1.02")
        question = answer.question
        option = AnswerOption.objects.filter(question=question).first()
        assert option is not None
        verifier = make_person(
            Role.VERIFIER,
            agency=make_agency(region=make_region("64", "Kalimantan Timur"), code="dp3a-kaltim"),
        )
        before = (answer.option_id, answer.verified_option_id, answer.status, answer.version)
        writes = [
            (
                self.place.secretariat,
                f"/evaluation/answers/{answer.pk}/review/",
                {"version": answer.version, "decision": "return", "note": "x"},
            ),
            (
                verifier,
                f"/evaluation/answers/{answer.pk}/verify/",
                {"option": option.pk, "note": "x"},
            ),
            (self.place.secretariat, f"/evaluation/cycles/{cycle.pk}/submit/", {}),
            (
                self.place.secretariat,
                f"/evaluation/cycles/{cycle.pk}/conditions/",
                {"bands": ["madya"]},
            ),
            (
                self.place.secretariat,
                f"/evaluation/cycles/{cycle.pk}/planning/",
                {f"impossible_{question.pk}": "on"},
            ),
            (
                self.place.secretariat,
                f"/evaluation/cycles/{cycle.pk}/questions/{question.pk}/assignment/",
                {"agencies": [self.place.dp3akb.pk]},
            ),
            (self.place.secretariat, f"/evaluation/answers/{answer.pk}/evidence/", {}),
        ]
        for person, url, data in writes:
            with self.subTest(url=url):
                response = client_of(person).post(url, data)
                self.assertIn(response.status_code, (400, 403, 404), response.status_code)
        answer.refresh_from_db()
        cycle.refresh_from_db()
        self.assertEqual(
            (answer.option_id, answer.verified_option_id, answer.status, answer.version), before
        )
        self.assertEqual(cycle.status, CycleStatus.CLOSED)
        self.assertEqual(cycle.conditions_met, [])
        self.assertFalse(cycle.planning.exists())
        self.assertFalse(cycle.assignments.exists())
        self.assertFalse(answer.evidence.exists())


class HistoryRemovalTests(HistoryTestCase):
    """A history cycle imported by mistake is removed after typing its year; nothing else is."""

    def imported_cycle(self) -> Cycle:
        content = workbook(
            {
                "answers": [ANSWERS, ["1", "1.02", "", "1", "", "", ""]],
                "official": [["indicator", "score"], ["1", "7.5"]],
            }
        )
        self.assertEqual(self.upload(content).status_code, 302)
        return self.imported()

    def remove(self, person: Any, cycle: Cycle, year: str, client: Client | None = None) -> Any:
        return (client or client_of(person)).post(
            f"/evaluation/cycles/{cycle.pk}/remove-history/",
            {"confirm_year": year},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    def test_the_wrong_year_removes_nothing_and_says_why(self) -> None:
        cycle = self.imported_cycle()
        client = client_of(self.place.secretariat)

        response = self.remove(self.place.secretariat, cycle, "2022", client)

        self.assertRedirects(
            response, f"/evaluation/cycles/{cycle.pk}/", fetch_redirect_response=False
        )
        self.assertTrue(Cycle.objects.filter(pk=cycle.pk).exists())
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "Type the year 2023 to confirm the removal.")

    def test_the_typed_year_removes_the_cycle_and_its_scores_and_is_audited(self) -> None:
        cycle = self.imported_cycle()
        page = client_of(self.place.secretariat).get(f"/evaluation/cycles/{cycle.pk}/")
        self.assertContains(page, 'data-testid="history-remove"')

        response = self.remove(self.place.secretariat, cycle, "2023")

        self.assertRedirects(response, "/evaluation/", fetch_redirect_response=False)
        self.assertFalse(Cycle.objects.filter(pk=cycle.pk).exists())
        self.assertFalse(Answer.objects.filter(cycle_id=cycle.pk).exists())
        self.assertFalse(OfficialScore.objects.exists())
        self.assertTrue(
            AuditEntry.objects.filter(
                action=AuditAction.DELETE, object_label__contains="2023"
            ).exists()
        )
        # The year can be imported again.
        self.imported_cycle()

    def test_only_the_citys_secretariat_removes_and_never_an_open_cycle(self) -> None:
        cycle = self.imported_cycle()
        self.assertEqual(self.remove(self.focal, cycle, "2023").status_code, 403)
        self.assertEqual(self.remove(self.leader, cycle, "2023").status_code, 403)
        self.assertEqual(self.remove(self.other_secretariat, cycle, "2023").status_code, 404)
        self.assertTrue(Cycle.objects.filter(pk=cycle.pk).exists())
        open_cycle = make_cycle(
            city=self.place.city,
            instrument=self.instrument,
            actor=self.place.secretariat,
            year=2026,
        )
        self.assertEqual(self.remove(self.place.secretariat, open_cycle, "2026").status_code, 403)
        self.assertTrue(Cycle.objects.filter(pk=open_cycle.pk).exists())
        page = client_of(self.place.secretariat).get(f"/evaluation/cycles/{open_cycle.pk}/")
        self.assertNotContains(page, 'data-testid="history-remove"')
