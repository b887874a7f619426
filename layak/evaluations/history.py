"""Bringing a previous evaluation cycle into Layak from a file (issue #13).

A secretariat loads last year's answers — the recap workbook Layak exports, or a recap typed
from the ministry's system — as a *closed* cycle: read-only, never answered here, compared
with the official scores the ministry declared (``official.py``). Layouts and rules:
docs/evaluation-history.md.

* Two layouts: the ``recap`` sheet of :func:`layak.evaluations.exports.recap_xlsx` (columns
  ``indicator``, ``question``, ``area``, ``self_option``, ``self_score``, ``verified_option``,
  ``verified_score``) and a minimal ``answers`` sheet (``indicator``, ``question``, ``area``,
  ``option`` or ``score``, ``verified_option`` or ``verified_score``). Both are read by the
  same rules; an optional ``official`` sheet (``indicator``, ``score``) gives the ministry's
  declared score per indicator.
* An option is named by its share (``1/3``, ``0.75``, read by
  :func:`layak.evaluations.shares.read_share`) or its label. A score is matched to the option
  whose exact points (share x maximum; for a row of one kecamatan/kelurahan, the share)
  rounded by :func:`layak.core.formatting.round_score` equal the score rounded the same way,
  so a recap that printed 0.67 for two thirds of a point maps to 2/3; the closest wins when
  two options round alike.
* A kecamatan/kelurahan question given only as the city's figure (no area) is kept as a
  ``RecordedScore`` (two decimals), since it cannot be expressed as answers.
* All or nothing: any error refuses the file with every problem, each naming the sheet, the
  row and the question (``indicator / code``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.errors import ImportRejected
from layak.core.formatting import format_score, round_score
from layak.core.models import AuditAction
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    AnswerStatus,
    Cycle,
    CycleReport,
    CycleStatus,
    Indicator,
    Instrument,
    OfficialScore,
    Question,
    QuestionScope,
    RecordedScore,
    question_label,
)
from layak.evaluations.official import official_error
from layak.evaluations.permissions import can_import_history, can_remove_history
from layak.evaluations.shares import read_share
from layak.evaluations.spreadsheet import Row, Sheets, read_xlsx
from layak.regions.models import Region, RegionLevel

#: The sheets a history file may have: answers (minimal layout) or recap (Layak's export),
#: and the ministry's declared scores per indicator.
HISTORY_SHEETS = ("answers", "recap", "official")
ANSWER_SHEETS = ("answers", "recap")
#: Words the recap writes in the area column of a city-level row (older recaps: the scope).
_NO_AREA = {"", "-", "city", "kota", "kabupaten", "kecamatan", "kelurahan"}
_AREA_LEVELS = {
    QuestionScope.KECAMATAN: (RegionLevel.KECAMATAN,),
    QuestionScope.KELURAHAN: (RegionLevel.KELURAHAN, RegionLevel.DESA),
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class HistoryProblem:
    """One reason a history file is refused: where (sheet, row, question) and why."""

    sheet: str
    row: int
    question: str
    message: str

    def text(self) -> str:
        where = [_("sheet %(sheet)s") % {"sheet": self.sheet}] if self.sheet else []
        if self.row:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.question:
            where.append(_("question %(question)s") % {"question": self.question})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class HistoryRejected(ImportRejected):
    """A refused history file; ``problems`` keeps each error's sheet for grouped display."""

    def __init__(self, problems: list[HistoryProblem]) -> None:
        self.problems = problems
        super().__init__([(p.row, p.text()) for p in problems])

    def by_sheet(self) -> list[tuple[str, list[HistoryProblem]]]:
        groups: dict[str, list[HistoryProblem]] = {}
        for problem in self.problems:
            groups.setdefault(problem.sheet, []).append(problem)
        return list(groups.items())


# -- reading ---------------------------------------------------------------------------------


def read_history_xlsx(stream: IO[bytes]) -> Sheets:
    """The history sheets of a workbook as ``Sheets`` (rows of text by lower-case header),
    read by the one workbook reader: merged cells take their range's value, a formula of plain
    arithmetic is kept as written (``=1/3``, read exactly by ``read_share``), other formulas
    give the value the spreadsheet program saved."""
    return read_xlsx(stream, HISTORY_SHEETS)


# -- parsing ---------------------------------------------------------------------------------


@dataclass
class _Instrument:
    """The instrument's indicators, questions and options, loaded once."""

    indicators: dict[str, Indicator]
    questions: dict[tuple[str, str], Question]
    options: dict[int, list[AnswerOption]]
    #: The same questions by lower-case codes, each with every question it could mean.
    folded: dict[tuple[str, str], list[Question]] = field(default_factory=dict)

    @classmethod
    def load(cls, instrument: Instrument) -> _Instrument:
        indicators = {i.code.lower(): i for i in Indicator.objects.filter(instrument=instrument)}
        questions: dict[tuple[str, str], Question] = {}
        folded: dict[tuple[str, str], list[Question]] = {}
        for q in Question.objects.filter(instrument=instrument).select_related("indicator"):
            questions[(q.indicator.code, q.code)] = q
            folded.setdefault((q.indicator.code.lower(), q.code.lower()), []).append(q)
        options: dict[int, list[AnswerOption]] = {}
        for option in AnswerOption.objects.filter(question__instrument=instrument):
            options.setdefault(option.question_id, []).append(option)
        return cls(indicators, questions, options, folded)

    def question(self, indicator: Indicator, code: str) -> Question | None:
        """By its code as written; ignoring case only when that names one question (``2a``
        and ``2A`` may be two questions of one indicator)."""
        exact = self.questions.get((indicator.code, code.strip()))
        if exact is not None:
            return exact
        candidates = self.folded.get((indicator.code.lower(), code.strip().lower()), [])
        return candidates[0] if len(candidates) == 1 else None

    def indicator(self, text: str) -> Indicator | None:
        """By its code, or written as the recap's older ``code. name``."""
        key = text.strip().lower()
        if key in self.indicators:
            return self.indicators[key]
        head = key.split(". ", 1)[0]
        return self.indicators.get(head)


@dataclass
class _Parsed:
    answers: dict[tuple[int, int | None], tuple[AnswerOption | None, AnswerOption | None]] = field(
        default_factory=dict
    )
    recorded: dict[int, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    official: dict[int, Decimal] = field(default_factory=dict)
    problems: list[HistoryProblem] = field(default_factory=list)


def _number(text: str) -> Decimal | None:
    """A score as written (``12,5``, ``=10/4``): the exact reading of ``read_share``, as the
    decimal it is when it has one, else to the cent it would be shown with."""
    reading = read_share(text)
    if reading is None:
        return None
    value = reading.value
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return decimal if Fraction(decimal) == value else round_score(value)


def _scores_text(values: Iterable[Fraction]) -> str:
    return ", ".join(format_score(v) for v in values)


class _Rows:
    """Reads the answer rows of one sheet into ``_Parsed``, collecting problems."""

    def __init__(self, known: _Instrument, areas: list[Region], into: _Parsed) -> None:
        self.known = known
        self.areas = areas
        self.into = into
        self.seen: dict[tuple[int, int | None], tuple[str, int]] = {}
        #: (question, given as the city's figure) of every row read so far.
        self.levels: set[tuple[int, bool]] = set()

    def problem(self, sheet: str, row: int, question: str, message: str) -> None:
        self.into.problems.append(HistoryProblem(sheet, row, question, message))

    def area(self, question: Question, text: str) -> Region | None | str:
        """The area of a row; "" when the row gives none; the error text when unknown."""
        key = text.strip().lower()
        if key in _NO_AREA:
            return None
        if question.scope == QuestionScope.CITY:
            return _("the question is answered once for the city: leave the area empty")
        levels = _AREA_LEVELS[QuestionScope(question.scope)]
        found = [
            a
            for a in self.areas
            if a.level in levels and (a.code.lower() == key or a.name.strip().lower() == key)
        ]
        if len(found) != 1:
            return _("unknown area “%(area)s”: not a %(level)s of this city") % {
                "level": question.scope,
                "area": text.strip(),
            }
        return found[0]

    def option(
        self, question: Question, per_area: bool, option_text: str, score_text: str
    ) -> AnswerOption | None | str:
        """The option a row names by share, label or score; None when it names none."""
        options = self.known.options.get(question.pk, [])
        maximum = Fraction(question.max_points)
        if option_text:
            reading = read_share(option_text)
            if reading is not None:
                for option in options:
                    if option.fraction == reading.value:
                        return option
            wanted = option_text.strip().lower()
            for option in options:
                if option.label.strip().lower() == wanted:
                    return option
            return _("no option “%(option)s”; the options are %(shares)s") % {
                "option": option_text,
                "shares": ", ".join(f"{o.numerator}/{o.denominator} ({o.label})" for o in options),
            }
        if not score_text:
            return None
        given = _number(score_text)
        if given is None:
            return _("the score “%(score)s” is not a number") % {"score": score_text}
        top = Fraction(1) if per_area else maximum
        if given < 0 or round_score(given) > round_score(top):
            return _("the score %(score)s is outside 0 to %(max)s") % {
                "score": score_text,
                "max": format_score(top),
            }

        def worth(option: AnswerOption) -> Fraction:
            return option.fraction if per_area else maximum * option.fraction

        matching = [o for o in options if round_score(worth(o)) == round_score(given)]
        if not matching:
            return _("the score %(score)s matches no option; the options score %(scores)s") % {
                "score": score_text,
                "scores": _scores_text(worth(o) for o in options),
            }
        return min(matching, key=lambda o: abs(worth(o) - Fraction(given)))

    def recorded(self, question: Question, text: str) -> Decimal | None | str:
        if not text:
            return None
        given = _number(text)
        if given is None:
            return _("the score “%(score)s” is not a number") % {"score": text}
        points = round_score(given)
        if points < 0 or points > question.max_points:
            return _("the score %(score)s is outside 0 to %(max)s") % {
                "score": text,
                "max": format_score(question.max_points),
            }
        return points

    def read(self, sheet: str, rows: list[Row]) -> None:
        for row in rows:
            indicator_text, code = row.get("indicator"), row.get("question")
            if not code:
                continue  # a total row of the recap
            label = question_label(indicator_text.split(". ", 1)[0], code)
            indicator = self.known.indicator(indicator_text)
            question = self.known.question(indicator, code) if indicator is not None else None
            if question is None:
                self.problem(sheet, row.number, label, _("unknown question"))
                continue
            label = question_label(question.indicator.code, question.code)
            area = self.area(question, row.get("area"))
            if isinstance(area, str):
                self.problem(sheet, row.number, label, area)
                continue
            key = (question.pk, area.pk if area is not None else None)
            if key in self.seen:
                first_sheet, first_row = self.seen[key]
                self.problem(
                    sheet,
                    row.number,
                    label,
                    _("duplicate row: the same answer is on sheet %(sheet)s, row %(row)s")
                    % {"sheet": first_sheet, "row": first_row},
                )
                continue
            city_level = area is None
            other_level = (question.pk, not city_level)
            if question.scope != QuestionScope.CITY and other_level in self.levels:
                self.problem(
                    sheet,
                    row.number,
                    label,
                    _(
                        "the question is given both as the city's figure and per area: give "
                        "one row per area, or only the city's figure"
                    ),
                )
                continue
            self.levels.add((question.pk, city_level))
            self.seen[key] = (sheet, row.number)
            own_option = row.get("option") or row.get("self_option")
            own_score = row.get("score") or row.get("self_score")
            verified_option, verified_score = row.get("verified_option"), row.get("verified_score")
            if question.scope != QuestionScope.CITY and area is None:
                self._recorded(sheet, row, label, question, own_score, verified_score)
                continue
            if sheet == "recap":
                # Layak's recap names every option exactly; its score columns are each answer's
                # contribution to the city's total (for an area, a part of the question's
                # points), not a choice: an empty option is no answer.
                unnamed = [
                    score
                    for option, score in (
                        (own_option, own_score),
                        (verified_option, verified_score),
                    )
                    if not option and (_number(score) or 0) != 0
                ]
                if unnamed:
                    self.problem(
                        sheet,
                        row.number,
                        label,
                        _(
                            "a score of %(score)s without its option: the recap is read by its "
                            "option columns (self_option, verified_option)"
                        )
                        % {"score": unnamed[0]},
                    )
                    continue
                own_score = verified_score = ""
            per_area = area is not None
            own = self.option(question, per_area, own_option, own_score)
            verified = self.option(question, per_area, verified_option, verified_score)
            if isinstance(own, str) or isinstance(verified, str):
                for error in (own, verified):
                    if isinstance(error, str):
                        self.problem(sheet, row.number, label, error)
                continue
            self.into.answers[key] = (own, verified)

    def _recorded(
        self, sheet: str, row: Row, label: str, question: Question, own: str, verified: str
    ) -> None:
        """A city-level figure of a kecamatan/kelurahan question."""
        if row.get("option") or row.get("self_option") or row.get("verified_option"):
            self.problem(
                sheet,
                row.number,
                label,
                _(
                    "the city's figure of a kecamatan/kelurahan question is given as a score, "
                    "not as an option (or give one row per area)"
                ),
            )
            return
        own_points = self.recorded(question, own)
        verified_points = self.recorded(question, verified)
        if isinstance(own_points, str) or isinstance(verified_points, str):
            for error in (own_points, verified_points):
                if isinstance(error, str):
                    self.problem(sheet, row.number, label, error)
            return
        self.into.recorded[question.pk] = (own_points, verified_points)


def _official(sheet_rows: list[Row], known: _Instrument, into: _Parsed) -> None:
    """The ministry's declared score per indicator (rows without a score are skipped)."""
    seen: dict[int, int] = {}
    for row in sheet_rows:
        text, score = row.get("indicator"), row.get("score")
        if not score:
            continue
        indicator = known.indicator(text)
        if indicator is None:
            message = _("unknown indicator “%(indicator)s”") % {"indicator": text}
        elif indicator.pk in seen:
            message = _("duplicate row: the indicator is also on row %(row)s") % {
                "row": seen[indicator.pk]
            }
        else:
            value = _number(score)
            message = official_error(indicator, value)
            if not message and value is not None:
                seen[indicator.pk] = row.number
                into.official[indicator.pk] = value
                continue
        where = _("indicator %(indicator)s") % {"indicator": text}
        into.problems.append(HistoryProblem("official", row.number, "", f"{where}: {message}"))


# -- the service -----------------------------------------------------------------------------


def _recorded_score(
    cycle: Cycle, question: int, own: Decimal | None, verified: Decimal | None
) -> RecordedScore:
    score = RecordedScore(cycle=cycle, question_id=question)
    # Both may be blank (null=True), though points_field types them as non-null.
    setattr(score, "self_points", own)  # noqa: B010
    setattr(score, "verified_points", verified)  # noqa: B010
    return score


@transaction.atomic
def history_import(
    *,
    actor: Any,
    region: Region,
    instrument: Instrument,
    year: int,
    sheets: Sheets,
    source_name: str,
) -> Cycle:
    """Create the closed cycle of ``year`` for the city ``region`` from a history file (see
    the module docstring); all or nothing, audited. Refused when the city already has a cycle
    that year, or for a year still to come. ``actor`` None is the command line (the system)."""
    if actor is not None and not can_import_history(actor, region):
        raise PermissionDenied
    parsed = _Parsed()
    parsed.problems += [HistoryProblem(s, r, "", m) for s, r, m in sheets.problems]
    if year > timezone.localdate().year:
        parsed.problems.append(
            HistoryProblem(
                "",
                0,
                "",
                _("%(year)s has not come yet: history is a past (or this year's) evaluation")
                % {"year": year},
            )
        )
    existing = Cycle.objects.filter(region=region, year=year).first()
    if existing is not None:
        parsed.problems.append(
            HistoryProblem(
                "",
                0,
                "",
                _(
                    "%(city)s already has an evaluation cycle for %(year)s (%(status)s); "
                    "nothing was imported"
                )
                % {"city": region.name, "year": year, "status": existing.get_status_display()},
            )
        )
    known = _Instrument.load(instrument)
    areas = list(
        Region.objects.filter(
            code__startswith=f"{region.code}.",
            level__in=[RegionLevel.KECAMATAN, RegionLevel.KELURAHAN, RegionLevel.DESA],
        )
    )
    reader = _Rows(known, areas, parsed)
    given = [name for name in ANSWER_SHEETS if name in sheets.rows]
    if not given and not sheets.problems:
        parsed.problems.append(
            HistoryProblem(
                "", 0, "", _("the file has no sheet named “answers” or “recap”; see the layout")
            )
        )
    for name in given:
        reader.read(name, sheets.of(name))
    if "official" in sheets.rows:
        _official(sheets.of("official"), known, parsed)
    if parsed.problems:
        raise HistoryRejected(parsed.problems)
    last_day = datetime.date(year, 12, 31)
    cycle = Cycle(
        region=region,
        instrument=instrument,
        year=year,
        status=CycleStatus.CLOSED,
        answer_deadline=last_day,
        review_deadline=last_day,
        submission_deadline=last_day,
        history_source=source_name[:255],
    )
    cycle.full_clean()
    cycle.save()
    person = actor if getattr(actor, "is_authenticated", False) else None
    Answer.objects.bulk_create(
        [
            Answer(
                cycle=cycle,
                question_id=question,
                area_id=area,
                option=own,
                verified_option=verified,
                status=AnswerStatus.ACCEPTED,
                updated_by=person,
                verified_by=person if verified is not None else None,
            )
            for (question, area), (own, verified) in parsed.answers.items()
        ]
    )
    RecordedScore.objects.bulk_create(
        [
            _recorded_score(cycle, question, own, verified)
            for question, (own, verified) in parsed.recorded.items()
        ]
    )
    OfficialScore.objects.bulk_create(
        [
            OfficialScore(cycle=cycle, indicator_id=indicator, points=points, recorded_by=person)
            for indicator, points in parsed.official.items()
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=cycle,
        label=(
            f"history {year} from {source_name or 'file'}: {len(parsed.answers)} answers, "
            f"{len(parsed.recorded)} recorded scores, {len(parsed.official)} official scores"
        )[:200],
        region_code=region.code,
        actor_label="" if person is not None else "system",
    )
    return cycle


@transaction.atomic
def history_remove(*, actor: Any, cycle: Cycle, confirm_year: int | None) -> None:
    """Remove a closed (history) cycle imported by mistake, with its answers, recorded and
    official scores, so that its year can be imported again or opened; the person confirms
    by typing the cycle's year. Audited; an open or submitted cycle is never removed."""
    if not can_remove_history(actor, cycle):
        raise PermissionDenied
    if confirm_year != cycle.year:
        raise ValidationError(
            _("Type the year %(year)s to confirm the removal.") % {"year": cycle.year}
        )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=cycle,
        label=f"closed cycle {cycle.year} ({cycle.history_source or 'history'})"[:200],
        region_code=cycle.region.code,
    )
    files = [r.file.name for r in cycle.reports.all() if r.file]
    cycle.delete()
    storage = CycleReport._meta.get_field("file").storage

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
