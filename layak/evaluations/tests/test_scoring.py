"""Scores, bands and the gap analysis of a cycle (issues #3 and #13), against hand-computed
totals: every level exact (``Fraction``), shown rounded once, halves up, bands on the exact
value."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase, TestCase

from layak.core.testing import login
from layak.evaluations import selectors, services
from layak.evaluations.models import Answer, AnswerOption, Cycle, Instrument
from layak.evaluations.optimizer import Plan
from layak.evaluations.scoring import BandInfo, Score, Scorecard, band_for
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
from layak.regions.models import Region

D = Decimal
F = Fraction
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


def code_of(band: BandInfo | None) -> str | None:
    return band.code if band else None


def answer_keys(data: CycleData) -> dict[str, int]:
    """Answer pk by the key the gap analysis names it with: the question's label, and for an
    area answer `` · `` and the area's name."""
    names = dict(Region.objects.values_list("pk", "name"))
    return {
        data.question_codes[a.question_id]
        + (f" · {names[a.area_id]}" if a.area_id is not None else ""): a.pk
        for a in data.answers
    }


def applied_card(data: CycleData, plan: Plan) -> Scorecard:
    """The scorecard once every chosen improvement is applied as a what-if."""
    keys = answer_keys(data)
    overrides: dict[int, int | None] = {keys[i.question]: int(i.option) for i in plan.chosen}
    return scorecard_of(data, overrides)


class BandForTests(SimpleTestCase):
    def test_2019_band_boundaries(self) -> None:
        bands = band_infos()
        for total, expected, _fractions in BOUNDARIES:
            with self.subTest(total=total):
                self.assertEqual(code_of(band_for(D(total), bands)), expected)
                self.assertEqual(code_of(band_for(F(D(total)), bands)), expected)

    def test_band_is_decided_on_the_exact_value_not_the_shown_one(self) -> None:
        bands = band_infos()
        # 900.99666... is shown 901.00 but has not reached KLA's lower bound 901.
        just_below = F(900) + F(299, 300)
        self.assertEqual(code_of(band_for(just_below, bands)), "utama")
        self.assertEqual(code_of(band_for(F(901) - F(1, 10**12), bands)), "utama")
        self.assertEqual(code_of(band_for(F(2703, 3), bands)), "kla")  # exactly 901
        self.assertEqual(code_of(band_for(F(901) + F(1, 3), bands)), "kla")

    def test_band_order_in_the_list_does_not_matter(self) -> None:
        band = band_for(D("750"), list(reversed(band_infos())))
        self.assertEqual(code_of(band), "nindya")

    def test_band_with_conditions_counts_only_when_they_are_met(self) -> None:
        bands = band_infos(conditions_on="kla")
        self.assertEqual(code_of(band_for(D("950"), bands)), "utama")
        self.assertEqual(code_of(band_for(D("950"), bands, ["utama"])), "utama")
        self.assertEqual(code_of(band_for(D("950"), bands, ["kla"])), "kla")

    def test_no_bands_means_no_category(self) -> None:
        self.assertIsNone(band_for(D("1000"), []))


class ScoreDisplayTests(SimpleTestCase):
    """The one display rule: the exact value rounded once to two decimals, halves up (it
    replaced "floor to the cent", issue #13)."""

    def test_points_are_shown_rounded_half_up_to_the_cent(self) -> None:
        for exact, shown in (
            (F(D("900.996")), "901.00"),
            (F(900) + F(299, 300), "901.00"),
            (F(D("900.994999")), "900.99"),
            (F(D("900.995")), "901.00"),  # a half goes up
            (F(D("900.99")), "900.99"),
            (F(901), "901.00"),
            (F(40, 3), "13.33"),
            (F(2, 3), "0.67"),
            (F(1, 8), "0.13"),  # 0.125: a half goes up
            (F(1, 200), "0.01"),
            (F(1, 201), "0.00"),
            (F(0), "0.00"),
        ):
            with self.subTest(exact=exact):
                score = Score(
                    F(1000), self_points=exact, verified_points=exact, projected_points=exact
                )
                self.assertEqual(
                    (score.self_display, score.verified_display, score.projected_display),
                    (D(shown), D(shown), D(shown)),
                )
                self.assertEqual(str(score.self_display), shown)

    def test_adding_scores_keeps_them_exact(self) -> None:
        total = Score(F(3))
        for _ in range(3):
            total.add(Score(F(1), self_points=F(1, 3), verified_points=F(2, 3)))
        self.assertEqual(total.self_points, F(1))
        self.assertEqual(total.verified_points, F(2))
        self.assertEqual(total.self_display, D("1.00"))
        # Rounded parts would add up to 0.99 and 2.01.
        self.assertEqual(total.verified_display, D("2.00"))


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
                self.assertEqual(card.total.self_points, F(D(total)))
                self.assertEqual(card.total.self_display, D(total))
                self.assertEqual(card.total.maximum, F(1000))
                self.assertEqual(code_of(card.self_band), expected)

    def test_verified_band_follows_the_verified_total(self) -> None:
        answer_all(self.cycle, {code: "1" for code in CODES})
        set_options(self.cycle, {"1.01": "1", "1.02": "1"}, verified=True)
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(code_of(card.self_band), "kla")
        self.assertEqual(card.total.verified_points, F(600))
        self.assertEqual(code_of(card.verified_band), "pratama")
        # Verified where verified, self-assessed elsewhere: still every point.
        self.assertEqual(card.total.projected_points, F(1000))
        self.assertEqual(code_of(card.projected_band), "kla")
        self.assertEqual((card.total.verified_count, card.total.answer_count), (2, 5))
        self.assertTrue(card.verification_in_progress)


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
        self.assertEqual(card.total.self_points, F(1000))
        self.assertEqual(code_of(card.self_band), "utama")

        services.cycle_set_conditions(
            actor=self.world.secretariat, cycle=self.cycle, band_codes=["kla"]
        )
        self.cycle.refresh_from_db()
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(code_of(card.self_band), "kla")


class HandComputedScoreTests(TestCase):
    """Questions 1.01 (city, 20), 1.02 (city, 30), 26.01 (kelurahan, 40), 26.02 (kecamatan,
    10) in a city of 2 kecamatan and 3 kelurahan.

    Self: 1.01 at 0.75 = 15; 1.02 unanswered = 0; 26.01 answered 1 and 0.5 by two of three
    kelurahan = (1 + 0.5) / 3 x 40 = 20; 26.02 answered 0.25 by one of two kecamatan =
    0.25 / 2 x 10 = 1.25. Indicator 1 = 15, indicator 26 = 21.25, total 36.25.
    Verified: 1.02 at 1 = 30; 26.01 at 1 in one kelurahan = 40 / 3 exactly (shown 13.33);
    total 130/3 (shown 43.33). Projected (verified where verified, else self): 15 + 30 +
    (1 + 0.5) / 3 x 40 + 1.25 = 66.25.
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

    def scores(self) -> tuple[CycleData, dict[str, tuple[Fraction, Fraction]]]:
        """Per question code: exact (self, verified) points."""
        data, card = cycle_scorecard(self.cycle)
        codes = {q.pk: q.code for q in data.questions}
        return data, {
            codes[pk]: (s.self_points, s.verified_points) for pk, s in card.questions.items()
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
                "1.01": (F(15), F(0)),
                "1.02": (F(0), F(30)),
                "26.01": (F(20), F(40, 3)),
                "26.02": (F(5, 4), F(0)),
            },
        )

    def test_question_scores_are_shown_rounded_once(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        shown = {
            q.code: (card.questions[q.pk].self_display, card.questions[q.pk].verified_display)
            for q in data.questions
        }
        self.assertEqual(
            shown,
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
        self.assertEqual(indicators["1"].self_points, F(15))
        self.assertEqual(indicators["1"].verified_points, F(30))
        self.assertEqual(indicators["1"].maximum, F(50))
        self.assertEqual(indicators["26"].self_points, F(85, 4))
        self.assertEqual(indicators["26"].verified_points, F(40, 3))
        self.assertEqual(indicators["26"].verified_display, D("13.33"))
        self.assertEqual(indicators["26"].maximum, F(50))
        self.assertEqual(groups["KL"].self_points, F(15))
        self.assertEqual(groups["KK"].self_points, F(85, 4))
        self.assertEqual(groups["KK"].maximum, F(50))
        self.assertEqual(card.total.self_points, F(145, 4))
        self.assertEqual(card.total.self_display, D("36.25"))
        self.assertEqual(card.total.verified_points, F(130, 3))
        self.assertEqual(card.total.verified_display, D("43.33"))
        self.assertEqual(card.total.maximum, F(100))
        self.assertEqual(code_of(card.self_band), "low")
        self.assertEqual(code_of(card.verified_band), "high")

    def test_verification_progress_and_projection(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        indicators = {i.code: card.indicators[i.pk] for i in data.indicators}
        # Answers: 1.01, 1.02, 26.01 x 3 kelurahan, 26.02 x 2 kecamatan; two verified.
        self.assertEqual((card.total.verified_count, card.total.answer_count), (2, 7))
        # Only 1.02 has every answer verified (26.01 one kelurahan of three).
        self.assertEqual((card.total.questions_verified, card.total.question_count), (1, 4))
        self.assertEqual((indicators["26"].verified_count, indicators["26"].answer_count), (1, 5))
        self.assertEqual(card.total.projected_points, F(265, 4))
        self.assertEqual(indicators["26"].projected_points, F(85, 4))
        self.assertEqual(code_of(card.projected_band), "high")
        self.assertTrue(card.verification_started)
        self.assertTrue(card.verification_in_progress)

    def test_self_assessment_ignores_the_verified_option_and_back(self) -> None:
        Answer.objects.filter(cycle=self.cycle).update(verified_option=None)
        _data, card = cycle_scorecard(self.cycle)
        self.assertEqual(card.total.self_points, F(145, 4))
        self.assertEqual(card.total.verified_points, F(0))
        self.assertEqual(card.total.projected_points, F(145, 4))
        self.assertIsNone(card.verified_band)
        self.assertFalse(card.verification_started)
        self.assertFalse(card.verification_in_progress)

    def test_what_if_override_changes_only_the_hypothetical_score(self) -> None:
        data, _card = cycle_scorecard(self.cycle)
        third = answer_of(self.cycle, "26.01", self.world.kelurahan[2].code)
        card = scorecard_of(data, {third.pk: option_of(self.instrument, "26.01", "1").pk})
        # (1 + 0.5 + 1) / 3 x 40 = 100/3, shown 33.33
        self.assertEqual(card.questions[third.question_id].self_points, F(100, 3))
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
        self.assertEqual(card.total.self_points, F(600))
        plan = gap_analysis(data, card, target)
        assert plan is not None
        return data, plan

    def applied_band(self, data: CycleData, plan: Plan) -> str | None:
        """The self-assessed band once every chosen improvement is applied as a what-if."""
        return code_of(applied_card(data, plan).self_band)

    def chosen(self, plan: Plan) -> list[tuple[str, Fraction]]:
        """(question code, share) of each chosen improvement."""
        options = {
            str(o.pk): (o.question.code, o.fraction)
            for o in AnswerOption.objects.filter(
                question__instrument=self.instrument
            ).select_related("question")
        }
        return [options[i.option] for i in plan.chosen]

    def test_plan_reaches_every_target_band(self) -> None:
        for target in ("madya", "nindya", "utama", "kla"):
            with self.subTest(target=target):
                data, plan = self.plan(target)
                self.assertTrue(plan.reachable)
                self.assertTrue(plan.exact)
                self.assertEqual(self.applied_band(data, plan), target)
                card = applied_card(data, plan)
                self.assertEqual(card.total.self_points, plan.current_total + plan.total_gain)

    def test_cheapest_plan_to_madya_is_the_one_point_question(self) -> None:
        data, plan = self.plan("madya")
        self.assertEqual(self.chosen(plan), [("2.03", F(1))])
        self.assertEqual(plan.total_effort, D(1))
        self.assertEqual(plan.total_gain, F(1))
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
                self.assertNotIn("2.03", [code for code, _share in self.chosen(plan)])
                self.assertEqual(self.applied_band(data, plan), target)
        _data, plan = self.plan("madya")
        self.assertEqual(self.chosen(plan), [("2.02", F(1, 4))])

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
        self.assertEqual(self.chosen(plan), [("2.01", F(1, 4))])
        self.assertEqual(plan.total_effort, D(0))
        self.assertEqual(self.applied_band(data, plan), "madya")

    def test_unknown_target_band_gives_no_plan(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        self.assertIsNone(gap_analysis(data, card, "paripurna"))

    def test_next_band_is_the_default_target(self) -> None:
        data, card = cycle_scorecard(self.cycle)
        band = selectors.next_band(data, card)
        self.assertEqual(code_of(band), "madya")


class JustBelowBoundTests(TestCase):
    """900 points plus one of three kelurahan at full on a 2.99-point kelurahan question:
    exactly 900 + 299/300 = 900.99666..., shown 901.00 (rounded once, halves up) but below
    KLA's lower bound 901, so the band is Utama. The shown figure and the band disagree by
    design: the band is decided on the exact value (issue #13), and the gap analysis plans
    from the exact total, so a tiny gain (1/300) is still needed."""

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

    def test_total_is_shown_rounded_but_its_band_is_the_exact_ones(self) -> None:
        _data, card = cycle_scorecard(self.cycle)

        self.assertEqual(card.total.self_points, F(900) + F(299, 300))
        self.assertEqual(card.total.self_display, D("901.00"))
        self.assertEqual(code_of(card.self_band), "utama")

    def test_gap_analysis_starts_from_the_exact_total(self) -> None:
        data, card = cycle_scorecard(self.cycle)

        plan = gap_analysis(data, card, "kla")

        assert plan is not None
        self.assertEqual(plan.current_total, F(900) + F(299, 300))
        self.assertEqual(plan.gain_needed, F(1, 300))
        self.assertTrue(plan.reachable)
        self.assertTrue(plan.exact)
        # The cheapest step: one more kelurahan at a quarter, +2.99 / 4 / 3 (effort 0.25).
        self.assertEqual([i.gain for i in plan.chosen], [F(299, 1200)])
        self.assertEqual(plan.total_effort, D("0.25"))
        after = applied_card(data, plan)
        self.assertEqual(code_of(after.self_band), "kla")
        self.assertGreaterEqual(after.total.self_points, F(901))

    def test_dashboard_shows_the_rounded_total_with_the_exact_band(self) -> None:
        login(self.client, self.world.secretariat)

        response = self.client.get(
            f"/evaluation/cycles/{self.cycle.pk}/", HTTP_ACCEPT_LANGUAGE="id"
        )

        self.assertContains(response, "901,00")
        self.assertNotContains(response, "900,99")
        self.assertContains(response, "<strong>Utama</strong>", html=False)
