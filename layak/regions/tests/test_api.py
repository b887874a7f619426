"""Regions over the JSON API (issue #2): /api/v1/regions/<code>/ and its children."""

from __future__ import annotations

from django.test import TestCase

from layak.accounts.models import User
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.testing import NOT_FOUND, OK, UNAUTHORIZED, assert_access_matrix, login
from layak.regions.tests.factories import make_region


class RegionApiTests(TestCase):
    worker: User
    leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64", "Kalimantan Timur")
        make_region("64.71", "Kota Balikpapan")
        make_region("64.71.01", "Balikpapan Timur")
        make_region("64.71.02", "Balikpapan Barat")
        make_region("64.71.01.1002", "Lamaru", postcode="76117")
        make_region("64.71.01.1001", "Manggar", postcode="76116")
        make_region("64.71.02.1001", "Baru Ilir", postcode="76131")
        agency = make_agency()
        cls.worker = make_person("opd_focal", agency=agency)
        cls.leader = make_person("leadership", agency=agency)

    def test_region_answers_401_to_anonymous_and_200_to_people(self) -> None:
        assert_access_matrix(
            self,
            "/api/v1/regions/64.71/",
            allowed=self.worker,
            no_permission=self.leader,
            anonymous=UNAUTHORIZED,
            expect_no_permission=OK,
        )

    def test_children_answer_401_to_anonymous_and_200_to_people(self) -> None:
        assert_access_matrix(
            self,
            "/api/v1/regions/64.71/children/",
            allowed=self.worker,
            no_permission=self.leader,
            anonymous=UNAUTHORIZED,
            expect_no_permission=OK,
        )

    def test_anonymous_learns_nothing_about_the_region(self) -> None:
        response = self.client.get("/api/v1/regions/64.71/")

        self.assertEqual(response.status_code, 401)
        self.assertNotIn(b"Balikpapan", response.content)

    def test_region_is_returned_as_json(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/api/v1/regions/64.71.01.1001/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            response.json(),
            {
                "code": "64.71.01.1001",
                "level": "kelurahan",
                "name": "Manggar",
                "postcode": "76116",
                "parent_code": "64.71.01",
            },
        )

    def test_province_has_no_parent_code(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/api/v1/regions/64/")

        self.assertEqual(response.json()["parent_code"], None)

    def test_children_are_the_regions_directly_below_in_code_order(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/api/v1/regions/64.71.01/children/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            [
                {
                    "code": "64.71.01.1001",
                    "level": "kelurahan",
                    "name": "Manggar",
                    "postcode": "76116",
                    "parent_code": "64.71.01",
                },
                {
                    "code": "64.71.01.1002",
                    "level": "kelurahan",
                    "name": "Lamaru",
                    "postcode": "76117",
                    "parent_code": "64.71.01",
                },
            ],
        )

    def test_region_without_children_has_an_empty_list(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/api/v1/regions/64.71.02.1001/children/")

        self.assertEqual((response.status_code, response.json()), (200, []))

    def test_unknown_code_answers_404(self) -> None:
        for url in ("/api/v1/regions/64.71.99/", "/api/v1/regions/64.71.99/children/"):
            with self.subTest(url=url):
                assert_access_matrix(
                    self,
                    url,
                    allowed=self.worker,
                    no_permission=self.leader,
                    anonymous=UNAUTHORIZED,
                    expect_no_permission=NOT_FOUND,
                    expect_allowed=NOT_FOUND,
                )


class OpenApiSchemaTests(TestCase):
    def test_schema_is_generated_and_lists_the_region_paths(self) -> None:
        response = self.client.get("/api/v1/openapi.json")

        self.assertEqual(response.status_code, 200)
        schema = response.json()
        self.assertEqual(schema["info"]["title"], "Layak API")
        detail = schema["paths"]["/api/v1/regions/{code}/"]["get"]
        children = schema["paths"]["/api/v1/regions/{code}/children/"]["get"]
        self.assertEqual(detail["summary"], "One region by Kemendagri code")
        self.assertEqual(children["summary"], "The regions directly below a region")
        for operation in (detail, children):
            self.assertEqual(set(operation["responses"]), {"200", "401", "404"})
            self.assertEqual(
                [(p["name"], p["in"], p["required"]) for p in operation["parameters"]],
                [("code", "path", True)],
            )
            self.assertTrue(operation["security"], "the operation must require a login")

    def test_schema_describes_the_region_fields(self) -> None:
        schema = self.client.get("/api/v1/openapi.json").json()

        region = schema["components"]["schemas"]["RegionOut"]
        fields = {"code", "level", "name", "postcode", "parent_code"}
        self.assertEqual(set(region["properties"]), fields)
        self.assertEqual(set(region["required"]), fields)
        self.assertEqual(
            region["properties"]["parent_code"]["anyOf"], [{"type": "string"}, {"type": "null"}]
        )
        self.assertEqual(schema["components"]["securitySchemes"]["SessionAuth"]["in"], "cookie")
