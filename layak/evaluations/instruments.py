"""Validating and saving an instrument workbook, and exporting an instrument in the same
layout (issue #3; layout: docs/instrument-spreadsheet.md). All or nothing."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
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
)
from layak.evaluations.permissions import can_manage_instruments
from layak.evaluations.spreadsheet import Row, Sheets, write_xlsx

AREA_AGENCY_CODES = frozenset({"kecamatan", "kelurahan"})
QUARTERS = (
    (Decimal("0"), "Belum ada / tidak terpenuhi"),
    (Decimal("0.25"), "Terpenuhi sebagian kecil"),
    (Decimal("0.5"), "Terpenuhi sebagian"),
    (Decimal("0.75"), "Terpenuhi sebagian besar"),
    (Decimal("1"), "Terpenuhi sepenuhnya"),
)
_YES = {"yes", "ya", "y", "true", "1"}
_NO = {"no", "tidak", "t", "n", "false", "0", ""}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass
class _Collector:
    errors: list[tuple[int, str]]

    def add(self, sheet: str, row: int, message: str) -> None:
        prefix = _("Sheet %(sheet)s") % {"sheet": sheet} if sheet else _("File")
        self.errors.append((row, f"{prefix}: {message}"))


def _decimal(value: str, places: int) -> Decimal | None:
    try:
        number = Decimal(value.replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number.as_tuple().exponent < -places:  # type: ignore[operator]
        return None
    return number


def _integer(value: str, default: int = 0) -> int | None:
    if value == "":
        return default
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        return None


def _require_columns(
    sheets: Sheets, sheet: str, columns: tuple[str, ...], errors: _Collector
) -> bool:
    rows = sheets.of(sheet)
    if not rows:
        return True
    missing = [c for c in columns if c not in rows[0].values]
    if missing:
        errors.add(sheet, 1, _("missing column(s): %(c)s") % {"c": ", ".join(missing)})
        return False
    return True


def _key_row(sheets: Sheets, key: str) -> int:
    """The row of ``key`` in sheet ``instrument`` (0 when it is missing)."""
    return next((r.number for r in sheets.of("instrument") if r.get("key").lower() == key), 0)


BandRow = tuple[str, str, Decimal, Decimal, int, str]


@dataclass
class _Parsed:
    year: int
    name: str
    source: str
    total: Decimal
    groups: list[tuple[Row, str, str, int]]
    indicators: list[tuple[Row, str, str, str, Decimal, int]]
    questions: list[tuple[Row, str, str, str, Decimal, str, bool, list[str], list[str], int]]
    options: dict[str, list[tuple[Decimal, str]]]
    bands: list[BandRow]


def _parse_instrument(sheets: Sheets, errors: _Collector) -> tuple[int, str, str, Decimal]:
    meta = {r.get("key").lower(): (r.number, r.get("value")) for r in sheets.of("instrument")}
    year = _integer(meta.get("year", (0, ""))[1], default=-1)
    if year is None or not 2000 <= year <= 2100:
        errors.add("instrument", meta.get("year", (1, ""))[0], _("year must be 2000-2100"))
        year = 0
    name = meta.get("name", (0, ""))[1]
    if not name or len(name) > 200:
        errors.add("instrument", meta.get("name", (1, ""))[0], _("name is required"))
    total = _decimal(meta.get("total_points", (0, ""))[1], 2)
    if total is None or total <= 0:
        errors.add(
            "instrument", meta.get("total_points", (1, ""))[0], _("total_points is required")
        )
        total = Decimal(0)
    return year, name, meta.get("source", (0, ""))[1][:300], total


def _parse_bands(rows: list[Row], total: Decimal, errors: _Collector) -> list[BandRow]:
    """Bands: unique codes, numbers with min <= max within the total, no overlaps."""
    bands: list[BandRow] = []
    band_codes: set[str] = set()
    for row in rows:
        code = row.get("code").lower()
        low, high = _decimal(row.get("min_points"), 2), _decimal(row.get("max_points"), 2)
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


def parse_sheets(sheets: Sheets, known_agencies: set[str]) -> tuple[_Parsed, list[tuple[int, str]]]:
    """Check every rule of the layout; return what was read and the row-numbered errors."""
    errors = _Collector([])
    for sheet, number, message in sheets.problems:
        errors.add(sheet, number, message)
    for sheet in ("instrument", "groups", "indicators", "questions", "bands"):
        if not sheets.of(sheet):
            errors.add(sheet, 0, _("the sheet is missing or empty"))
    columns = {
        "instrument": ("key", "value"),
        "groups": ("code", "name"),
        "indicators": ("group_code", "code", "name", "max_points"),
        "questions": ("indicator_code", "code", "text", "max_points", "scope", "agencies"),
        "options": ("question_code", "fraction", "label"),
        "bands": ("code", "name", "min_points", "max_points"),
    }
    if not all(_require_columns(sheets, s, c, errors) for s, c in columns.items()):
        return _Parsed(0, "", "", Decimal(0), [], [], [], {}, []), errors.errors
    year, name, source, total = _parse_instrument(sheets, errors)

    groups: list[tuple[Row, str, str, int]] = []
    group_codes: dict[str, int] = {}
    for row in sheets.of("groups"):
        code, order = row.get("code"), _integer(row.get("order"))
        if not _CODE.match(code):
            errors.add("groups", row.number, _("code %(c)s is not valid") % {"c": code})
        elif code in group_codes:
            errors.add("groups", row.number, _("code %(c)s appears twice") % {"c": code})
        if not row.get("name"):
            errors.add("groups", row.number, _("name is required"))
        if order is None:
            errors.add("groups", row.number, _("order must be a whole number"))
        group_codes.setdefault(code, row.number)
        groups.append((row, code, row.get("name")[:200], order or 0))

    indicators: list[tuple[Row, str, str, str, Decimal, int]] = []
    indicator_max: dict[str, Decimal] = {}
    for row in sheets.of("indicators"):
        code, group, order = row.get("code"), row.get("group_code"), _integer(row.get("order"))
        points = _decimal(row.get("max_points"), 2)
        if group not in group_codes:
            errors.add(
                "indicators", row.number, _("group %(g)s is not in sheet groups") % {"g": group}
            )
        if not _CODE.match(code):
            errors.add("indicators", row.number, _("code %(c)s is not valid") % {"c": code})
        elif code in indicator_max:
            errors.add("indicators", row.number, _("code %(c)s appears twice") % {"c": code})
        if not row.get("name"):
            errors.add("indicators", row.number, _("name is required"))
        if points is None or points <= 0:
            errors.add(
                "indicators", row.number, _("max_points must be a positive number (2 decimals)")
            )
            points = Decimal(0)
        if order is None:
            errors.add("indicators", row.number, _("order must be a whole number"))
        indicator_max.setdefault(code, points)
        indicators.append((row, group, code, row.get("name")[:300], points, order or 0))

    questions: list[tuple[Row, str, str, str, Decimal, str, bool, list[str], list[str], int]] = []
    question_rows: dict[str, int] = {}
    question_scope: dict[str, str] = {}
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in sheets.of("questions"):
        code, indicator = row.get("code"), row.get("indicator_code")
        points = _decimal(row.get("max_points"), 2)
        scope = row.get("scope").lower() or QuestionScope.CITY
        evidence = row.get("evidence_required").lower()
        agencies = [a.strip().lower() for a in row.get("agencies").split(",") if a.strip()]
        fields = [f.strip() for f in row.get("data_fields").split(";") if f.strip()]
        order = _integer(row.get("order"))
        if indicator not in indicator_max:
            errors.add(
                "questions",
                row.number,
                _("indicator %(i)s is not in sheet indicators") % {"i": indicator},
            )
        if not _CODE.match(code):
            errors.add("questions", row.number, _("code %(c)s is not valid") % {"c": code})
        elif code in question_rows:
            errors.add(
                "questions",
                row.number,
                _("code %(c)s appears twice (also row %(r)d)")
                % {"c": code, "r": question_rows[code]},
            )
        if not row.get("text"):
            errors.add("questions", row.number, _("text is required"))
        if points is None or points <= 0:
            errors.add(
                "questions", row.number, _("max_points must be a positive number (2 decimals)")
            )
            points = Decimal(0)
        if scope not in QuestionScope.values:
            errors.add(
                "questions",
                row.number,
                _("scope must be city, kecamatan or kelurahan, not %(s)s") % {"s": scope},
            )
        if evidence not in _YES | _NO:
            errors.add("questions", row.number, _("evidence_required must be yes or no"))
        if not agencies:
            errors.add("questions", row.number, _("name at least one responsible agency"))
        unknown = [a for a in agencies if a not in known_agencies and a not in AREA_AGENCY_CODES]
        if unknown:
            errors.add(
                "questions",
                row.number,
                _("unknown agency code(s): %(a)s") % {"a": ", ".join(unknown)},
            )
        if any(not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", f) for f in fields):
            errors.add("questions", row.number, _("data_fields must be snake_case names"))
        if order is None:
            errors.add("questions", row.number, _("order must be a whole number"))
        question_rows.setdefault(code, row.number)
        question_scope[code] = scope
        sums[indicator] += points
        questions.append(
            (
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
    for row, _group, code, _name, points, _order in indicators:
        if code in indicator_max and sums.get(code, Decimal(0)) != points:
            errors.add(
                "indicators",
                row.number,
                _("indicator %(c)s has %(m)s points but its questions add up to %(s)s")
                % {"c": code, "m": points, "s": sums.get(code, Decimal(0))},
            )
    indicator_total = sum(indicator_max.values(), Decimal(0))
    if total and indicator_total != total:
        errors.add(
            "instrument",
            _key_row(sheets, "total_points"),
            _("total_points is %(t)s but the indicators add up to %(s)s")
            % {"t": total, "s": indicator_total},
        )

    options: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    first_option_row: dict[str, int] = {}
    for row in sheets.of("options"):
        code = row.get("question_code")
        fraction = _decimal(row.get("fraction"), 4)
        if code not in question_rows:
            errors.add(
                "options", row.number, _("question %(q)s is not in sheet questions") % {"q": code}
            )
            continue
        first_option_row.setdefault(code, row.number)
        if fraction is None or not Decimal(0) <= fraction <= Decimal(1):
            errors.add("options", row.number, _("fraction must be a number from 0 to 1"))
            continue
        if any(f == fraction for f, _label in options[code]):
            errors.add(
                "options",
                row.number,
                _("question %(q)s has fraction %(f)s twice") % {"q": code, "f": fraction},
            )
        if not row.get("label"):
            errors.add("options", row.number, _("label is required"))
        options[code].append((fraction, row.get("label")[:300]))
    for code, choices in options.items():
        fractions = {f for f, _label in choices}
        if Decimal(0) not in fractions or Decimal(1) not in fractions:
            errors.add(
                "options",
                first_option_row[code],
                _("question %(q)s needs an option 0 and an option 1") % {"q": code},
            )

    bands = _parse_bands(sheets.of("bands"), total, errors)
    parsed = _Parsed(year, name, source, total, groups, indicators, questions, options, bands)
    return parsed, errors.errors


@transaction.atomic
def instrument_import(
    *, sheets: Sheets, known_agencies: set[str], actor: Any, source_name: str = ""
) -> Instrument:
    """Validate the whole workbook, then save it as a new instrument (issue #3).

    Rules: codes unique, each indicator's questions add up to its points and the indicators to
    the total, agencies known to the city, options from 0 to 1 including 0 and 1, bands that do
    not overlap. Any error refuses the workbook with sheet and row numbers; nothing is saved.
    """
    parsed, errors = parse_sheets(sheets, known_agencies)
    if not errors and Instrument.objects.filter(year=parsed.year, name=parsed.name).exists():
        _Collector(errors).add(
            "instrument",
            _key_row(sheets, "name"),
            _("An instrument with this year and name already exists."),
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e[1].split(":")[0], e[0])))
    instrument = Instrument.objects.create(
        year=parsed.year, name=parsed.name, source=parsed.source, total_points=parsed.total
    )
    groups = {
        code: IndicatorGroup.objects.create(
            instrument=instrument, code=code, name=name, order=order
        )
        for _row, code, name, order in parsed.groups
    }
    indicators = {
        code: Indicator.objects.create(
            instrument=instrument,
            group=groups[group],
            code=code,
            name=name,
            max_points=points,
            order=order,
        )
        for _row, group, code, name, points, order in parsed.indicators
    }
    Question.objects.bulk_create(
        [
            Question(
                instrument=instrument,
                indicator=indicators[indicator],
                code=code,
                text=text,
                max_points=points,
                scope=scope,
                evidence_required=evidence,
                agency_codes=agencies,
                data_fields=fields,
                order=order,
            )
            for _row, indicator, code, text, points, scope, evidence, agencies, fields, order in (
                parsed.questions
            )
        ]
    )
    by_code = {q.code: q for q in Question.objects.filter(instrument=instrument)}
    AnswerOption.objects.bulk_create(
        [
            AnswerOption(question=question, fraction=fraction, label=label)
            for code, question in by_code.items()
            for fraction, label in (parsed.options.get(code) or QUARTERS)
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
        label=f"{instrument} from {source_name or 'workbook'}: {len(by_code)} questions"[:200],
        actor_label="system",
    )
    return instrument


def instrument_export(instrument: Instrument) -> bytes:
    """The instrument in the import layout, so that exporting then importing is lossless."""
    groups = list(instrument.groups.order_by("order", "code"))
    indicators = list(
        Indicator.objects.filter(instrument=instrument)
        .select_related("group")
        .order_by("order", "code")
    )
    questions = list(
        Question.objects.filter(instrument=instrument)
        .select_related("indicator")
        .prefetch_related("options")
        .order_by("indicator__order", "order", "code")
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
            "groups": (("code", "name", "order"), [(g.code, g.name, g.order) for g in groups]),
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
                ("question_code", "fraction", "label"),
                [(q.code, o.fraction, o.label) for q in questions for o in q.options.all()],
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

    The instrument is shared by every city, so only a national administrator changes it; and
    a cycle already submitted was scored against the bands it had, so an instrument with a
    submitted cycle keeps its bands."""
    if not can_manage_instruments(actor):
        raise PermissionDenied
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if locked.cycles.filter(status=CycleStatus.SUBMITTED).exists():
        raise ImportRejected(
            [
                (
                    0,
                    _(
                        "A submitted evaluation cycle uses this instrument: its bands can no "
                        "longer change. Load a new instrument for new bands."
                    ),
                )
            ]
        )
    collector = _Collector([])
    bands = _parse_bands(rows, instrument.total_points, collector)
    if not bands:
        collector.add("bands", 0, _("the sheet is missing or empty"))
    if collector.errors:
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
