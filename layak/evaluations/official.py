"""The official result beside Layak's exact figures (issue #13).

The ministry declares a score per indicator (``OfficialScore``) and the year's total and
category (the city's ``Award``, recorded through :mod:`layak.evaluations.awards`). Layak's own
figures are exact fractions (``selectors.cycle_scorecard``); the differences are computed
exactly (official minus Layak: positive when the ministry gave more) and rounded once, when
shown, by ``format_score`` (the ``|score`` filter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.formatting import format_score
from layak.core.models import AuditAction
from layak.evaluations.awards import AwardData, award_save, can_manage_awards
from layak.evaluations.models import Award, Cycle, CycleStatus, Indicator, OfficialScore
from layak.evaluations.permissions import can_record_official
from layak.evaluations.selectors import cycle_scorecard


def official_error(indicator: Indicator, value: Decimal | None) -> str:
    """Why ``value`` cannot be the official score of ``indicator`` ("" when it can): a number
    from 0 to the indicator's maximum with at most two decimals. The one rule of the page,
    the service and the history file."""
    if value is None or not value.is_finite():
        return _("the score is not a number")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        return _("the score has more than two decimals")
    if value < 0 or value > indicator.max_points:
        return _("the score must be from 0 to %(max)s") % {
            "max": format_score(indicator.max_points)
        }
    return ""


@transaction.atomic
def official_scores_save(
    *, actor: Any, cycle: Cycle, values: dict[int, Decimal | None]
) -> list[OfficialScore]:
    """Record the ministry's declared score of each indicator of ``cycle`` given in ``values``
    (indicator pk -> points; None removes it). All or nothing: any invalid value raises
    ``ValidationError`` keyed by indicator pk, and nothing is saved; audited."""
    if not can_record_official(actor, cycle):
        raise PermissionDenied
    indicators = {
        i.pk: i for i in Indicator.objects.filter(instrument_id=cycle.instrument_id, pk__in=values)
    }
    errors: dict[str, list[str]] = {}
    for pk, value in values.items():
        indicator = indicators.get(pk)
        if indicator is None:
            errors[str(pk)] = [_("unknown indicator")]
        elif value is not None and (message := official_error(indicator, value)):
            errors[str(pk)] = [message]
    if errors:
        raise ValidationError(errors)
    person = actor if getattr(actor, "is_authenticated", False) else None
    saved: list[OfficialScore] = []
    removed = [pk for pk, value in values.items() if value is None]
    OfficialScore.objects.filter(cycle=cycle, indicator_id__in=removed).delete()
    for pk, value in values.items():
        if value is None:
            continue
        score, _created = OfficialScore.objects.update_or_create(
            cycle=cycle,
            indicator_id=pk,
            defaults={"points": value, "recorded_by": person, "recorded_at": timezone.now()},
        )
        saved.append(score)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=cycle,
        fields=["official_scores"],
        label=f"official scores {cycle.year}: {len(saved)} set, {len(removed)} cleared"[:200],
        region_code=cycle.region.code,
    )
    return saved


def _award_data(
    award: Award | None, cycle: Cycle, total: Decimal | None, category: str
) -> AwardData | None:
    """The award of the cycle's year with the declared total and category; None when they
    change nothing."""
    if award is None and total is None and not category:
        return None
    if award is not None and award.verified_score == total and award.category == category:
        return None
    return AwardData(
        year=cycle.year,
        category=category,
        verified_score=total,
        self_score=award.self_score if award is not None else None,
        evaluated=True,
        decree=award.decree if award is not None else "",
        note=award.note if award is not None else "",
        public=award.public if award is not None else True,
    )


@transaction.atomic
def official_record(
    *,
    actor: Any,
    cycle: Cycle,
    scores: dict[int, Decimal | None],
    total: Decimal | None,
    category: str,
) -> None:
    """What the ministry declared for a cycle, together: the score of each indicator and,
    for whoever keeps the city's KLA status, the year's total and category (its ``Award``).
    All or nothing; each part audited by its own service."""
    official_scores_save(actor=actor, cycle=cycle, values=scores)
    if not can_manage_awards(actor):
        return
    award = Award.objects.filter(region_id=cycle.region_id, year=cycle.year).first()
    data = _award_data(award, cycle, total, category)
    if data is not None:
        award_save(actor=actor, city=cycle.region, data=data)


# -- the comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class Compared:
    """One line of the comparison: the official figure, Layak's exact figures and the exact
    differences (official minus Layak; None without an official figure)."""

    code: str
    name: str
    maximum: Fraction
    official: Fraction | None
    self_points: Fraction
    verified_points: Fraction

    @property
    def self_difference(self) -> Fraction | None:
        return None if self.official is None else self.official - self.self_points

    @property
    def verified_difference(self) -> Fraction | None:
        return None if self.official is None else self.official - self.verified_points


@dataclass(frozen=True)
class BandCompared:
    official: str  # the category awarded (Award.category), "" when not recorded
    self_band: str
    verified_band: str

    @staticmethod
    def _same(a: str, b: str) -> bool | None:
        return None if not a or not b else a.strip().casefold() == b.strip().casefold()

    @property
    def self_agrees(self) -> bool | None:
        return self._same(self.official, self.self_band)

    @property
    def verified_agrees(self) -> bool | None:
        return self._same(self.official, self.verified_band)


@dataclass(frozen=True)
class OfficialComparison:
    cycle: Cycle
    indicators: list[Compared]
    #: The declared total: the award's verified score, or else the sum of the declared
    #: indicator scores when every indicator has one.
    total: Compared
    total_from_award: bool
    band: BandCompared
    award: Award | None
    missing: list[str] = field(default_factory=list)  # indicators without an official score

    @property
    def closed(self) -> bool:
        return self.cycle.status == CycleStatus.CLOSED


def official_comparison(cycle: Cycle) -> OfficialComparison:
    """Per indicator, for the total and for the band: the ministry's declared figure beside
    Layak's exact self-assessed and verified figures, with exact differences."""
    data, card = cycle_scorecard(cycle)
    declared = {
        indicator: Fraction(points)
        for indicator, points in OfficialScore.objects.filter(cycle=cycle).values_list(
            "indicator_id", "points"
        )
    }
    rows = [
        Compared(
            code=i.code,
            name=i.name,
            maximum=Fraction(i.max_points),
            official=declared.get(i.pk),
            self_points=card.indicators[i.pk].self_points,
            verified_points=card.indicators[i.pk].verified_points,
        )
        for i in data.indicators
    ]
    award = Award.objects.filter(region_id=cycle.region_id, year=cycle.year).first()
    missing = [row.code for row in rows if row.official is None]
    official_total: Fraction | None = None
    from_award = award is not None and award.verified_score is not None
    if award is not None and award.verified_score is not None:
        official_total = Fraction(award.verified_score)
    elif rows and not missing:
        official_total = sum((row.official or Fraction(0) for row in rows), Fraction(0))
    total = Compared(
        code="",
        name=_("Total"),
        maximum=card.total.maximum,
        official=official_total,
        self_points=card.total.self_points,
        verified_points=card.total.verified_points,
    )
    band = BandCompared(
        official=award.category if award is not None and award.evaluated else "",
        self_band=card.self_band.name if card.self_band else "",
        verified_band=card.verified_band.name if card.verified_band else "",
    )
    return OfficialComparison(cycle, rows, total, from_award, band, award, missing)
