"""Issue #11, finding 10: the case statistics CSV was built by string formatting, so a category
renamed to ``=HYPERLINK(...)`` came out as a live formula (and a comma in a name shifted the
columns). Reproduced through the interface: the administrator renames the category on the
category page, then a permitted person downloads the statistics CSV and the SIMFONI workbook."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.cases.models import Lookup, LookupKind
from layak.cases.tests.factories import (
    CaseWorld,
    make_case,
    make_case_world,
    victim_data,
    violence,
)
from layak.core.testing import login

HYPERLINK = '=HYPERLINK("http://x","y")'


class CategoryFormulaTests(TestCase):
    world: CaseWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_case_world()
        make_case(cls.world, victims=[victim_data(forms=violence("fisik"))])

    def client_for(self, user: object) -> Client:
        client = Client()
        login(client, user)
        return client

    def rename(self, code: str, name: str) -> str:
        """Rename the category through its page; its key in the statistics."""
        category = Lookup.objects.get(kind=LookupKind.VIOLENCE_FORM, code=code)
        admin = make_person(Role.ADMIN, agency=self.world.uptd)
        response = self.client_for(admin).post(
            reverse("cases:lookup_edit", args=[category.pk]),
            {
                "kind": category.kind,
                "code": category.code,
                "name": name,
                "name_en": category.name_en or "",
                "order": category.order,
                "is_active": "on",
            },
        )
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:2000])
        category.refresh_from_db()
        self.assertEqual(category.name, name)
        return category.code

    def statistics_csv(self) -> list[list[str]]:
        leader = make_person(Role.LEADERSHIP, agency=self.world.uptd)
        response = self.client_for(leader).get(
            reverse("cases:statistics"),
            {
                "year": str(timezone.localdate().year),
                "unit": "victims",
                "dimension": "form",
                "format": "csv",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))

    def test_a_category_named_like_a_formula_is_text_in_the_statistics_csv(self) -> None:
        key = self.rename("fisik", HYPERLINK)
        rows = self.statistics_csv()
        self.assertEqual(rows[0], ["key", "label", "value"])
        labels = {row[0]: row[1] for row in rows[1:]}
        self.assertEqual(labels[key], "'" + HYPERLINK)
        self.assertTrue(all(len(row) == 3 for row in rows), rows)

    def test_a_comma_and_a_quote_in_a_category_stay_in_their_column(self) -> None:
        key = self.rename("fisik", 'Fisik, "berat"')
        rows = self.statistics_csv()
        self.assertTrue(all(len(row) == 3 for row in rows), rows)
        self.assertIn([key, 'Fisik, "berat"'], [row[:2] for row in rows])

    def test_a_category_named_like_a_formula_is_text_in_the_simfoni_workbook(self) -> None:
        self.rename("fisik", HYPERLINK)
        response = self.client_for(self.world.manager).get(
            reverse("cases:export", args=["xlsx"]), {"year": str(timezone.localdate().year)}
        )
        self.assertEqual(response.status_code, 200)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [cell for row in workbook["simfoni"].iter_rows() for cell in row]
        self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
        guarded = [c for c in cells if c.value == "'" + HYPERLINK]
        self.assertEqual(len(guarded), 1)
        self.assertEqual(guarded[0].data_type, "s")
