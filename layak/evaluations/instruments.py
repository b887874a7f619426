"""Validating and saving an instrument workbook, and exporting an instrument in the same
layout (issues #3 and #13; layout: docs/instrument-spreadsheet.md). All or nothing.

The ministry's workbooks are made by hand, so a refusal must lead a secretariat officer to the
cause: errors come grouped (the file, its sheets and columns first; then references between
sheets; then single rows; then totals), an error that repeats on many rows is one line naming
the rows, and a sheet that is missing or unusable skips the checks that depend on it. What the
import read in a way the officer may not expect (merged cells, 0.3333 read as 1/3, sheets not
read, questions worth 0 points) is returned as notes with the instrument.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction
from layak.evaluations.models import (
    AnswerOption,
    Band,
    CycleStatus,
    Indicator,
    IndicatorGroup,
    Instrument,
    Question,
    QuestionScope,
    question_label,
    question_order,
)
from layak.evaluations.permissions import (
    can_change_bands,
    can_freeze_instruments,
    can_load_instruments,
)
from layak.evaluations.shares import read_share, share_text
from layak.evaluations.spreadsheet import SHEETS, Row, Sheets, write_xlsx

AREA_AGENCY_CODES = frozenset({"kecamatan", "kelurahan"})
QUARTERS = (
    (Fraction(0), "Belum ada / tidak terpenuhi"),
    (Fraction(1, 4), "Terpenuhi sebagian kecil"),
    (Fraction(1, 2), "Terpenuhi sebagian"),
    (Fraction(3, 4), "Terpenuhi sebagian besar"),
    (Fraction(1), "Terpenuhi sepenuhnya"),
)
REQUIRED_SHEETS = ("instrument", "groups", "indicators", "questions", "bands")
COLUMNS = {
    "instrument": ("key", "value"),
    "groups": ("code", "name"),
    "indicators": ("group_code", "code", "name", "max_points"),
    "questions": ("indicator_code", "code", "text", "max_points", "scope", "agencies"),
    "options": ("question_code", "fraction", "label"),
    "bands": ("code", "name", "min_points", "max_points"),
}
_YES = {"yes", "ya", "y", "true", "1"}
_NO = {"no", "tidak", "t", "n", "false", "0", ""}
#: Group and indicator codes (``KL``, ``21A``): the database keeps 10 characters.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,9}$")
#: Question codes, unique within their indicator: ``1``, ``2a``, ``2 a``, ``1.1``.
_QUESTION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,29}$")


class Stage(IntEnum):
    """The order errors are shown in: root causes first."""

    FILE = 0  # the file, its sheets and columns
    REFERENCE = 1  # a code naming something of another sheet
    ROW = 2  # a value of one row
    TOTAL = 3  # sums across rows and sheets


@dataclass(frozen=True)
class _Problem:
    stage: Stage
    sheet: str
    row: int
    message: str


def rows_text(rows: list[int]) -> str:
    """Row numbers as people read them: ``12–40, 55``."""
    parts: list[str] = []
    numbers = sorted(set(rows))
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


def _sheet_prefix(sheet: str) -> str:
    return _("Sheet %(sheet)s") % {"sheet": sheet} if sheet else _("File")


def _grouped(problems: list[_Problem]) -> list[tuple[int, str]]:
    """(row, text) lines: by stage, then sheet (layout order), then first row; the same message
    of one sheet on several rows is one line that names the rows (row 0: several rows)."""
    by_message: dict[tuple[Stage, str, str], list[int]] = {}
    for problem in problems:
        by_message.setdefault((problem.stage, problem.sheet, problem.message), []).append(
            problem.row
        )

    def order(item: tuple[tuple[Stage, str, str], list[int]]) -> tuple[int, int, int]:
        (stage, sheet, _message), rows = item
        position = SHEETS.index(sheet) if sheet in SHEETS else -1
        return (int(stage), position, min(rows))

    lines: list[tuple[int, str]] = []
    for (_stage, sheet, message), rows in sorted(by_message.items(), key=order):
        text = f"{_sheet_prefix(sheet)}: {message}"
        distinct = sorted(set(rows))
        if len(distinct) == 1:
            lines.append((distinct[0], text))
        else:
            lines.append(
                (
                    0,
                    _("%(message)s — rows %(rows)s (%(count)d rows)")
                    % {"message": text, "rows": rows_text(distinct), "count": len(distinct)},
                )
            )
    return lines


def _notes_grouped(notes: list[tuple[str, int, str]]) -> list[str]:
    """Notes (sheet, row, text) in the order first given; repeats of a text on several rows
    of one sheet collapse into one line; row 0: about the whole sheet or workbook."""
    by_text: dict[tuple[str, str], list[int]] = {}
    for sheet, row, text in notes:
        by_text.setdefault((sheet, text), []).append(row)
    lines: list[str] = []
    for (sheet, text), rows in by_text.items():
        distinct = sorted({r for r in rows if r})
        if not distinct:
            lines.append(text)
        elif len(distinct) == 1:
            lines.append(
                _("Sheet %(sheet)s, row %(row)d: %(text)s")
                % {"sheet": sheet, "row": distinct[0], "text": text}
            )
        else:
            lines.append(
                _("Sheet %(sheet)s: %(text)s — rows %(rows)s (%(count)d rows)")
                % {
                    "sheet": sheet,
                    "text": text,
                    "rows": rows_text(distinct),
                    "count": len(distinct),
                }
            )
    return lines


@dataclass
class _Collector:
    problems: list[_Problem] = field(default_factory=list)
    notes: list[tuple[str, int, str]] = field(default_factory=list)
    #: Rows the reader could not read (a formula without a value): their other errors would
    #: only follow from that one.
    unread: set[tuple[str, int]] = field(default_factory=set)

    def add(self, sheet: str, row: int, message: str, stage: Stage = Stage.ROW) -> None:
        if stage != Stage.FILE and (sheet, row) in self.unread:
            return
        self.problems.append(_Problem(stage, sheet, row, message))

    def note(self, sheet: str, row: int, text: str) -> None:
        self.notes.append((sheet, row, text))

    @property
    def errors(self) -> list[tuple[int, str]]:
        return _grouped(self.problems)


def _number(value: str, places: int) -> Decimal | None:
    """A decimal of at most ``places`` places, written as a number or a plain formula
    (``=10+5``, computed by the share rule of ``shares.py``)."""
    if value.startswith("="):
        reading = read_share(value)
        if reading is None:
            return None
        share = reading.value
        number = Decimal(share.numerator) / Decimal(share.denominator)
        if Fraction(number) != share:
            return None
    else:
        try:
            number = Decimal(value.replace(",", "."))
        except (InvalidOperation, ValueError):
            return None
    if not number.is_finite():
        return None
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -places:
        return None
    return number


def _integer(value: str, default: int = 0) -> int | None:
    if value == "":
        return default
    number = _number(value, 0)
    return int(number) if number is not None else None


def _key_row(sheets: Sheets, key: str) -> int:
    """The row of ``key`` in sheet ``instrument`` (0 when it is missing)."""
    return next((r.number for r in sheets.of("instrument") if r.get("key").lower() == key), 0)


def _points(value: Decimal) -> str:
    """Points as written in messages: ``60``, ``12.5``."""
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


BandRow = tuple[str, str, Decimal, Decimal, int, str]


@dataclass
class _Group:
    row: Row
    code: str
    name: str
    order: int
    max_points: Decimal | None


@dataclass
class _Indicator:
    row: Row
    group: str
    code: str
    name: str
    points: Decimal
    order: int


@dataclass
class _Question:
    row: Row
    indicator: str
    code: str
    text: str
    points: Decimal
    scope: str
    evidence: bool
    agencies: list[str]
    fields: list[str]
    order: int


@dataclass
class _Parsed:
    year: int = 0
    name: str = ""
    source: str = ""
    total: Decimal = Decimal(0)
    groups: list[_Group] = field(default_factory=list)
    indicators: list[_Indicator] = field(default_factory=list)
    questions: list[_Question] = field(default_factory=list)
    #: Options by (indicator code, question code).
    options: dict[tuple[str, str], list[tuple[Fraction, str]]] = field(default_factory=dict)
    bands: list[BandRow] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    """A loaded instrument and what the officer should know about how it was read."""

    instrument: Instrument
    notes: list[str]


def _parse_instrument(sheets: Sheets, errors: _Collector, parsed: _Parsed) -> None:
    meta = {r.get("key").lower(): (r.number, r.get("value")) for r in sheets.of("instrument")}
    year = _integer(meta.get("year", (0, ""))[1], default=-1)
    if year is None or not 2000 <= year <= 2100:
        errors.add("instrument", meta.get("year", (1, ""))[0], _("year must be 2000-2100"))
        year = 0
    name = meta.get("name", (0, ""))[1]
    if not name or len(name) > 200:
        errors.add("instrument", meta.get("name", (1, ""))[0], _("name is required"))
    total = _number(meta.get("total_points", (0, ""))[1], 2)
    if total is None or total <= 0:
        errors.add(
            "instrument", meta.get("total_points", (1, ""))[0], _("total_points is required")
        )
        total = Decimal(0)
    parsed.year, parsed.name, parsed.total = year, name, total
    parsed.source = meta.get("source", (0, ""))[1][:300]


def _parse_bands(rows: list[Row], total: Decimal, errors: _Collector) -> list[BandRow]:
    """Bands: unique codes, numbers with min <= max within the total, no overlaps."""
    bands: list[BandRow] = []
    band_codes: set[str] = set()
    for row in rows:
        code = row.get("code").lower()
        low, high = _number(row.get("min_points"), 2), _number(row.get("max_points"), 2)
        order = _integer(row.get("order"))
        if not re.fullmatch(r"[a-z0-9_-]{1,30}", code) or code in band_codes:
            errors.add(
                "bands", row.number, _("code %(c)s is not valid or appears twice") % {"c": code}
            )
        band_codes.add(code)
        if not row.get("name"):
            errors.add("bands", row.number, _("name is required"))
        if low is None or high is None or low > high or low < 0:
            errors.add(
                "bands", row.number, _("min_points and max_points must be numbers, min <= max")
            )
            continue
        if total and high > total:
            errors.add("bands", row.number, _("max_points is above the instrument total"))
        if order is None:
            errors.add("bands", row.number, _("order must be a whole number"))
        for other in bands:
            if low <= other[3] and other[2] <= high:
                errors.add("bands", row.number, _("overlaps band %(b)s") % {"b": other[0]})
        bands.append((code, row.get("name")[:100], low, high, order or 0, row.get("conditions")))
    return bands


def _check_sheets(sheets: Sheets, errors: _Collector) -> set[str]:
    """The file, its sheets and their columns; returns the sheets that can be read."""
    found = sheets.found or list(sheets.rows)
    for name in sheets.found:
        if name.strip().lower() not in SHEETS:
            errors.note(
                "",
                0,
                _("sheet %(sheet)s is not part of the layout and was not read") % {"sheet": name},
            )
    usable: set[str] = set()
    for sheet in SHEETS:
        present = sheet in sheets.rows
        if not present and sheet == "options":
            errors.note(
                "",
                0,
                _(
                    "no options sheet: the quarter scale 0, 1/4, 1/2, 3/4, 1 is used for all "
                    "questions"
                ),
            )
            continue
        if not present:
            errors.add(
                sheet,
                0,
                _("the sheet is missing (sheets in the workbook: %(found)s)")
                % {"found": ", ".join(found) or "-"},
                Stage.FILE,
            )
            continue
        rows = sheets.of(sheet)
        if not rows:
            if sheet in REQUIRED_SHEETS:
                errors.add(sheet, 0, _("the sheet is empty"), Stage.FILE)
            continue
        missing = [c for c in COLUMNS[sheet] if c not in rows[0].values]
        if missing:
            errors.add(
                sheet, 1, _("missing column(s): %(c)s") % {"c": ", ".join(missing)}, Stage.FILE
            )
            continue
        usable.add(sheet)
    return usable


def _merged_notes(sheets: Sheets, errors: _Collector) -> None:
    for merged in sheets.merged:
        values = {
            "sheet": merged.sheet,
            "value": merged.value,
            "rows": f"{merged.first_row}–{merged.last_row}",
            "row": merged.first_row,
        }
        if len(merged.columns) == 1:
            text = _(
                "sheet %(sheet)s, column %(column)s, rows %(rows)s are merged: read as %(value)s"
            ) % {**values, "column": merged.columns[0]}
        elif merged.first_row == merged.last_row:
            text = _(
                "sheet %(sheet)s, row %(row)d, columns %(columns)s are merged: read as %(value)s"
            ) % {**values, "columns": ", ".join(merged.columns)}
        else:
            text = _(
                "sheet %(sheet)s, columns %(columns)s, rows %(rows)s are merged: read as %(value)s"
            ) % {**values, "columns": ", ".join(merged.columns)}
        errors.note("", 0, text)


def _parse_groups(sheets: Sheets, errors: _Collector, parsed: _Parsed) -> None:
    codes: set[str] = set()
    for row in sheets.of("groups"):
        code, order = row.get("code"), _integer(row.get("order"))
        maximum: Decimal | None = None
        if not _CODE.match(code):
            errors.add("groups", row.number, _("code %(c)s is not valid") % {"c": code})
        elif code in codes:
            errors.add("groups", row.number, _("code %(c)s appears twice") % {"c": code})
        if not row.get("name"):
            errors.add("groups", row.number, _("name is required"))
        if order is None:
            errors.add("groups", row.number, _("order must be a whole number"))
        if row.get("max_points"):
            maximum = _number(row.get("max_points"), 2)
            if maximum is None or maximum < 0:
                errors.add(
                    "groups",
                    row.number,
                    _("max_points must be empty or a number of 0 or more (2 decimals)"),
                )
                maximum = None
        codes.add(code)
        parsed.groups.append(_Group(row, code, row.get("name")[:200], order or 0, maximum))


def _parse_indicators(
    sheets: Sheets, errors: _Collector, parsed: _Parsed, usable: set[str]
) -> set[str]:
    """Returns the codes of indicators whose maximum could not be read."""
    groups = {g.code for g in parsed.groups}
    codes: set[str] = set()
    unreadable: set[str] = set()
    for row in sheets.of("indicators"):
        code, group, order = row.get("code"), row.get("group_code"), _integer(row.get("order"))
        points = _number(row.get("max_points"), 2)
        if "groups" in usable and group not in groups:
            errors.add(
                "indicators",
                row.number,
                _("group %(g)s is not in sheet groups") % {"g": group},
                Stage.REFERENCE,
            )
        if not _CODE.match(code):
            errors.add("indicators", row.number, _("code %(c)s is not valid") % {"c": code})
        elif code in codes:
            errors.add("indicators", row.number, _("code %(c)s appears twice") % {"c": code})
        if not row.get("name"):
            errors.add("indicators", row.number, _("name is required"))
        if points is None or points <= 0:
            errors.add(
                "indicators", row.number, _("max_points must be a positive number (2 decimals)")
            )
            unreadable.add(code)
            points = Decimal(0)
        if order is None:
            errors.add("indicators", row.number, _("order must be a whole number"))
        if code not in codes:
            parsed.indicators.append(
                _Indicator(row, group, code, row.get("name")[:300], points, order or 0)
            )
        codes.add(code)
    return unreadable


def _parse_questions(
    sheets: Sheets, errors: _Collector, parsed: _Parsed, usable: set[str], known: set[str]
) -> set[str]:
    """Returns the codes of indicators with a question whose points could not be read."""
    indicators = {i.code for i in parsed.indicators}
    rows: dict[tuple[str, str], int] = {}
    unreadable: set[str] = set()
    for row in sheets.of("questions"):
        code, indicator = row.get("code"), row.get("indicator_code")
        points = _number(row.get("max_points"), 2)
        scope = row.get("scope").lower() or QuestionScope.CITY
        evidence = row.get("evidence_required").lower()
        agencies = [a.strip().lower() for a in row.get("agencies").split(",") if a.strip()]
        fields = [f.strip() for f in row.get("data_fields").split(";") if f.strip()]
        order = _integer(row.get("order"))
        if "indicators" in usable and indicator not in indicators:
            errors.add(
                "questions",
                row.number,
                _("indicator %(i)s is not in sheet indicators") % {"i": indicator},
                Stage.REFERENCE,
            )
        if not _QUESTION_CODE.match(code):
            errors.add(
                "questions",
                row.number,
                _(
                    "code %(c)s is not valid: a question code has up to 30 letters, digits, "
                    "spaces, dots, hyphens or underscores and starts with a letter or digit"
                )
                % {"c": code},
            )
        elif (indicator, code) in rows:
            errors.add(
                "questions",
                row.number,
                _("question code %(c)s appears twice in indicator %(i)s (rows %(a)d and %(b)d)")
                % {"c": code, "i": indicator, "a": rows[(indicator, code)], "b": row.number},
            )
            unreadable.add(indicator)
        if not row.get("text"):
            errors.add("questions", row.number, _("text is required"))
        if points is None or points < 0:
            errors.add(
                "questions", row.number, _("max_points must be a number of 0 or more (2 decimals)")
            )
            unreadable.add(indicator)
            points = Decimal(0)
        elif points == 0 and _QUESTION_CODE.match(code):
            errors.note(
                "",
                0,
                _("question %(q)s is worth 0 points: it asks for data only")
                % {"q": question_label(indicator, code)},
            )
        if scope not in QuestionScope.values:
            errors.add(
                "questions",
                row.number,
                _("scope must be city, kecamatan or kelurahan, not %(s)s") % {"s": scope},
            )
        elif scope == QuestionScope.CITY and AREA_AGENCY_CODES & set(agencies):
            errors.add(
                "questions",
                row.number,
                _(
                    "a city question cannot be assigned to kecamatan/kelurahan offices: they "
                    "answer only kecamatan or kelurahan questions (set scope to kecamatan or "
                    "kelurahan, or name a city agency)"
                ),
            )
        if evidence not in _YES | _NO:
            errors.add("questions", row.number, _("evidence_required must be yes or no"))
        if not agencies:
            errors.add("questions", row.number, _("name at least one responsible agency"))
        unknown = [a for a in agencies if a not in known and a not in AREA_AGENCY_CODES]
        if unknown:
            errors.add(
                "questions",
                row.number,
                _("unknown agency code(s): %(a)s") % {"a": ", ".join(unknown)},
                Stage.REFERENCE,
            )
        if any(not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", f) for f in fields):
            errors.add("questions", row.number, _("data_fields must be snake_case names"))
        if order is None:
            errors.add("questions", row.number, _("order must be a whole number"))
        if (indicator, code) not in rows:
            rows[(indicator, code)] = row.number
            parsed.questions.append(
                _Question(
                    row,
                    indicator,
                    code,
                    row.get("text"),
                    points,
                    scope,
                    evidence in _YES,
                    agencies,
                    fields,
                    order or 0,
                )
            )
    return unreadable


def _check_totals(
    sheets: Sheets, errors: _Collector, parsed: _Parsed, usable: set[str], unreadable: set[str]
) -> None:
    """Sums, checked exactly, only where every part could be read (else the cause is already
    reported on its row)."""
    if "questions" in usable:
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for question in parsed.questions:
            sums[question.indicator] += question.points
        for indicator in parsed.indicators:
            if indicator.code in unreadable:
                continue
            added = sums.get(indicator.code, Decimal(0))
            if added != indicator.points:
                errors.add(
                    "indicators",
                    indicator.row.number,
                    _("indicator %(c)s has %(m)s points but its questions add up to %(s)s")
                    % {"c": indicator.code, "m": _points(indicator.points), "s": _points(added)},
                    Stage.TOTAL,
                )
    if "indicators" not in usable:
        return
    by_group: dict[str, Decimal] = defaultdict(Decimal)
    for indicator in parsed.indicators:
        by_group[indicator.group] += indicator.points
    broken_groups = {i.group for i in parsed.indicators if i.code in unreadable}
    for group in parsed.groups:
        if group.max_points is None or group.code in broken_groups:
            continue
        added = by_group.get(group.code, Decimal(0))
        if added != group.max_points:
            errors.add(
                "groups",
                group.row.number,
                _("group %(g)s has %(m)s points but its indicators add up to %(s)s")
                % {"g": group.code, "m": _points(group.max_points), "s": _points(added)},
                Stage.TOTAL,
            )
    indicator_total = sum((i.points for i in parsed.indicators), Decimal(0))
    checkable = "instrument" in usable and parsed.total and not unreadable
    if checkable and indicator_total != parsed.total:
        errors.add(
            "instrument",
            _key_row(sheets, "total_points"),
            _("total_points is %(t)s but the indicators add up to %(s)s")
            % {"t": _points(parsed.total), "s": _points(indicator_total)},
            Stage.TOTAL,
        )


def _option_keys(
    sheets: Sheets, errors: _Collector, parsed: _Parsed
) -> dict[int, tuple[str, str] | None]:
    """The question each options row names, by row number (None: not in sheet questions).
    Without an indicator_code column a question code must be unique in the instrument."""
    rows = sheets.of("options")
    with_indicator = "indicator_code" in rows[0].values
    by_code: dict[str, list[str]] = defaultdict(list)
    for question in parsed.questions:
        by_code[question.code].append(question.indicator)
    keys: dict[int, tuple[str, str] | None] = {}
    ambiguous: list[str] = []
    for row in rows:
        code, indicator = row.get("question_code"), row.get("indicator_code")
        if with_indicator and indicator:
            found = indicator in by_code.get(code, [])
            keys[row.number] = (indicator, code) if found else None
            continue
        indicators = by_code.get(code, [])
        if len(indicators) > 1:
            if code not in ambiguous:
                ambiguous.append(code)
            continue  # reported once for the sheet below
        keys[row.number] = (indicators[0], code) if indicators else None
    if ambiguous:
        shown = ", ".join(ambiguous[:10]) + (", …" if len(ambiguous) > 10 else "")
        errors.add(
            "options",
            1,
            _(
                "question codes %(codes)s are used by several indicators: add an "
                "indicator_code column that names each option's indicator"
            )
            % {"codes": shown},
            Stage.FILE,
        )
    return keys


def _parse_options(sheets: Sheets, errors: _Collector, parsed: _Parsed) -> None:
    keys = _option_keys(sheets, errors, parsed)
    first_row: dict[tuple[str, str], int] = {}
    for row in sheets.of("options"):
        if row.number not in keys:
            continue  # a question code of several indicators (one error for the sheet)
        key = keys[row.number]
        written = row.get("fraction")
        if key is None:
            named = row.get("question_code")
            if row.get("indicator_code"):
                named = question_label(row.get("indicator_code"), named)
            errors.add(
                "options",
                row.number,
                _("question %(q)s is not in sheet questions") % {"q": named},
                Stage.REFERENCE,
            )
            continue
        label = question_label(*key)
        first_row.setdefault(key, row.number)
        reading = read_share(written) if written else None
        if not written:
            errors.add("options", row.number, _("fraction must be a number from 0 to 1"))
            continue
        if reading is None:
            errors.add(
                "options",
                row.number,
                _("share %(v)s is not a number, a fraction (1/3) or a formula of numbers (=1/3)")
                % {"v": written},
            )
            continue
        share = reading.value
        if not 0 <= share <= 1:
            errors.add("options", row.number, _("share %(v)s is not from 0 to 1") % {"v": written})
            continue
        if reading.interpreted:
            errors.note(
                "options",
                row.number,
                _("%(written)s read as %(share)s") % {"written": written, "share": str(share)},
            )
        choices = parsed.options.setdefault(key, [])
        if any(f == share for f, _label in choices):
            errors.add(
                "options",
                row.number,
                _("question %(q)s has the share %(f)s twice") % {"q": label, "f": str(share)},
            )
            continue
        if not row.get("label"):
            errors.add("options", row.number, _("label is required"))
        choices.append((share, row.get("label")[:300]))
    for key, choices in parsed.options.items():
        shares = {f for f, _label in choices}
        if Fraction(0) not in shares or Fraction(1) not in shares:
            errors.add(
                "options",
                first_row[key],
                _("question %(q)s needs an option 0 and an option 1") % {"q": question_label(*key)},
            )


def parse_sheets(sheets: Sheets, known_agencies: set[str]) -> tuple[_Parsed, _Collector]:
    """Check every rule of the layout; return what was read, the problems and the notes."""
    errors = _Collector()
    parsed = _Parsed()
    for sheet, number, message in sheets.problems:
        errors.add(sheet, number, message, Stage.FILE)
        errors.unread.add((sheet, number))
    if any(sheet == "" for sheet, _number, _message in sheets.problems):
        return parsed, errors  # the file itself could not be read
    usable = _check_sheets(sheets, errors)
    _merged_notes(sheets, errors)
    if "instrument" in usable:
        _parse_instrument(sheets, errors, parsed)
    if "groups" in usable:
        _parse_groups(sheets, errors, parsed)
    unreadable: set[str] = set()
    if "indicators" in usable:
        unreadable |= _parse_indicators(sheets, errors, parsed, usable)
    if "questions" in usable:
        unreadable |= _parse_questions(sheets, errors, parsed, usable, known_agencies)
    _check_totals(sheets, errors, parsed, usable, unreadable)
    if "options" in usable and "questions" in usable:
        _parse_options(sheets, errors, parsed)
    if "bands" in usable:
        parsed.bands = _parse_bands(sheets.of("bands"), parsed.total, errors)
    return parsed, errors


@transaction.atomic
def instrument_import_with_notes(
    *, sheets: Sheets, known_agencies: set[str], actor: Any, source_name: str = ""
) -> ImportResult:
    """Validate the whole workbook, then save it as a new instrument (issues #3, #13).

    Rules (docs/instrument-spreadsheet.md): codes unique (question codes within their
    indicator), each indicator's questions add up exactly to its points, the indicators to the
    group maxima given and to the total, agencies known to the city, a city question never
    assigned to kecamatan/kelurahan offices, options read by the share rule of ``shares.py``
    from 0 to 1 including 0 and 1, bands that do not overlap. Any error refuses the workbook
    (``ImportRejected`` with the grouped errors); nothing is saved. ``actor`` None: the
    command line or the demo seeding; a person must be allowed to load instruments.
    """
    if actor is not None and not can_load_instruments(actor):
        raise PermissionDenied
    parsed, collector = parse_sheets(sheets, known_agencies)
    if (
        not collector.problems
        and Instrument.objects.filter(year=parsed.year, name=parsed.name).exists()
    ):
        collector.add(
            "instrument",
            _key_row(sheets, "name"),
            _("An instrument with this year and name already exists."),
        )
    if collector.problems:
        raise ImportRejected(collector.errors)
    instrument = Instrument.objects.create(
        year=parsed.year, name=parsed.name, source=parsed.source, total_points=parsed.total
    )
    groups = {
        g.code: IndicatorGroup.objects.create(
            instrument=instrument,
            code=g.code,
            name=g.name,
            order=g.order,
            # points_field() is typed non-null; this one is declared null=True.
            max_points=g.max_points,  # type: ignore[misc]
        )
        for g in parsed.groups
    }
    indicators = {
        i.code: Indicator.objects.create(
            instrument=instrument,
            group=groups[i.group],
            code=i.code,
            name=i.name,
            max_points=i.points,
            order=i.order,
        )
        for i in parsed.indicators
    }
    Question.objects.bulk_create(
        [
            Question(
                instrument=instrument,
                indicator=indicators[q.indicator],
                code=q.code,
                text=q.text,
                max_points=q.points,
                scope=q.scope,
                evidence_required=q.evidence,
                agency_codes=q.agencies,
                data_fields=q.fields,
                order=q.order,
            )
            for q in parsed.questions
        ]
    )
    saved = {
        (q.indicator.code, q.code): q
        for q in Question.objects.filter(instrument=instrument).select_related("indicator")
    }
    AnswerOption.objects.bulk_create(
        [
            AnswerOption(
                question=question,
                numerator=share.numerator,
                denominator=share.denominator,
                label=label,
            )
            for key, question in saved.items()
            for share, label in (parsed.options.get(key) or QUARTERS)
        ]
    )
    Band.objects.bulk_create(
        [
            Band(
                instrument=instrument,
                code=code,
                name=name,
                min_points=low,
                max_points=high,
                order=order,
                conditions=conditions,
            )
            for code, name, low, high, order, conditions in parsed.bands
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=instrument,
        label=f"{instrument} from {source_name or 'workbook'}: {len(saved)} questions"[:200],
        actor_label="system",
    )
    return ImportResult(instrument, _notes_grouped(collector.notes))


def instrument_import(
    *, sheets: Sheets, known_agencies: set[str], actor: Any, source_name: str = ""
) -> Instrument:
    """:func:`instrument_import_with_notes` for callers that need only the instrument."""
    return instrument_import_with_notes(
        sheets=sheets, known_agencies=known_agencies, actor=actor, source_name=source_name
    ).instrument


def instrument_export(instrument: Instrument) -> bytes:
    """The instrument in the import layout, so that exporting then importing is lossless
    (shares written by ``share_text``: 0.75, 1/3)."""
    groups = list(instrument.groups.order_by("order", "code"))
    indicators = list(
        Indicator.objects.filter(instrument=instrument)
        .select_related("group")
        .order_by("group__order", "group__code", "order", "code")
    )
    questions = list(
        Question.objects.filter(instrument=instrument)
        .select_related("indicator", "indicator__group")
        .prefetch_related("options")
        .order_by(*question_order())
    )
    return write_xlsx(
        {
            "instrument": (
                ("key", "value"),
                [
                    ("year", instrument.year),
                    ("name", instrument.name),
                    ("source", instrument.source),
                    ("total_points", instrument.total_points),
                ],
            ),
            "groups": (
                ("code", "name", "order", "max_points"),
                [(g.code, g.name, g.order, g.max_points) for g in groups],
            ),
            "indicators": (
                ("group_code", "code", "name", "max_points", "order"),
                [(i.group.code, i.code, i.name, i.max_points, i.order) for i in indicators],
            ),
            "questions": (
                (
                    "indicator_code",
                    "code",
                    "text",
                    "max_points",
                    "scope",
                    "evidence_required",
                    "agencies",
                    "data_fields",
                    "order",
                ),
                [
                    (
                        q.indicator.code,
                        q.code,
                        q.text,
                        q.max_points,
                        q.scope,
                        "yes" if q.evidence_required else "no",
                        ", ".join(q.agency_codes),
                        "; ".join(q.data_fields),
                        q.order,
                    )
                    for q in questions
                ],
            ),
            "options": (
                ("indicator_code", "question_code", "fraction", "label"),
                [
                    (q.indicator.code, q.code, share_text(o.fraction), o.label)
                    for q in questions
                    for o in q.options.all()
                ],
            ),
            "bands": (
                ("code", "name", "min_points", "max_points", "order", "conditions"),
                [
                    (b.code, b.name, b.min_points, b.max_points, b.order, b.conditions)
                    for b in instrument.bands.order_by("order")
                ],
            ),
        }
    )


@transaction.atomic
def bands_replace(*, actor: Any, instrument: Instrument, rows: list[Row]) -> list[Band]:
    """Replace an instrument's band set (e.g. a new top category with extra conditions),
    checked by the same rules as the workbook's bands sheet; all or nothing.

    The instrument is shared by every city, so only those who may load instruments change it,
    and never once it is frozen (``can_change_bands``); a cycle already submitted was scored
    against the bands it had, so an instrument with a submitted or closed (history) cycle
    keeps its bands."""
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if not can_change_bands(actor, locked):
        raise PermissionDenied
    if locked.cycles.exclude(status=CycleStatus.OPEN).exists():
        raise ImportRejected(
            [
                (
                    0,
                    _(
                        "A submitted or closed (history) evaluation cycle uses this instrument: "
                        "its bands can no longer change. Load a new instrument for new bands."
                    ),
                )
            ]
        )
    collector = _Collector()
    bands = _parse_bands(rows, instrument.total_points, collector)
    if not bands:
        collector.add("bands", 0, _("the sheet is missing or empty"))
    if collector.problems:
        raise ImportRejected(collector.errors)
    instrument.bands.all().delete()
    created = Band.objects.bulk_create(
        [
            Band(
                instrument=instrument,
                code=code,
                name=name,
                min_points=low,
                max_points=high,
                order=order,
                conditions=conditions,
            )
            for code, name, low, high, order, conditions in bands
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=instrument,
        fields=["bands"],
        label=str(instrument)[:200],
    )
    return created


@transaction.atomic
def instrument_freeze(*, actor: Any, instrument: Instrument) -> Instrument:
    """Freeze an instrument as the national reference (issue #13): from then on nobody
    changes its bands. Only a superuser or a national administrator freezes; audited."""
    if not can_freeze_instruments(actor):
        raise PermissionDenied
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if locked.frozen_at is not None:
        raise ValidationError(_("The instrument is already frozen."))
    locked.frozen_at = timezone.now()
    locked.frozen_by = actor
    locked.full_clean()
    locked.save(update_fields=["frozen_at", "frozen_by"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        fields=["frozen_at", "frozen_by"],
        label=str(locked)[:200],
    )
    return locked
