"""Scores, bands and the gap analysis of a cycle (issue #3), against hand-computed totals."""

from __future__ import annotations

from decimal import Decimal

from django.test import SimpleTestCase, TestCase
from django.utils import formats, translation

from layak.core.testing import login
from layak.evaluations import selectors, services
from layak.evaluations.models import Answer, AnswerOption, Cycle, Instrument
from layak.evaluations.optimizer import Plan
from layak.evaluations.scoring import BandInfo, Score, band_for, floor_cent
from layak.evaluations.selectors import CycleData, cycle_scorecard, gap_analysis, scorecard_of
from layak.evaluations.tests.factories import (
    BANDS_2019,
    BandSpec,
    City,
    answer_of,
    make_city,
    make_cycle,
    make_instrument,
    option_of,
    question,
    set_options,
)

D = Decimal
CODES = ("1.01", "1.02", "2.01", "2.02", "2.03")

#: (total, band code or None, fractions of 1.01 / 1.02 (500, 100), 2.01 / 2.02 (300, 99) and
#: 2.03 (1 point, options 0, 0.5, 0.99, 1) that make that total)
BOUNDARIES: list[tuple[str, str | None, dict[str, str]]] = [
    ("499.99", None, {"1.02": "1", "2.01": "1", "2.02": "1", "2.03": "0.99"}),
    ("500", "pratama", {"1.01": "1"}),
    ("600", "pratama", {"1.01": "1", "1.02": "1"}),
    ("600.50", "pratama", {"1.01": "1", "1.02": "1", "2.03": "0.5"}),
    ("601", "madya", {"1.01": "1", "1.02": "1", "2.03": "1"}),
    ("900", "utama", {"1.01": "1", "1.02": "1", "2.01": "1"}),
    ("900.99", "utama", {"1.01": "1", "1.02": "1", "2.01": "1", "2.03": "0.99"}),
    ("901", "kla", {"1.01": "1", "1.02": "1", "2.01": "1", "2.03": "1"}),
    ("1000", "kla", {code: "1" for code in CODES}),
]


def band_infos(conditions_on: str = "") -> list[BandInfo]:
    return [
        BandInfo(
            b.code,
            b.name,
            D(b.min_points),
            D(b.max_points),
            "Syarat tambahan" if b.code == conditions_on else "",
        )
        for b in BANDS_2019
    ]


def answer_all(cycle: Cycle, fractions: dict[str, str]) -> None:
    """Every city question of the 1000-point instrument: ``fractions`` or no answer."""
    set_options(cycle, {code: fractions.get(code) for code in CODES})


class BandForTests(SimpleTestCase):
    def test_2019_band_boundaries(self) -> None:
        bands = band_infos()
        for total, expected, _fractions in BOUNDARIES:
            with self.subTest(total=total):
                band = band_for(D(total), bands)
                self.assertEqual(band.code if band else None, expected)

    def test_band_order_in_the_list_does_not_matter(self) -> None:
        band = band_for(D("750"), list(reversed(band_infos())))
        self.assertEqual(band.code if band else None, "nindya")

    def test_band_with_conditions_counts_only_when_they_are_met(self) -> None:
        bands = band_infos(conditions_on="kla")
        without = band_for(D("950"), bands)
        self.assertEqual(without.code if without else None, "utama")
        other = band_for(D("950"), bands, ["utama"])
        self.assertEqual(other.code if other else None, "utama")
        met = band_for(D("950"), bands, ["kla"])
        self.assertEqual(met.code if met else None, "kla")

    def test_no_bands_means_no_category(self) -> None:
        self.assertIsNone(band_for(D("1000"), []))


class CycleBandTests(TestCase):
    """The same boundaries, reached by answering a real cycle."""

    world: City
    instrument: Instrument
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument()
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=cls.instrument, actor=cls.world.secretariat
        )

    def test_totals_fall_in_the_2019_bands(self) -> None:
        for total, expected, fractions in BOUNDARIES:
            with self.subTest(total=total):
                answer_all(self.cycle, fractions)
                _data, card = cycle_scorecard(self.cycle)
                self.assertEqual(card.total.self_display, D(total))
                self.assertEqual(card.total.maximum, D(1000))
                self.assertEqual(card.self_band.code if card.self_band else None, expected)

    def test_verified_band_follows_the_verified_total(self) -> None:
        answer_all(self.cycle, {code: "1" for code in CODES})
        set_options(self.cycle, {"1.01": "1", "1.02": "1"}, verified=True)
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.self_band.code if card.self_band else None, "kla")
        self.assertEqual(card.total.verified_display, D(600))
        self.assertEqual(card.verified_band.code if card.verified_band else None, "pratama")


class ConditionalBandTests(TestCase):
    world: City
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        bands = [
            b if b.code != "kla" else BandSpec("kla", "KLA", "901", "1000", "Paripurna")
            for b in BANDS_2019
        ]
        instrument = make_instrument(bands=bands)
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=instrument, actor=cls.world.secretariat
        )
        answer_all(cls.cycle, {code: "1" for code in CODES})

    def test_top_band_needs_its_conditions_recorded(self) -> None:
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.total.self_display, D(1000))
        self.assertEqual(card.self_band.code if card.self_band else None, "utama")

        services.cycle_set_conditions(
            actor=self.world.secretariat, cycle=self.cycle, band_codes=["kla"]
        )
        self.cycle.refresh_from_db()
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.self_band.code if card.self_band else None, "kla")


class HandComputedScoreTests(TestCase):
    """Questions 1.01 (city, 20), 1.02 (city, 30), 26.01 (kelurahan, 40), 26.02 (kecamatan,
    10) in a city of 2 kecamatan and 3 kelurahan.

    Self: 1.01 at 0.75 = 15; 1.02 unanswered = 0; 26.01 answered 1 and 0.5 by two of three
    kelurahan = (1 + 0.5) / 3 x 40 = 20; 26.02 answered 0.25 by one of two kecamatan =
    0.25 / 2 x 10 = 1.25. Indicator 1 = 15, indicator 26 = 21.25, total 36.25.
    Verified: 1.02 at 1 = 30; 26.01 at 1 in one kelurahan = 40 / 3 = 13.33; total 43.33.
    """

    world: City
    cycle: Cycle
    instrument: Instrument

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument(
            groups={
                "KL": {"1": [question("1.01", "20"), question("1.02", "30")]},
                "KK": {
                    "26": [
                        question("26.01", "40", scope="kelurahan", agencies=("kelurahan",)),
                        question("26.02", "10", scope="kecamatan", agencies=("kecamatan",)),
                    ]
                },
            },
            bands=[BandSpec("low", "Low", "10", "40"), BandSpec("high", "High", "41", "100")],
        )
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=cls.instrument, actor=cls.world.secretariat
        )
        kel1, kel2, _kel3 = (k.code for k in cls.world.kelurahan)
        kec1 = cls.world.kecamatan[0].code
        instrument, cycle = cls.instrument, cls.cycle
        for code, area, fraction in (
            ("1.01", None, "0.75"),
            ("26.01", kel1, "1"),
            ("26.01", kel2, "0.5"),
            ("26.02", kec1, "0.25"),
        ):
            Answer.objects.filter(pk=answer_of(cycle, code, area).pk).update(
                option=option_of(instrument, code, fraction)
            )
        for code, area, fraction in (("1.02", None, "1"), ("26.01", kel1, "1")):
            Answer.objects.filter(pk=answer_of(cycle, code, area).pk).update(
                verified_option=option_of(instrument, code, fraction)
            )

    def scores(self) -> tuple[CycleData, dict[str, tuple[Decimal, Decimal]]]:
        """Per question code: (self, verified) points to the cent."""
        data, card = cycle_scorecard(self.cycle)
        codes = data.question_codes
        return data, {
            codes[pk]: (s.self_display, s.verified_display) for pk, s in card.questions.items()
        }

    def test_areas_are_every_kecamatan_and_kelurahan_of_the_city(self) -> None:
        data, _scores = self.scores()
        self.assertEqual(data.area_counts["kelurahan"], 3)
        self.assertEqual(data.area_counts["kecamatan"], 2)

    def test_question_scores(self) -> None:
        _data, scores = self.scores()
        self.assertEqual(
            scores,
            {
                "1.01": (D("15.00"), D("0.00")),
                "1.02": (D("0.00"), D("30.00")),
                "26.01": (D("20.00"), D("13.33")),
                "26.02": (D("1.25"), D("0.00")),
            },
        )

    def test_indicator_group_and_total_sums(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        indicators = {i.code: card.indicators[i.pk] for i in data.indicators}
        groups = {g.code: card.groups[g.pk] for g in data.groups}
        self.assertEqual(indicators["1"].self_display, D("15.00"))
        self.assertEqual(indicators["1"].verified_display, D("30.00"))
        self.assertEqual(indicators["1"].maximum, D(50))
        self.assertEqual(indicators["26"].self_display, D("21.25"))
        self.assertEqual(indicators["26"].verified_display, D("13.33"))
        self.assertEqual(indicators["26"].maximum, D(50))
        self.assertEqual(groups["KL"].self_display, D("15.00"))
        self.assertEqual(groups["KK"].self_display, D("21.25"))
        self.assertEqual(groups["KK"].maximum, D(50))
        self.assertEqual(card.total.self_display, D("36.25"))
        self.assertEqual(card.total.verified_display, D("43.33"))
        self.assertEqual(card.total.maximum, D(100))
        self.assertEqual(card.total.verified_count, 2)
        self.assertEqual(card.self_band.code if card.self_band else None, "low")
        self.assertEqual(card.verified_band.code if card.verified_band else None, "high")

    def test_self_assessment_ignores_the_verified_option_and_back(self) -> None:
        Answer.objects.filter(cycle=self.cycle).update(verified_option=None)
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.total.self_display, D("36.25"))
        self.assertEqual(card.total.verified_display, D("0.00"))
        self.assertIsNone(card.verified_band)

    def test_what_if_override_changes_only_the_hypothetical_score(self) -> None:
        data, _card = cycle_scorecard(self.cycle)
        third = answer_of(self.cycle, "26.01", self.world.kelurahan[2].code)
        card = scorecard_of(data, {third.pk: option_of(self.instrument, "26.01", "1").pk})
        # (1 + 0.5 + 1) / 3 x 40 = 33.33
        self.assertEqual(card.questions[third.question_id].self_display, D("33.33"))
        self.assertIsNone(Answer.objects.get(pk=third.pk).option_id)


class GapAnalysisTests(TestCase):
    """From 600 (1.01 and 1.02 full) on the 1000-point instrument; efforts default to gains."""

    world: City
    instrument: Instrument
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument()
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=cls.instrument, actor=cls.world.secretariat
        )
        answer_all(cls.cycle, {"1.01": "1", "1.02": "1"})

    def plan(self, target: str) -> tuple[CycleData, Plan]:
        data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.total.self_display, D(600))
        plan = gap_analysis(data, card, target)
        assert plan is not None
        return data, plan

    def applied_band(self, data: CycleData, plan: Plan) -> str | None:
        """The self-assessed band once every chosen improvement is applied as a what-if."""
        answers = {a.question.code: a.pk for a in Answer.objects.filter(cycle=self.cycle)}
        overrides: dict[int, int | None] = {answers[i.question]: int(i.option) for i in plan.chosen}
        card = scorecard_of(data, overrides)
        return card.self_band.code if card.self_band else None

    def chosen(self, plan: Plan) -> list[tuple[str, Decimal]]:
        options = {
            str(o.pk): o.fraction
            for o in AnswerOption.objects.filter(question__instrument=self.instrument)
        }
        return [(i.question, options[i.option]) for i in plan.chosen]

    def test_plan_reaches_every_target_band(self) -> None:
        for target in ("madya", "nindya", "utama", "kla"):
            with self.subTest(target=target):
                data, plan = self.plan(target)
                self.assertTrue(plan.reachable)
                self.assertEqual(self.applied_band(data, plan), target)

    def test_cheapest_plan_to_madya_is_the_one_point_question(self) -> None:
        data, plan = self.plan("madya")
        self.assertEqual(self.chosen(plan), [("2.03", D(1))])
        self.assertEqual(plan.total_effort, D(1))
        self.assertEqual(self.applied_band(data, plan), "madya")

    def test_question_marked_impossible_is_never_in_the_plan(self) -> None:
        services.planning_set(
            actor=self.world.secretariat,
            cycle=self.cycle,
            question=option_of(self.instrument, "2.03", "1").question,
            impossible=True,
            efforts={},
        )
        for target in ("madya", "nindya", "utama", "kla"):
            with self.subTest(target=target):
                data, plan = self.plan(target)
                self.assertNotIn("2.03", [i.question for i in plan.chosen])
                self.assertEqual(self.applied_band(data, plan), target)
        _data, plan = self.plan("madya")
        self.assertEqual(self.chosen(plan), [("2.02", D("0.25"))])

    def test_custom_efforts_change_the_plan(self) -> None:
        cheap = option_of(self.instrument, "2.01", "0.25")
        services.planning_set(
            actor=self.world.secretariat,
            cycle=self.cycle,
            question=cheap.question,
            impossible=False,
            efforts={str(cheap.pk): D(0)},
        )
        data, plan = self.plan("madya")
        self.assertEqual(self.chosen(plan), [("2.01", D("0.25"))])
        self.assertEqual(plan.total_effort, D(0))
        self.assertEqual(self.applied_band(data, plan), "madya")

    def test_unknown_target_band_gives_no_plan(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        self.assertIsNone(gap_analysis(data, card, "paripurna"))

    def test_next_band_is_the_default_target(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        band = selectors.next_band(data, card)
        self.assertEqual(band.code if band else None, "madya")


class FloorCentTests(SimpleTestCase):
    def test_points_are_shown_rounded_down_to_the_cent(self) -> None:
        for exact, shown in (
            ("900.996", "900.99"),
            ("900.999999", "900.99"),
            ("900.99", "900.99"),
            ("901", "901.00"),
            ("13.3333", "13.33"),
            ("0", "0.00"),
        ):
            with self.subTest(exact=exact):
                self.assertEqual(floor_cent(D(exact)), D(shown))
                score = Score(D(1000), self_points=D(exact), verified_points=D(exact))
                self.assertEqual((score.self_display, score.verified_display), (D(shown), D(shown)))


class FlooredTotalTests(TestCase):
    """900 points plus a third of a 2.99-point kelurahan question (one of three kelurahan):
    900.9966..., below Utama's upper bound 900 + 1 = 901. Shown and planned as 900.99, never
    as 901.00 next to the band Utama."""

    world: City
    cycle: Cycle

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        instrument = make_instrument(
            groups={
                "KL": {"1": [question("1.01", "900")]},
                "KK": {"26": [question("26.01", "2.99", scope="kelurahan", agencies=())]},
            },
        )
        cls.cycle = make_cycle(
            city=cls.world.city, instrument=instrument, actor=cls.world.secretariat
        )
        for code, area in (("1.01", None), ("26.01", cls.world.kelurahan[0].code)):
            Answer.objects.filter(pk=answer_of(cls.cycle, code, area).pk).update(
                option=option_of(instrument, code, "1")
            )

    def test_total_is_shown_rounded_down_within_its_band(self) -> None:
        _data, card = cycle_scorecard(self.cycle)

        self.assertGreater(card.total.self_points, D("900.99"))
        self.assertEqual(card.total.self_display, D("900.99"))
        self.assertEqual(card.self_band.code if card.self_band else None, "utama")

    def test_gap_analysis_starts_from_the_total_as_shown(self) -> None:
        data, card = cycle_scorecard(self.cycle)

        plan = gap_analysis(data, card, "kla")

        assert plan is not None
        self.assertEqual(plan.current_total, card.total.self_display)
        self.assertEqual(plan.gain_needed, D("0.01"))
        self.assertTrue(plan.reachable)
        self.assertTrue(plan.chosen)
        self.assertEqual(self.applied_band(data, plan), "kla")

    def applied_band(self, data: CycleData, plan: Plan) -> str | None:
        answers = {
            f"26.01 · {a.area.name}" if a.area else a.question.code: a.pk
            for a in Answer.objects.filter(cycle=self.cycle).select_related("question", "area")
        }
        overrides: dict[int, int | None] = {answers[i.question]: int(i.option) for i in plan.chosen}
        card = scorecard_of(data, overrides)
        return card.self_band.code if card.self_band else None

    def test_dashboard_shows_the_floored_total(self) -> None:
        login(self.client, self.world.secretariat)

        response = self.client.get(f"/evaluation/cycles/{self.cycle.pk}/")

        with translation.override("id"):
            floored = str(formats.localize(D("900.99")))
            rounded = str(formats.localize(D("901.00")))
        self.assertContains(response, floored)
        self.assertNotContains(response, rounded)
