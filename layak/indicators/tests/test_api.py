"""The indicator API under /api/v1/indicators/ (issue #6): session login as for every API,
the page's permission functions, reads of the caller's city only, and entry through the one
all-or-nothing service."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.test import Client, TestCase

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import CityWorld, make_agency, make_city_world, make_person
from layak.core.testing import UNAUTHORIZED, assert_access_matrix, login
from layak.indicators import rollups, services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Level, Rollup, Value
from layak.plans import services as plan_services
from layak.regions.tests.factories import make_region

API = "/api/v1/indicators"
K1, K2 = "64.71.01.1001", "64.71.01.1002"


def _client(person: Any) -> Client:
    client = Client()
    if person is not None:
        login(client, person)
    return client


def _post(person: Any, url: str, body: dict[str, Any]) -> Any:
    return _client(person).post(url, json.dumps(body), content_type="application/json")


class IndicatorApiTests(TestCase):
    world: CityWorld
    own: User
    capil: Agency
    definition: Definition

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.world = make_city_world()
        make_region(K1, "Manggar")
        make_region(K2, "Manggar Baru")
        make_region("64.72.01.1001", "Samarinda kelurahan")
        cls.capil = make_agency(region=cls.world.city, code="disdukcapil")
        cls.own = make_person(Role.OPD_FOCAL, agency=cls.capil, username="opd.capil")
        cls.definition = Definition.objects.get(code="akta-lahir")
        services.values_enter(
            actor=cls.own,
            definition=cls.definition,
            city=cls.world.city,
            period="2025",
            entries=[(K1, "45", "60"), (K2, "10", "20")],
        )
        rollups.refresh(cls.definition, cls.world.city)

    # -- who may call ---------------------------------------------------------------------------

    def test_reads_answer_401_to_anonymous_and_403_without_an_indicator_role(self) -> None:
        w = self.world
        for url in (
            f"{API}/definitions/",
            f"{API}/akta-lahir/values/?period=2025",
            f"{API}/akta-lahir/rollups/?level=kelurahan",
            f"{API}/akta-lahir/targets/",
        ):
            with self.subTest(url=url):
                for reader in (w.leader, w.focal, self.own):
                    assert_access_matrix(
                        self,
                        url,
                        allowed=reader,
                        no_permission=w.no_role,
                        read_only=w.worker,  # a case worker has no indicator role
                        anonymous=UNAUTHORIZED,
                    )

    def test_another_city_sees_only_its_own_regions(self) -> None:
        other = self.world.other_person

        values = _client(other).get(f"{API}/akta-lahir/values/?period=2025").json()
        rollup_rows = _client(other).get(f"{API}/akta-lahir/rollups/?level=kelurahan").json()
        city_rows = _client(other).get(f"{API}/akta-lahir/rollups/").json()

        self.assertEqual([r["region_code"] for r in values["rows"]], ["64.72.01.1001"])
        self.assertEqual([r["numerator"] for r in values["rows"]], [None])
        self.assertEqual((rollup_rows, city_rows), ([], []))

    def test_unknown_indicator_is_404(self) -> None:
        client = _client(self.world.secretariat)
        self.assertEqual(client.get(f"{API}/no-such/values/?period=2025").status_code, 404)
        self.assertEqual(client.get(f"{API}/no-such/targets/").status_code, 404)

    # -- reads ---------------------------------------------------------------------------------

    def test_definitions_list_the_active_definitions(self) -> None:
        Definition.objects.filter(code="patbm").update(active=False)

        body = _client(self.world.leader).get(f"{API}/definitions/").json()

        codes = [d["code"] for d in body]
        self.assertEqual(len(codes), Definition.objects.filter(active=True).count())
        self.assertNotIn("patbm", codes)
        akta = next(d for d in body if d["code"] == "akta-lahir")
        self.assertEqual(
            (akta["unit"], akta["polarity"], akta["level"], akta["period_type"]),
            ("percent", "higher", "kelurahan", "year"),
        )

    def test_values_carry_raw_counts_and_the_computed_rate(self) -> None:
        body = _client(self.world.leader).get(f"{API}/akta-lahir/values/?period=2025").json()

        self.assertEqual(
            (body["code"], body["period"], body["locked"]), ("akta-lahir", "2025", False)
        )
        self.assertEqual(
            [
                (r["region_code"], r["region_name"], r["numerator"], r["denominator"], r["rate"])
                for r in body["rows"]
            ],
            [(K1, "Manggar", 45, 60, "75.0"), (K2, "Manggar Baru", 10, 20, "50.0")],
        )

    def test_values_without_a_period_are_the_latest_and_a_bad_period_is_400(self) -> None:
        client = _client(self.world.leader)
        self.assertEqual(client.get(f"{API}/akta-lahir/values/").json()["period"], "2025")
        self.assertEqual(client.get(f"{API}/akta-lahir/values/?period=25").status_code, 400)

    def test_rollups_sum_raw_counts_per_level(self) -> None:
        client = _client(self.world.leader)

        kecamatan = client.get(f"{API}/akta-lahir/rollups/?level=kecamatan&year=2025").json()
        city = client.get(f"{API}/akta-lahir/rollups/").json()
        none = client.get(f"{API}/akta-lahir/rollups/?level=kecamatan&year=2024").json()

        self.assertEqual(
            [(r["region_code"], r["numerator"], r["denominator"], r["rate"]) for r in kecamatan],
            [("64.71.01", 55, 80, "68.8")],
        )
        self.assertEqual(
            (city[0]["region_code"], city[0]["level"], city[0]["period"]), ("64.71", "city", "2025")
        )
        self.assertEqual((city[0]["reporting"], city[0]["suppressed"]), (2, False))
        self.assertEqual(none, [])
        self.assertEqual(client.get(f"{API}/akta-lahir/rollups/?level=province").status_code, 400)

    def test_a_suppressed_cell_has_no_number(self) -> None:
        w = self.world
        violence = Definition.objects.get(code="kekerasan-anak")
        region = make_region(K1)
        for suppressed, numerator, start in ((True, 3, 2024), (False, 7, 2025)):
            Rollup.objects.create(
                definition=violence,
                city=w.city,
                region=region,
                level=Level.KELURAHAN,
                period_start=datetime.date(start, 1, 1),
                period_label=str(start),
                numerator=numerator,  # a stray number on a suppressed cell is never served
                rate=Decimal(numerator),
                suppressed=suppressed,
            )

        body = _client(w.secretariat).get(f"{API}/kekerasan-anak/rollups/?level=kelurahan").json()

        self.assertEqual(
            [(r["period"], r["numerator"], r["rate"], r["suppressed"]) for r in body],
            [("2024", None, None, True), ("2025", 7, "7.0", False)],
        )
        # Issue #12: a hidden cell is null with "hidden": true (no "<5" text anywhere).
        self.assertEqual(
            [(r["numerator"], r["denominator"], r["rate"], r["hidden"]) for r in body],
            [(None, None, None, True), (7, None, "7.0", False)],
        )
        self.assertNotIn("<5", json.dumps(body))

    def test_the_roll_up_endpoint_is_marked_as_publishing_counts(self) -> None:
        from layak.core.disclosure import published_families
        from layak.indicators.api import rollup_list

        self.assertEqual(published_families(rollup_list), ("indicators", "cases"))

    def test_targets_come_from_the_adopted_plan(self) -> None:
        w = self.world
        plan = plan_services.plan_create(
            actor=w.secretariat, region=w.city, title="RAD", start_year=2025, end_year=2029
        )
        plan_services.plan_adopt(actor=w.secretariat, plan=plan)
        action = plan_services.action_create(
            actor=w.secretariat,
            plan=plan,
            code="K1.01",
            title="Akta lahir",
            cluster="K1",
            agency=self.capil,
            indicator_codes=["akta-lahir"],
        )
        plan_services.target_set(
            actor=w.secretariat, action=action, year=2026, target="90%", value=Decimal("90")
        )

        body = _client(w.leader).get(f"{API}/akta-lahir/targets/").json()
        other = _client(w.other_person).get(f"{API}/akta-lahir/targets/").json()

        self.assertEqual(
            [(t["year"], Decimal(t["value"]), t["action_code"], t["plan_id"]) for t in body],
            [(2026, Decimal("90"), "K1.01", plan.pk)],
        )
        self.assertEqual(other, [])

    # -- entering values -------------------------------------------------------------------------

    def test_entry_is_for_the_source_agency_and_the_secretariat(self) -> None:
        w = self.world
        url = f"{API}/akta-lahir/values/"
        body = {"period": "2026", "rows": [{"region_code": K1, "numerator": 1, "denominator": 2}]}
        cases = [
            (None, 401),
            (w.no_role, 403),
            (w.leader, 403),  # reads only
            (w.focal, 403),  # focal point of another agency
            (w.other_person, 403),  # another city's focal point
            (self.own, 200),
            (w.secretariat, 200),
        ]
        for person, status in cases:
            with self.subTest(person=getattr(person, "username", "anonymous")):
                self.assertEqual(_post(person, url, body).status_code, status)

    def test_entry_saves_the_period_and_returns_the_diff(self) -> None:
        response = _post(
            self.own,
            f"{API}/akta-lahir/values/",
            {
                "period": "2025",
                "rows": [
                    {"region_code": K1, "numerator": 50, "denominator": "60"},
                    {"region_code": K2},  # blank: K2 has no value any more
                ],
            },
        )

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"code": "akta-lahir", "period": "2025", "added": 0, "changed": 1, "removed": 1},
        )
        self.assertEqual(
            list(Value.objects.values_list("region__code", "numerator", "denominator")),
            [(K1, 50, 60)],
        )

    def test_bad_rows_are_listed_and_nothing_is_saved(self) -> None:
        response = _post(
            self.own,
            f"{API}/akta-lahir/values/",
            {
                "period": "2026",
                "rows": [
                    {"region_code": K1, "numerator": 5, "denominator": 10},  # fine
                    {"region_code": K2, "numerator": 30, "denominator": 20},  # n > d
                    {"region_code": "64.72.01.1001", "numerator": 1, "denominator": 2},
                    {"region_code": K1, "numerator": "abc", "denominator": 2},
                ],
            },
        )

        self.assertEqual(response.status_code, 400)
        self.assertEqual(sorted({e["row"] for e in response.json()["errors"]}), [2, 3, 4])
        self.assertFalse(Value.objects.filter(period_label="2026").exists())

    def test_a_number_too_large_to_store_is_a_row_error_not_a_crash(self) -> None:
        for numerator, denominator in ((10**20, 10**20), (5, 2**31), (2**31, 2**31)):
            response = _post(
                self.own,
                f"{API}/akta-lahir/values/",
                {
                    "period": "2026",
                    "rows": [
                        {"region_code": K1, "numerator": numerator, "denominator": denominator}
                    ],
                },
            )
            self.assertEqual(response.status_code, 400, (numerator, denominator))
        self.assertFalse(Value.objects.filter(period_label="2026").exists())

    def test_a_locked_period_is_refused_and_left_alone(self) -> None:
        w = self.world
        services.period_approve(
            actor=w.secretariat,
            definition=self.definition,
            city=w.city,
            start=datetime.date(2025, 1, 1),
            label="2025",
        )

        response = _post(
            w.secretariat,
            f"{API}/akta-lahir/values/",
            {"period": "2025", "rows": [{"region_code": K1, "numerator": 1, "denominator": 2}]},
        )

        self.assertEqual(response.status_code, 409)
        self.assertEqual(sorted(Value.objects.values_list("numerator", flat=True)), [10, 45])
        self.assertTrue(
            _client(w.leader).get(f"{API}/akta-lahir/values/?period=2025").json()["locked"]
        )

    def test_case_derived_indicators_cannot_be_entered(self) -> None:
        response = _post(
            self.world.secretariat,
            f"{API}/kekerasan-anak/values/",
            {"period": "2025", "rows": [{"region_code": K1, "numerator": 9}]},
        )

        self.assertEqual(response.status_code, 403)
        self.assertFalse(Value.objects.filter(definition__code="kekerasan-anak").exists())


class IndicatorApiSchemaTests(TestCase):
    def test_the_schema_lists_the_indicator_operations(self) -> None:
        schema = self.client.get("/api/v1/openapi.json").json()

        values = schema["paths"]["/api/v1/indicators/{code}/values/"]
        self.assertEqual(set(values), {"get", "post"})
        self.assertEqual(
            set(values["post"]["responses"]), {"200", "400", "401", "403", "404", "409"}
        )
        self.assertTrue(values["post"]["security"])
        for path in ("definitions/", "{code}/rollups/", "{code}/targets/"):
            self.assertIn(f"/api/v1/indicators/{path}", schema["paths"])
