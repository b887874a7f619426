"""Who may open each page of the KLA evaluation (issue #3), every URL of
``layak/evaluations/urls.py`` through the shared access matrix (STYLE.md "Permissions").

Anonymous visitors are sent to the login page; a person without an evaluation role gets 403 on
list pages and 404 on one city's objects; the secretariat of another city gets 404 for
Balikpapan's cycle, answers and evidence; read-only roles get 403 on changes.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.core.forms import INVALID_FORM_STATUS
from layak.core.testing import FORBIDDEN, NOT_FOUND, OK, Expect, assert_access_matrix, login
from layak.evaluations import services
from layak.evaluations.models import (
    Answer,
    AnswerStatus,
    Assignment,
    Cycle,
    CycleReport,
    CycleStatus,
    Evidence,
    ReportStatus,
)
from layak.evaluations.tests import _world

REDIRECT = Expect(302)


class ListPageAccessTests(_world.WorldTestCase):
    def test_cycle_list_is_for_evaluation_roles(self) -> None:
        assert_access_matrix(
            self,
            "/evaluation/",
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.leader,
            expect_read_only=OK,
        )

    def test_cycle_list_is_readable_by_verifier_and_focal_points(self) -> None:
        for person in (self.world.verifier, self.world.focal, self.world.kelurahan_focal):
            with self.subTest(person=person.full_name):
                self._assert_status(person, "/evaluation/", 200)

    def test_only_the_secretariat_opens_a_cycle(self) -> None:
        data = {
            "instrument": str(self.world.instrument.pk),
            "year": "2027",
            "answer_deadline": "2027-03-31",
            "review_deadline": "2027-04-15",
            "submission_deadline": "2027-04-30",
        }

        assert_access_matrix(
            self,
            "/evaluation/",
            method="post",
            data=data,
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.focal,
            expect_allowed=REDIRECT,
        )

        self.assertEqual(
            list(Cycle.objects.filter(region=self.world.city).values_list("year", flat=True)),
            [2027, 2026],
        )

    def test_province_secretariat_opens_no_cycle(self) -> None:
        """A cycle is opened in the kab/kota the person works in (``accounts.scope``): a
        secretariat of a provincial agency has none (403) and nothing is opened."""
        province_agency = Agency.objects.get(code="dp3a-kaltim")
        person = make_person(Role.SECRETARIAT, agency=province_agency, username="sekr.kaltim")
        client = Client()
        login(client, person)
        before = Cycle.objects.count()

        response = client.post(
            "/evaluation/",
            {
                "instrument": str(self.world.instrument.pk),
                "year": "2027",
                "answer_deadline": "2027-03-31",
                "review_deadline": "2027-04-15",
                "submission_deadline": "2027-04-30",
            },
        )

        self.assertEqual(response.status_code, 403)
        self.assertEqual(Cycle.objects.count(), before)

    def test_instrument_list_is_for_evaluation_roles(self) -> None:
        assert_access_matrix(
            self,
            "/evaluation/instruments/",
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.verifier,
            expect_read_only=OK,
        )

    def test_instrument_upload_is_refused_to_readers(self) -> None:
        # No file (a browser's form, with its CSRF token): the allowed person's 400 says the
        # form was read, so the permission check let them in.
        assert_access_matrix(
            self,
            "/evaluation/instruments/",
            method="post",
            data={"csrfmiddlewaretoken": "token"},
            allowed=self.world.national_admin,
            no_permission=self.world.worker,
            read_only=self.world.focal,
            expect_allowed=Expect(400),
        )

    def test_a_citys_secretariat_cannot_load_a_shared_instrument(self) -> None:
        assert_access_matrix(
            self,
            "/evaluation/instruments/",
            method="post",
            data={"csrfmiddlewaretoken": "token"},
            allowed=self.world.national_admin,
            no_permission=self.world.secretariat,
            read_only=self.world.other_secretariat,
            expect_allowed=Expect(400),
        )

    def test_instrument_download_is_for_evaluation_roles(self) -> None:
        assert_access_matrix(
            self,
            f"/evaluation/instruments/{self.world.instrument.pk}/download/",
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.leader,
            expect_read_only=OK,
        )

    def test_unknown_instrument_is_404(self) -> None:
        self._assert_status(self.world.secretariat, "/evaluation/instruments/999999/download/", 404)

    def _assert_status(self, person: User, url: str, status: int) -> None:
        client = Client()
        login(client, person)
        self.assertEqual(client.get(url).status_code, status)


class CyclePageAccessTests(_world.WorldTestCase):
    """Every page of one cycle: readers see it, a person without an evaluation role and the
    other city's secretariat do not learn it exists."""

    READ_PAGES = ("", "work/", "gap/", "what-if/", "recap.xlsx")

    def _url(self, page: str) -> str:
        return f"/evaluation/cycles/{self.world.cycle.pk}/{page}"

    def test_cycle_pages_answer_404_to_a_person_without_evaluation_role(self) -> None:
        for page in self.READ_PAGES:
            with self.subTest(page=page):
                assert_access_matrix(
                    self,
                    self._url(page),
                    allowed=self.world.secretariat,
                    no_permission=self.world.worker,
                    expect_no_permission=NOT_FOUND,
                )

    def test_cycle_pages_answer_404_to_another_citys_secretariat(self) -> None:
        for page in self.READ_PAGES:
            with self.subTest(page=page):
                assert_access_matrix(
                    self,
                    self._url(page),
                    allowed=self.world.leader,
                    no_permission=self.world.other_secretariat,
                    expect_no_permission=NOT_FOUND,
                )

    def test_cycle_pages_are_readable_by_every_evaluation_role(self) -> None:
        readers = (
            self.world.secretariat,
            self.world.leader,
            self.world.verifier,
            self.world.focal,
            self.world.kelurahan_focal,
        )
        # An unknown target band skips the plan's computation (seconds on an empty cycle); the
        # page and its permission check are the same.
        pages = [p for p in self.READ_PAGES if p != "gap/"] + ["gap/?target=unknown"]
        focal_points = (self.world.focal, self.world.kelurahan_focal)
        for page in pages:
            for person in readers:
                if page == "recap.xlsx" and person in focal_points:
                    continue  # every agency's answers: see the next test
                with self.subTest(page=page, person=person.full_name):
                    client = Client()
                    login(client, person)
                    self.assertEqual(client.get(self._url(page)).status_code, 200)

    def test_recap_is_only_for_those_who_read_every_answer(self) -> None:
        for focal in (self.world.focal, self.world.kelurahan_focal):
            with self.subTest(person=focal.full_name):
                assert_access_matrix(
                    self,
                    self._url("recap.xlsx"),
                    allowed=self.world.verifier,
                    no_permission=focal,
                    read_only=self.world.leader,
                    expect_read_only=OK,
                )
        client = Client()
        login(client, self.world.focal)
        self.assertNotContains(client.get(self._url("")), "recap.xlsx")

    def test_whatif_post_is_open_to_readers(self) -> None:
        assert_access_matrix(
            self,
            self._url("what-if/"),
            method="post",
            allowed=self.world.leader,
            no_permission=self.world.other_secretariat,
            expect_no_permission=NOT_FOUND,
        )

    def test_only_the_secretariat_submits_the_cycle(self) -> None:
        assert_access_matrix(
            self,
            self._url("submit/"),
            method="post",
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            read_only=self.world.leader,
            expect_allowed=REDIRECT,
        )

        self.world.cycle.refresh_from_db()
        self.assertEqual(self.world.cycle.status, CycleStatus.SUBMITTED)

    def test_other_citys_secretariat_cannot_submit_the_cycle(self) -> None:
        assert_access_matrix(
            self,
            self._url("submit/"),
            method="post",
            allowed=self.world.secretariat,
            no_permission=self.world.other_secretariat,
            read_only=self.world.verifier,
            expect_no_permission=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

    def test_submit_page_is_post_only(self) -> None:
        client = Client()
        login(client, self.world.secretariat)

        self.assertEqual(client.get(self._url("submit/")).status_code, 405)

    def test_unknown_cycle_is_404(self) -> None:
        client = Client()
        login(client, self.world.secretariat)

        self.assertEqual(client.get("/evaluation/cycles/999999/").status_code, 404)


class AnswerPageAccessTests(_world.WorldTestCase):
    """Answers: readers see all; a focal point only their agency's, an area office only its
    own area's; the other city nothing."""

    dukcapil: Answer
    other_agency: Answer
    kelurahan: Answer
    other_kelurahan: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cycle = cls.world.cycle
        cls.dukcapil = _world.answer_of(cycle, _world.DUKCAPIL_QUESTION)
        cls.other_agency = _world.answer_of(cycle, _world.OTHER_AGENCY_QUESTION)
        cls.kelurahan = _world.answer_of(cycle, _world.KELURAHAN_QUESTION, _world.KELURAHAN)
        cls.other_kelurahan = _world.answer_of(
            cycle, _world.KELURAHAN_QUESTION, _world.OTHER_KELURAHAN
        )

    def _url(self, answer: Answer, page: str = "") -> str:
        return f"/evaluation/answers/{answer.pk}/{page}"

    def test_answer_is_readable_by_secretariat_leadership_and_verifier(self) -> None:
        for person in (self.world.secretariat, self.world.leader, self.world.verifier):
            with self.subTest(person=person.full_name):
                assert_access_matrix(
                    self,
                    self._url(self.other_agency),
                    allowed=person,
                    no_permission=self.world.worker,
                    read_only=self.world.other_secretariat,
                    expect_no_permission=NOT_FOUND,
                    expect_read_only=NOT_FOUND,
                )

    def test_focal_point_sees_an_answer_assigned_to_their_agency(self) -> None:
        assert_access_matrix(
            self,
            self._url(self.dukcapil),
            allowed=self.world.focal,
            no_permission=self.world.kelurahan_focal,
            expect_no_permission=NOT_FOUND,
        )

    def test_focal_point_gets_404_for_an_answer_assigned_only_to_another_agency(self) -> None:
        assert_access_matrix(
            self,
            self._url(self.other_agency),
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            expect_no_permission=NOT_FOUND,
        )

    def test_kelurahan_office_sees_its_own_kelurahans_answer(self) -> None:
        assert_access_matrix(
            self,
            self._url(self.kelurahan),
            allowed=self.world.kelurahan_focal,
            no_permission=self.world.focal,
            expect_no_permission=NOT_FOUND,
        )

    def test_kelurahan_office_gets_404_for_another_kelurahans_answer(self) -> None:
        assert_access_matrix(
            self,
            self._url(self.other_kelurahan),
            allowed=self.world.secretariat,
            no_permission=self.world.kelurahan_focal,
            expect_no_permission=NOT_FOUND,
        )

    def test_only_the_assigned_focal_point_edits_the_answer(self) -> None:
        option = _world.option_of(self.dukcapil, "0.5")

        assert_access_matrix(
            self,
            self._url(self.dukcapil),
            method="post",
            data=_world.answer_post(self.dukcapil, option),
            allowed=self.world.focal,
            no_permission=self.world.other_secretariat,
            read_only=self.world.leader,
            expect_no_permission=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

        self.dukcapil.refresh_from_db()
        self.assertEqual(self.dukcapil.option_id, option.pk)

    def test_secretariat_and_verifier_cannot_edit_an_answer(self) -> None:
        option = _world.option_of(self.dukcapil, "0.5")

        assert_access_matrix(
            self,
            self._url(self.dukcapil),
            method="post",
            data=_world.answer_post(self.dukcapil, option),
            allowed=self.world.focal,
            no_permission=self.world.secretariat,
            read_only=self.world.verifier,
            expect_allowed=REDIRECT,
        )

    def test_evidence_upload_is_for_the_assigned_focal_point(self) -> None:
        # Without a file the focal point gets the answer page again with the error on the
        # evidence form (400: the permission check let them in); nothing is stored.
        assert_access_matrix(
            self,
            self._url(self.dukcapil, "evidence/"),
            method="post",
            allowed=self.world.focal,
            no_permission=self.world.other_secretariat,
            read_only=self.world.secretariat,
            expect_no_permission=NOT_FOUND,
            expect_allowed=Expect(INVALID_FORM_STATUS),
        )

        self.assertFalse(Evidence.objects.exists())

    def test_evidence_upload_answers_404_to_a_focal_point_of_another_agency(self) -> None:
        assert_access_matrix(
            self,
            self._url(self.other_agency, "evidence/"),
            method="post",
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            expect_no_permission=NOT_FOUND,
            expect_allowed=FORBIDDEN,
        )

    def test_answer_pages_for_changes_are_post_only(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        for page in ("review/", "verify/", "evidence/"):
            with self.subTest(page=page):
                self.assertEqual(client.get(self._url(self.dukcapil, page)).status_code, 405)


class ReviewAndVerifyAccessTests(_world.WorldTestCase):
    """Review needs a submitted answer and the secretariat; verification needs a submitted
    cycle and a verifier."""

    submitted: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        answer = _world.answer_of(cls.world.cycle, "4.02")  # Disdukcapil, no evidence needed
        services.answer_save(
            actor=cls.world.focal,
            answer=answer,
            expected_version=answer.version,
            option=_world.option_of(answer, "1"),
            explanation="",
            data_values={},
        )
        cls.submitted = services.answer_submit(actor=cls.world.focal, answer=answer)

    def _url(self, page: str) -> str:
        return f"/evaluation/answers/{self.submitted.pk}/{page}"

    def test_only_the_secretariat_reviews(self) -> None:
        assert_access_matrix(
            self,
            self._url("review/"),
            method="post",
            data={"decision": "accept", "note": "", "version": str(self.submitted.version)},
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            read_only=self.world.leader,
            expect_allowed=REDIRECT,
        )

        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.status, AnswerStatus.ACCEPTED)

    def test_review_answers_404_outside_the_city(self) -> None:
        assert_access_matrix(
            self,
            self._url("review/"),
            method="post",
            data={"decision": "accept", "note": "", "version": str(self.submitted.version)},
            allowed=self.world.secretariat,
            no_permission=self.world.other_secretariat,
            read_only=self.world.worker,
            expect_no_permission=NOT_FOUND,
            expect_read_only=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

    def test_verification_is_refused_while_the_cycle_is_open(self) -> None:
        option = _world.option_of(self.submitted, "0.5")

        assert_access_matrix(
            self,
            self._url("verify/"),
            method="post",
            data={"option": str(option.pk), "note": ""},
            allowed=self.world.verifier,
            no_permission=self.world.worker,
            expect_no_permission=NOT_FOUND,
            expect_allowed=FORBIDDEN,
        )

    def test_only_the_verifier_verifies_a_submitted_cycle(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)
        option = _world.option_of(self.submitted, "0.5")

        assert_access_matrix(
            self,
            self._url("verify/"),
            method="post",
            data={"option": str(option.pk), "note": ""},
            allowed=self.world.verifier,
            no_permission=self.world.secretariat,
            read_only=self.world.leader,
            expect_allowed=REDIRECT,
        )

        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.verified_option_id, option.pk)

    def test_verification_answers_404_outside_the_city(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)

        assert_access_matrix(
            self,
            self._url("verify/"),
            method="post",
            data={"option": "", "note": ""},
            allowed=self.world.verifier,
            no_permission=self.world.other_secretariat,
            read_only=self.world.focal,
            expect_no_permission=NOT_FOUND,
            # No option chosen: the verification form is refused (400), past the permission.
            expect_allowed=Expect(INVALID_FORM_STATUS),
        )


class EvidenceAccessTests(_world.WorldTestCase):
    """Evidence is visible exactly to those who see its answer."""

    evidence: Evidence

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)
        cls.evidence = services.evidence_add(
            actor=cls.world.focal,
            answer=answer,
            upload=SimpleUploadedFile("akta.pdf", _world.PDF),
            name="akta.pdf",
        )

    def test_download_answers_404_to_a_person_without_evaluation_role(self) -> None:
        assert_access_matrix(
            self,
            f"/evaluation/evidence/{self.evidence.pk}/",
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.leader,
            expect_no_permission=NOT_FOUND,
            expect_read_only=OK,
        )

    def test_download_answers_404_to_another_city_and_another_agency(self) -> None:
        for person in (self.world.other_secretariat, self.world.kelurahan_focal):
            with self.subTest(person=person.full_name):
                assert_access_matrix(
                    self,
                    f"/evaluation/evidence/{self.evidence.pk}/",
                    allowed=self.world.focal,
                    no_permission=person,
                    read_only=self.world.verifier,
                    expect_no_permission=NOT_FOUND,
                    expect_read_only=OK,
                )

    def test_only_the_assigned_focal_point_removes_evidence(self) -> None:
        assert_access_matrix(
            self,
            f"/evaluation/evidence/{self.evidence.pk}/remove/",
            method="post",
            allowed=self.world.focal,
            no_permission=self.world.other_secretariat,
            read_only=self.world.secretariat,
            expect_no_permission=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

        self.assertFalse(Evidence.objects.filter(pk=self.evidence.pk).exists())

    def test_evidence_cannot_be_removed_once_the_cycle_is_submitted(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)
        client = Client()
        login(client, self.world.focal)

        response = client.post(f"/evaluation/evidence/{self.evidence.pk}/remove/")

        self.assertEqual(response.status_code, 403)
        self.assertTrue(Evidence.objects.filter(pk=self.evidence.pk).exists())


class PlanningAndReportAccessTests(_world.WorldTestCase):
    """The secretariat's planning pages (assignment, band conditions, efforts) and the PDF
    reports every reader of the cycle may request and download."""

    def _url(self, page: str) -> str:
        return f"/evaluation/cycles/{self.world.cycle.pk}/{page}"

    def test_only_the_secretariat_changes_an_assignment(self) -> None:
        answer = _world.answer_of(self.world.cycle, _world.OTHER_AGENCY_QUESTION)
        url = self._url(f"questions/{answer.question_id}/assignment/")
        data = {"agencies": str(self.world.disdukcapil.pk)}
        for person in (self.world.other_secretariat, self.world.worker):
            with self.subTest(person=person.full_name):
                assert_access_matrix(
                    self,
                    url,
                    method="post",
                    data=data,
                    allowed=self.world.secretariat,
                    no_permission=person,
                    read_only=self.world.focal,
                    expect_no_permission=NOT_FOUND,
                    expect_allowed=REDIRECT,
                )

        # The focal point of Disdukcapil now sees the answer it was assigned.
        client = Client()
        login(client, self.world.focal)
        self.assertEqual(client.get(f"/evaluation/answers/{answer.pk}/").status_code, 200)

    def test_assignment_of_a_question_of_another_instrument_is_404(self) -> None:
        client = Client()
        login(client, self.world.secretariat)

        response = client.post(self._url("questions/999999/assignment/"), {"agencies": "1"})

        self.assertEqual(response.status_code, 404)

    def test_only_the_secretariat_records_band_conditions(self) -> None:
        assert_access_matrix(
            self,
            self._url("conditions/"),
            method="post",
            data={"bands": "kla"},
            allowed=self.world.secretariat,
            no_permission=self.world.other_secretariat,
            read_only=self.world.leader,
            expect_no_permission=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

    def test_planning_page_is_for_the_secretariat(self) -> None:
        assert_access_matrix(
            self,
            self._url("planning/"),
            allowed=self.world.secretariat,
            no_permission=self.world.other_secretariat,
            read_only=self.world.verifier,
            expect_no_permission=NOT_FOUND,
        )

    def test_planning_is_saved_by_the_secretariat_only(self) -> None:
        assert_access_matrix(
            self,
            self._url("planning/"),
            method="post",
            data={"csrfmiddlewaretoken": "token"},
            allowed=self.world.secretariat,
            no_permission=self.world.worker,
            read_only=self.world.focal,
            expect_no_permission=NOT_FOUND,
            expect_allowed=REDIRECT,
        )

    def test_reports_page_is_for_readers_of_the_cycle(self) -> None:
        assert_access_matrix(
            self,
            self._url("reports/"),
            allowed=self.world.leader,
            no_permission=self.world.other_secretariat,
            read_only=self.world.worker,
            expect_no_permission=NOT_FOUND,
            expect_read_only=NOT_FOUND,
        )

    def test_only_the_secretariat_requests_a_report(self) -> None:
        for reader in (self.world.verifier, self.world.focal):
            with self.subTest(person=reader.full_name):
                assert_access_matrix(
                    self,
                    self._url("reports/"),
                    method="post",
                    data={"target": ""},
                    allowed=self.world.secretariat,
                    no_permission=self.world.other_secretariat,
                    read_only=reader,
                    expect_no_permission=NOT_FOUND,
                    expect_allowed=REDIRECT,
                )

        self.assertEqual(
            list(self.world.cycle.reports.values_list("requested_by", flat=True)),
            [self.world.secretariat.pk, self.world.secretariat.pk],
        )

    def test_read_only_roles_get_403_on_a_report_request_and_nothing_is_queued(self) -> None:
        for reader in (self.world.leader, self.world.verifier, self.world.focal):
            with self.subTest(person=reader.full_name):
                client = Client()
                login(client, reader)

                response = client.post(self._url("reports/"), {"target": ""})

                self.assertEqual(response.status_code, 403)
                self.assertNotContains(client.get(self._url("reports/")), 'name="target"')
        self.assertFalse(self.world.cycle.reports.exists())

    def test_band_conditions_are_refused_once_the_cycle_is_submitted(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)
        client = Client()
        login(client, self.world.secretariat)

        response = client.post(self._url("conditions/"), {"bands": "kla"})

        self.assertEqual(response.status_code, 403)
        self.world.cycle.refresh_from_db()
        self.assertEqual(self.world.cycle.conditions_met, [])

    def test_finished_report_is_downloaded_by_readers_of_the_cycle_only(self) -> None:
        report = CycleReport.objects.create(cycle=self.world.cycle, status=ReportStatus.DONE)
        report.file.save("laporan.pdf", ContentFile(_world.PDF))

        assert_access_matrix(
            self,
            f"/evaluation/reports/{report.pk}/",
            allowed=self.world.leader,
            no_permission=self.world.other_secretariat,
            read_only=self.world.worker,
            expect_no_permission=NOT_FOUND,
            expect_read_only=NOT_FOUND,
        )

    def test_report_being_prepared_is_404(self) -> None:
        report = CycleReport.objects.create(cycle=self.world.cycle)
        client = Client()
        login(client, self.world.secretariat)

        self.assertEqual(client.get(f"/evaluation/reports/{report.pk}/").status_code, 404)


class ReassignmentAccessTests(_world.WorldTestCase):
    """An agency's access follows its assignment in each cycle: a question it answered one
    year and lost the next is no longer its to read or edit in the new cycle."""

    later: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.later = services.cycle_open(
            actor=cls.world.secretariat,
            city=cls.world.city,
            instrument=cls.world.instrument,
            year=2027,
            answer_deadline=datetime.date(2027, 3, 31),
            review_deadline=datetime.date(2027, 4, 15),
            submission_deadline=datetime.date(2027, 4, 30),
        )
        answer = _world.answer_of(cls.later, _world.DUKCAPIL_QUESTION)
        dp3akb = Agency.objects.get(region=cls.world.city, code="dp3akb")
        # Disdukcapil keeps other questions of 2027 (4.02 ...), but not this one.
        services.assignment_set(
            actor=cls.world.secretariat,
            cycle=cls.later,
            question=answer.question,
            agencies=[dp3akb],
        )

    def test_agency_reassigned_away_cannot_edit_the_question_in_the_new_cycle(self) -> None:
        answer = _world.answer_of(self.later, _world.DUKCAPIL_QUESTION)
        self.assertTrue(
            Assignment.objects.filter(cycle=self.later, agency=self.world.disdukcapil).exists()
        )
        option = _world.option_of(answer, "1")

        assert_access_matrix(
            self,
            f"/evaluation/answers/{answer.pk}/",
            method="post",
            data=_world.answer_post(answer, option),
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            expect_no_permission=NOT_FOUND,
            expect_allowed=FORBIDDEN,
        )

        answer.refresh_from_db()
        self.assertIsNone(answer.option_id)

    def test_agency_keeps_the_question_in_the_cycle_it_was_assigned(self) -> None:
        earlier = _world.answer_of(self.world.cycle, _world.DUKCAPIL_QUESTION)
        later = _world.answer_of(self.later, _world.DUKCAPIL_QUESTION)
        client = Client()
        login(client, self.world.focal)

        self.assertEqual(client.get(f"/evaluation/answers/{earlier.pk}/").status_code, 200)
        self.assertEqual(client.get(f"/evaluation/answers/{later.pk}/").status_code, 404)
