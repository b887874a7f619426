"""Demo evaluation for Balikpapan (issue #3): the 2024 indicator catalogue with Layak's demo
question set, a submitted and verified 2025 cycle, and an open cycle for the current year with
answers, evidence and reviews. Deterministic for a given seed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from layak.accounts.models import Agency, User
from layak.core.demo import DemoContext
from layak.evaluations.instruments import instrument_import
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    AnswerStatus,
    Award,
    Cycle,
    CycleStatus,
    Instrument,
)
from layak.evaluations.services import cycle_open, evidence_add
from layak.evaluations.spreadsheet import Row, read_csv_folder

DATA = Path(__file__).resolve().parent / "data"
DEMO_FILES = {
    "groups": "groups.csv",
    "indicators": "indicators-2024.csv",
    "questions": "demo-questions.csv",
    "options": "demo-options.csv",
    "bands": "bands-2019.csv",
}
DEMO_NAME = "Instrumen demo Layak (poin 2024)"
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_instrument() -> Instrument:
    """The bundled demo instrument (loaded once)."""
    existing = Instrument.objects.filter(name=DEMO_NAME).first()
    if existing is not None:
        return existing
    sheets = read_csv_folder(DATA, DEMO_FILES)
    sheets.rows["instrument"] = [
        Row(2, {"key": "year", "value": "2024"}),
        Row(3, {"key": "name", "value": DEMO_NAME}),
        Row(4, {"key": "source", "value": "layak/evaluations/data (demo, not the ministry's)"}),
        Row(5, {"key": "total_points", "value": "1000"}),
    ]
    known = set(Agency.objects.filter(region__code="64.71").values_list("code", flat=True))
    return instrument_import(sheets=sheets, known_agencies=known, actor=None, source_name="demo")


def _fill(context: DemoContext, cycle: Cycle, *, level: float, verified: bool) -> None:
    """Give every answer an option: most near the top, some lower, a few empty."""
    rng = context.rng
    options: dict[int, list[AnswerOption]] = {}
    for option in AnswerOption.objects.filter(question__instrument=cycle.instrument):
        options.setdefault(option.question_id, []).append(option)
    answers = list(Answer.objects.filter(cycle=cycle).order_by("question__code", "area__code"))
    statuses = (
        [AnswerStatus.ACCEPTED] * 6
        + [AnswerStatus.SUBMITTED] * 2
        + [
            AnswerStatus.RETURNED,
            AnswerStatus.DRAFT,
        ]
    )
    for answer in answers:
        choices = options[answer.question_id]
        roll = rng.random()
        if roll > level + 0.08:
            answer.option = None
        elif roll > level - 0.15:
            answer.option = choices[max(0, len(choices) - 1 - rng.randint(1, 3))]
        else:
            answer.option = choices[-1]
        answer.status = rng.choice(statuses) if answer.option else AnswerStatus.DRAFT
        if answer.status == AnswerStatus.RETURNED:
            answer.review_note = "Lampirkan SK yang sudah ditandatangani."
        answer.explanation = "Data demo Layak." if answer.option else ""
        if verified and answer.option is not None:
            index = choices.index(answer.option)
            drop = 1 if rng.random() < 0.2 else 0
            answer.verified_option = choices[max(0, index - drop)]
            answer.verification_note = "Dokumen kurang lengkap." if drop else ""
            answer.verified_at = timezone.now()
    Answer.objects.bulk_update(
        answers,
        [
            "option",
            "status",
            "review_note",
            "explanation",
            "verified_option",
            "verification_note",
            "verified_at",
        ],
        batch_size=500,
    )


def seed_evaluations(context: DemoContext) -> None:
    home = context.shared["home"]
    if Cycle.objects.filter(region=home).exists():
        seed_award_history(context)  # databases seeded before the award history existed
        return
    instrument = demo_instrument()
    secretariat = User.objects.get(username="sekretariat")
    today = timezone.localdate()
    previous = cycle_open(
        actor=secretariat,
        city=home,
        instrument=instrument,
        year=2025,
        answer_deadline=datetime.date(2025, 3, 31),
        review_deadline=datetime.date(2025, 4, 15),
        submission_deadline=datetime.date(2025, 4, 30),
    )
    _fill(context, previous, level=0.82, verified=True)
    previous.status = CycleStatus.SUBMITTED
    previous.submitted_at = timezone.now()
    previous.save(update_fields=["status", "submitted_at"])
    current = cycle_open(
        actor=secretariat,
        city=home,
        instrument=instrument,
        year=max(today.year, 2026),
        answer_deadline=today + datetime.timedelta(days=30),
        review_deadline=today + datetime.timedelta(days=45),
        submission_deadline=today + datetime.timedelta(days=60),
    )
    _fill(context, current, level=0.88, verified=False)
    focal = User.objects.get(username="opd.disdukcapil")
    for answer in (
        Answer.objects.filter(cycle=current, option__isnull=False, question__evidence_required=True)
        .select_related("question", "cycle__region")
        .order_by("question__code", "area__code")[:40]
    ):
        name = f"bukti-{answer.question.code}.pdf"
        upload = SimpleUploadedFile(name, DEMO_PDF)
        evidence_add(actor=focal, answer=answer, upload=upload, name=name)
    context.report.append(
        f"Demo evaluation: cycles 2025 (submitted, verified) and {current.year} (open); "
        f"{Decimal(instrument.total_points):.0f} points."
    )
    seed_award_history(context)


#: Balikpapan's KLA categories (shared domain notes, 4.3): year -> (category, verified score,
#: evaluated, decree, note). 2020 is unknown and left out; 2024 had no evaluation (biennial).
AWARD_HISTORY: dict[int, tuple[str, Decimal | None, bool, str, str]] = {
    2017: ("Madya", None, True, "", ""),
    2018: ("Madya", None, True, "", ""),
    2019: ("Nindya", None, True, "", ""),
    2021: ("Nindya", None, True, "", ""),
    2022: ("Nindya", None, True, "", ""),
    2023: ("Utama", Decimal(891), True, "", "award 22 Jul 2023"),
    2024: ("", None, False, "", "no national evaluation (biennial)"),
    2025: ("Utama", None, True, "Kepmen PPPA 85/2025", "reported score 935; award 8 Aug 2025"),
}


def seed_award_history(context: DemoContext) -> None:
    """Balikpapan's award history; a year already recorded is left as it is."""
    home = context.shared["home"]
    have = set(Award.objects.filter(region=home).values_list("year", flat=True))
    awards = []
    for year, (category, score, evaluated, decree, note) in AWARD_HISTORY.items():
        if year in have:
            continue
        award = Award(
            region=home, year=year, category=category, evaluated=evaluated, decree=decree, note=note
        )
        if score is not None:
            award.verified_score = score
        awards.append(award)
    Award.objects.bulk_create(awards)
