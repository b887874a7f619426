"""Every change in the KLA evaluation (issue #3): opening a cycle, answering with conflict
detection, evidence, review, submission, verification, planning, and their audit trail."""

from __future__ import annotations

import datetime
import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.crypto import read_encrypted_file
from layak.core.errors import ConflictError
from layak.core.models import AuditAction, AuditEntry
from layak.evaluations import services
from layak.evaluations.demo import DEMO_PDF
from layak.evaluations.models import (
    Answer,
    AnswerRevision,
    AnswerStatus,
    Assignment,
    Cycle,
    CycleStatus,
    Evidence,
    Instrument,
    QuestionPlanning,
)
from layak.evaluations.tests.factories import (
    BandSpec,
    City,
    answer_of,
    make_city,
    make_cycle,
    make_instrument,
    option_of,
    question,
)
from layak.regions.tests.factories import make_region

RENAMED_EXE = b"MZ\x90\x00" + bytes(range(256)) * 4


def services_instrument() -> Instrument:
    """1.01 (city, dp3akb + disdukcapil, evidence and a data value required), 1.02 (city,
    disdukcapil, no evidence), 26.01 (each kelurahan), 26.02 (each kecamatan, and dp3akb)."""
    return make_instrument(
        groups={
            "KL": {
                "1": [
                    question(
                        "1.01",
                        "20",
                        agencies=("dp3akb", "disdukcapil"),
                        evidence_required=True,
                        data_fields=("anak_0_18",),
                    ),
                    question("1.02", "30", agencies=("disdukcapil",)),
                ]
            },
            "KK": {
                "26": [
                    question("26.01", "40", scope="kelurahan", agencies=("kelurahan",)),
                    question("26.02", "10", scope="kecamatan", agencies=("kecamatan", "dp3akb")),
                ]
            },
        },
        bands=[],
    )


def audit_fields(obj: Answer | Cycle | Evidence | QuestionPlanning, action: str) -> list[list[str]]:
    return [
        list(e.fields)
        for e in AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
        ).order_by("seq")
    ]


class EvaluationTestCase(TestCase):
    world: City
    instrument: Instrument
    cycle: Cycle
    focal: User
    colleague: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = services_instrument()
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=cls.instrument, actor=cls.world.secretariat
        )
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.world.disdukcapil)
        cls.colleague = make_person(Role.OPD_FOCAL, agency=cls.world.disdukcapil)

    def answer(self, code: str, area: str | None = None) -> Answer:
        return answer_of(self.cycle, code, area)


@override_settings(LANGUAGE_CODE="en")
class CycleOpenTests(EvaluationTestCase):
    def open(self, actor: User, year: int = 2027) -> Cycle:
        return make_cycle(city=self.world.city, instrument=self.instrument, actor=actor, year=year)

    def test_one_answer_per_city_question_and_per_area(self) -> None:
        answers = sorted(
            (a.question.code, a.area.code if a.area else None)
            for a in Answer.objects.filter(cycle=self.cycle).select_related("question", "area")
        )
        self.assertEqual(
            answers,
            [
                ("1.01", None),
                ("1.02", None),
                ("26.01", "64.71.01.1001"),
                ("26.01", "64.71.01.1002"),
                ("26.01", "64.71.02.1001"),
                ("26.02", "64.71.01"),
                ("26.02", "64.71.02"),
            ],
        )
        self.assertFalse(
            Answer.objects.filter(cycle=self.cycle).exclude(status=AnswerStatus.DRAFT).exists()
        )
        self.assertEqual(set(Answer.objects.values_list("version", flat=True)), {1})

    def test_questions_are_assigned_by_agency_code_and_to_each_office(self) -> None:
        assignments = sorted(
            (a.question.code, a.agency.code)
            for a in Assignment.objects.filter(cycle=self.cycle).select_related(
                "question", "agency"
            )
        )
        self.assertEqual(
            assignments,
            [
                ("1.01", "disdukcapil"),
                ("1.01", "dp3akb"),
                ("1.02", "disdukcapil"),
                ("26.01", "kel-64-71-01-1001"),
                ("26.01", "kel-64-71-01-1002"),
                ("26.01", "kel-64-71-02-1001"),
                ("26.02", "dp3akb"),
                ("26.02", "kec-64-71-01"),
                ("26.02", "kec-64-71-02"),
            ],
        )

    def test_agencies_of_another_city_are_never_assigned(self) -> None:
        other = make_region("64.72", "Kota Samarinda")
        make_agency(region=other, code="disdukcapil")
        cycle = self.open(self.world.secretariat)
        self.assertFalse(
            Assignment.objects.filter(cycle=cycle).exclude(agency__region=self.world.city).exists()
        )

    def test_opening_writes_the_audit_trail(self) -> None:
        self.assertEqual(
            audit_fields(self.cycle, AuditAction.CREATE), [["deadlines", "instrument", "year"]]
        )

    def test_opening_the_same_year_twice_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.open(self.world.secretariat, year=2026)
        self.assertEqual(
            caught.exception.message_dict["year"],
            ["This city already has a cycle for that year."],
        )
        self.assertEqual(Cycle.objects.count(), 1)
        self.assertEqual(Answer.objects.count(), 7)

    def test_people_outside_the_secretariat_cannot_open(self) -> None:
        for role in (Role.OPD_FOCAL, Role.LEADERSHIP, Role.VERIFIER, Role.CASE_WORKER):
            with self.subTest(role=role):
                person = make_person(role, agency=self.world.dp3akb)
                with self.assertRaises(PermissionDenied):
                    self.open(person)
        self.assertFalse(Cycle.objects.filter(year=2027).exists())

    def test_secretariat_of_another_city_cannot_open(self) -> None:
        other = make_region("64.72", "Kota Samarinda")
        secretariat = make_person(Role.SECRETARIAT, agency=make_agency(region=other, code="dp3a"))
        with self.assertRaises(PermissionDenied):
            self.open(secretariat)
        self.assertFalse(Cycle.objects.filter(year=2027).exists())

    def test_deadlines_must_follow_each_other(self) -> None:
        with self.assertRaises(ValidationError):
            services.cycle_open(
                actor=self.world.secretariat,
                city=self.world.city,
                instrument=self.instrument,
                year=2027,
                answer_deadline=datetime.date(2027, 5, 1),
                review_deadline=datetime.date(2027, 4, 1),
                submission_deadline=datetime.date(2027, 6, 1),
            )
        self.assertFalse(Cycle.objects.filter(year=2027).exists())
        self.assertFalse(Answer.objects.filter(cycle__year=2027).exists())


@override_settings(LANGUAGE_CODE="en")
class AnswerSaveTests(EvaluationTestCase):
    def save(self, answer: Answer, actor: User, fraction: str | None, text: str) -> Answer:
        option = option_of(self.instrument, answer.question.code, fraction) if fraction else None
        return services.answer_save(
            actor=actor,
            answer=answer,
            expected_version=answer.version,
            option=option,
            explanation=text,
            data_values={},
        )

    def test_save_writes_a_revision_and_increments_the_version(self) -> None:
        answer = self.answer("1.02")
        saved = self.save(answer, self.focal, "0.75", "  Perwali sudah ada.  ")
        stored = Answer.objects.get(pk=answer.pk)
        self.assertEqual(stored.version, 2)
        self.assertEqual(saved.version, 2)
        self.assertEqual(stored.option, option_of(self.instrument, "1.02", "0.75"))
        self.assertEqual(stored.explanation, "Perwali sudah ada.")
        self.assertEqual(stored.updated_by, self.focal)
        revisions = list(
            AnswerRevision.objects.filter(answer=answer).values_list(
                "version", "option_id", "explanation", "action", "changed_by_id"
            )
        )
        self.assertEqual(
            revisions,
            [(2, stored.option_id, "Perwali sudah ada.", "save", self.focal.pk)],
        )
        self.assertEqual(
            audit_fields(answer, AuditAction.UPDATE), [["data_values", "explanation", "option"]]
        )

    def test_second_save_from_a_stale_version_is_a_conflict(self) -> None:
        # Two people load version 1 of the same answer.
        mine = self.answer("1.02")
        theirs = self.answer("1.02")
        self.assertEqual((mine.version, theirs.version), (1, 1))
        self.save(mine, self.focal, "1", "Jawaban pertama.")

        with self.assertRaises(ConflictError) as caught:
            services.answer_save(
                actor=self.colleague,
                answer=theirs,
                expected_version=1,
                option=option_of(self.instrument, "1.02", "0.25"),
                explanation="Jawaban kedua.",
                data_values={},
            )
        current = caught.exception.current
        assert isinstance(current, Answer)
        self.assertEqual(current.pk, mine.pk)
        self.assertEqual(current.version, 2)
        self.assertEqual(current.option, option_of(self.instrument, "1.02", "1"))
        self.assertEqual(current.explanation, "Jawaban pertama.")
        self.assertEqual(current.updated_by, self.focal)

        stored = Answer.objects.get(pk=mine.pk)
        self.assertEqual(
            (stored.version, stored.option_id, stored.explanation, stored.updated_by_id),
            (2, current.option_id, "Jawaban pertama.", self.focal.pk),
        )
        self.assertEqual(
            list(
                AnswerRevision.objects.filter(answer=mine).values_list("changed_by_id", flat=True)
            ),
            [self.focal.pk],
        )
        self.assertEqual(len(audit_fields(mine, AuditAction.UPDATE)), 1)
        self.assertFalse(AuditEntry.objects.filter(actor_id=self.colleague.pk).exists())

    def test_save_from_the_new_version_succeeds(self) -> None:
        answer = self.answer("1.02")
        self.save(answer, self.focal, "1", "Pertama.")
        reloaded = self.answer("1.02")
        self.save(reloaded, self.colleague, "0.5", "Kedua.")
        self.assertEqual(Answer.objects.get(pk=answer.pk).version, 3)
        self.assertEqual(AnswerRevision.objects.filter(answer=answer).count(), 2)

    def test_option_of_another_question_is_refused(self) -> None:
        answer = self.answer("1.02")
        with self.assertRaises(ValidationError):
            services.answer_save(
                actor=self.focal,
                answer=answer,
                expected_version=1,
                option=option_of(self.instrument, "1.01", "1"),
                explanation="",
                data_values={},
            )
        self.assertEqual(Answer.objects.get(pk=answer.pk).version, 1)
        self.assertFalse(AnswerRevision.objects.exists())

    def test_data_values_must_be_known_non_negative_numbers(self) -> None:
        answer = self.answer("1.01")
        for values in ({"tidak_dikenal": "3"}, {"anak_0_18": "-1"}, {"anak_0_18": "banyak"}):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                services.answer_save(
                    actor=self.focal,
                    answer=answer,
                    expected_version=1,
                    option=None,
                    explanation="",
                    data_values=values,
                )
        self.assertEqual(Answer.objects.get(pk=answer.pk).version, 1)
        services.answer_save(
            actor=self.focal,
            answer=answer,
            expected_version=1,
            option=None,
            explanation="",
            data_values={"anak_0_18": " 1520 "},
        )
        self.assertEqual(Answer.objects.get(pk=answer.pk).data_values, {"anak_0_18": "1520"})


@override_settings(LANGUAGE_CODE="en")
class ReviewAndSubmissionTests(EvaluationTestCase):
    def answered(self, code: str, fraction: str = "1") -> Answer:
        answer = self.answer(code)
        return services.answer_save(
            actor=self.focal,
            answer=answer,
            expected_version=answer.version,
            option=option_of(self.instrument, code, fraction),
            explanation="",
            data_values={},
        )

    def test_submit_needs_an_option(self) -> None:
        answer = self.answer("1.02")
        with self.assertRaisesMessage(ValidationError, "Choose an answer option first."):
            services.answer_submit(actor=self.focal, answer=answer)
        self.assertEqual(Answer.objects.get(pk=answer.pk).status, AnswerStatus.DRAFT)

    def test_submit_needs_evidence_where_required(self) -> None:
        answer = self.answered("1.01")
        with self.assertRaisesMessage(ValidationError, "needs at least one evidence file"):
            services.answer_submit(actor=self.focal, answer=answer)
        self.assertEqual(Answer.objects.get(pk=answer.pk).status, AnswerStatus.DRAFT)

    def test_submit_sends_the_answer_for_review(self) -> None:
        answer = services.answer_submit(actor=self.focal, answer=self.answered("1.02"))
        self.assertEqual(answer.status, AnswerStatus.SUBMITTED)
        self.assertEqual(answer.version, 3)
        self.assertEqual(
            list(
                AnswerRevision.objects.filter(answer=answer)
                .order_by("version")
                .values_list("action", "status")
            ),
            [("save", AnswerStatus.DRAFT), ("submit", AnswerStatus.SUBMITTED)],
        )
        self.assertEqual(audit_fields(answer, AuditAction.UPDATE)[-1], ["status"])

    def test_returning_an_answer_needs_a_note(self) -> None:
        answer = services.answer_submit(actor=self.focal, answer=self.answered("1.02"))
        with self.assertRaises(ValidationError) as caught:
            services.answer_review(
                actor=self.world.secretariat,
                answer=answer,
                expected_version=answer.version,
                accept=False,
                note="   ",
            )
        self.assertEqual(caught.exception.message_dict["note"], ["Say what must be revised."])
        self.assertEqual(Answer.objects.get(pk=answer.pk).status, AnswerStatus.SUBMITTED)

        returned = services.answer_review(
            actor=self.world.secretariat,
            answer=answer,
            expected_version=answer.version,
            accept=False,
            note=" Lampirkan SK. ",
        )
        self.assertEqual(returned.status, AnswerStatus.RETURNED)
        self.assertEqual(returned.review_note, "Lampirkan SK.")
        revision = AnswerRevision.objects.filter(answer=answer).order_by("-version").first()
        assert revision is not None
        self.assertEqual((revision.action, revision.note), ("return", "Lampirkan SK."))

    def test_accepting_sets_the_status(self) -> None:
        answer = services.answer_submit(actor=self.focal, answer=self.answered("1.02"))
        accepted = services.answer_review(
            actor=self.world.secretariat,
            answer=answer,
            expected_version=answer.version,
            accept=True,
        )
        self.assertEqual(Answer.objects.get(pk=answer.pk).status, AnswerStatus.ACCEPTED)
        self.assertEqual(accepted.review_note, "")
        self.assertEqual(
            AuditEntry.objects.filter(
                actor_id=self.world.secretariat.pk, object_id=str(answer.pk)
            ).count(),
            1,
        )

    def test_cycle_submit_locks_the_cycle(self) -> None:
        cycle = services.cycle_submit(actor=self.world.secretariat, cycle=self.cycle)
        stored = Cycle.objects.get(pk=self.cycle.pk)
        self.assertEqual(stored.status, CycleStatus.SUBMITTED)
        self.assertIsNotNone(stored.submitted_at)
        self.assertEqual(cycle.status, CycleStatus.SUBMITTED)
        self.assertEqual(audit_fields(self.cycle, AuditAction.UPDATE), [["status"]])
        with self.assertRaises(PermissionDenied):
            services.cycle_submit(actor=self.world.secretariat, cycle=stored)

    def test_only_the_secretariat_submits_the_cycle(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.cycle_submit(actor=self.focal, cycle=self.cycle)
        self.assertEqual(Cycle.objects.get(pk=self.cycle.pk).status, CycleStatus.OPEN)

    def test_verification_is_kept_apart_from_the_self_assessment(self) -> None:
        answer = self.answered("1.02", "1")
        services.cycle_submit(actor=self.world.secretariat, cycle=self.cycle)
        verifier = make_person(Role.VERIFIER, agency=self.world.dp3akb)
        services.answer_verify(
            actor=verifier,
            answer=Answer.objects.get(pk=answer.pk),
            option=option_of(self.instrument, "1.02", "0.5"),
            note=" Dokumen kurang lengkap. ",
        )
        stored = Answer.objects.get(pk=answer.pk)
        self.assertEqual(stored.option, option_of(self.instrument, "1.02", "1"))
        self.assertEqual(stored.verified_option, option_of(self.instrument, "1.02", "0.5"))
        self.assertEqual(stored.verification_note, "Dokumen kurang lengkap.")
        self.assertEqual(stored.verified_by, verifier)
        self.assertIsNotNone(stored.verified_at)
        self.assertEqual(
            audit_fields(stored, AuditAction.UPDATE)[-1], ["verification_note", "verified_option"]
        )
        self.assertTrue(AnswerRevision.objects.filter(answer=stored, action="verify").exists())

    def test_verifier_cannot_pick_an_option_of_another_question(self) -> None:
        answer = self.answer("1.02")
        with self.assertRaises(ValidationError):
            services.answer_verify(
                actor=self.world.secretariat,
                answer=answer,
                option=option_of(self.instrument, "1.01", "1"),
                note="",
            )
        self.assertIsNone(Answer.objects.get(pk=answer.pk).verified_option_id)


@override_settings(LANGUAGE_CODE="en")
class EvidenceTests(EvaluationTestCase):
    media: Path

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.media = Path(folder.name)
        self.enterContext(override_settings(MEDIA_ROOT=folder.name))

    def stored_files(self) -> list[Path]:
        return [p for p in self.media.rglob("*") if p.is_file()]

    def test_renamed_windows_program_is_refused_and_nothing_is_stored(self) -> None:
        answer = self.answer("1.01")
        upload = SimpleUploadedFile("laporan.pdf", RENAMED_EXE, content_type="application/pdf")
        with self.assertRaises(ValidationError):
            services.evidence_add(
                actor=self.focal, answer=answer, upload=upload, name="laporan.pdf"
            )
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(AnswerRevision.objects.filter(answer=answer).exists())
        self.assertFalse(AuditEntry.objects.filter(object_type="evaluations.evidence").exists())

    def test_pdf_is_stored_with_its_checksum(self) -> None:
        answer = self.answer("1.01")
        upload = SimpleUploadedFile("SK Gugus Tugas.pdf", DEMO_PDF)
        evidence = services.evidence_add(
            actor=self.focal, answer=answer, upload=upload, name="SK Gugus Tugas.pdf"
        )
        digest = hashlib.sha256(DEMO_PDF).hexdigest()
        stored = Evidence.objects.get()
        self.assertEqual(stored.pk, evidence.pk)
        self.assertEqual(stored.sha256, digest)
        self.assertEqual(stored.size, len(DEMO_PDF))
        self.assertEqual(stored.content_type, "application/pdf")
        self.assertEqual(stored.original_name, "SK Gugus Tugas.pdf")
        self.assertEqual(stored.uploaded_by, self.focal)
        self.assertNotIn("Gugus", stored.file.name)
        files = self.stored_files()
        self.assertEqual(len(files), 1)
        self.assertNotIn(b"%PDF", files[0].read_bytes())  # encrypted at rest (issue #11)
        self.assertEqual(read_encrypted_file(stored.file), DEMO_PDF)
        self.assertEqual(audit_fields(stored, AuditAction.CREATE), [["file"]])
        revision = AnswerRevision.objects.get(answer=answer)
        self.assertEqual((revision.action, revision.note), ("evidence_add", "SK Gugus Tugas.pdf"))

    def test_answer_with_evidence_can_be_submitted(self) -> None:
        answer = self.answer("1.01")
        answer = services.answer_save(
            actor=self.focal,
            answer=answer,
            expected_version=1,
            option=option_of(self.instrument, "1.01", "1"),
            explanation="",
            data_values={"anak_0_18": "100"},
        )
        services.evidence_add(
            actor=self.focal,
            answer=answer,
            upload=SimpleUploadedFile("bukti.pdf", DEMO_PDF),
            name="bukti.pdf",
        )
        submitted = services.answer_submit(actor=self.focal, answer=answer)
        self.assertEqual(submitted.status, AnswerStatus.SUBMITTED)

    def test_removing_evidence_deletes_the_file(self) -> None:
        evidence = services.evidence_add(
            actor=self.focal,
            answer=self.answer("1.01"),
            upload=SimpleUploadedFile("bukti.pdf", DEMO_PDF),
            name="bukti.pdf",
        )
        pk = evidence.pk
        with self.captureOnCommitCallbacks(execute=True):
            services.evidence_remove(actor=self.focal, evidence=evidence)
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual(self.stored_files(), [])
        self.assertTrue(
            AuditEntry.objects.filter(
                object_type="evaluations.evidence", object_id=str(pk), action=AuditAction.DELETE
            ).exists()
        )


@override_settings(LANGUAGE_CODE="en")
class PlanningTests(EvaluationTestCase):
    def test_planning_stores_efforts_and_impossible(self) -> None:
        target = option_of(self.instrument, "1.02", "1")
        planning = services.planning_set(
            actor=self.world.secretariat,
            cycle=self.cycle,
            question=target.question,
            impossible=True,
            efforts={str(target.pk): Decimal("12.5")},
        )
        stored = QuestionPlanning.objects.get(pk=planning.pk)
        self.assertTrue(stored.impossible)
        self.assertEqual(stored.efforts, {str(target.pk): "12.5"})
        self.assertEqual(audit_fields(stored, AuditAction.UPDATE), [["efforts", "impossible"]])

        services.planning_set(
            actor=self.world.secretariat,
            cycle=self.cycle,
            question=target.question,
            impossible=False,
            efforts={},
        )
        stored.refresh_from_db()
        self.assertEqual((stored.impossible, stored.efforts), (False, {}))
        self.assertEqual(QuestionPlanning.objects.count(), 1)

    def test_planning_refuses_unknown_options_and_negative_efforts(self) -> None:
        own = option_of(self.instrument, "1.02", "1")
        other = option_of(self.instrument, "1.01", "1")
        for efforts in (
            {str(other.pk): Decimal(1)},
            {"999999": Decimal(1)},
            {str(own.pk): Decimal(-1)},
        ):
            with self.subTest(efforts=efforts), self.assertRaises(ValidationError):
                services.planning_set(
                    actor=self.world.secretariat,
                    cycle=self.cycle,
                    question=own.question,
                    impossible=False,
                    efforts=efforts,
                )
        self.assertFalse(QuestionPlanning.objects.exists())

    def test_only_the_secretariat_plans(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.planning_set(
                actor=self.focal,
                cycle=self.cycle,
                question=option_of(self.instrument, "1.02", "1").question,
                impossible=True,
                efforts={},
            )
        self.assertFalse(QuestionPlanning.objects.exists())


@override_settings(LANGUAGE_CODE="en")
class ReviewConflictTests(EvaluationTestCase):
    """Two reviewers read the same submitted answer: the second review is refused (issue #3:
    no silent overwrite, for reviews as for answers)."""

    def test_second_review_of_the_same_version_is_a_conflict_and_changes_nothing(self) -> None:
        answer = self.answer("1.02")
        answer = services.answer_save(
            actor=self.focal,
            answer=answer,
            expected_version=answer.version,
            option=option_of(self.instrument, "1.02", "1"),
            explanation="",
            data_values={},
        )
        answer = services.answer_submit(actor=self.focal, answer=answer)
        read = answer.version
        services.answer_review(
            actor=self.world.secretariat, answer=answer, expected_version=read, accept=True
        )
        with self.assertRaises(ConflictError) as caught:
            services.answer_review(
                actor=self.world.secretariat,
                answer=Answer.objects.get(pk=answer.pk),
                expected_version=read,
                accept=False,
                note="Lampirkan SK.",
            )
        stored = Answer.objects.get(pk=answer.pk)
        self.assertIsInstance(caught.exception.current, Answer)
        self.assertEqual(
            (stored.status, stored.version, stored.review_note),
            (AnswerStatus.ACCEPTED, read + 1, ""),
        )
        self.assertFalse(AnswerRevision.objects.filter(answer=answer, action="return").exists())


@override_settings(LANGUAGE_CODE="en")
class SubmittedCycleRaceTests(EvaluationTestCase):
    """The permission check reads the cycle before the service runs; a submission in between
    must still stop every change (the services check again under the cycle's lock)."""

    media: Path

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.media = Path(folder.name)
        self.enterContext(override_settings(MEDIA_ROOT=folder.name))

    def submit_behind_the_back(self) -> None:
        Cycle.objects.filter(pk=self.cycle.pk).update(status=CycleStatus.SUBMITTED)

    def test_answer_saved_after_the_cycle_was_submitted_is_refused(self) -> None:
        answer = self.answer("1.02")  # read while the cycle was open
        self.submit_behind_the_back()
        with self.assertRaises(PermissionDenied):
            services.answer_save(
                actor=self.focal,
                answer=answer,
                expected_version=answer.version,
                option=option_of(self.instrument, "1.02", "1"),
                explanation="",
                data_values={},
            )
        stored = Answer.objects.get(pk=answer.pk)
        self.assertEqual((stored.option_id, stored.version), (None, 1))
        self.assertFalse(AnswerRevision.objects.exists())

    def test_submitted_answer_is_not_saved_even_with_its_current_version(self) -> None:
        answer = self.answer("1.02")
        Answer.objects.filter(pk=answer.pk).update(status=AnswerStatus.SUBMITTED)
        with self.assertRaises(PermissionDenied):
            services.answer_save(
                actor=self.focal,
                answer=answer,
                expected_version=answer.version,
                option=option_of(self.instrument, "1.02", "1"),
                explanation="",
                data_values={},
            )
        self.assertIsNone(Answer.objects.get(pk=answer.pk).option_id)

    def test_evidence_added_after_the_cycle_was_submitted_is_refused(self) -> None:
        answer = self.answer("1.01")
        self.submit_behind_the_back()
        with self.assertRaises(PermissionDenied):
            services.evidence_add(
                actor=self.focal,
                answer=answer,
                upload=SimpleUploadedFile("bukti.pdf", DEMO_PDF),
                name="bukti.pdf",
            )
        self.assertFalse(Evidence.objects.exists())
        self.assertEqual([p for p in self.media.rglob("*") if p.is_file()], [])

    def test_cycle_submitted_twice_is_refused_and_keeps_its_submission_time(self) -> None:
        stale = Cycle.objects.get(pk=self.cycle.pk)
        services.cycle_submit(actor=self.world.secretariat, cycle=self.cycle)
        submitted_at = Cycle.objects.get(pk=self.cycle.pk).submitted_at
        with self.assertRaises(PermissionDenied):
            services.cycle_submit(actor=self.world.secretariat, cycle=stale)
        self.assertEqual(Cycle.objects.get(pk=self.cycle.pk).submitted_at, submitted_at)

    def test_band_conditions_are_refused_once_the_cycle_is_submitted(self) -> None:
        instrument = make_instrument(
            name="Dengan syarat",
            bands=[BandSpec("kla", "KLA", "0", "1000", conditions="Syarat tambahan")],
        )
        cycle = make_cycle(
            city=self.world.city, instrument=instrument, actor=self.world.secretariat, year=2030
        )
        services.cycle_submit(actor=self.world.secretariat, cycle=cycle)
        with self.assertRaises(PermissionDenied):
            services.cycle_set_conditions(
                actor=self.world.secretariat, cycle=cycle, band_codes=["kla"]
            )
        self.assertEqual(Cycle.objects.get(pk=cycle.pk).conditions_met, [])

    def test_stored_file_is_deleted_only_when_the_removal_commits(self) -> None:
        evidence = services.evidence_add(
            actor=self.focal,
            answer=self.answer("1.01"),
            upload=SimpleUploadedFile("bukti.pdf", DEMO_PDF),
            name="bukti.pdf",
        )
        name = evidence.file.name
        storage = evidence.file.storage
        with self.captureOnCommitCallbacks() as callbacks:
            services.evidence_remove(actor=self.focal, evidence=evidence)
            # Not committed yet: a rollback here would bring the record back, with its file.
            self.assertTrue(storage.exists(name))
        self.assertEqual(len(callbacks), 1)
        callbacks[0]()
        self.assertFalse(storage.exists(name))
        self.assertFalse(Evidence.objects.exists())


@override_settings(LANGUAGE_CODE="en")
class EffortValidationTests(EvaluationTestCase):
    def test_planning_refuses_non_finite_and_huge_efforts(self) -> None:
        own = option_of(self.instrument, "1.02", "1")
        for text in ("NaN", "sNaN", "Infinity", "-Infinity", "1e30", "1000000.01"):
            with self.subTest(effort=text), self.assertRaises(ValidationError):
                services.planning_set(
                    actor=self.world.secretariat,
                    cycle=self.cycle,
                    question=own.question,
                    impossible=False,
                    efforts={str(own.pk): Decimal(text)},
                )
        self.assertFalse(QuestionPlanning.objects.exists())

    def test_largest_effort_is_accepted(self) -> None:
        own = option_of(self.instrument, "1.02", "1")
        services.planning_set(
            actor=self.world.secretariat,
            cycle=self.cycle,
            question=own.question,
            impossible=False,
            efforts={str(own.pk): Decimal(1_000_000)},
        )
        self.assertEqual(QuestionPlanning.objects.get().efforts, {str(own.pk): "1000000"})


@override_settings(LANGUAGE_CODE="en")
class AssignmentTests(EvaluationTestCase):
    def test_area_office_cannot_be_given_a_city_question(self) -> None:
        office = self.world.kelurahan_offices[0]
        question_ = option_of(self.instrument, "1.02", "1").question
        with self.assertRaisesMessage(
            ValidationError, "A kecamatan or kelurahan office answers only kecamatan or"
        ):
            services.assignment_set(
                actor=self.world.secretariat,
                cycle=self.cycle,
                question=question_,
                agencies=[self.world.dp3akb, office],
            )
        self.assertFalse(
            Assignment.objects.filter(cycle=self.cycle, question=question_, agency=office).exists()
        )

    def test_inactive_agency_cannot_be_assigned(self) -> None:
        closed = make_agency(region=self.world.city, code="dinas-lama", is_active=False)
        question_ = option_of(self.instrument, "1.02", "1").question
        with self.assertRaises(ValidationError):
            services.assignment_set(
                actor=self.world.secretariat,
                cycle=self.cycle,
                question=question_,
                agencies=[self.world.dp3akb, closed],
            )
        self.assertEqual(
            list(
                Assignment.objects.filter(cycle=self.cycle, question=question_).values_list(
                    "agency_id", flat=True
                )
            ),
            [self.world.disdukcapil.pk],
        )
