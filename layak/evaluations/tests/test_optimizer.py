"""The gap-analysis plan is the exact least-effort one, with deterministic ties, over exact
gains (issue #13: thirds, sevenths and per-area shares such as 1/136 of a point)."""

from __future__ import annotations

import itertools
import math
import random
from decimal import Decimal
from fractions import Fraction
from unittest import mock

from django.test import SimpleTestCase
from django.utils import translation

from layak.evaluations.optimizer import (
    Improvement,
    Plan,
    cheapest_plan,
    default_effort,
)

D = Decimal
F = Fraction


def imp(question: str, option: str, gain: str, effort: str, agency: str = "") -> Improvement:
    """An improvement whose gain is written exactly ("1/3", "0.25") and effort in cents."""
    return Improvement(question, option, F(gain), D(effort), agency=agency)


def plan_for(improvements: list[Improvement], current: str, target: str) -> Plan:
    return cheapest_plan(improvements, current_total=F(current), target_total=F(target))


def picked(plan: Plan) -> list[tuple[str, str]]:
    return [(i.question, i.option) for i in plan.chosen]


class HandComputedPlanTests(SimpleTestCase):
    def test_cheapest_combination_beats_single_big_step(self) -> None:
        improvements = [
            imp("A", "a3", "3", "3"),
            imp("A", "a5", "5", "7"),
            imp("B", "b2", "2", "1"),
            imp("C", "c4", "4", "2.5"),
        ]
        # Reaching +5: a5 costs 7, a3+b2 costs 4, a3+c4 5.5, b2+c4 3.5 (gain 6).
        plan = plan_for(improvements, "10", "15")
        self.assertTrue(plan.reachable)
        self.assertTrue(plan.exact)
        self.assertEqual(picked(plan), [("B", "b2"), ("C", "c4")])
        self.assertEqual(plan.total_effort, D("3.5"))
        self.assertEqual(plan.total_gain, F(6))
        self.assertEqual(plan.gain_needed, F(5))
        self.assertEqual(plan.max_reachable_total, F(21))

    def test_question_takes_at_most_one_new_option(self) -> None:
        improvements = [
            imp("Q", "x", "2", "1"),
            imp("Q", "y", "3", "5"),
            imp("R", "z", "2", "3"),
        ]
        # x and y together would be +5 for effort 6; only y + z (+5, effort 8) is allowed.
        plan = plan_for(improvements, "0", "5")
        self.assertEqual(picked(plan), [("Q", "y"), ("R", "z")])
        self.assertEqual(plan.total_effort, D("8"))

    def test_one_question_alone_cannot_sum_its_options(self) -> None:
        plan = plan_for([imp("Q", "x", "2", "1"), imp("Q", "y", "3", "5")], "0", "5")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.max_reachable_total, F(3))
        self.assertEqual(plan.chosen, ())

    def test_decimal_quarters(self) -> None:
        improvements = [
            imp("A", "3/4", "0.75", "0.75"),
            imp("B", "1/2", "0.5", "0.25"),
            imp("C", "1", "1.25", "2.00"),
            imp("D", "1/4", "0.25", "0.10"),
        ]
        # +1.25 needed: A+B costs 1.00; A+D and B+D fall short; C alone costs 2.00.
        plan = plan_for(improvements, "99.75", "101")
        self.assertEqual(picked(plan), [("A", "3/4"), ("B", "1/2")])
        self.assertEqual(plan.total_effort, D("1.00"))
        self.assertEqual(plan.gain_needed, F(5, 4))

    def test_need_with_more_decimals_is_met_exactly(self) -> None:
        improvements = [
            imp("A", "x", "0.5", "1"),
            imp("B", "x", "1.0", "3"),
            imp("C", "x", "0.5", "1.5"),
        ]
        # 0.667 needed, gains are half points: A alone (+0.5) is not enough.
        plan = plan_for(improvements, "10.333", "11")
        self.assertEqual(picked(plan), [("A", "x"), ("C", "x")])
        self.assertEqual(plan.total_effort, D("2.5"))
        self.assertEqual(plan.gain_needed, F(667, 1000))

    def test_exact_hit_of_the_target_counts(self) -> None:
        plan = plan_for([imp("A", "x", "0.25", "1"), imp("B", "x", "0.5", "9")], "900.75", "901")
        self.assertEqual(picked(plan), [("A", "x")])

    def test_impossible_question_is_left_out_of_the_candidates(self) -> None:
        everything = [imp("A", "x", "5", "1"), imp("B", "x", "3", "2"), imp("C", "x", "3", "2")]
        self.assertEqual(picked(plan_for(everything, "0", "5")), [("A", "x")])
        # A is marked impossible this year, so the caller does not offer it.
        without_a = [i for i in everything if i.question != "A"]
        plan = plan_for(without_a, "0", "5")
        self.assertEqual(picked(plan), [("B", "x"), ("C", "x")])
        self.assertEqual(plan.max_reachable_total, F(6))

    def test_zero_effort_improvement_is_taken_only_when_useful(self) -> None:
        improvements = [imp("A", "x", "1", "0"), imp("B", "x", "4", "2")]
        self.assertEqual(picked(plan_for(improvements, "0", "4")), [("B", "x")])
        self.assertEqual(picked(plan_for(improvements, "0", "5")), [("A", "x"), ("B", "x")])


class ExactGainTests(SimpleTestCase):
    """Gains are exact fractions: a plan of thirds or sevenths reaches a bound that the same
    gains rounded down to the cent would miss, so a cheaper plan is found."""

    def test_a_third_closes_a_gap_of_a_third_exactly(self) -> None:
        improvements = [imp("A", "x", "1/3", "0.33"), imp("B", "x", "0.34", "0.50")]
        # 900 + 2/3 is shown 900.67; +1/3 is exactly 901 (0.33 would fall 1/300 short).
        plan = plan_for(improvements, "2702/3", "901")
        self.assertEqual(picked(plan), [("A", "x")])
        self.assertEqual(plan.gain_needed, F(1, 3))
        self.assertEqual(plan.current_total + plan.total_gain, F(901))
        self.assertEqual(plan.total_effort, D("0.33"))

    def test_three_thirds_make_a_whole_point(self) -> None:
        improvements = [
            imp("A", "x", "1/3", "0.30"),
            imp("B", "x", "1/3", "0.30"),
            imp("C", "x", "1/3", "0.30"),
            imp("D", "x", "1", "0.95"),
        ]
        plan = plan_for(improvements, "900", "901")
        self.assertEqual(picked(plan), [("A", "x"), ("B", "x"), ("C", "x")])
        self.assertEqual(plan.total_gain, F(1))
        self.assertEqual(plan.total_effort, D("0.90"))

    def test_seven_sevenths_make_a_whole_point(self) -> None:
        improvements = [imp(f"Q{n}", "x", "1/7", "0.10") for n in range(7)]
        improvements.append(imp("Z", "x", "1", "0.75"))
        plan = plan_for(improvements, "0", "1")
        self.assertEqual([q for q, _o in picked(plan)], [f"Q{n}" for n in range(7)])
        self.assertEqual(plan.total_gain, F(1))
        self.assertEqual(plan.total_effort, D("0.70"))

    def test_per_area_gains_of_1_136_of_a_point(self) -> None:
        # A quarter of a 1-point kelurahan question in a city of 34 kelurahan: 1/136 each.
        areas = [imp(f"26.01 · K{n:02d}", "x", "1/136", "0.01") for n in range(34)]
        big = imp("27.01", "x", "0.06", "0.09")
        plan = plan_for([*areas, big], "0", "1/17")
        # Eight areas (8/136 = 1/17 exactly, effort 0.08) beat the one big step (0.09).
        self.assertEqual(len(plan.chosen), 8)
        self.assertNotIn(("27.01", "x"), picked(plan))
        self.assertEqual(plan.total_gain, F(1, 17))
        self.assertEqual(plan.total_effort, D("0.08"))

    def test_plan_totals_are_exact_fractions(self) -> None:
        plan = plan_for([imp("A", "x", "2/7", "0.29"), imp("B", "x", "2/5", "0.40")], "0", "0.5")
        self.assertIsInstance(plan.total_gain, Fraction)
        self.assertIsInstance(plan.current_total, Fraction)
        self.assertIsInstance(plan.gain_needed, Fraction)
        self.assertIsInstance(plan.max_reachable_total, Fraction)
        self.assertEqual(plan.total_gain, F(24, 35))
        self.assertEqual(plan.max_reachable_total, F(24, 35))

    def test_decimal_gain_is_kept_exactly(self) -> None:
        # A Decimal gain (as callers computed before #13) is converted, not rounded.
        improvement = Improvement("A", "x", D("0.125"), D("0.13"))  # type: ignore[arg-type]
        self.assertEqual(improvement.gain, F(1, 8))
        self.assertIsInstance(improvement.gain, Fraction)

    def test_too_fine_an_instrument_falls_back_to_cent_floored_gains(self) -> None:
        improvements = [
            imp("A", "x", "1/3", "0.30"),
            imp("B", "x", "1/3", "0.30"),
            imp("C", "x", "1/3", "0.30"),
            imp("D", "x", "1/3", "0.30"),
            imp("E", "x", "1", "0.95"),
        ]
        exact = plan_for(improvements, "0", "1")
        self.assertTrue(exact.exact)
        self.assertEqual(exact.total_effort, D("0.90"))
        with mock.patch("layak.evaluations.optimizer.MAX_CELLS", 10):
            floored = plan_for(improvements, "0", "1")
        # Three thirds floored to 0.33 add 0.99, short of 1: the fallback never over-promises.
        self.assertFalse(floored.exact)
        self.assertTrue(floored.reachable)
        self.assertEqual(picked(floored), [("E", "x")])
        self.assertGreaterEqual(floored.current_total + floored.total_gain, F(1))
        with translation.override("en"):
            self.assertIn("rounded down to the cent", floored.explanation()[-1])

    def test_fallback_that_cannot_show_the_target_reached_says_so(self) -> None:
        # Exactly, three thirds reach 901; floored to the cent they add only 0.99.
        improvements = [imp(q, "x", "1/3", "0.33") for q in ("A", "B", "C")]
        with mock.patch("layak.evaluations.optimizer.MAX_CELLS", 1):
            plan = plan_for(improvements, "900", "901")
        self.assertFalse(plan.reachable)
        self.assertFalse(plan.exact)
        with translation.override("en"):
            sentences = plan.explanation()
        self.assertIn("no plan could be shown to reach the target 901", sentences[-1])
        self.assertFalse(any("the plan reaches the target" in s for s in sentences))


class TieTests(SimpleTestCase):
    def test_equal_effort_prefers_fewer_questions(self) -> None:
        improvements = [imp("A", "x", "2", "2"), imp("B", "x", "2", "2"), imp("C", "x", "4", "4")]
        self.assertEqual(picked(plan_for(improvements, "0", "4")), [("C", "x")])

    def test_equal_effort_and_count_prefers_earlier_question_keys(self) -> None:
        improvements = [imp(q, "x", "2", "2") for q in ("D", "B", "C", "A")]
        for seed in range(5):
            shuffled = list(improvements)
            random.Random(seed).shuffle(shuffled)
            self.assertEqual(picked(plan_for(shuffled, "0", "4")), [("A", "x"), ("B", "x")])

    def test_equal_options_of_one_question_prefer_smaller_option_key(self) -> None:
        improvements = [imp("Q", "q", "2", "2"), imp("Q", "p", "3", "2")]
        self.assertEqual(picked(plan_for(improvements, "0", "2")), [("Q", "p")])


class BoundaryTests(SimpleTestCase):
    def test_target_already_reached_gives_empty_plan(self) -> None:
        for current in ("901", "950.5", "2704/3"):
            plan = plan_for([imp("A", "x", "1", "1")], current, "901")
            self.assertTrue(plan.reachable)
            self.assertEqual(plan.chosen, ())
            self.assertEqual(plan.gain_needed, F(0))
            self.assertEqual(plan.total_effort, D(0))
            self.assertEqual(plan.max_reachable_total, F(current) + 1)

    def test_just_below_the_target_is_not_reached(self) -> None:
        # 900.9966... is shown 901.00 but the plan works on the exact value.
        plan = plan_for([imp("A", "x", "1/300", "0.01")], "270299/300", "901")
        self.assertEqual(plan.gain_needed, F(1, 300))
        self.assertEqual(picked(plan), [("A", "x")])

    def test_unreachable_target_reports_the_maximum(self) -> None:
        improvements = [
            imp("A", "x", "1", "1"),
            imp("A", "y", "2.5", "9"),
            imp("B", "x", "3", "1"),
        ]
        plan = plan_for(improvements, "890", "901")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.chosen, ())
        self.assertEqual(plan.max_reachable_total, F(1791, 2))
        self.assertEqual(plan.gain_needed, F(11))

    def test_unreachable_by_a_hair(self) -> None:
        # Three thirds and 1/7 less than needed: 900 + 1 - 1/7 never reaches 901.
        improvements = [imp("A", "x", "1/3", "0.33"), imp("B", "x", "2/3", "0.67")]
        plan = plan_for(improvements, "6299/7", "901")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.max_reachable_total, F(6299, 7) + 1)

    def test_no_candidates_at_all(self) -> None:
        plan = plan_for([], "500", "601")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.max_reachable_total, F(500))

    def test_invalid_input_is_rejected(self) -> None:
        bad: list[tuple[Fraction | Decimal, str]] = [
            (F(1), "-0.01"),  # negative effort
            (F(0), "1"),  # no gain
            (F(-1, 3), "1"),  # a worse option
            (F(1), "0.001"),  # effort finer than hundredths
            (D("NaN"), "1"),
            (D("Infinity"), "1"),
            (F(1), "Infinity"),
            (F(1), "NaN"),
        ]
        for gain, effort in bad:
            with self.subTest(gain=gain, effort=effort), self.assertRaises(ValueError):
                # Decimal gains too: __post_init__ checks they are finite before converting.
                Improvement("A", "x", gain, D(effort))  # type: ignore[arg-type]

    def test_duplicate_option_is_rejected(self) -> None:
        with self.assertRaises(ValueError):
            plan_for([imp("A", "x", "1", "1"), imp("A", "x", "2", "1")], "0", "1")

    def test_non_finite_totals_are_rejected(self) -> None:
        for current, target in ((D("NaN"), D(1)), (D(0), D("Infinity"))):
            with self.subTest(current=current, target=target), self.assertRaises(ValueError):
                cheapest_plan([imp("A", "x", "1", "1")], current_total=current, target_total=target)

    def test_trailing_zeros_are_not_extra_decimals(self) -> None:
        plan = plan_for([imp("A", "x", "1.2500", "0.500")], "0", "1")
        self.assertEqual(plan.total_effort, D("0.5"))

    def test_default_effort_is_the_gain_rounded_half_up_to_the_cent(self) -> None:
        for gain, effort in (
            (D("13.75"), "13.75"),
            (F(55, 4), "13.75"),
            (F(1, 3), "0.33"),
            (F(2, 3), "0.67"),
            (F(1, 8), "0.13"),  # 0.125: a half goes up
            (F(1, 7), "0.14"),
            (F(1, 136), "0.01"),
            (F(1, 201), "0.00"),
        ):
            with self.subTest(gain=gain):
                self.assertEqual(str(default_effort(gain)), effort)


class PresentationTests(SimpleTestCase):
    def test_by_agency_groups_chosen_improvements(self) -> None:
        improvements = [
            imp("1.01", "x", "5", "1", agency="dp3akb"),
            imp("2.01", "x", "5", "1", agency="bappeda"),
            imp("3.01", "x", "5", "1", agency="dp3akb"),
            imp("4.01", "x", "5", "100", agency="dinkes"),
        ]
        groups = plan_for(improvements, "0", "15").by_agency()
        self.assertEqual(list(groups), ["bappeda", "dp3akb"])
        self.assertEqual([i.question for i in groups["dp3akb"]], ["1.01", "3.01"])

    def test_explanation_of_a_reachable_plan(self) -> None:
        improvements = [
            Improvement("6.03", "4", F(55, 4), D("13.75"), label="Forum Anak terlibat Musrenbang"),
            imp("6.04", "3", "5.5", "20"),
        ]
        with translation.override("en"):
            lines = plan_for(improvements, "890.5", "901").explanation()
        self.assertEqual(
            lines[:4],
            [
                "The current score is 890.50; the target band starts at 901, "
                "so 10.50 more points are needed.",
                "The cheapest way is to improve 1 question with a total effort of 13.75.",
                "Question 6.03: move to 'Forum Anak terlibat Musrenbang' "
                "(+13.75 points, effort 13.75).",
                "Together these add 13.75 points, for a total of 904.25.",
            ],
        )
        self.assertIn("computed exactly", lines[4])

    def test_explanation_rounds_exact_figures_once_half_up(self) -> None:
        with translation.override("en"):
            lines = plan_for([imp("A", "x", "1/3", "0.33")], "2702/3", "901").explanation()
        self.assertEqual(
            lines[0],
            "The current score is 900.67; the target band starts at 901, "
            "so 0.33 more points are needed.",
        )
        self.assertEqual(lines[2], "Question A: move to 'x' (+0.33 points, effort 0.33).")
        self.assertEqual(lines[3], "Together these add 0.33 points, for a total of 901.00.")

    def test_explanation_of_an_unreachable_target(self) -> None:
        with translation.override("en"):
            lines = plan_for([imp("A", "x", "3", "1")], "890", "901").explanation()
        self.assertIn("reaches only 893.00, below the target 901.", lines[1])

    def test_explanation_when_already_reached(self) -> None:
        with translation.override("en"):
            lines = plan_for([], "905", "901").explanation()
        self.assertEqual(len(lines), 1)
        self.assertIn("already reached", lines[0])


Best = tuple[Decimal, int, list[tuple[str, str]]]


def _brute_force(
    improvements: list[Improvement], current: Fraction, target: Fraction
) -> tuple[bool, Fraction, Best | None]:
    """Every combination of at most one option per question, added exactly (in whole units
    of the common denominator, for speed): (reachable, maximum, best)."""
    unit = math.lcm(
        current.denominator, target.denominator, *(i.gain.denominator for i in improvements)
    )
    questions = sorted({i.question for i in improvements})
    choices = [
        [
            (0, D(0), None),
            *((int(i.gain * unit), i.effort, i) for i in improvements if i.question == q),
        ]
        for q in questions
    ]
    start, goal = int(current * unit), int(target * unit)
    best: Best | None = None
    maximum = start
    for combination in itertools.product(*choices):
        total = start + sum(gain for gain, _effort, _i in combination)
        maximum = max(maximum, total)
        if total >= goal:
            taken = [i for _gain, _effort, i in combination if i is not None]
            key = (
                sum((effort for _gain, effort, _i in combination), D(0)),
                len(taken),
                sorted((i.question, i.option) for i in taken),
            )
            if best is None or key < best:
                best = key
    return best is not None, F(maximum, unit), best


#: Options of one random instrument: every question of an instance draws from one family,
#: so that the exact steps stay small enough for the pure-Python path as well.
SHARE_FAMILIES: list[tuple[tuple[int, int], ...]] = [
    ((1, 4), (1, 2), (3, 4), (1, 1)),
    ((1, 6), (1, 3), (2, 3), (1, 1)),
    ((1, 7), (2, 7), (1, 3), (1, 1)),
    ((1, 5), (2, 5), (2, 3), (1, 1)),
]


def _random_instance(rng: random.Random) -> tuple[list[Improvement], Fraction, Fraction]:
    """Questions of 1-6 points, some answered per area (3 kelurahan, or 34 with quarters:
    gains of 1/136 of a point), options drawn from one family of exact shares; the target
    is sometimes exactly the current total plus some gains."""
    family = rng.choice(SHARE_FAMILIES)
    improvements = []
    for q in range(rng.randint(1, 7)):
        max_points = rng.randint(1, 6)
        areas = rng.choice((1, 1, 3, 34) if family == SHARE_FAMILIES[0] else (1, 1, 3))
        for numerator, denominator in rng.sample(family, rng.randint(1, len(family))):
            gain = F(max_points * numerator, denominator * areas)
            # Small effort ranges on purpose, so that ties are common.
            effort = rng.choice(
                [default_effort(gain), D(rng.randint(0, 12)) / 4, D(rng.randint(0, 300)) / 100]
            )
            improvements.append(Improvement(f"q{q}", f"o{numerator}/{denominator}", gain, effort))
    rng.shuffle(improvements)
    current = F(rng.randint(0, 12000), rng.choice((100, 300, 700)))
    best_gains = [
        max(i.gain for i in improvements if i.question == q)
        for q in sorted({i.question for i in improvements})
    ]
    if rng.random() < 0.3:
        target = current + sum(rng.sample(best_gains, rng.randint(1, len(best_gains))), F(0))
    else:
        total_max = sum(best_gains, F(0))
        target = current + F(rng.randint(-100, int(total_max * 100) + 200), 100)
    return improvements, current, target


class BruteForceComparisonTests(SimpleTestCase):
    def test_matches_brute_force_on_random_small_instruments(self) -> None:
        outcomes = {"reachable": 0, "unreachable": 0, "already": 0, "exact hit": 0}
        for seed in range(400):
            rng = random.Random(seed)
            improvements, current, target = _random_instance(rng)
            reachable, maximum, best = _brute_force(improvements, current, target)
            plan = cheapest_plan(improvements, current_total=current, target_total=target)
            with self.subTest(seed=seed):
                self.assertTrue(plan.exact)
                self.assertEqual(plan.reachable, reachable)
                self.assertEqual(plan.max_reachable_total, maximum)
                if best is None:
                    self.assertEqual(plan.chosen, ())
                    outcomes["unreachable"] += 1
                    continue
                effort, count, pairs = best
                self.assertEqual(plan.total_effort, effort)
                self.assertEqual(len(plan.chosen), count)
                self.assertEqual(picked(plan), pairs)
                self.assertGreaterEqual(current + plan.total_gain, target)
                if count and current + plan.total_gain == target:
                    outcomes["exact hit"] += 1
                outcomes["already" if count == 0 else "reachable"] += 1
        # The random instruments exercise every outcome, not just one.
        self.assertGreater(min(outcomes.values()), 10, outcomes)


class SizeTests(SimpleTestCase):
    def test_three_hundred_questions_with_six_options_each(self) -> None:
        rng = random.Random(2024)
        shares = (F(1, 4), F(1, 3), F(1, 2), F(2, 3), F(3, 4), F(1))
        improvements = []
        for q in range(300):
            max_points = rng.randint(1, 6)
            for n, share in enumerate(shares):
                gain = max_points * share
                effort = default_effort(gain) + D(rng.randint(0, 100)) / 100
                improvements.append(Improvement(f"{q:03d}", f"o{n}", gain, effort))
        current = F(1501, 3)  # 500.33...
        target = F(901)
        plan = cheapest_plan(improvements, current_total=current, target_total=target)
        self.assertTrue(plan.reachable)
        self.assertTrue(plan.exact)
        self.assertGreaterEqual(current + plan.total_gain, target)
        self.assertEqual(len({i.question for i in plan.chosen}), len(plan.chosen))
        # Never worse than the greedy plan: questions by effort per point, full option each.
        greedy_effort, greedy_gain = D(0), F(0)
        best_per_question: dict[str, Improvement] = {}
        for i in improvements:
            if i.question not in best_per_question or i.gain > best_per_question[i.question].gain:
                best_per_question[i.question] = i
        for i in sorted(best_per_question.values(), key=lambda i: F(i.effort) / i.gain):
            if current + greedy_gain >= target:
                break
            greedy_effort += i.effort
            greedy_gain += i.gain
        self.assertLess(plan.total_effort, greedy_effort)


class PythonFallbackTests(SimpleTestCase):
    """Costs too large for 64-bit integers take the pure-Python path; it must choose exactly
    what the vectorised path chooses."""

    def test_both_paths_choose_the_same_plan(self) -> None:
        rng = random.Random(77)
        for seed in range(150):
            improvements, current, target = _random_instance(rng)
            with self.subTest(seed=seed):
                fast = cheapest_plan(improvements, current_total=current, target_total=target)
                with mock.patch("layak.evaluations.optimizer._INT64_MAX", 0):
                    slow = cheapest_plan(improvements, current_total=current, target_total=target)
                self.assertEqual(picked(fast), picked(slow))
                self.assertEqual(fast.total_effort, slow.total_effort)
                self.assertEqual(fast.total_gain, slow.total_gain)
