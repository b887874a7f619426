"""Writes of indicator data: entry, import (all-or-nothing, re-import replaces a period with a
recorded diff), approval (locks a period) and audited unlocking, the roll-up from case data."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.errors import ImportRejected, LayakError
from layak.core.models import AuditAction
from layak.core.uploads import UNREADABLE_WORKBOOK
from layak.indicators.models import (
    ApprovalStatus,
    Definition,
    ImportRun,
    ImportStatus,
    Level,
    PeriodApproval,
    Rollup,
    Source,
    Unit,
    Value,
)
from layak.indicators.periods import FORMATS, parse_period, period_label, period_starts
from layak.indicators.sources import source_for
from layak.regions.models import Region, RegionLevel

COLUMNS = ("region_code", "period", "numerator", "denominator")
_INTEGER = re.compile(r"^\d+(\.0+)?$")
#: What reading an uploaded workbook may raise: a broken file, or one without a sheet.
UNREADABLE_XLSX: tuple[type[BaseException], ...] = (*UNREADABLE_WORKBOOK, IndexError)
#: Progress is written after every this many rows.
PROGRESS_STEP = 500


class PeriodLocked(LayakError):
    """The period is approved; nothing may change until it is unlocked."""


@dataclass(frozen=True)
class Diff:
    added: int = 0
    changed: int = 0
    removed: int = 0


@dataclass(frozen=True)
class _Parsed:
    row: int
    region: Region
    period_start: datetime.date
    period_label: str
    numerator: int
    denominator: int | None


def regions_for(definition: Definition, city: Region) -> QuerySet[Region]:
    """The regions of ``city`` at the definition's level, in code order."""
    if definition.level == Level.CITY:
        return Region.objects.filter(pk=city.pk)
    levels = (
        [RegionLevel.KECAMATAN]
        if definition.level == Level.KECAMATAN
        else [RegionLevel.KELURAHAN, RegionLevel.DESA]
    )
    return (
        Region.objects.filter(code__startswith=f"{city.code}.", level__in=levels)
        .defer("boundary")
        .order_by("code")
    )


def is_locked(definition: Definition, city: Region, period_start: datetime.date) -> bool:
    return PeriodApproval.objects.filter(
        definition=definition,
        city=city,
        period_start=period_start,
        status=ApprovalStatus.APPROVED,
    ).exists()


# -- reading files -----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(file_name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows of an XLSX (first sheet) or CSV file with their spreadsheet row numbers
    (the header is row 1); an unreadable file or a missing column is rejected on row 1."""
    records: list[list[str]]
    if file_name.lower().endswith(".xlsx"):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                records = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
        except UNREADABLE_XLSX as exc:
            raise ImportRejected(
                [(1, _("not a readable XLSX workbook (%(error)s)") % {"error": type(exc).__name__})]
            ) from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRejected([(1, _("the file is not UTF-8 text (CSV) or XLSX"))]) from exc
        delimiter = (
            ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        )
        records = [
            [c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    if not records:
        raise ImportRejected([(1, _("the file is empty"))])
    header = [h.strip().lower() for h in records[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportRejected(
            [(1, _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})]
        )
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {h: (record[i] if i < len(record) else "") for i, h in enumerate(header)}
        if any(values.get(c) for c in COLUMNS):
            rows.append((number, values))
    return rows


# -- validation --------------------------------------------------------------------------------


#: The largest count a value holds (``PositiveIntegerField`` on every database backend).
MAX_COUNT = 2_147_483_647


def _integer(text: str) -> int | None:
    """A whole number of 0 up to ``MAX_COUNT``; None otherwise (a larger number would fail
    in the database with a 500 instead of a row error)."""
    text = text.strip()
    if not _INTEGER.match(text):
        return None
    number = int(text.split(".", 1)[0])
    return number if number <= MAX_COUNT else None


def validate_rows(
    definition: Definition,
    city: Region,
    rows: Iterable[tuple[int, dict[str, str]]],
    progress: Callable[[int], None] | None = None,
) -> list[_Parsed]:
    """Check every row; raise ``ImportRejected`` with all (row, message) problems found."""
    regions = {r.code: r for r in regions_for(definition, city)}
    errors: list[tuple[int, str]] = []
    parsed: list[_Parsed] = []
    seen: dict[tuple[str, str], int] = {}
    locked: dict[datetime.date, bool] = {}
    for index, (number, values) in enumerate(rows, start=1):
        if progress is not None and index % PROGRESS_STEP == 0:
            progress(index)
        problems: list[str] = []
        code = values.get("region_code", "").strip()
        region = regions.get(code)
        if region is None:
            problems.append(
                _("region %(code)s is not a %(level)s of %(city)s")
                % {"code": code or "—", "level": definition.get_level_display(), "city": city.name}
            )
        period = parse_period(definition.period_type, values.get("period", ""))
        if period is None:
            problems.append(
                _("period %(value)s is not of the form %(format)s")
                % {
                    "value": values.get("period", "") or "—",
                    "format": FORMATS[definition.period_type],
                }
            )
        else:
            if period[0] not in locked:
                locked[period[0]] = is_locked(definition, city, period[0])
            if locked[period[0]]:
                problems.append(
                    _("period %(period)s is approved and locked") % {"period": period[1]}
                )
        numerator = _integer(values.get("numerator", ""))
        if numerator is None:
            problems.append(_("numerator must be a whole number of 0 or more"))
        denominator_text = values.get("denominator", "").strip()
        denominator: int | None = None
        if definition.has_denominator:
            denominator = _integer(denominator_text)
            if denominator is None:
                problems.append(_("denominator must be a whole number of 0 or more"))
            elif (
                definition.unit == Unit.PERCENT
                and numerator is not None
                and denominator < numerator
            ):
                problems.append(_("the numerator is larger than the denominator"))
        elif denominator_text:
            problems.append(_("this indicator is a count and takes no denominator"))
        if region is not None and period is not None:
            key = (code, period[1])
            if key in seen:
                problems.append(
                    _("%(code)s %(period)s is already given on row %(row)d")
                    % {"code": code, "period": period[1], "row": seen[key]}
                )
            else:
                seen[key] = number
        if problems:
            errors.extend((number, p) for p in problems)
        elif region is not None and period is not None and numerator is not None:
            parsed.append(_Parsed(number, region, period[0], period[1], numerator, denominator))
    if not errors and not parsed:
        errors.append((1, _("the file has no rows")))
    if errors:
        raise ImportRejected(errors)
    return parsed


# -- writing ---------------------------------------------------------------------------------


def _replace(
    definition: Definition,
    city: Region,
    rows: list[_Parsed],
    *,
    actor: Any,
    run: ImportRun | None,
    periods: Iterable[datetime.date],
    refresh: bool = True,
    only_regions: Iterable[int] | None = None,
) -> Diff:
    """Make the values of each period in ``periods`` exactly ``rows``; count the difference.
    ``only_regions``: touch only these regions (an upsert), the others keep their values.
    ``refresh=False``: the caller keeps the roll-ups current itself."""
    added = changed = removed = 0
    if only_regions is None:
        region_ids = list(regions_for(definition, city).values_list("pk", flat=True))
    else:
        region_ids = sorted(set(only_regions))
    by_period: dict[datetime.date, list[_Parsed]] = {p: [] for p in periods}
    for row in rows:
        by_period.setdefault(row.period_start, []).append(row)
    for start, new_rows in by_period.items():
        existing = {
            v.region_id: v
            for v in Value.objects.select_for_update().filter(
                definition=definition, period_start=start, region_id__in=region_ids
            )
        }
        wanted = {r.region.pk: r for r in new_rows}
        gone = [v.pk for rid, v in existing.items() if rid not in wanted]
        Value.objects.filter(pk__in=gone).delete()
        removed += len(gone)
        create = []
        for rid, row in wanted.items():
            old = existing.get(rid)
            if old is None:
                create.append(
                    Value(
                        definition=definition,
                        region=row.region,
                        period_start=start,
                        period_label=row.period_label,
                        numerator=row.numerator,
                        denominator=row.denominator,
                        entered_by=actor if getattr(actor, "pk", None) else None,
                        source_import=run,
                    )
                )
            elif (old.numerator, old.denominator) != (row.numerator, row.denominator):
                old.numerator, old.denominator = row.numerator, row.denominator
                old.entered_by = actor if getattr(actor, "pk", None) else None
                old.source_import = run
                old.save()
                changed += 1
        Value.objects.bulk_create(create)
        added += len(create)
    if refresh:
        schedule_rollups(definition, city, by_period)
    return Diff(added, changed, removed)


def schedule_rollups(
    definition: Definition, city: Region, periods: Iterable[datetime.date] | None
) -> None:
    """Recompute the roll-ups of these periods in the background once the change commits."""
    from layak.indicators.tasks import refresh_rollups

    starts = None if periods is None else sorted(p.isoformat() for p in periods)
    transaction.on_commit(lambda: refresh_rollups.enqueue(definition.pk, city.pk, starts))


@transaction.atomic
def values_enter(
    *,
    actor: Any,
    definition: Definition,
    city: Region,
    period: str,
    entries: list[tuple[str, str, str]],
    replace: bool = False,
) -> Diff:
    """Save values of one period: (region code, numerator, denominator) per region, rejected
    as a whole when any row is wrong.

    Issue 11, finding 6: an API call with one row deleted every other region's value of the
    period (an empty list deleted them all). So by default only the regions given change —
    a region given blank loses its value, every region not given keeps its own. ``replace``
    makes the period exactly the given values (a region not given has none afterwards) and
    needs at least one value. No entries at all is always refused. The entry page lists
    every region, so for it both modes are the same.
    """
    if not entries:
        raise ImportRejected([(0, _("no rows were given; nothing was changed"))])
    parsed_period = parse_period(definition.period_type, period)
    if parsed_period is None:
        raise ImportRejected([(0, _("unknown period"))])
    if is_locked(definition, city, parsed_period[0]):
        raise PeriodLocked
    rows = [
        (n, {"region_code": code, "period": parsed_period[1], "numerator": num, "denominator": den})
        for n, (code, num, den) in enumerate(entries, start=1)
        if num.strip() or den.strip()
    ]
    if replace and not rows:
        raise ImportRejected(
            [(0, _("replacing a period needs at least one value; nothing was changed"))]
        )
    regions = {r.code: r.pk for r in regions_for(definition, city)}
    errors: list[tuple[int, str]] = []
    cleared: list[int] = []
    given = {str(row["region_code"]).strip() for _n, row in rows}
    for number, (code, num, den) in enumerate(entries, start=1):
        if num.strip() or den.strip():
            continue
        code = code.strip()
        if code not in regions:
            errors.append(
                (
                    number,
                    _("region %(code)s is not a %(level)s of %(city)s")
                    % {
                        "code": code or "—",
                        "level": definition.get_level_display(),
                        "city": city.name,
                    },
                )
            )
        elif code in given:
            errors.append((number, _("%(code)s is given twice") % {"code": code}))
        else:
            cleared.append(regions[code])
    parsed: list[_Parsed] = []
    if rows:
        try:
            parsed = validate_rows(definition, city, rows)
        except ImportRejected as rejected:
            errors = sorted([*rejected.errors, *errors], key=lambda e: e[0])
    if errors:
        raise ImportRejected(errors)
    diff = _replace(
        definition,
        city,
        parsed,
        actor=actor,
        run=None,
        periods=[parsed_period[0]],
        only_regions=None if replace else [*cleared, *(p.region.pk for p in parsed)],
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="indicators.value",
        object_id=definition.code,
        label=f"{definition.code} {parsed_period[1]} {'replace' if replace else 'upsert'}",
        fields=["numerator", "denominator"],
        region_code=city.code,
    )
    return diff


def import_create(
    *,
    actor: Any,
    definition: Definition,
    city: Region,
    file_name: str,
    content: bytes,
    language: str,
) -> ImportRun:
    return ImportRun.objects.create(
        definition=definition,
        city=city,
        file_name=file_name[:200],
        content=content,
        language=language,
        created_by=actor,
    )


def import_run(run_id: int) -> ImportRun:
    """Validate and apply an uploaded file, all or nothing; the outcome is stored on the run."""
    run = ImportRun.objects.select_related("definition", "city", "created_by").get(pk=run_id)
    if run.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(processed_rows=done)

    try:
        rows = read_table(run.file_name, bytes(run.content))
        ImportRun.objects.filter(pk=run.pk).update(total_rows=len(rows))
        run.total_rows = len(rows)
        with transaction.atomic():
            parsed = validate_rows(run.definition, run.city, rows, progress)
            periods = sorted({p.period_start for p in parsed})
            diff = _replace(
                run.definition, run.city, parsed, actor=run.created_by, run=run, periods=periods
            )
            run.periods = ", ".join(sorted({p.period_label for p in parsed}))[:500]
            run.added, run.changed, run.removed = diff.added, diff.changed, diff.removed
            run.processed_rows = run.total_rows
            run.status = ImportStatus.DONE
            run.content = b""
            run.finished_at = timezone.now()
            run.save()
            audit_record(
                actor=run.created_by,
                action=AuditAction.IMPORT,
                obj=run,
                label=f"{run.definition.code} {run.periods}"[:200],
                fields=["numerator", "denominator"],
                region_code=run.city.code,
            )
    except ImportRejected as rejected:
        run.status = ImportStatus.FAILED
        run.errors = [[row, str(message)] for row, message in rejected.errors]
        run.content = b""
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "errors", "content", "finished_at", "total_rows"])
    return run


# -- approval --------------------------------------------------------------------------------


@transaction.atomic
def period_approve(
    *, actor: Any, definition: Definition, city: Region, start: datetime.date, label: str
) -> PeriodApproval:
    approval, _created = PeriodApproval.objects.select_for_update().get_or_create(
        definition=definition, city=city, period_start=start, defaults={"period_label": label}
    )
    approval.status = ApprovalStatus.APPROVED
    approval.approved_by = actor
    approval.approved_at = timezone.now()
    approval.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=approval,
        label=f"{definition.code} {label}",
        fields=["status", "approved_by", "approved_at"],
        region_code=city.code,
    )
    return approval


@transaction.atomic
def period_unlock(
    *, actor: Any, definition: Definition, city: Region, start: datetime.date, reason: str
) -> PeriodApproval:
    """Reopen an approved period; the reason is required and kept, the unlock audited."""
    reason = reason.strip()
    if not reason:
        raise ImportRejected([(0, _("Give the reason for unlocking."))])
    approval = PeriodApproval.objects.select_for_update().get(
        definition=definition, city=city, period_start=start, status=ApprovalStatus.APPROVED
    )
    approval.status = ApprovalStatus.OPEN
    approval.unlock_reason = reason
    approval.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=approval,
        label=f"{definition.code} {approval.period_label}: unlocked",
        fields=["status", "unlock_reason"],
        region_code=city.code,
    )
    return approval


# -- roll-up from case data -----------------------------------------------------------------


@transaction.atomic
def rollup_case_violence(*, city: Region, year: int, code: str = "kekerasan-anak") -> Diff:
    """Count the cases opened in ``year`` per kelurahan of ``city`` into the definition derived
    from case data. The cells are those of the roll-up (``rollups.refresh_cases``: kelurahan,
    kecamatan and city suppressed as one table), so the values and the roll-ups hide the same
    cells; a suppressed kelurahan gets no value at all. An approved year is left alone."""
    from layak.indicators.rollups import refresh_cases

    definition = Definition.objects.get(code=code)
    start = datetime.date(year, 1, 1)
    if is_locked(definition, city, start):
        raise PeriodLocked
    refresh_cases(definition, city, [year])
    kelurahan = {r.code: r for r in regions_for(definition, city)}
    rows = [
        _Parsed(0, kelurahan[region_code], start, str(year), numerator, None)
        for region_code, numerator in Rollup.objects.filter(
            definition=definition,
            city=city,
            period_start=start,
            numerator__isnull=False,
            region__code__in=list(kelurahan),
        ).values_list("region__code", "numerator")
        if numerator is not None
    ]
    # The values are the roll-up's kelurahan cells, so the roll-ups are current already.
    return _replace(definition, city, rows, actor=None, run=None, periods=[start], refresh=False)


def case_years(city: Region) -> list[int]:
    """The years in which ``city`` opened cases (from the case module, through
    :mod:`layak.indicators.sources`); none without it."""
    source = source_for(Source.CASES)
    return source.value_years(city) if source is not None else []


# -- values derived from other modules ---------------------------------------------------------


@transaction.atomic
def values_derive(*, definition: Definition, city: Region, year: int) -> Diff | None:
    """Write the values of a module-derived definition for ``year`` from its module; None when
    the module holds nothing for that year (earlier entries stay). Locked periods are kept."""
    from layak.indicators.derived import derivation_for, end_of

    derivation = derivation_for(definition.code)
    if derivation is None or definition.source != Source.MODULE:
        return None
    rows = derivation.compute(city, year)
    if rows is None:
        return None
    starts = [
        start
        for start in period_starts(definition.period_type, year)
        if start <= end_of(year) and not is_locked(definition, city, start)
    ]
    parsed = [
        _Parsed(
            0,
            row.region,
            row.period_start,
            period_label(definition.period_type, row.period_start),
            row.numerator,
            row.denominator,
        )
        for row in rows
        if row.period_start in starts
    ]
    return _replace(definition, city, parsed, actor=None, run=None, periods=starts)
