"""Indicator API under /api/v1/indicators/ (issue #6): the same permission functions,
selectors and services as the pages; every read is of the caller's own kab/kota.

* ``GET definitions/`` — the active definitions.
* ``GET {code}/values/?period=`` — the raw values of one period per region of the
  definition's level, with the rate computed from them (the entry table of the page).
* ``GET {code}/rollups/?level=city|kecamatan|kelurahan&year=`` — the roll-ups the dashboards
  read; a cell hidden by disclosure control (``layak.core.disclosure``: case data hidden in the
  roll-up) has ``null`` numerator, denominator and rate and ``"hidden": true`` (``suppressed``
  says the same, kept for existing clients). Marked ``@publishes("indicators", "cases")``.
* ``GET {code}/targets/`` — the targets taken from the adopted action plans.
* ``POST {code}/values/`` — enter values of one period (``services.values_enter``), all or
  nothing. By default an upsert: only the regions given change (a row without numerator and
  denominator removes that region's value), the others keep theirs. ``"replace": true`` makes
  the period exactly the rows given (a region not given has no value afterwards). An empty
  ``rows`` list, or ``replace`` without any value, is refused (issue 11, finding 6). 400 with
  the row errors (row 0: the request as a whole), 409 when the period is approved and locked.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from layak.core.disclosure import publishes
from layak.core.errors import ImportRejected
from layak.core.permissions import require
from layak.indicators import selectors, services
from layak.indicators.models import Definition, Level, Rollup, Source
from layak.indicators.periods import parse_period
from layak.indicators.permissions import (
    can_enter_values,
    indicator_city,
)

router = Router(tags=["indicators"])

#: The most rows one POST may carry (far more than the kelurahan/desa of any kab/kota).
MAX_ROWS = 5000


class ErrorOut(Schema):
    detail: str


class DefinitionOut(Schema):
    code: str
    name: str
    unit: str
    numerator_label: str
    denominator_label: str
    polarity: str
    cluster: str
    source_agency: str
    period_type: str
    level: str
    source: str


class IndicatorValueOut(Schema):
    region_code: str
    region_name: str
    numerator: int | None
    denominator: int | None
    rate: Decimal | None
    #: A case-derived cell hidden by disclosure control (its numbers are null); a null without
    #: ``hidden`` means no value was entered.
    hidden: bool = False


class IndicatorValuesOut(Schema):
    code: str
    period: str
    locked: bool
    rows: list[IndicatorValueOut]


class RollupOut(Schema):
    region_code: str
    region_name: str
    level: str
    period: str
    numerator: int | None  # None when hidden
    denominator: int | None  # None when hidden or not counted
    rate: Decimal | None  # None when hidden or undefined
    #: True when disclosure control hides the cell (the numbers are then null).
    hidden: bool
    suppressed: bool  # the same as ``hidden`` (the name of issue #6, kept for clients)
    reporting: int
    expected: int


class TargetOut(Schema):
    year: int
    value: Decimal
    action_id: int | None
    action_code: str | None
    action_title: str | None
    plan_id: int | None


class ValueRowIn(Schema):
    region_code: str
    numerator: int | str | None = None  # a whole number; blank with denominator: no value
    denominator: int | str | None = None


class ValuesIn(Schema):
    period: str
    rows: list[ValueRowIn] = Field(max_length=MAX_ROWS)
    #: False (default): only the regions in ``rows`` change. True: ``rows`` become the period.
    replace: bool = False


class DiffOut(Schema):
    code: str
    period: str
    added: int
    changed: int
    removed: int


class RowErrorOut(Schema):
    row: int  # 1-based position in ``rows``; 0 for the request as a whole
    message: str


class RejectedOut(Schema):
    detail: str
    errors: list[RowErrorOut]


def _definition(code: str) -> Definition:
    definition = Definition.objects.filter(code=code, active=True).first()
    if definition is None:
        raise Http404
    return definition


def _text(value: int | str | None) -> str:
    return "" if value is None else str(value)


@router.get("/definitions/", response={200: list[DefinitionOut], 401: ErrorOut, 403: ErrorOut})
def definition_list(request: HttpRequest) -> list[DefinitionOut]:
    indicator_city(request.user)
    return [DefinitionOut.from_orm(d) for d in selectors.active_definitions()]


@router.get(
    "/{code}/values/",
    response={200: IndicatorValuesOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def value_list(
    request: HttpRequest, code: str, period: str = ""
) -> Status[ErrorOut] | IndicatorValuesOut:
    """The values of one period (the latest with values when ``period`` is not given)."""
    city = indicator_city(request.user)
    definition = _definition(code)
    parsed: tuple[datetime.date, str] | None
    if period:
        parsed = parse_period(definition.period_type, period)
        if parsed is None:
            return Status(400, ErrorOut(detail="Unknown period."))
    else:
        known = selectors.periods_entered(definition, city)  # the values', not the roll-ups'
        if not known:
            return Status(400, ErrorOut(detail="There are no values yet; give a period."))
        parsed = known[0]
    start, label = parsed
    rows = selectors.value_table(definition, city, start)
    # The nightly job writes a value for every kelurahan its roll-up shows (0 included) and
    # none for a hidden one: in a period it has written, a missing value is a hidden cell.
    written = definition.source == Source.CASES and any(r.numerator is not None for r in rows)
    return IndicatorValuesOut(
        code=definition.code,
        period=label,
        locked=services.is_locked(definition, city, start),
        rows=[
            IndicatorValueOut(
                region_code=row.region.code,
                region_name=row.region.name,
                numerator=row.numerator,
                denominator=row.denominator,
                rate=row.rate,
                hidden=written and row.numerator is None,
            )
            for row in rows
        ],
    )


@router.post(
    "/{code}/values/",
    response={
        200: DiffOut,
        400: RejectedOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
)
def value_enter(
    request: HttpRequest, code: str, payload: ValuesIn
) -> Status[RejectedOut] | Status[ErrorOut] | DiffOut:
    city = indicator_city(request.user)
    definition = _definition(code)
    require(can_enter_values(request.user, definition))
    try:
        diff = services.values_enter(
            actor=request.user,
            definition=definition,
            city=city,
            period=payload.period,
            entries=[
                (row.region_code, _text(row.numerator), _text(row.denominator))
                for row in payload.rows
            ],
            replace=payload.replace,
        )
    except services.PeriodLocked:
        return Status(409, ErrorOut(detail="The period is approved and locked."))
    except ImportRejected as rejected:
        return Status(
            400,
            RejectedOut(
                detail="Nothing was saved.",
                errors=[RowErrorOut(row=r, message=str(m)) for r, m in rejected.errors],
            ),
        )
    parsed = parse_period(definition.period_type, payload.period)
    return DiffOut(
        code=definition.code,
        period=parsed[1] if parsed else payload.period,
        added=diff.added,
        changed=diff.changed,
        removed=diff.removed,
    )


@router.get(
    "/{code}/rollups/",
    response={200: list[RollupOut], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
@publishes("indicators", "cases")
def rollup_list(
    request: HttpRequest, code: str, level: str = Level.CITY, year: int | None = None
) -> Status[ErrorOut] | list[RollupOut]:
    """The roll-ups of the caller's city at ``level``, of ``year`` (every period if omitted)."""
    city = indicator_city(request.user)
    definition = _definition(code)
    if level not in Level.values:
        return Status(400, ErrorOut(detail="The level is city, kecamatan or kelurahan."))
    rows = Rollup.objects.filter(definition=definition, city=city, level=level)
    if year is not None:
        if not 1900 <= year <= 2100:
            return Status(400, ErrorOut(detail="The year must lie between 1900 and 2100."))
        rows = rows.filter(period_start__year=year)
    return [
        RollupOut(
            region_code=region_code,
            region_name=region_name,
            level=row_level,
            period=period,
            numerator=None if suppressed else numerator,
            denominator=None if suppressed else denominator,
            rate=None if suppressed else rate,
            hidden=suppressed,
            suppressed=suppressed,
            reporting=reporting,
            expected=expected,
        )
        for (
            region_code,
            region_name,
            row_level,
            period,
            numerator,
            denominator,
            rate,
            suppressed,
            reporting,
            expected,
        ) in rows.order_by("period_start", "region__code").values_list(
            "region__code",
            "region__name",
            "level",
            "period_label",
            "numerator",
            "denominator",
            "rate",
            "suppressed",
            "reporting",
            "expected",
        )
    ]


@router.get(
    "/{code}/targets/",
    response={200: list[TargetOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def target_list(request: HttpRequest, code: str) -> list[TargetOut]:
    city = indicator_city(request.user)
    definition = _definition(code)
    return [
        TargetOut(
            year=t.year,
            value=t.value,
            action_id=t.action_id,
            action_code=t.action.code if t.action else None,
            action_title=t.action.title if t.action else None,
            plan_id=t.action.plan_id if t.action else None,
        )
        for t in selectors.targets_of(definition, city)
    ]
