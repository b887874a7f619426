"""Scores of a cycle: per question, indicator, group and total, self-assessed and verified,
and the band they fall in (issues #3 and #13).

* A city question scores its option's share of the maximum; no answer scores 0.
* A kecamatan/kelurahan question scores the share of areas meeting the criterion: the mean of
  the areas' shares over every area of that level in the city (an area without an answer
  counts 0), times the maximum. With yes/no options this is exactly the share of areas.
* Every level is computed *exactly*, as a ``fractions.Fraction``: options are exact shares
  (1/3 of 3 points is 1, not 0.9999), so a total is the exact rational sum of its answers and
  equals the sum of its indicators, groups and questions. Figures are rounded once, when
  shown, by :func:`layak.core.formatting.round_score` (two decimals, halves up).
* A total falls in the highest band whose lower bound its *exact* value reaches. Bands are
  usually written with whole numbers (Utama 801-900, KLA 901-1000); 900.50 has not reached 901,
  so it is Utama. A band with extra conditions counts only when the cycle records them as met.
* While verification is in progress, ``verified_points`` is the verified-so-far score
  (unverified answers count 0), ``verified_count``/``answer_count`` say how far it is, and
  ``projected_points`` counts each answer at its verified option when it has one and at its
  self-assessed option otherwise: the band it falls in is a projection, labelled as such.
* A closed (history) cycle may record a question's score directly (``recorded``) when the
  file it came from gave only the city's figure of an area question.

Everything here works on plain values so that pages, exports, the API and the benchmark share
one computation; ``selectors.cycle_scorecard`` loads the values with a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from layak.core.formatting import Number, round_score

ZERO = Fraction(0)


@dataclass(frozen=True)
class QuestionInfo:
    pk: int
    code: str
    indicator_pk: int
    max_points: Decimal
    scope: str  # "city", "kecamatan" or "kelurahan"
    label: str = ""  # "indicator / code", how people name it


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
    maximum: Fraction
    self_points: Fraction = ZERO
    #: Verified so far: answers without a verified option count 0.
    verified_points: Fraction = ZERO
    #: Verified where verified, self-assessed elsewhere (the projection).
    projected_points: Fraction = ZERO
    #: How many answers below this level the verifier has judged, out of ``answer_count``.
    verified_count: int = 0
    answer_count: int = 0
    #: Questions below this level whose every answer is verified, out of ``question_count``.
    questions_verified: int = 0
    question_count: int = 0

    @property
    def self_display(self) -> Decimal:
        return round_score(self.self_points)

    @property
    def verified_display(self) -> Decimal:
        return round_score(self.verified_points)

    @property
    def projected_display(self) -> Decimal:
        return round_score(self.projected_points)

    @property
    def verification_complete(self) -> bool:
        return self.verified_count == self.answer_count

    def add(self, other: Score) -> None:
        self.self_points += other.self_points
        self.verified_points += other.verified_points
        self.projected_points += other.projected_points
        self.verified_count += other.verified_count
        self.answer_count += other.answer_count
        self.questions_verified += other.questions_verified
        self.question_count += other.question_count


@dataclass
class Scorecard:
    questions: dict[int, Score] = field(default_factory=dict)
    indicators: dict[int, Score] = field(default_factory=dict)
    groups: dict[int, Score] = field(default_factory=dict)
    total: Score = field(default_factory=lambda: Score(ZERO))
    self_band: BandInfo | None = None
    verified_band: BandInfo | None = None
    #: The band of the projection (verified where verified, self-assessed elsewhere).
    projected_band: BandInfo | None = None

    @property
    def verification_started(self) -> bool:
        return self.total.verified_count > 0

    @property
    def verification_in_progress(self) -> bool:
        return self.verification_started and not self.total.verification_complete


def band_for(
    total: Number, bands: Sequence[BandInfo], conditions_met: Iterable[str] = ()
) -> BandInfo | None:
    """The highest band whose lower bound the exact ``total`` reaches (and whose conditions
    are met)."""
    met = set(conditions_met)
    exact = Fraction(total)
    reached = None
    for band in sorted(bands, key=lambda b: b.min_points):
        if exact >= Fraction(band.min_points) and (not band.conditions or band.code in met):
            reached = band
    return reached


def answer_points(
    question: QuestionInfo, share: Fraction, area_counts: Mapping[str, int]
) -> Fraction:
    """What one answer adds to the city's total, exactly: its share of the maximum for a city
    question; for a kecamatan/kelurahan question, that divided by the number of areas of the
    level (0 when the city has none). The one rule of a question's parts: the scorecard, the
    recap's rows and the plan's gains all use it."""
    maximum = Fraction(question.max_points) * share
    if question.scope == "city":
        return maximum
    areas = area_counts.get(question.scope, 0)
    return maximum / areas if areas > 0 else ZERO


def question_points(
    question: QuestionInfo, shares: Sequence[Fraction | None], area_counts: Mapping[str, int]
) -> Fraction:
    """Exact points of one question from the shares of its answers (one per area for area
    questions; ``None`` for an answer without an option)."""
    return sum((answer_points(question, f, area_counts) for f in shares if f is not None), ZERO)


def compute_scorecard(
    *,
    questions: Sequence[QuestionInfo],
    indicators: Sequence[IndicatorInfo],
    groups: Sequence[GroupInfo],
    bands: Sequence[BandInfo],
    self_fractions: Mapping[int, Sequence[Fraction | None]],
    verified_fractions: Mapping[int, Sequence[Fraction | None]],
    area_counts: Mapping[str, int],
    conditions_met: Iterable[str] = (),
    recorded: Mapping[int, tuple[Fraction | None, Fraction | None]] | None = None,
) -> Scorecard:
    """Add up every level exactly, for the self-assessment, the verification so far and the
    projection. ``recorded`` maps a question to its (self, verified) points given by a
    history file, used instead of its answers."""
    recorded = recorded or {}
    card = Scorecard()
    card.indicators = {i.pk: Score(Fraction(i.max_points)) for i in indicators}
    group_max: dict[int, Fraction] = defaultdict(lambda: ZERO)
    for indicator in indicators:
        group_max[indicator.group_pk] += Fraction(indicator.max_points)
    card.groups = {g.pk: Score(group_max[g.pk]) for g in groups}
    group_of = {i.pk: i.group_pk for i in indicators}
    card.total = Score(sum(group_max.values(), ZERO))
    for question in questions:
        own = self_fractions.get(question.pk, ())
        verified = verified_fractions.get(question.pk, ())
        projected = [v if v is not None else s for s, v in zip(own, verified, strict=False)]
        verified_count = sum(1 for f in verified if f is not None)
        score = Score(
            Fraction(question.max_points),
            self_points=question_points(question, own, area_counts),
            verified_points=question_points(question, verified, area_counts),
            projected_points=question_points(question, projected, area_counts),
            verified_count=verified_count,
            answer_count=len(own),
            questions_verified=int(bool(own) and verified_count == len(own)),
            question_count=1,
        )
        if question.pk in recorded:
            given_self, given_verified = recorded[question.pk]
            score.self_points = given_self if given_self is not None else ZERO
            score.verified_points = given_verified if given_verified is not None else ZERO
            score.projected_points = (
                given_verified if given_verified is not None else score.self_points
            )
            score.answer_count = 1
            score.verified_count = int(given_verified is not None)
            score.questions_verified = score.verified_count
        card.questions[question.pk] = score
        for level in (
            card.indicators[question.indicator_pk],
            card.groups[group_of[question.indicator_pk]],
            card.total,
        ):
            level.add(score)
    met = list(conditions_met)
    card.self_band = band_for(card.total.self_points, bands, met)
    card.verified_band = band_for(card.total.verified_points, bands, met)
    card.projected_band = band_for(card.total.projected_points, bands, met)
    return card
