"""Issue 11, finding 6: ``POST /api/v1/indicators/{code}/values/`` with one row deleted every
other region's value of the period, and an empty list deleted them all. Values now upsert by
default; a period is replaced only with ``"replace": true`` and never by an empty list."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client, TestCase

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import CityWorld, make_agency, make_city_world, make_person
from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.indicators import services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Value
from layak.regions.tests.factories import make_region

URL = "/api/v1/indicators/akta-lahir/values/"
K1, K2, K3 = "64.71.01.1001", "64.71.01.1002", "64.71.01.1003"


class ValuesUpsertApiTests(TestCase):
    world: CityWorld
    own: User
    definition: Definition

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.world = make_city_world()
        for code, name in ((K1, "Manggar"), (K2, "Manggar Baru"), (K3, "Teritip")):
            make_region(code, name)
        capil = make_agency(region=cls.world.city, code="disdukcapil")
        cls.own = make_person(Role.OPD_FOCAL, agency=capil, username="opd.capil")
        cls.definition = Definition.objects.get(code="akta-lahir")
        services.values_enter(
            actor=cls.own,
            definition=cls.definition,
            city=cls.world.city,
            period="2025",
            entries=[(K1, "45", "60"), (K2, "10", "20"), (K3, "7", "9")],
        )

    def _post(self, body: dict[str, Any]) -> Any:
        client = Client()
        login(client, self.own)
        return client.post(URL, json.dumps(body), content_type="application/json")

    def _values(self, period: str = "2025") -> list[tuple[str, int | None, int | None]]:
        return list(
            Value.objects.filter(period_label=period)
            .order_by("region__code")
            .values_list("region__code", "numerator", "denominator")
        )

    def test_one_row_changes_that_region_only(self) -> None:
        response = self._post(
            {"period": "2025", "rows": [{"region_code": K2, "numerator": 11, "denominator": 20}]}
        )

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["removed"], 0)
        self.assertEqual(response.json()["changed"], 1)
        self.assertEqual(self._values(), [(K1, 45, 60), (K2, 11, 20), (K3, 7, 9)])

    def test_a_new_region_is_added_and_the_others_are_kept(self) -> None:
        Value.objects.filter(region__code=K3).delete()

        response = self._post(
            {"period": "2025", "rows": [{"region_code": K3, "numerator": 1, "denominator": 2}]}
        )

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["added"], 1)
        self.assertEqual(self._values(), [(K1, 45, 60), (K2, 10, 20), (K3, 1, 2)])

    def test_an_empty_list_is_400_and_deletes_nothing(self) -> None:
        for body in (
            {"period": "2025", "rows": []},
            {"period": "2025", "rows": [], "replace": True},
        ):
            with self.subTest(body=body):
                response = self._post(body)

                self.assertEqual(response.status_code, 400)
                errors = response.json()["errors"]
                self.assertEqual([e["row"] for e in errors], [0])
                self.assertTrue(errors[0]["message"])
                self.assertEqual(len(self._values()), 3)

    def test_replace_with_only_blank_rows_is_400_and_deletes_nothing(self) -> None:
        response = self._post({"period": "2025", "rows": [{"region_code": K1}], "replace": True})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self._values()), 3)

    def test_replace_true_makes_the_period_exactly_the_rows(self) -> None:
        response = self._post(
            {
                "period": "2025",
                "replace": True,
                "rows": [{"region_code": K1, "numerator": 50, "denominator": 60}],
            }
        )

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["removed"], 2)
        self.assertEqual(self._values(), [(K1, 50, 60)])

    def test_a_blank_row_removes_only_that_region(self) -> None:
        response = self._post({"period": "2025", "rows": [{"region_code": K3}]})

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["removed"], 1)
        self.assertEqual(self._values(), [(K1, 45, 60), (K2, 10, 20)])

    def test_a_blank_row_of_an_unknown_region_is_a_row_error(self) -> None:
        response = self._post(
            {
                "period": "2025",
                "rows": [
                    {"region_code": K1, "numerator": 1, "denominator": 2},
                    {"region_code": "64.72.01.1001"},
                ],
            }
        )

        self.assertEqual(response.status_code, 400)
        self.assertEqual([e["row"] for e in response.json()["errors"]], [2])
        self.assertEqual(self._values()[0], (K1, 45, 60))

    def test_another_period_is_left_alone(self) -> None:
        response = self._post(
            {"period": "2026", "rows": [{"region_code": K1, "numerator": 3, "denominator": 4}]}
        )

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self._values("2026"), [(K1, 3, 4)])
        self.assertEqual(len(self._values()), 3)

    def test_each_entry_is_audited_with_its_mode(self) -> None:
        before = AuditEntry.objects.count()

        self._post({"period": "2025", "rows": [{"region_code": K1, "numerator": 1}]})
        self._post(
            {
                "period": "2025",
                "replace": True,
                "rows": [{"region_code": K1, "numerator": 2, "denominator": 3}],
            }
        )

        labels = list(
            AuditEntry.objects.filter(object_type="indicators.value")
            .order_by("seq")
            .values_list("object_label", flat=True)[before:]
        )
        self.assertEqual(labels[-1], "akta-lahir 2025 replace")

    def test_the_schema_documents_replace(self) -> None:
        client = Client()
        schema = client.get("/api/v1/openapi.json").json()
        names = json.dumps(schema["components"]["schemas"]["ValuesIn"])
        self.assertIn("replace", names)
