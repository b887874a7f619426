"""Scores of a cycle: per question, indicator, group and total, self-assessed and verified,
and the band they fall in (issue #3).

* A city question scores its option's fraction of the maximum; no answer scores 0.
* A kecamatan/kelurahan question scores the share of areas meeting the criterion: the mean of
  the areas' fractions over every area of that level in the city (an area without an answer
  counts 0), times the maximum. With yes/no options this is exactly the share of areas.
* A total falls in the highest band whose lower bound it reaches. Bands are usually written with
  whole numbers (Utama 801-900, KLA 901-1000); a total of 900.50 has not reached 901, so it is
  Utama. A band with extra conditions counts only when the cycle records them as met.
* Points are shown, exported and planned with two decimals *rounded down* (``floor_cent``):
  900.996 is shown as 900.99, never as 901.00 next to the band Utama, and the gap analysis
  starts from the same 900.99.

Everything here works on plain values so that pages, exports, the API and the benchmark share
one computation; ``selectors.cycle_scorecard`` loads the values with a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")


def floor_cent(points: Decimal) -> Decimal:
    """Points as shown and planned: two decimals, rounded down, so a shown total never
    reaches a band bound the exact total has not reached (the one rule, used everywhere)."""
    return points.quantize(CENT, rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class QuestionInfo:
    pk: int
    code: str
    indicator_pk: int
    max_points: Decimal
    scope: str  # "city", "kecamatan" or "kelurahan"


@dataclass(frozen=True)
class IndicatorInfo:
    pk: int
    code: str
    name: str
    group_pk: int
    max_points: Decimal


@dataclass(frozen=True)
class GroupInfo:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class BandInfo:
    code: str
    name: str
    min_points: Decimal
    max_points: Decimal
    conditions: str = ""


@dataclass
class Score:
    maximum: Decimal
    self_points: Decimal = ZERO
    verified_points: Decimal = ZERO
    #: How many answers the verifier has judged below this level.
    verified_count: int = 0

    @property
    def self_display(self) -> Decimal:
        return floor_cent(self.self_points)

    @property
    def verified_display(self) -> Decimal:
        return floor_cent(self.verified_points)


@dataclass
class Scorecard:
    questions: dict[int, Score] = field(default_factory=dict)
    indicators: dict[int, Score] = field(default_factory=dict)
    groups: dict[int, Score] = field(default_factory=dict)
    total: Score = field(default_factory=lambda: Score(ZERO))
    self_band: BandInfo | None = None
    verified_band: BandInfo | None = None


def band_for(
    total: Decimal, bands: Sequence[BandInfo], conditions_met: Iterable[str] = ()
) -> BandInfo | None:
    """The highest band whose lower bound ``total`` reaches (and whose conditions are met)."""
    met = set(conditions_met)
    reached = None
    for band in sorted(bands, key=lambda b: b.min_points):
        if total >= band.min_points and (not band.conditions or band.code in met):
            reached = band
    return reached


def question_points(
    question: QuestionInfo, fractions: Sequence[Decimal | None], area_count: int
) -> Decimal:
    """Points of one question from the fractions of its answers (one per area for area
    questions; ``None`` for an answer without an option)."""
    total = sum((f for f in fractions if f is not None), ZERO)
    if question.scope == "city":
        return question.max_points * total if fractions else ZERO
    if area_count <= 0:
        return ZERO
    return question.max_points * total / area_count


def compute_scorecard(
    *,
    questions: Sequence[QuestionInfo],
    indicators: Sequence[IndicatorInfo],
    groups: Sequence[GroupInfo],
    bands: Sequence[BandInfo],
    self_fractions: Mapping[int, Sequence[Decimal | None]],
    verified_fractions: Mapping[int, Sequence[Decimal | None]],
    area_counts: Mapping[str, int],
    conditions_met: Iterable[str] = (),
) -> Scorecard:
    """Add up every level for both the self-assessment and the verification."""
    card = Scorecard()
    card.indicators = {i.pk: Score(i.max_points) for i in indicators}
    group_max: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for indicator in indicators:
        group_max[indicator.group_pk] += indicator.max_points
    card.groups = {g.pk: Score(group_max[g.pk]) for g in groups}
    group_of = {i.pk: i.group_pk for i in indicators}
    card.total = Score(sum(group_max.values(), ZERO))
    for question in questions:
        areas = area_counts.get(question.scope, 0)
        score = Score(
            question.max_points,
            self_points=question_points(question, self_fractions.get(question.pk, ()), areas),
            verified_points=question_points(
                question, verified_fractions.get(question.pk, ()), areas
            ),
            verified_count=sum(1 for f in verified_fractions.get(question.pk, ()) if f is not None),
        )
        card.questions[question.pk] = score
        for level in (
            card.indicators[question.indicator_pk],
            card.groups[group_of[question.indicator_pk]],
            card.total,
        ):
            level.self_points += score.self_points
            level.verified_points += score.verified_points
            level.verified_count += score.verified_count
    met = list(conditions_met)
    card.self_band = band_for(card.total.self_points, bands, met)
    card.verified_band = band_for(card.total.verified_points, bands, met)
    return card
