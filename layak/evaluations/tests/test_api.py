"""The evaluation over the JSON API under /api/v1/evaluation/ (issue #3): the same permission
functions as the pages, 401 for anonymous callers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client

from layak.core.testing import NOT_FOUND, OK, UNAUTHORIZED, assert_access_matrix, login
from layak.evaluations import services
from layak.evaluations.models import Answer, Question
from layak.evaluations.tests import _world


def _get(person: Any, url: str) -> Any:
    client = Client()
    login(client, person)
    return client.get(url)


class EvaluationApiAccessTests(_world.WorldTestCase):
    def test_instruments_answer_401_to_anonymous_and_nothing_without_a_role(self) -> None:
        assert_access_matrix(
            self,
            "/api/v1/evaluation/instruments/",
            allowed=self.world.focal,
            no_permission=self.world.worker,
            anonymous=UNAUTHORIZED,
            expect_no_permission=OK,
        )

        self.assertEqual(_get(self.world.worker, "/api/v1/evaluation/instruments/").json(), [])

    def test_cycles_answer_401_to_anonymous_and_only_the_own_city(self) -> None:
        assert_access_matrix(
            self,
            "/api/v1/evaluation/cycles/",
            allowed=self.world.verifier,
            no_permission=self.world.other_secretariat,
            anonymous=UNAUTHORIZED,
            expect_no_permission=OK,
        )

        self.assertEqual(
            _get(self.world.other_secretariat, "/api/v1/evaluation/cycles/").json(), []
        )
        self.assertEqual(_get(self.world.worker, "/api/v1/evaluation/cycles/").json(), [])

    def test_scores_and_answers_are_404_outside_the_city(self) -> None:
        for page in ("scores/", "answers/"):
            url = f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/{page}"
            with self.subTest(page=page):
                assert_access_matrix(
                    self,
                    url,
                    allowed=self.world.leader,
                    no_permission=self.world.other_secretariat,
                    read_only=self.world.worker,
                    anonymous=UNAUTHORIZED,
                    expect_no_permission=NOT_FOUND,
                    expect_read_only=NOT_FOUND,
                )

    def test_unknown_cycle_is_404(self) -> None:
        response = _get(self.world.secretariat, "/api/v1/evaluation/cycles/999999/scores/")

        self.assertEqual(response.status_code, 404)

    def test_anonymous_learns_nothing_about_the_cycle(self) -> None:
        response = Client().get(f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/scores/")

        self.assertEqual(response.status_code, 401)
        self.assertNotIn(b"total", response.content)


class EvaluationApiContentTests(_world.WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        answer = _world.answer_of(cls.world.cycle, _world.DUKCAPIL_QUESTION)  # 5 points
        services.answer_save(
            actor=cls.world.focal,
            answer=answer,
            expected_version=answer.version,
            option=_world.option_of(answer, "0.5"),
            explanation="",
            data_values={},
        )

    def test_instruments_list_the_demo_instrument(self) -> None:
        instrument = self.world.instrument

        response = _get(self.world.focal, "/api/v1/evaluation/instruments/")

        self.assertEqual(
            response.json(),
            [
                {
                    "id": instrument.pk,
                    "year": 2024,
                    "name": instrument.name,
                    "total_points": "1000.00",
                }
            ],
        )

    def test_cycles_list_the_citys_cycle(self) -> None:
        response = _get(self.world.verifier, "/api/v1/evaluation/cycles/")

        self.assertEqual(
            response.json(),
            [
                {
                    "id": self.world.cycle.pk,
                    "region_code": "64.71",
                    "year": 2026,
                    "status": "open",
                    "instrument_id": self.world.instrument.pk,
                }
            ],
        )

    def test_scores_return_the_total_and_the_bands(self) -> None:
        response = _get(
            self.world.leader, f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/scores/"
        )

        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["cycle_id"], self.world.cycle.pk)
        # Decimals as strings with a dot, rounded once, and the exact value beside them.
        total = body["total"]
        self.assertEqual(
            total,
            {
                "code": "total",
                "name": "Total",
                "maximum": "1000.00",
                "self_points": "2.50",
                "verified_points": "0.00",
                "projected_points": "2.50",
                "self_points_exact": "2.5",
                "verified_points_exact": "0",
                "answers_verified": 0,
                "answers": total["answers"],
            },
        )
        self.assertGreater(total["answers"], 0)
        self.assertIsNone(body["self_band"])
        self.assertIsNone(body["verified_band"])
        indicator = next(i for i in body["indicators"] if i["code"] == "4")
        self.assertEqual(Decimal(indicator["self_points"]), Decimal("2.5"))
        self.assertEqual(len(body["groups"]), 7)

    def test_scores_name_the_band_reached(self) -> None:
        # Every city question at its best answer and no area answers: above Pratama (500).
        best = {
            q.pk: q.options.last()
            for q in Question.objects.filter(instrument=self.world.instrument, scope="city")
        }
        for answer in Answer.objects.filter(cycle=self.world.cycle, area__isnull=True):
            Answer.objects.filter(pk=answer.pk).update(option=best[answer.question_id])

        body = _get(
            self.world.secretariat, f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/scores/"
        ).json()

        self.assertGreaterEqual(Decimal(body["total"]["self_points"]), Decimal(500))
        self.assertIsNotNone(body["self_band"])
        self.assertIsNone(body["verified_band"])

    def test_answers_for_the_focal_point_are_only_their_assigned_answers(self) -> None:
        response = _get(
            self.world.focal, f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/answers/"
        )

        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            [a["question_code"] for a in body], ["1.02", "4.01", "4.02", "4.03", "4.04", "7.01"]
        )
        answered = next(a for a in body if a["question_code"] == "4.01")
        self.assertEqual(
            (answered["area_code"], Decimal(answered["option_fraction"]), answered["status"]),
            (None, Decimal("0.5"), "draft"),
        )
        self.assertIsNone(answered["verified_fraction"])

    def test_answers_for_a_kelurahan_office_are_its_own_kelurahans(self) -> None:
        response = _get(
            self.world.kelurahan_focal,
            f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/answers/",
        )

        body = response.json()
        self.assertEqual({a["area_code"] for a in body}, {_world.KELURAHAN})
        self.assertEqual(len(body), 10)  # questions 26.01 to 26.10

    def test_answers_for_the_secretariat_are_all_answers(self) -> None:
        response = _get(
            self.world.secretariat, f"/api/v1/evaluation/cycles/{self.world.cycle.pk}/answers/"
        )

        self.assertEqual(
            len(response.json()), Answer.objects.filter(cycle=self.world.cycle).count()
        )
