"""Every change in the KLA evaluation (issue #3): opening a cycle, answering, evidence,
review, submission, verification and gap-analysis planning. Each writes the audit trail and the
answer's history in the same transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from layak.accounts.models import Agency, AgencyKind
from layak.accounts.scope import city_id_of
from layak.core.audit import audit_record
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.errors import ConflictError
from layak.core.models import AuditAction
from layak.core.uploads import check_upload
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    AnswerRevision,
    AnswerStatus,
    Assignment,
    Cycle,
    CycleReport,
    CycleStatus,
    Evidence,
    Instrument,
    Question,
    QuestionPlanning,
    QuestionScope,
    ReminderKind,
    ReminderSent,
    validate_effort,
)
from layak.evaluations.permissions import can_open_cycle, is_secretariat
from layak.regions.models import Region, RegionLevel

AREA_LEVELS = {
    QuestionScope.KECAMATAN: [RegionLevel.KECAMATAN],
    QuestionScope.KELURAHAN: [RegionLevel.KELURAHAN, RegionLevel.DESA],
}


def _areas(city: Region, scope: str) -> list[Region]:
    return list(
        Region.objects.filter(
            code__startswith=f"{city.code}.", level__in=AREA_LEVELS[QuestionScope(scope)]
        ).order_by("code")
    )


def _revision(answer: Answer, *, actor: Any, action: str, note: str = "") -> None:
    AnswerRevision.objects.create(
        answer=answer,
        version=answer.version,
        option=answer.option,
        explanation=answer.explanation,
        data_values=answer.data_values,
        status=answer.status,
        note=note,
        action=action,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _audit(actor: Any, action: str, obj: Any, fields: list[str], region: Region) -> None:
    audit_record(actor=actor, action=action, obj=obj, fields=fields, region_code=region.code)


def may_answer(agency: Agency, question: Question) -> bool:
    """A kecamatan or kelurahan office answers for its own area, so only kecamatan/kelurahan
    questions: a city question it was given could never be edited (issue #13)."""
    return agency.area_id is None or question.scope != QuestionScope.CITY


@dataclass(frozen=True)
class _CityAgencies:
    """A city's agencies, read once for all the questions of an instrument."""

    by_code: dict[str, Agency]
    kecamatan_offices: list[Agency]
    kelurahan_offices: list[Agency]

    @classmethod
    def of(cls, city: Region) -> _CityAgencies:
        agencies = list(Agency.objects.filter(region=city).order_by("pk"))
        area_offices = [a for a in agencies if a.area_id is not None]
        return cls(
            by_code={agency.code: agency for agency in agencies},
            kecamatan_offices=[a for a in area_offices if a.kind == AgencyKind.KECAMATAN_OFFICE],
            kelurahan_offices=[a for a in area_offices if a.kind == AgencyKind.KELURAHAN_OFFICE],
        )


def _resolve_agencies(offices: _CityAgencies, question: Question) -> list[Agency]:
    """The city's agencies responsible for a question: by code, and for "kecamatan" /
    "kelurahan" every office of that level (never an area office for a city question)."""
    named = (offices.by_code.get(code) for code in dict.fromkeys(question.agency_codes))
    agencies = [a for a in named if a is not None and may_answer(a, question)]
    if question.scope == QuestionScope.CITY:
        return agencies
    if "kecamatan" in question.agency_codes:
        agencies += offices.kecamatan_offices
    if "kelurahan" in question.agency_codes:
        agencies += offices.kelurahan_offices
    return agencies


@transaction.atomic
def cycle_open(
    *,
    actor: Any,
    city: Region,
    instrument: Instrument,
    year: int,
    answer_deadline: datetime.date,
    review_deadline: datetime.date,
    submission_deadline: datetime.date,
) -> Cycle:
    """Open a city's evaluation of a year: one answer per question (per kecamatan or
    kelurahan for area questions), each question assigned to its agencies automatically."""
    # A cycle is opened by a person of that kab/kota (``accounts.scope``), or a superuser.
    if not can_open_cycle(actor) or (not actor.is_superuser and city_id_of(actor) != city.pk):
        raise PermissionDenied
    if Cycle.objects.filter(region=city, year=year).exists():
        raise ValidationError({"year": _("This city already has a cycle for that year.")})
    cycle = Cycle(
        region=city,
        instrument=instrument,
        year=year,
        answer_deadline=answer_deadline,
        review_deadline=review_deadline,
        submission_deadline=submission_deadline,
    )
    cycle.full_clean()
    cycle.save()
    questions = list(Question.objects.filter(instrument=instrument).order_by("code"))
    areas = {scope: _areas(city, scope) for scope in AREA_LEVELS}
    agencies = _CityAgencies.of(city)
    answers: list[Answer] = []
    assignments: list[Assignment] = []
    for question in questions:
        if question.scope == QuestionScope.CITY:
            answers.append(Answer(cycle=cycle, question=question))
        else:
            answers += [
                Answer(cycle=cycle, question=question, area=a)
                for a in areas[QuestionScope(question.scope)]
            ]
        assignments += [
            Assignment(cycle=cycle, question=question, agency=agency)
            for agency in _resolve_agencies(agencies, question)
        ]
    Answer.objects.bulk_create(answers)
    Assignment.objects.bulk_create(assignments, ignore_conflicts=True)
    _audit(actor, AuditAction.CREATE, cycle, ["year", "instrument", "deadlines"], city)
    return cycle


@transaction.atomic
def assignment_set(*, actor: Any, cycle: Cycle, question: Question, agencies: list[Agency]) -> None:
    """Change which agencies answer a question (the automatic assignment is editable)."""
    if not is_secretariat(actor) or cycle.status != CycleStatus.OPEN:
        raise PermissionDenied
    if any(a.region_id != cycle.region_id for a in agencies):
        raise ValidationError(_("Only agencies of this city can be assigned."))
    if any(not a.is_active for a in agencies):
        raise ValidationError(_("Only active agencies can be assigned."))
    if any(not may_answer(a, question) for a in agencies):
        raise ValidationError(
            _(
                "A kecamatan or kelurahan office answers only kecamatan or kelurahan questions: "
                "this question is answered once for the city."
            )
        )
    Assignment.objects.filter(cycle=cycle, question=question).exclude(agency__in=agencies).delete()
    Assignment.objects.bulk_create(
        [Assignment(cycle=cycle, question=question, agency=a) for a in agencies],
        ignore_conflicts=True,
    )
    _audit(actor, AuditAction.UPDATE, cycle, [f"assignment:{question.label}"], cycle.region)


EDITABLE = (AnswerStatus.DRAFT, AnswerStatus.RETURNED)


def _lock_open_cycle(cycle_id: int) -> Cycle:
    """Lock the cycle row for the rest of the transaction and check it is still open, so a
    change cannot slip in while the cycle is being submitted (the permission check ran
    before the transaction, on a copy read earlier)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    if cycle.status != CycleStatus.OPEN:
        raise PermissionDenied
    return cycle


def _check_option(answer: Answer, option: AnswerOption | None) -> None:
    if option is not None and option.question_id != answer.question_id:
        raise ValidationError({"option": _("This option belongs to another question.")})


def _check_data(question: Question, data_values: dict[str, Any]) -> dict[str, str]:
    unknown = set(data_values) - set(question.data_fields)
    if unknown:
        raise ValidationError({"data_values": _("Unknown data values.")})
    cleaned: dict[str, str] = {}
    for name, value in data_values.items():
        text = str(value).strip()
        if text == "":
            continue
        try:
            number = Decimal(text.replace(",", "."))
        except ArithmeticError as exc:
            raise ValidationError(
                {"data_values": _("%(name)s must be a number.") % {"name": name}}
            ) from exc
        if number < 0 or not number.is_finite():
            raise ValidationError({"data_values": _("%(name)s must be a number.") % {"name": name}})
        cleaned[name] = str(number)
    return cleaned


@transaction.atomic
def answer_take_suggestion(
    *, actor: Any, answer: Answer, expected_version: int, provider_key: str
) -> Answer:
    """Take over a suggested answer (``suggestions.py``): the figures fill the data values the
    question asks for and the sentence is added to the explanation. The option is left as it
    is; the agency still chooses it. Version-checked like any save."""
    from layak.evaluations.suggestions import suggestions_for

    chosen = [s for p, s in suggestions_for(answer) if p.key == provider_key]
    if not chosen:
        raise ValidationError(_("This suggestion is not available for the answer."))
    suggestion = chosen[0]
    explanation = answer.explanation.strip()
    if suggestion.text not in explanation:
        explanation = f"{explanation}\n{suggestion.text}".strip()
    return answer_save(
        actor=actor,
        answer=answer,
        expected_version=expected_version,
        option=answer.option,
        explanation=explanation,
        data_values={**answer.data_values, **suggestion.values},
    )


@transaction.atomic
def answer_save(
    *,
    actor: Any,
    answer: Answer,
    expected_version: int,
    option: AnswerOption | None,
    explanation: str,
    data_values: dict[str, Any],
) -> Answer:
    """Save a draft answer. If someone saved it since ``expected_version`` was read, nothing
    is written and ``ConflictError`` carries the other version (issue #3: no silent
    overwrite)."""
    _check_option(answer, option)
    values = _check_data(answer.question, data_values)
    _lock_open_cycle(answer.cycle_id)
    updated = Answer.objects.filter(
        pk=answer.pk, version=expected_version, status__in=EDITABLE
    ).update(
        option=option,
        explanation=explanation.strip(),
        data_values=values,
        version=F("version") + 1,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    if not updated:
        current = Answer.objects.select_related("option", "updated_by").get(pk=answer.pk)
        if current.status not in EDITABLE:
            raise PermissionDenied
        raise ConflictError(current)
    answer.refresh_from_db()
    _revision(answer, actor=actor, action="save")
    _audit(
        actor,
        AuditAction.UPDATE,
        answer,
        ["option", "explanation", "data_values"],
        answer.cycle.region,
    )
    return answer


def _set_status(
    answer: Answer,
    actor: Any,
    status: str,
    action: str,
    note: str = "",
    *,
    expected_version: int,
    allowed_from: tuple[str, ...],
) -> Answer:
    """Change the status only if nobody changed the answer since ``expected_version`` was
    read, it is still in one of ``allowed_from`` and the cycle is still open; otherwise
    nothing is written and ``ConflictError`` carries the stored answer."""
    _lock_open_cycle(answer.cycle_id)
    updated = Answer.objects.filter(
        pk=answer.pk, version=expected_version, status__in=allowed_from
    ).update(status=status, review_note=note, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise ConflictError(Answer.objects.select_related("option", "updated_by").get(pk=answer.pk))
    answer.refresh_from_db()
    _revision(answer, actor=actor, action=action, note=note)
    _audit(actor, AuditAction.UPDATE, answer, ["status"], answer.cycle.region)
    return answer


@transaction.atomic
def answer_submit(*, actor: Any, answer: Answer) -> Answer:
    """Send an answer to the secretariat for review; it needs an option, and evidence where
    the question requires it."""
    if answer.option_id is None:
        raise ValidationError(_("Choose an answer option first."))
    if answer.question.evidence_required and not answer.evidence.exists():
        raise ValidationError(_("This question needs at least one evidence file."))
    return _set_status(
        answer,
        actor,
        AnswerStatus.SUBMITTED,
        "submit",
        expected_version=answer.version,
        allowed_from=EDITABLE,
    )


@transaction.atomic
def answer_review(
    *, actor: Any, answer: Answer, expected_version: int, accept: bool, note: str = ""
) -> Answer:
    """The secretariat accepts an answer, or returns it with a note for revision. If someone
    changed the answer since ``expected_version`` was read (another reviewer, or the focal
    point), nothing is written and ``ConflictError`` carries the stored answer."""
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say what must be revised.")})
    status, action = (
        (AnswerStatus.ACCEPTED, "accept") if accept else (AnswerStatus.RETURNED, "return")
    )
    return _set_status(
        answer,
        actor,
        status,
        action,
        note.strip(),
        expected_version=expected_version,
        allowed_from=(AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED),
    )


@transaction.atomic
def evidence_add(*, actor: Any, answer: Answer, upload: File[Any], name: str) -> Evidence:
    """Attach a supporting document, checked by content (type, size) and stored with its
    SHA-256 checksum under a name that reveals nothing. Refused once the cycle is submitted,
    checked again under the cycle's lock."""
    checked = check_upload(upload, name=name)
    _lock_open_cycle(answer.cycle_id)
    upload.seek(0)
    evidence = Evidence(
        answer=answer,
        original_name=name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    save_encrypted_file(evidence.file, checked.sha256, upload.read())
    evidence.save()
    _revision(answer, actor=actor, action="evidence_add", note=evidence.original_name)
    _audit(actor, AuditAction.CREATE, evidence, ["file"], answer.cycle.region)
    return evidence


def evidence_read(*, actor: Any, evidence: Evidence) -> bytes:
    """The decrypted content of an evidence file; the download is audited (issue #11)."""
    content = read_encrypted_file(evidence.file)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DOWNLOAD,
            obj=evidence,
            region_code=evidence.answer.cycle.region.code,
        )
    return content


@transaction.atomic
def evidence_remove(*, actor: Any, evidence: Evidence) -> None:
    """Remove a supporting document; the stored file goes only once the removal is committed,
    so a rolled-back removal never leaves a record without its file."""
    answer = evidence.answer
    _lock_open_cycle(answer.cycle_id)
    _revision(answer, actor=actor, action="evidence_remove", note=evidence.original_name)
    _audit(actor, AuditAction.DELETE, evidence, ["file"], answer.cycle.region)
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    if name:
        transaction.on_commit(partial(storage.delete, name))


@transaction.atomic
def cycle_submit(*, actor: Any, cycle: Cycle) -> Cycle:
    """Submit the self-assessment: the cycle is locked; verification can start. The cycle row
    is locked first, so answers and evidence saved at the same moment wait for the submission
    and are then refused."""
    if not is_secretariat(actor):
        raise PermissionDenied
    _lock_open_cycle(cycle.pk)
    cycle.status = CycleStatus.SUBMITTED
    cycle.submitted_at = timezone.now()
    cycle.save(update_fields=["status", "submitted_at"])
    _audit(actor, AuditAction.UPDATE, cycle, ["status"], cycle.region)
    return cycle


@transaction.atomic
def cycle_set_conditions(*, actor: Any, cycle: Cycle, band_codes: list[str]) -> Cycle:
    """Record which bands' extra conditions (e.g. the 2025 top category) the city meets;
    only while the cycle is open: a submitted self-assessment no longer changes."""
    if not is_secretariat(actor):
        raise PermissionDenied
    _lock_open_cycle(cycle.pk)
    known = set(cycle.instrument.bands.exclude(conditions="").values_list("code", flat=True))
    if set(band_codes) - known:
        raise ValidationError(_("Unknown band."))
    cycle.conditions_met = sorted(set(band_codes))
    cycle.save(update_fields=["conditions_met"])
    _audit(actor, AuditAction.UPDATE, cycle, ["conditions_met"], cycle.region)
    return cycle


@transaction.atomic
def answer_verify(*, actor: Any, answer: Answer, option: AnswerOption | None, note: str) -> Answer:
    """The verifier's option and note, kept apart from the self-assessed answer (never on a
    closed cycle: history is read-only)."""
    if answer.cycle.status == CycleStatus.CLOSED:
        raise PermissionDenied
    _check_option(answer, option)
    answer.verified_option = option
    answer.verification_note = note.strip()
    answer.verified_by = actor
    answer.verified_at = timezone.now()
    answer.save(
        update_fields=["verified_option", "verification_note", "verified_by", "verified_at"]
    )
    _revision(answer, actor=actor, action="verify", note=answer.verification_note)
    _audit(
        actor,
        AuditAction.UPDATE,
        answer,
        ["verified_option", "verification_note"],
        answer.cycle.region,
    )
    return answer


@transaction.atomic
def planning_set(
    *,
    actor: Any,
    cycle: Cycle,
    question: Question,
    impossible: bool,
    efforts: dict[str, Decimal],
) -> QuestionPlanning:
    """Set a question's effort per option and whether it is impossible this year (not for a
    closed cycle: history is not planned)."""
    if not is_secretariat(actor):
        raise PermissionDenied
    if cycle.status == CycleStatus.CLOSED:
        raise ValidationError(_("A closed (history) cycle is read-only."))
    valid = {str(pk) for pk in question.options.values_list("pk", flat=True)}
    if set(efforts) - valid:
        raise ValidationError(_("Unknown option."))
    for effort in efforts.values():
        validate_effort(effort)
    planning, _created = QuestionPlanning.objects.update_or_create(
        cycle=cycle,
        question=question,
        defaults={
            "impossible": impossible,
            "efforts": {k: str(v) for k, v in sorted(efforts.items())},
        },
    )
    _audit(actor, AuditAction.UPDATE, planning, ["impossible", "efforts"], cycle.region)
    return planning


@transaction.atomic
def planning_set_many(
    *,
    actor: Any,
    cycle: Cycle,
    changes: list[tuple[Question, bool, dict[str, Decimal]]],
) -> None:
    """:func:`planning_set` for each (question, impossible, efforts) of the planning page, all
    or nothing: one refused question leaves every other question as it was; the error names
    the question."""
    for question, impossible, efforts in changes:
        try:
            planning_set(
                actor=actor,
                cycle=cycle,
                question=question,
                impossible=impossible,
                efforts=efforts,
            )
        except ValidationError as error:
            raise ValidationError(
                f"{question.label}: {' '.join(error.messages)}", code="planning"
            ) from error


def cycle_recap_export(*, actor: Any, cycle: Cycle) -> bytes:
    """The recap workbook of a cycle (every agency's scores and statuses); the export is
    audited. The caller has checked that ``actor`` reads all answers."""
    from layak.evaluations.exports import recap_xlsx

    content = recap_xlsx(cycle)
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.EXPORT, obj=cycle, region_code=cycle.region.code
        )
    return content


@transaction.atomic
def report_download_record(*, actor: Any, report: CycleReport) -> None:
    """Audit the download of a cycle's PDF report."""
    audit_record(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=report,
        region_code=report.cycle.region.code,
    )


#: Days before each deadline on which reminders go out.
REMINDER_DAYS = (14, 7, 3, 1)


def _reminder_agencies(cycle: Cycle, kind: str) -> list[int]:
    """The agencies to remind: before the answer deadline those with open answers; before
    the review deadline the secretariat's agencies if answers wait for review; before the
    submission deadline the secretariat's agencies."""
    from layak.evaluations.tasks import open_answers_of, pending_reviews_of, secretariat_of

    if kind == ReminderKind.ANSWER:
        assigned = sorted(set(cycle.assignments.values_list("agency_id", flat=True)))
        return [a for a in assigned if open_answers_of(cycle, a).exists()]
    if kind == ReminderKind.REVIEW and not pending_reviews_of(cycle).exists():
        return []
    return sorted(set(secretariat_of(cycle).values_list("agency_id", flat=True)))


def reminders_enqueue(*, today: datetime.date) -> int:
    """Queue the reminders of every open cycle 14, 7, 3 and 1 days before each of its
    deadlines (answers, review, submission; issue #3); a reminder already sent for that
    deadline, kind and day is not sent again."""
    from layak.evaluations.tasks import send_deadline_reminder

    queued = 0
    language = settings.LANGUAGE_CODE
    for cycle in Cycle.objects.filter(status=CycleStatus.OPEN).select_related("region"):
        deadlines = (
            (ReminderKind.ANSWER, cycle.answer_deadline),
            (ReminderKind.REVIEW, cycle.review_deadline),
            (ReminderKind.SUBMISSION, cycle.submission_deadline),
        )
        for kind, deadline in deadlines:
            days = (deadline - today).days
            if days not in REMINDER_DAYS:
                continue
            for agency_id in _reminder_agencies(cycle, kind):
                reminder, created = ReminderSent.objects.get_or_create(
                    cycle=cycle,
                    agency_id=agency_id,
                    kind=kind,
                    deadline=deadline,
                    days_before=days,
                )
                if created:
                    transaction.on_commit(
                        partial(send_deadline_reminder.enqueue, reminder.pk, language)
                    )
                    queued += 1
    return queued


@transaction.atomic
def report_request(*, actor: Any, cycle: Cycle, target_band: str = "") -> CycleReport:
    """Queue the PDF report of a cycle; the background worker renders it. Preparing reports
    is the secretariat's (read-only roles download the finished ones)."""
    from layak.evaluations.tasks import generate_cycle_report

    if not is_secretariat(actor):
        raise PermissionDenied
    if target_band and not cycle.instrument.bands.filter(code=target_band).exists():
        raise ValidationError(_("Unknown band."))
    report = CycleReport.objects.create(
        cycle=cycle,
        target_band=target_band,
        requested_by=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    _audit(actor, AuditAction.EXPORT, report, ["pdf"], cycle.region)
    transaction.on_commit(partial(generate_cycle_report.enqueue, report.pk))
    return report
