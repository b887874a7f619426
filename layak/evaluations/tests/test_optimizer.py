"""The gap-analysis plan is the exact least-effort one, with deterministic ties."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
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


def imp(question: str, option: str, gain: str, effort: str, agency: str = "") -> Improvement:
    return Improvement(question, option, D(gain), D(effort), agency=agency)


def plan_for(improvements: list[Improvement], current: str, target: str) -> Plan:
    return cheapest_plan(improvements, current_total=D(current), target_total=D(target))


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
        self.assertEqual(picked(plan), [("B", "b2"), ("C", "c4")])
        self.assertEqual(plan.total_effort, D("3.5"))
        self.assertEqual(plan.total_gain, D("6"))
        self.assertEqual(plan.gain_needed, D("5"))
        self.assertEqual(plan.max_reachable_total, D("21"))

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
        self.assertEqual(plan.max_reachable_total, D("3"))
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
        self.assertEqual(plan.gain_needed, D("1.25"))

    def test_need_with_more_decimals_is_rounded_up_to_reachable_steps(self) -> None:
        improvements = [
            imp("A", "x", "0.5", "1"),
            imp("B", "x", "1.0", "3"),
            imp("C", "x", "0.5", "1.5"),
        ]
        # 0.667 needed, gains are half points: A alone (+0.5) is not enough.
        plan = plan_for(improvements, "10.333", "11")
        self.assertEqual(picked(plan), [("A", "x"), ("C", "x")])
        self.assertEqual(plan.total_effort, D("2.5"))

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
        self.assertEqual(plan.max_reachable_total, D("6"))

    def test_zero_effort_improvement_is_taken_only_when_useful(self) -> None:
        improvements = [imp("A", "x", "1", "0"), imp("B", "x", "4", "2")]
        self.assertEqual(picked(plan_for(improvements, "0", "4")), [("B", "x")])
        self.assertEqual(picked(plan_for(improvements, "0", "5")), [("A", "x"), ("B", "x")])


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
        for current in ("901", "950.5"):
            plan = plan_for([imp("A", "x", "1", "1")], current, "901")
            self.assertTrue(plan.reachable)
            self.assertEqual(plan.chosen, ())
            self.assertEqual(plan.gain_needed, D(0))
            self.assertEqual(plan.total_effort, D(0))
            self.assertEqual(plan.max_reachable_total, D(current) + 1)

    def test_unreachable_target_reports_the_maximum(self) -> None:
        improvements = [
            imp("A", "x", "1", "1"),
            imp("A", "y", "2.5", "9"),
            imp("B", "x", "3", "1"),
        ]
        plan = plan_for(improvements, "890", "901")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.chosen, ())
        self.assertEqual(plan.max_reachable_total, D("895.5"))
        self.assertEqual(plan.gain_needed, D("11"))

    def test_no_candidates_at_all(self) -> None:
        plan = plan_for([], "500", "601")
        self.assertFalse(plan.reachable)
        self.assertEqual(plan.max_reachable_total, D("500"))

    def test_invalid_input_is_rejected(self) -> None:
        bad = [
            ("1", "-0.01"),  # negative effort
            ("0", "1"),  # no gain
            ("-1", "1"),  # a worse option
            ("0.125", "1"),  # finer than hundredths
            ("1", "0.001"),
            ("NaN", "1"),
            ("1", "Infinity"),
        ]
        for gain, effort in bad:
            with self.subTest(gain=gain, effort=effort), self.assertRaises(ValueError):
                imp("A", "x", gain, effort)

    def test_duplicate_option_is_rejected(self) -> None:
        with self.assertRaises(ValueError):
            plan_for([imp("A", "x", "1", "1"), imp("A", "x", "2", "1")], "0", "1")

    def test_non_finite_totals_are_rejected(self) -> None:
        with self.assertRaises(ValueError):
            plan_for([imp("A", "x", "1", "1")], "NaN", "1")

    def test_trailing_zeros_are_not_extra_decimals(self) -> None:
        plan = plan_for([imp("A", "x", "1.2500", "0.500")], "0", "1")
        self.assertEqual(plan.total_effort, D("0.5"))

    def test_default_effort_is_the_gain(self) -> None:
        self.assertEqual(default_effort(D("13.75")), D("13.75"))


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
            Improvement(
                "6.03", "4", D("13.75"), D("13.75"), label="Forum Anak terlibat Musrenbang"
            ),
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

    def test_explanation_of_an_unreachable_target(self) -> None:
        with translation.override("en"):
            lines = plan_for([imp("A", "x", "3", "1")], "890", "901").explanation()
        self.assertIn("reaches only 893.00, below the target 901.", lines[1])

    def test_explanation_when_already_reached(self) -> None:
        with translation.override("en"):
            lines = plan_for([], "905", "901").explanation()
        self.assertEqual(len(lines), 1)
        self.assertIn("already reached", lines[0])


def _brute_force(
    improvements: list[Improvement], current: Decimal, target: Decimal
) -> tuple[bool, Decimal, tuple[Decimal, int, list[tuple[str, str]]] | None]:
    """Every combination of at most one option per question: (reachable, maximum, best)."""
    questions = sorted({i.question for i in improvements})
    choices = [[None, *(i for i in improvements if i.question == q)] for q in questions]
    best: tuple[Decimal, int, list[tuple[str, str]]] | None = None
    maximum = current
    for combination in itertools.product(*choices):
        taken = [i for i in combination if i is not None]
        total = current + sum((i.gain for i in taken), D(0))
        maximum = max(maximum, total)
        if total >= target:
            key = (
                sum((i.effort for i in taken), D(0)),
                len(taken),
                sorted((i.question, i.option) for i in taken),
            )
            if best is None or key < best:
                best = key
    return best is not None, maximum, best


def _random_instance(rng: random.Random) -> tuple[list[Improvement], Decimal, Decimal]:
    improvements = []
    for q in range(rng.randint(1, 7)):
        max_points = D(rng.randint(1, 6))
        fractions = rng.sample([1, 2, 3, 4], rng.randint(1, 4))
        for option in fractions:
            gain = max_points * option / 4
            # Small effort ranges on purpose, so that ties are common.
            effort = rng.choice([gain, D(rng.randint(0, 12)) / 4, D(rng.randint(0, 300)) / 100])
            improvements.append(Improvement(f"q{q}", f"o{option}", gain, effort))
    rng.shuffle(improvements)
    current = D(rng.randint(0, 4000)) / 100
    total_max = sum(
        (
            max(i.gain for i in improvements if i.question == q)
            for q in {i.question for i in improvements}
        ),
        D(0),
    )
    target = current + D(rng.randint(-100, int(total_max * 100) + 200)) / 100
    return improvements, current, target


class BruteForceComparisonTests(SimpleTestCase):
    def test_matches_brute_force_on_random_small_instruments(self) -> None:
        outcomes = {"reachable": 0, "unreachable": 0, "already": 0}
        for seed in range(400):
            rng = random.Random(seed)
            improvements, current, target = _random_instance(rng)
            reachable, maximum, best = _brute_force(improvements, current, target)
            plan = cheapest_plan(improvements, current_total=current, target_total=target)
            with self.subTest(seed=seed):
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
                outcomes["already" if count == 0 else "reachable"] += 1
        # The random instruments exercise every outcome, not just one.
        self.assertGreater(min(outcomes.values()), 10, outcomes)


class SizeTests(SimpleTestCase):
    def test_three_hundred_questions_with_four_options_each(self) -> None:
        rng = random.Random(2024)
        improvements = []
        for q in range(300):
            max_points = D(rng.randint(1, 6))
            for option in (1, 2, 3, 4):
                gain = max_points * option / 4
                effort = default_effort(gain) + D(rng.randint(0, 100)) / 100
                improvements.append(Improvement(f"{q:03d}", f"o{option}", gain, effort))
        current = D("500.25")
        target = D("901")
        plan = cheapest_plan(improvements, current_total=current, target_total=target)
        self.assertTrue(plan.reachable)
        self.assertGreaterEqual(current + plan.total_gain, target)
        self.assertEqual(len({i.question for i in plan.chosen}), len(plan.chosen))
        # Never worse than the greedy plan: questions by effort per point, full option each.
        greedy_effort, greedy_gain = D(0), D(0)
        best_per_question: dict[str, Improvement] = {}
        for i in improvements:
            if i.question not in best_per_question or i.gain > best_per_question[i.question].gain:
                best_per_question[i.question] = i
        for i in sorted(best_per_question.values(), key=lambda i: i.effort / i.gain):
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
