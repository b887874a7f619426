"""The pages of the KLA evaluation (issue #3), tested through the interface: the response and
what it leaves in the database. Who may open which page: test_permissions.py."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
from django.contrib.messages import constants
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from layak.accounts.models import Agency
from layak.core.crypto import read_encrypted_file
from layak.core.forms import INVALID_FORM_STATUS
from layak.core.models import AuditAction, AuditEntry
from layak.core.testing import login
from layak.core.uploads import NOT_ACCEPTED
from layak.evaluations import services
from layak.evaluations.instruments import instrument_export, instrument_import
from layak.evaluations.models import (
    Answer,
    AnswerRevision,
    AnswerStatus,
    Assignment,
    Cycle,
    CycleStatus,
    Evidence,
    Instrument,
    Question,
    QuestionPlanning,
)
from layak.evaluations.spreadsheet import Row, read_xlsx
from layak.evaluations.tests import _world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shown(value: str) -> str:
    """A number as the pages show it in the default language (Bahasa Indonesia: 2,50)."""
    with translation.override("id"):
        return str(formats.localize(Decimal(value)))


def card(content: bytes, testid: str) -> str:
    """The HTML of the box marked ``data-testid=testid`` (boxes hold no nested ``div``)."""
    text = content.decode()
    start = text.index(f'data-testid="{testid}"')
    return text[start : text.index("</div>", start)]


def messages_of(response: Any) -> list[tuple[int, str]]:
    return [(m.level, str(m.message)) for m in response.context["messages"]]


def client_of(person: Any) -> Client:
    client = Client()
    login(client, person)
    return client


class AnswerEditTests(_world.WorldTestCase):
    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)

    def _post(self, person: Any, fraction: str, version: int | None = None) -> Any:
        data = _world.answer_post(self.answer, _world.option_of(self.answer, fraction))
        if version is not None:
            data["version"] = str(version)
        return client_of(person).post(f"/evaluation/answers/{self.answer.pk}/", data)

    def test_focal_point_sees_the_answer_form(self) -> None:
        response = client_of(self.world.focal).get(f"/evaluation/answers/{self.answer.pk}/")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="version"')
        self.assertContains(response, "95% atau lebih")
        self.assertTrue(response.context["can"]["edit"])

    def test_readers_see_the_answer_without_a_form(self) -> None:
        for person in (self.world.secretariat, self.world.leader, self.world.verifier):
            with self.subTest(person=person.full_name):
                response = client_of(person).get(f"/evaluation/answers/{self.answer.pk}/")

                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, 'name="version"')

    def test_focal_point_changes_the_option_and_a_revision_is_kept(self) -> None:
        option = _world.option_of(self.answer, "0.75")

        response = self._post(self.world.focal, "0.75")

        self.assertRedirects(response, f"/evaluation/answers/{self.answer.pk}/")
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.option_id, option.pk)
        self.assertEqual(self.answer.version, 2)
        self.assertEqual(self.answer.updated_by_id, self.world.focal.pk)
        revision = AnswerRevision.objects.get(answer=self.answer)
        self.assertEqual(
            (revision.action, revision.option_id, revision.version, revision.changed_by_id),
            ("save", option.pk, 2, self.world.focal.pk),
        )

    def test_focal_point_saves_the_data_values_asked(self) -> None:
        data = _world.answer_post(
            self.answer,
            _world.option_of(self.answer, "1"),
            data_jumlah_anak="1200",
            data_jumlah_akta_terbit="1150",
            explanation="  Data SIAK Desember.  ",
        )

        response = client_of(self.world.focal).post(f"/evaluation/answers/{self.answer.pk}/", data)

        self.assertEqual(response.status_code, 302)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.explanation, "Data SIAK Desember.")
        self.assertEqual(
            self.answer.data_values, {"jumlah_anak": "1200", "jumlah_akta_terbit": "1150"}
        )

    def test_kelurahan_office_edits_its_own_kelurahans_answer(self) -> None:
        answer = _world.answer_of(self.world.cycle, _world.KELURAHAN_QUESTION, _world.KELURAHAN)
        option = _world.option_of(answer, "1")

        response = client_of(self.world.kelurahan_focal).post(
            f"/evaluation/answers/{answer.pk}/", _world.answer_post(answer, option)
        )

        self.assertEqual(response.status_code, 302)
        answer.refresh_from_db()
        self.assertEqual(answer.option_id, option.pk)

    def test_leadership_post_is_403_and_changes_nothing(self) -> None:
        response = self._post(self.world.leader, "1")

        self.assertEqual(response.status_code, 403)
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.option_id)
        self.assertEqual(self.answer.version, 1)
        self.assertFalse(AnswerRevision.objects.exists())

    def test_secretariat_cannot_edit_an_answer(self) -> None:
        response = self._post(self.world.secretariat, "1")

        self.assertEqual(response.status_code, 403)
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.option_id)

    def test_focal_point_gets_403_once_the_cycle_is_submitted(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)

        response = self._post(self.world.focal, "1")

        self.assertEqual(response.status_code, 403)
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.option_id)
        page = client_of(self.world.focal).get(f"/evaluation/answers/{self.answer.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'name="version"')

    def test_option_of_another_question_is_refused(self) -> None:
        other = _world.answer_of(self.world.cycle, "4.02")
        data = _world.answer_post(self.answer, _world.option_of(other, "1"))

        response = client_of(self.world.focal).post(f"/evaluation/answers/{self.answer.pk}/", data)

        self.assertEqual(response.status_code, 400)
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.option_id)

    def test_send_for_review_without_required_evidence_keeps_the_draft(self) -> None:
        data = _world.answer_post(self.answer, _world.option_of(self.answer, "1"), submit="")
        del data["save"]

        response = client_of(self.world.focal).post(
            f"/evaluation/answers/{self.answer.pk}/", data, follow=True
        )

        self.assertEqual([level for level, _text in messages_of(response)], [constants.ERROR])
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.DRAFT)
        self.assertEqual(self.answer.option_id, _world.option_of(self.answer, "1").pk)

    def test_send_for_review_with_evidence_submits_the_answer(self) -> None:
        services.evidence_add(
            actor=self.world.focal,
            answer=self.answer,
            upload=SimpleUploadedFile("akta.pdf", _world.PDF),
            name="akta.pdf",
        )
        data = _world.answer_post(self.answer, _world.option_of(self.answer, "1"), submit="")
        del data["save"]

        response = client_of(self.world.focal).post(f"/evaluation/answers/{self.answer.pk}/", data)

        self.assertEqual(response.status_code, 302)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.SUBMITTED)


class AnswerConflictTests(_world.WorldTestCase):
    """Two people editing the same answer: the second save is refused with the first one's
    answer shown, and nothing is overwritten (issue #3: no silent overwrite)."""

    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)

    def _race(self, first: Client, second: Client) -> Any:
        url = f"/evaluation/answers/{self.answer.pk}/"
        version = first.get(url).context["form"].initial["version"]
        self.assertEqual(second.get(url).context["form"].initial["version"], version)
        x = _world.option_of(self.answer, "1")
        y = _world.option_of(self.answer, "0.25")

        first_response = first.post(url, _world.answer_post(self.answer, x))
        self.assertEqual(first_response.status_code, 302)
        return second.post(url, {**_world.answer_post(self.answer, y), "version": str(version)})

    def test_same_focal_point_in_two_tabs_gets_409_and_the_first_answer_stays(self) -> None:
        response = self._race(client_of(self.world.focal), client_of(self.world.focal))

        self.assertEqual(response.status_code, 409)
        conflict = card(response.content, "conflict")
        self.assertIn("95% atau lebih", conflict)
        self.assertNotIn("75% sampai kurang dari 85%", conflict)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.option_id, _world.option_of(self.answer, "1").pk)
        self.assertEqual(self.answer.version, 2)
        self.assertEqual(AnswerRevision.objects.filter(answer=self.answer).count(), 1)

    def test_two_focal_points_of_one_agency_get_409_and_the_first_answer_stays(self) -> None:
        response = self._race(client_of(self.world.focal), client_of(self.world.focal_colleague))

        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'data-testid="conflict"', status_code=409)
        self.assertIn(self.world.focal.display_name, card(response.content, "conflict"))
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.option_id, _world.option_of(self.answer, "1").pk)
        self.assertEqual(self.answer.updated_by_id, self.world.focal.pk)

    def test_saving_again_after_the_conflict_replaces_the_stored_answer(self) -> None:
        second = client_of(self.world.focal_colleague)
        response = self._race(client_of(self.world.focal), second)
        self.assertEqual(response.status_code, 409)
        # The form now carries the stored version, so a deliberate second save goes through.
        self.assertContains(response, 'name="version" value="2"', status_code=409)
        y = _world.option_of(self.answer, "0.25")

        again = second.post(
            f"/evaluation/answers/{self.answer.pk}/",
            {**_world.answer_post(self.answer, y), "version": "2"},
        )

        self.assertEqual(again.status_code, 302)
        self.answer.refresh_from_db()
        self.assertEqual((self.answer.option_id, self.answer.version), (y.pk, 3))


class EvidenceTests(_world.WorldTestCase):
    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)

    def _upload(self, name: str, content: bytes) -> Any:
        return client_of(self.world.focal).post(
            f"/evaluation/answers/{self.answer.pk}/evidence/",
            {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
            follow=True,
        )

    def _stored(self) -> Evidence:
        self._upload("bukti.pdf", _world.PDF)
        return Evidence.objects.get(answer=self.answer)

    def test_renamed_windows_program_is_refused_on_the_evidence_form(self) -> None:
        response = self._upload("bukti.pdf", _world.RENAMED_EXE)

        # The answer page again, the refusal on the evidence form (issue #14: 400).
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        with translation.override("id"):
            expected = str(NOT_ACCEPTED)
        self.assertEqual(response.context["evidence_form"].non_field_errors(), [expected])
        self.assertContains(response, expected, status_code=INVALID_FORM_STATUS)
        self.assertFalse(Evidence.objects.exists())

    def test_valid_pdf_is_stored_with_its_checksum(self) -> None:
        response = self._upload("bukti.pdf", _world.PDF)

        self.assertRedirects(response, f"/evaluation/answers/{self.answer.pk}/")
        self.assertEqual([level for level, _text in messages_of(response)], [constants.SUCCESS])
        evidence = Evidence.objects.get(answer=self.answer)
        self.assertEqual(
            (evidence.original_name, evidence.content_type, evidence.size),
            ("bukti.pdf", "application/pdf", len(_world.PDF)),
        )
        self.assertNotIn("bukti", evidence.file.name)
        self.assertEqual(read_encrypted_file(evidence.file), _world.PDF)  # encrypted: #11
        self.assertContains(response, "bukti.pdf")

    def test_upload_without_file_stores_nothing(self) -> None:
        response = client_of(self.world.focal).post(
            f"/evaluation/answers/{self.answer.pk}/evidence/", {"file": ""}, follow=True
        )

        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertIn("file", response.context["evidence_form"].errors)
        self.assertFalse(Evidence.objects.exists())

    def test_secretariat_downloads_the_file_and_the_download_is_audited(self) -> None:
        evidence = self._stored()

        response = client_of(self.world.secretariat).get(f"/evaluation/evidence/{evidence.pk}/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.getvalue(), _world.PDF)
        self.assertEqual(response["Content-Type"], evidence.content_type)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        self.assertIn('filename="bukti.pdf"', response["Content-Disposition"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id, entry.region_code),
            (self.world.secretariat.pk, "evaluations.evidence", str(evidence.pk), "64.71"),
        )

    def test_other_citys_secretariat_and_case_worker_get_404_and_no_audit(self) -> None:
        evidence = self._stored()
        for person in (self.world.other_secretariat, self.world.worker):
            with self.subTest(person=person.full_name):
                response = client_of(person).get(f"/evaluation/evidence/{evidence.pk}/")

                self.assertEqual(response.status_code, 404)
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists())

    def test_focal_point_removes_evidence(self) -> None:
        evidence = self._stored()
        path = evidence.file.path

        with self.captureOnCommitCallbacks(execute=True):
            response = client_of(self.world.focal).post(
                f"/evaluation/evidence/{evidence.pk}/remove/"
            )

        self.assertRedirects(
            response, f"/evaluation/answers/{self.answer.pk}/", fetch_redirect_response=False
        )
        self.assertFalse(Evidence.objects.exists())
        self.assertFalse(evidence.file.storage.exists(path))


class ReviewTests(_world.WorldTestCase):
    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        answer = _world.answer_of(cls.world.cycle, "4.02")  # Disdukcapil; no evidence needed
        services.answer_save(
            actor=cls.world.focal,
            answer=answer,
            expected_version=answer.version,
            option=_world.option_of(answer, "1"),
            explanation="",
            data_values={},
        )
        cls.answer = services.answer_submit(actor=cls.world.focal, answer=answer)

    def _review(self, person: Any, decision: str, note: str = "") -> Any:
        return client_of(person).post(
            f"/evaluation/answers/{self.answer.pk}/review/",
            {"decision": decision, "note": note, "version": str(self.answer.version)},
            follow=True,
        )

    def test_review_form_carries_the_answers_version(self) -> None:
        response = client_of(self.world.secretariat).get(f"/evaluation/answers/{self.answer.pk}/")

        self.assertEqual(response.context["review_form"].initial["version"], self.answer.version)
        self.assertContains(response, f'name="version" value="{self.answer.version}"')

    def test_second_review_of_the_same_version_gets_a_conflict_and_changes_nothing(self) -> None:
        url = f"/evaluation/answers/{self.answer.pk}/"
        first, second = client_of(self.world.secretariat), client_of(self.world.secretariat)
        version = first.get(url).context["review_form"].initial["version"]
        self.assertEqual(second.get(url).context["review_form"].initial["version"], version)

        accepted = first.post(f"{url}review/", {"decision": "accept", "version": str(version)})
        response = second.post(
            f"{url}review/",
            {"decision": "return", "note": "Lampirkan SK.", "version": str(version)},
        )

        self.assertEqual(accepted.status_code, 302)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'data-testid="conflict"', status_code=409)
        self.assertEqual(response.context["conflict"].status, AnswerStatus.ACCEPTED)
        self.answer.refresh_from_db()
        self.assertEqual(
            (self.answer.status, self.answer.version, self.answer.review_note),
            (AnswerStatus.ACCEPTED, version + 1, ""),
        )
        self.assertFalse(self.answer.revisions.filter(action="return").exists())
        # The form now carries the stored version, so a deliberate second review goes through.
        self.assertEqual(response.context["review_form"].initial["version"], version + 1)
        again = second.post(
            f"{url}review/",
            {"decision": "return", "note": "Lampirkan SK.", "version": str(version + 1)},
        )
        self.assertEqual(again.status_code, 302)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.RETURNED)

    def test_review_without_version_changes_nothing(self) -> None:
        response = client_of(self.world.secretariat).post(
            f"/evaluation/answers/{self.answer.pk}/review/",
            {"decision": "accept", "note": ""},
            follow=True,
        )

        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertIn("version", response.context["review_form"].errors)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.SUBMITTED)

    def test_secretariat_sees_the_review_form_of_a_submitted_answer(self) -> None:
        response = client_of(self.world.secretariat).get(f"/evaluation/answers/{self.answer.pk}/")

        self.assertTrue(response.context["can"]["review"])
        self.assertContains(response, f"/evaluation/answers/{self.answer.pk}/review/")

    def test_secretariat_accepts_a_submitted_answer(self) -> None:
        response = self._review(self.world.secretariat, "accept")

        self.assertEqual([level for level, _text in messages_of(response)], [constants.SUCCESS])
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.ACCEPTED)
        self.assertEqual(self.answer.revisions.values_list("action", flat=True)[0], "accept")

    def test_secretariat_returns_an_answer_with_a_note(self) -> None:
        self._review(self.world.secretariat, "return", "Lampirkan SK yang ditandatangani.")

        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.RETURNED)
        self.assertEqual(self.answer.review_note, "Lampirkan SK yang ditandatangani.")
        # A returned answer is the focal point's to edit again.
        page = client_of(self.world.focal).get(f"/evaluation/answers/{self.answer.pk}/")
        self.assertTrue(page.context["can"]["edit"])

    def test_return_without_note_is_refused_and_changes_nothing(self) -> None:
        response = self._review(self.world.secretariat, "return", "  ")

        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTrue(response.context["review_form"].errors)
        self.assertContains(response, 'role="alert"', status_code=INVALID_FORM_STATUS)
        self.answer.refresh_from_db()
        self.assertEqual((self.answer.status, self.answer.version), (AnswerStatus.SUBMITTED, 3))
        self.assertFalse(self.answer.revisions.filter(action="return").exists())

    def test_review_without_decision_changes_nothing(self) -> None:
        response = self._review(self.world.secretariat, "")

        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertIn("decision", response.context["review_form"].errors)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.SUBMITTED)

    def test_focal_point_cannot_review(self) -> None:
        response = client_of(self.world.focal).post(
            f"/evaluation/answers/{self.answer.pk}/review/",
            {"decision": "accept", "note": "", "version": str(self.answer.version)},
        )

        self.assertEqual(response.status_code, 403)
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.status, AnswerStatus.SUBMITTED)

    def test_draft_answer_cannot_be_reviewed(self) -> None:
        draft = _world.answer_of(self.world.cycle, _world.DUKCAPIL_QUESTION)

        response = client_of(self.world.secretariat).post(
            f"/evaluation/answers/{draft.pk}/review/", {"decision": "accept", "note": ""}
        )

        self.assertEqual(response.status_code, 403)


class VerifyTests(_world.WorldTestCase):
    """The verifier's option is kept apart from the self-assessed one; the dashboard shows
    both totals."""

    answer: Answer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)  # 5 points
        cls.answer = services.answer_save(
            actor=cls.world.focal,
            answer=answer,
            expected_version=answer.version,
            option=_world.option_of(answer, "0.5"),
            explanation="",
            data_values={},
        )

    def _verify(self, fraction: str, note: str = "") -> Any:
        option = _world.option_of(self.answer, fraction)
        return client_of(self.world.verifier).post(
            f"/evaluation/answers/{self.answer.pk}/verify/",
            {"option": str(option.pk), "note": note},
        )

    def test_verifier_cannot_verify_before_the_cycle_is_submitted(self) -> None:
        response = self._verify("1")

        self.assertEqual(response.status_code, 403)
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.verified_option_id)

    def test_verified_option_is_stored_apart_from_the_self_assessed_one(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)

        response = self._verify("1", "Sesuai data SIAK.")

        self.assertRedirects(
            response, f"/evaluation/answers/{self.answer.pk}/", fetch_redirect_response=False
        )
        self.answer.refresh_from_db()
        self.assertEqual(self.answer.verified_option_id, _world.option_of(self.answer, "1").pk)
        self.assertEqual(self.answer.option_id, _world.option_of(self.answer, "0.5").pk)
        self.assertEqual(self.answer.verification_note, "Sesuai data SIAK.")
        self.assertEqual(self.answer.verified_by_id, self.world.verifier.pk)
        self.assertEqual(self.answer.version, 2)

    def test_dashboard_shows_the_self_assessed_and_verified_totals(self) -> None:
        services.cycle_submit(actor=self.world.secretariat, cycle=self.world.cycle)
        self._verify("1")

        response = client_of(self.world.leader).get(f"/evaluation/cycles/{self.world.cycle.pk}/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["card"].total.self_points, Decimal("2.5"))
        self.assertEqual(response.context["card"].total.verified_points, Decimal("5"))
        self.assertIn(shown("2.50"), card(response.content, "self-score"))
        self.assertIn(shown("5.00"), card(response.content, "verified-score"))
        self.assertNotIn(shown("5.00"), card(response.content, "self-score"))


class CycleSubmitTests(_world.WorldTestCase):
    def test_secretariat_submits_and_the_cycle_is_locked(self) -> None:
        response = client_of(self.world.secretariat).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/submit/"
        )

        self.assertRedirects(
            response, f"/evaluation/cycles/{self.world.cycle.pk}/", fetch_redirect_response=False
        )
        self.world.cycle.refresh_from_db()
        self.assertEqual(self.world.cycle.status, CycleStatus.SUBMITTED)
        self.assertIsNotNone(self.world.cycle.submitted_at)

    def test_focal_point_cannot_submit(self) -> None:
        response = client_of(self.world.focal).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/submit/"
        )

        self.assertEqual(response.status_code, 403)
        self.world.cycle.refresh_from_db()
        self.assertEqual(self.world.cycle.status, CycleStatus.OPEN)

    def test_submitted_cycle_cannot_be_submitted_again(self) -> None:
        client = client_of(self.world.secretariat)
        client.post(f"/evaluation/cycles/{self.world.cycle.pk}/submit/")

        response = client.post(f"/evaluation/cycles/{self.world.cycle.pk}/submit/")

        self.assertEqual(response.status_code, 403)

    def test_submit_button_is_shown_to_the_secretariat_only(self) -> None:
        url = f"/evaluation/cycles/{self.world.cycle.pk}/"
        submit = f"/evaluation/cycles/{self.world.cycle.pk}/submit/"

        self.assertContains(client_of(self.world.secretariat).get(url), submit)
        self.assertNotContains(client_of(self.world.leader).get(url), submit)


class CycleOpenTests(_world.WorldTestCase):
    def test_secretariat_opens_a_cycle_with_its_answers(self) -> None:
        response = client_of(self.world.secretariat).post(
            "/evaluation/",
            {
                "instrument": str(self.world.instrument.pk),
                "year": "2027",
                "answer_deadline": "2027-03-31",
                "review_deadline": "2027-04-15",
                "submission_deadline": "2027-04-30",
            },
        )

        cycle = Cycle.objects.get(region=self.world.city, year=2027)
        self.assertRedirects(response, f"/evaluation/cycles/{cycle.pk}/")
        self.assertEqual(
            Answer.objects.filter(cycle=cycle).count(),
            Answer.objects.filter(cycle=self.world.cycle).count(),
        )

    def test_second_cycle_of_the_same_year_is_refused(self) -> None:
        response = client_of(self.world.secretariat).post(
            "/evaluation/",
            {
                "instrument": str(self.world.instrument.pk),
                "year": "2026",
                "answer_deadline": "2026-03-31",
                "review_deadline": "2026-04-15",
                "submission_deadline": "2026-04-30",
            },
        )

        self.assertEqual(response.status_code, 400)
        self.assertEqual(Cycle.objects.filter(region=self.world.city).count(), 1)


def _workbook(instrument: Instrument, **meta: str) -> bytes:
    """The instrument exported, with values of its "instrument" sheet changed by key."""
    book = openpyxl.load_workbook(io.BytesIO(instrument_export(instrument)))
    sheet = book["instrument"]
    for key_cell, value_cell in sheet.iter_rows(min_row=2, max_col=2):
        if key_cell.value in meta:
            value_cell.value = meta[str(key_cell.value)]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _damaged(content: bytes, sheet: str = "xl/worksheets/sheet4.xml") -> bytes:
    """``content`` with the compressed data of one sheet (the fourth, "questions", as openpyxl
    writes them in order) garbled: the workbook still opens, since sheets are read lazily,
    and reading that sheet's rows fails."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(sheet)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    garbled = bytearray(content)
    for position in range(middle, middle + 64):
        garbled[position] ^= 0xFF
    return bytes(garbled)


class InstrumentPageTests(_world.WorldTestCase):
    def _upload(self, person: Any, content: bytes) -> Any:
        return client_of(person).post(
            "/evaluation/instruments/",
            {"file": SimpleUploadedFile("instrumen.xlsx", content, content_type=XLSX)},
        )

    def test_national_admin_loads_an_exported_and_renamed_workbook(self) -> None:
        content = _workbook(self.world.instrument, name="Instrumen KLA 2024 (salinan)")

        response = self._upload(self.world.national_admin, content)

        self.assertRedirects(response, "/evaluation/instruments/")
        copy = Instrument.objects.get(name="Instrumen KLA 2024 (salinan)")
        self.assertEqual((copy.year, copy.total_points), (2024, Decimal(1000)))
        self.assertEqual(
            Question.objects.filter(instrument=copy).count(),
            Question.objects.filter(instrument=self.world.instrument).count(),
        )

    def test_broken_workbook_is_refused_with_row_errors_and_nothing_saved(self) -> None:
        book = openpyxl.load_workbook(io.BytesIO(_workbook(self.world.instrument, name="Rusak")))
        book["questions"]["D2"] = "banyak"  # max_points of the first question
        buffer = io.BytesIO()
        book.save(buffer)

        response = self._upload(self.world.national_admin, buffer.getvalue())

        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'data-testid="import-errors"', status_code=400)
        rows = [row for row, message in response.context["errors"] if "questions" in message]
        self.assertEqual(rows, [2])
        with translation.override("id"):
            self.assertContains(response, "Baris 2", status_code=400)
        self.assertEqual(Instrument.objects.count(), 1)

    def test_file_that_is_not_a_workbook_is_refused(self) -> None:
        response = self._upload(self.world.national_admin, _world.PDF)

        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors["file"])
        self.assertEqual(Instrument.objects.count(), 1)

    def test_workbook_damaged_inside_a_sheet_is_refused(self) -> None:
        content = _damaged(_workbook(self.world.instrument, name="Rusak di dalam"))

        response = self._upload(self.world.national_admin, content)

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "bukan berkas XLSX yang dapat dibaca",
            " ".join(message for _row, message in response.context["errors"]),
        )
        self.assertEqual(Instrument.objects.count(), 1)

    def test_focal_point_and_city_secretariat_cannot_load_an_instrument(self) -> None:
        content = _workbook(self.world.instrument, name="Instrumen titipan")
        for person in (self.world.focal, self.world.secretariat):
            with self.subTest(person=person.full_name):
                response = self._upload(person, content)

                self.assertEqual(response.status_code, 403)
        self.assertFalse(Instrument.objects.filter(name="Instrumen titipan").exists())

    def test_upload_form_is_shown_to_the_national_admin_only(self) -> None:
        self.assertContains(
            client_of(self.world.national_admin).get("/evaluation/instruments/"), 'type="file"'
        )
        for person in (self.world.secretariat, self.world.leader):
            with self.subTest(person=person.full_name):
                self.assertNotContains(
                    client_of(person).get("/evaluation/instruments/"), 'type="file"'
                )

    def test_instrument_download_is_an_xlsx_workbook(self) -> None:
        response = client_of(self.world.focal).get(
            f"/evaluation/instruments/{self.world.instrument.pk}/download/"
        )

        content = response.getvalue()
        self.assertEqual(response.status_code, 200)
        self.assertTrue(content.startswith(b"PK"))
        self.assertEqual(response["Content-Type"], XLSX)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        sheets = read_xlsx(io.BytesIO(content))
        self.assertEqual(
            len(sheets.of("questions")),
            Question.objects.filter(instrument=self.world.instrument).count(),
        )


class RecapExportTests(_world.WorldTestCase):
    def test_recap_is_an_xlsx_workbook_and_the_export_is_audited(self) -> None:
        response = client_of(self.world.leader).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/recap.xlsx"
        )

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.getvalue().startswith(b"PK"))
        self.assertEqual(response["Content-Type"], XLSX)
        self.assertIn("rekap-kla-64.71-2026.xlsx", response["Content-Disposition"])
        entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(
            (entry.actor_id, entry.object_type, entry.object_id),
            (self.world.leader.pk, "evaluations.cycle", str(self.world.cycle.pk)),
        )


class WhatIfTests(_world.WorldTestCase):
    def _state(self) -> list[tuple[int, int | None, int]]:
        return list(
            Answer.objects.filter(cycle=self.world.cycle)
            .order_by("pk")
            .values_list("pk", "option_id", "version")
        )

    def test_htmx_post_returns_the_partial_with_the_hypothetical_total(self) -> None:
        answer = _world.answer_of(self.world.cycle, _world.DUKCAPIL_QUESTION)  # 5 points
        option = _world.option_of(answer, "1")
        before = self._state()

        response = client_of(self.world.leader).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/what-if/",
            {f"answer_{answer.pk}": str(option.pk)},
            HTTP_HX_REQUEST="true",
        )

        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "evaluations/partials/whatif_total.html")
        self.assertTemplateNotUsed(response, "base.html")
        self.assertEqual(response.context["hypothetical"].total.self_points, Decimal(5))
        self.assertEqual(response.context["card"].total.self_points, Decimal(0))
        self.assertIn(shown("5.00"), card(response.content, "whatif-score"))
        self.assertEqual(self._state(), before)
        self.assertFalse(AnswerRevision.objects.exists())

    def test_option_of_another_question_is_ignored(self) -> None:
        answer = _world.answer_of(self.world.cycle, _world.DUKCAPIL_QUESTION)
        foreign = _world.option_of(_world.answer_of(self.world.cycle, "1.01"), "1")

        response = client_of(self.world.leader).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/what-if/",
            {f"answer_{answer.pk}": str(foreign.pk), "answer_x": "1"},
            HTTP_HX_REQUEST="true",
        )

        self.assertEqual(response.context["hypothetical"].total.self_points, Decimal(0))

    def test_full_page_lists_the_city_questions(self) -> None:
        response = client_of(self.world.leader).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/what-if/"
        )

        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "evaluations/cycle_whatif.html")
        self.assertContains(response, 'id="whatif-total"')
        city_questions = Question.objects.filter(
            instrument=self.world.instrument, scope="city"
        ).count()
        self.assertEqual(len(response.context["rows"]), city_questions)

    def test_focal_point_lists_only_their_own_agencys_answers(self) -> None:
        other = _world.answer_of(self.world.cycle, _world.OTHER_AGENCY_QUESTION)
        chosen = _world.option_of(other, "0.75")
        Answer.objects.filter(pk=other.pk).update(option=chosen)

        response = client_of(self.world.focal).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/what-if/"
        )

        self.assertEqual(response.status_code, 200)
        codes = sorted(code for _answer, _options, code in response.context["rows"])
        self.assertEqual(codes, ["1.02", "4.01", "4.02", "4.03", "4.04", "7.01"])
        self.assertNotContains(response, f'name="answer_{other.pk}"')
        self.assertNotContains(response, f'value="{chosen.pk}" selected')

    def test_focal_point_cannot_probe_another_agencys_answer(self) -> None:
        other = _world.answer_of(self.world.cycle, _world.OTHER_AGENCY_QUESTION)
        Answer.objects.filter(pk=other.pk).update(option=_world.option_of(other, "0.75"))
        own = _world.answer_of(self.world.cycle, _world.DUKCAPIL_QUESTION)  # 5 points

        response = client_of(self.world.focal).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/what-if/",
            {
                f"answer_{other.pk}": str(_world.option_of(other, "0").pk),
                f"answer_{own.pk}": str(_world.option_of(own, "1").pk),
            },
            HTTP_HX_REQUEST="true",
        )

        total = response.context["card"].total.self_points
        self.assertEqual(response.context["hypothetical"].total.self_points, total + 5)


class GapPageTests(_world.WorldTestCase):
    def test_gap_page_explains_the_plan_to_the_target_band(self) -> None:
        response = client_of(self.world.secretariat).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/gap/", {"target": "kla"}
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="plan-explanation"')
        self.assertEqual(response.context["target"], "kla")
        self.assertIsNotNone(response.context["plan"])
        self.assertTrue(response.context["plan"].explanation)

    def test_unknown_target_shows_no_plan(self) -> None:
        response = client_of(self.world.secretariat).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/gap/", {"target": "emas"}
        )

        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'data-testid="plan-explanation"')


def _bigger_instrument(base: Instrument, extra: int) -> Instrument:
    """``base`` with one more indicator of ``extra`` one-point questions, half of them asked
    of every kelurahan, loaded through the same import as a workbook."""
    sheets = read_xlsx(io.BytesIO(instrument_export(base)))
    sheets.rows["instrument"] = [
        Row(r.number, {**r.values, "value": v})
        for r in sheets.of("instrument")
        for v in [
            {
                "name": f"{base.name} (+{extra})",
                "total_points": str(base.total_points + extra),
            }.get(r.get("key"), r.get("value"))
        ]
    ]
    number = len(sheets.of("indicators")) + 2
    sheets.rows["indicators"].append(
        Row(
            number,
            {
                "group_code": "KL",
                "code": "99",
                "name": "Indikator uji",
                "max_points": str(extra),
                "order": "99",
            },
        )
    )
    first = len(sheets.of("questions")) + 2
    for i in range(extra):
        sheets.rows["questions"].append(
            Row(
                first + i,
                {
                    "indicator_code": "99",
                    "code": f"99.{i + 1:02d}",
                    "text": f"Pertanyaan uji {i + 1}",
                    "max_points": "1",
                    "scope": "kelurahan" if i % 2 else "city",
                    "evidence_required": "yes",
                    "agencies": "kelurahan" if i % 2 else "disdukcapil",
                    "data_fields": "",
                    "order": str(i + 1),
                },
            )
        )
    known = {
        "disdukcapil",
        *(q for qs in base.questions.values_list("agency_codes", flat=True) for q in qs),
    }
    return instrument_import(sheets=sheets, known_agencies=known, actor=None)


class QueryCountTests(_world.WorldTestCase):
    """The dashboard and the work list read a fixed number of queries, whatever the size of
    the instrument (STYLE.md "Tests": guard list and dashboard pages)."""

    bigger: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The dashboard compares with the city's previous cycle: both measured cycles have
        # one (2026 follows 2020, 2027 follows 2026).
        services.cycle_open(
            actor=cls.world.secretariat,
            city=cls.world.city,
            instrument=cls.world.instrument,
            year=2020,
            answer_deadline=datetime.date(2020, 3, 31),
            review_deadline=datetime.date(2020, 4, 15),
            submission_deadline=datetime.date(2020, 4, 30),
        )
        instrument = _bigger_instrument(cls.world.instrument, 20)
        cls.bigger = services.cycle_open(
            actor=cls.world.secretariat,
            city=cls.world.city,
            instrument=instrument,
            year=2027,
            answer_deadline=cls.world.cycle.answer_deadline,
            review_deadline=cls.world.cycle.review_deadline,
            submission_deadline=cls.world.cycle.submission_deadline,
        )
        for cycle in (cls.world.cycle, cls.bigger):
            for answer in Answer.objects.filter(cycle=cycle, question__code__startswith="4."):
                services.answer_save(
                    actor=cls.world.focal,
                    answer=answer,
                    expected_version=answer.version,
                    option=_world.option_of(answer, "1"),
                    explanation="",
                    data_values={},
                )
                services.evidence_add(
                    actor=cls.world.focal,
                    answer=answer,
                    upload=SimpleUploadedFile("bukti.pdf", _world.PDF),
                    name="bukti.pdf",
                )

    def _queries(self, person: Any, url: str) -> int:
        client = client_of(person)
        client.get(url)  # warm the per-process caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_bigger_instrument_has_more_questions_and_answers(self) -> None:
        self.assertEqual(
            Question.objects.filter(instrument=self.bigger.instrument).count(),
            Question.objects.filter(instrument=self.world.instrument).count() + 20,
        )
        self.assertGreater(
            Answer.objects.filter(cycle=self.bigger).count(),
            Answer.objects.filter(cycle=self.world.cycle).count() + 20,
        )

    def test_dashboard_queries_do_not_grow_with_the_instrument(self) -> None:
        for person in (self.world.secretariat, self.world.focal):
            with self.subTest(person=person.full_name):
                small = self._queries(person, f"/evaluation/cycles/{self.world.cycle.pk}/")
                big = self._queries(person, f"/evaluation/cycles/{self.bigger.pk}/")

                self.assertEqual(small, big)

    def test_work_list_queries_do_not_grow_with_the_instrument(self) -> None:
        for person in (self.world.secretariat, self.world.focal, self.world.kelurahan_focal):
            with self.subTest(person=person.full_name):
                small = self._queries(person, f"/evaluation/cycles/{self.world.cycle.pk}/work/")
                big = self._queries(person, f"/evaluation/cycles/{self.bigger.pk}/work/")

                self.assertEqual(small, big)

    def test_work_list_shows_only_the_focal_points_answers(self) -> None:
        response = client_of(self.world.focal).get(f"/evaluation/cycles/{self.bigger.pk}/work/")

        codes = sorted(a.question.code for a in response.context["answers"])
        extra = [f"99.{i:02d}" for i in range(1, 21, 2)]  # the city questions added above
        self.assertEqual(codes, ["1.02", "4.01", "4.02", "4.03", "4.04", "7.01", *extra])


class PlanningPageTests(_world.WorldTestCase):
    """The efforts typed on the planning page: numbers the gap analysis can compute with,
    saved all together or not at all."""

    def _questions(self) -> list[Question]:
        return list(
            Question.objects.filter(instrument=self.world.instrument).order_by(
                "indicator__order", "order", "code"
            )
        )

    def _effort_field(self, question: Question) -> str:
        option = question.options.last()
        assert option is not None
        return f"effort_{option.pk}"

    def _post(self, data: dict[str, str]) -> Any:
        return client_of(self.world.secretariat).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/planning/", data
        )

    def test_not_a_finite_sane_number_is_refused_and_nothing_saved(self) -> None:
        field = self._effort_field(self._questions()[0])
        for text in ("NaN", "sNaN", "Infinity", "-inf", "1e30", "1000001", "-1", "banyak"):
            with self.subTest(effort=text):
                response = self._post({field: text})

                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.context["errors"])
        self.assertFalse(QuestionPlanning.objects.exists())
        gap = client_of(self.world.secretariat).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/gap/", {"target": "kla"}
        )
        self.assertEqual(gap.status_code, 200)

    def test_one_refused_effort_saves_no_other_question(self) -> None:
        questions = self._questions()
        response = self._post(
            {
                f"impossible_{questions[0].pk}": "on",
                self._effort_field(questions[0]): "3",
                self._effort_field(questions[-1]): "NaN",
            }
        )

        self.assertEqual(response.status_code, 400)
        self.assertFalse(QuestionPlanning.objects.exists())

    def test_valid_efforts_are_saved_with_a_comma_as_decimal_mark(self) -> None:
        question = self._questions()[0]
        field = self._effort_field(question)

        response = self._post({field: "2,5"})

        self.assertRedirects(
            response,
            f"/evaluation/cycles/{self.world.cycle.pk}/gap/",
            fetch_redirect_response=False,
        )
        planning = QuestionPlanning.objects.get(question=question)
        self.assertEqual(planning.efforts, {field[7:]: "2.5"})

    def test_gap_page_ignores_an_invalid_effort_stored_earlier(self) -> None:
        question = self._questions()[0]
        field = self._effort_field(question)
        QuestionPlanning.objects.create(
            cycle=self.world.cycle, question=question, efforts={field[7:]: "NaN"}
        )

        response = client_of(self.world.secretariat).get(
            f"/evaluation/cycles/{self.world.cycle.pk}/gap/", {"target": "pratama"}
        )

        self.assertEqual(response.status_code, 200)


class AssignmentPageTests(_world.WorldTestCase):
    def _post(self, values: list[str]) -> Any:
        answer = _world.answer_of(self.world.cycle, _world.OTHER_AGENCY_QUESTION)
        return client_of(self.world.secretariat).post(
            f"/evaluation/cycles/{self.world.cycle.pk}/questions/{answer.question_id}/assignment/",
            {"agencies": values},
            follow=True,
        )

    def _assigned(self) -> list[int]:
        answer = _world.answer_of(self.world.cycle, _world.OTHER_AGENCY_QUESTION)
        return sorted(
            Assignment.objects.filter(
                cycle=self.world.cycle, question_id=answer.question_id
            ).values_list("agency_id", flat=True)
        )

    def test_digits_other_than_ascii_are_ignored(self) -> None:
        response = self._post(["²", "٣", "１", str(self.world.disdukcapil.pk)])

        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._assigned(), [self.world.disdukcapil.pk])

    def test_only_unicode_digits_assign_nobody(self) -> None:
        before = self._assigned()

        response = self._post(["²", "٣"])

        self.assertEqual([level for level, _text in messages_of(response)], [constants.ERROR])
        self.assertEqual(self._assigned(), before)

    def test_inactive_agency_is_not_offered_nor_assigned(self) -> None:
        before = self._assigned()
        Agency.objects.filter(pk=self.world.disdukcapil.pk).update(is_active=False)

        response = self._post([str(self.world.disdukcapil.pk)])

        self.assertEqual([level for level, _text in messages_of(response)], [constants.ERROR])
        self.assertEqual(self._assigned(), before)
        self.assertNotIn(self.world.disdukcapil, response.context["city_agencies"])
