"""The region management commands (issue #2): load_regions, import_regions, import_boundaries."""

from __future__ import annotations

import json
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from layak.core.models import AuditEntry
from layak.regions.models import Region
from layak.regions.services import BUNDLED_DATA
from layak.regions.tests.factories import feature_collection, make_region, region_csv, square


class CommandTestCase(TestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def run_command(self, *args: Any) -> tuple[str, str]:
        """Run a command that must succeed; returns its stdout and stderr."""
        stdout, stderr = StringIO(), StringIO()
        call_command(*args, stdout=stdout, stderr=stderr)
        return stdout.getvalue(), stderr.getvalue()

    def run_failing(self, *args: Any) -> tuple[str, list[str]]:
        """Run a command that must fail; returns the CommandError message and stderr lines."""
        stderr = StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command(*args, stdout=StringIO(), stderr=stderr)
        return str(caught.exception), stderr.getvalue().splitlines()


@override_settings(LANGUAGE_CODE="en")
class LoadRegionsCommandTests(CommandTestCase):
    def test_first_run_loads_provinces_and_kota_balikpapan(self) -> None:
        stdout, _stderr = self.run_command("load_regions")

        self.assertEqual(stdout, "Regions: 79 created, 0 updated, 0 unchanged.\n")
        self.assertEqual(Region.objects.count(), 79)
        self.assertEqual(Region.objects.filter(parent__parent__code="64.71").count(), 34)
        self.assertFalse(
            Region.objects.filter(code__startswith="64.71.", boundary__isnull=True).exists()
        )

    def test_second_run_creates_nothing_and_writes_no_audit_entry(self) -> None:
        self.run_command("load_regions")
        audit_before = AuditEntry.objects.count()

        stdout, _stderr = self.run_command("load_regions")

        self.assertEqual(stdout, "Regions: 0 created, 0 updated, 79 unchanged.\n")
        self.assertEqual(Region.objects.count(), 79)
        self.assertEqual(AuditEntry.objects.count(), audit_before)


@override_settings(LANGUAGE_CODE="en")
class ImportRegionsCommandTests(CommandTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64", "Kalimantan Timur")
        make_region("64.71", "Kota Balikpapan")

    def test_valid_file_creates_regions_and_reports_counts(self) -> None:
        path = self.write(
            "timur.csv",
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.01.1001,kelurahan,64.71.01,Manggar,76116",
            ),
        )

        stdout, stderr = self.run_command("import_regions", str(path))

        self.assertEqual(stdout, "2 created, 0 updated, 0 unchanged.\n")
        self.assertEqual(stderr, "")
        self.assertEqual(
            Region.objects.filter(code="64.71.01.1001")
            .values_list("parent__code", flat=True)
            .get(),
            "64.71.01",
        )
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(
            (entry.actor_username, entry.object_label),
            ("system", "timur.csv: 2 created, 0 updated"),
        )

    def test_reimport_with_a_changed_name_reports_an_update(self) -> None:
        first = self.write("a.csv", region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,"))
        second = self.write("b.csv", region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur Baru,"))
        self.run_command("import_regions", str(first))

        stdout, _stderr = self.run_command("import_regions", str(second))

        self.assertEqual(stdout, "0 created, 1 updated, 0 unchanged.\n")
        self.assertEqual(Region.objects.get(code="64.71.01").name, "Balikpapan Timur Baru")

    def test_file_saved_with_a_byte_order_mark_is_read(self) -> None:
        path = self.write(
            "excel.csv",
            "\ufeff".encode() + region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,").encode(),
        )

        stdout, _stderr = self.run_command("import_regions", str(path))

        self.assertEqual(stdout, "1 created, 0 updated, 0 unchanged.\n")

    def test_one_bad_row_among_good_rows_fails_with_its_row_and_saves_nothing(self) -> None:
        path = self.write(
            "bad.csv",
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.01.1001,kelurahan,64.71.01,Manggar,76116",
                "64.71.01.1002,kelurahan,64.71.02,Lamaru,76117",
                "64.71.01.1003,kelurahan,64.71.01,Teritip,76118",
            ),
        )
        audit_before = AuditEntry.objects.count()

        message, stderr = self.run_failing("import_regions", str(path))

        self.assertEqual(message, "1 error(s); nothing was imported.")
        self.assertEqual(
            stderr,
            ["row 4: Code 64.71.01.1002 does not nest in parent '64.71.02' (expected '64.71.01')."],
        )
        self.assertFalse(Region.objects.filter(code__startswith="64.71.01").exists())
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_each_kind_of_bad_file_fails_with_numbered_rows(self) -> None:
        timur = "64.71.01,kecamatan,64.71,Balikpapan Timur,"
        cases: dict[str, tuple[str, list[str]]] = {
            "bad code shape": (
                region_csv(timur, "64.71.2,kecamatan,64.71,Balikpapan Barat,"),
                ["row 3: Code '64.71.2' does not have the shape of a kecamatan code."],
            ),
            "code not nesting in parent_code": (
                region_csv(timur, "64.71.02,kecamatan,64.72,Balikpapan Barat,"),
                [
                    "row 3: Code 64.71.02 does not nest in parent '64.72' (expected '64.71').",
                ],
            ),
            "duplicate code": (
                region_csv(timur, timur),
                ["row 3: Code 64.71.01 appears twice (also in row 2)."],
            ),
            "unknown parent": (
                region_csv(timur, "64.72.01,kecamatan,64.72,Samarinda Ulu,"),
                ["row 3: Parent 64.72 is neither in the file nor in the database."],
            ),
            "kelurahan directly under kota": (
                region_csv(timur, "64.71.01.1001,kelurahan,64.71,Manggar,76116"),
                [
                    "row 3: Code 64.71.01.1001 does not nest in parent '64.71' "
                    "(expected '64.71.01').",
                ],
            ),
            "unknown level": (
                region_csv(timur, "64.71.02,distrik,64.71,Balikpapan Barat,"),
                [
                    "row 3: Unknown level 'distrik'; use one of: "
                    "provinsi, kabupaten, kota, kecamatan, kelurahan, desa.",
                ],
            ),
            "bad postcode": (
                region_csv(timur, "64.71.01.1001,kelurahan,64.71.01,Manggar,761 16"),
                ["row 3: Postcode '761 16' is not five digits."],
            ),
            "missing column": (
                region_csv(
                    "64.71.01,64.71,Balikpapan Timur,", header="code,parent_code,name,postcode"
                ),
                ["row 1: Missing column(s): level."],
            ),
            "empty file": (
                "",
                ["row 1: Missing column(s): code, level, parent_code, name, postcode."],
            ),
            "header only": (region_csv(), ["row 1: The file has no data rows."]),
        }
        for label, (content, expected) in cases.items():
            with self.subTest(label):
                path = self.write("bad.csv", content)

                message, stderr = self.run_failing("import_regions", str(path))

                self.assertEqual(stderr, expected)
                self.assertEqual(message, f"{len(expected)} error(s); nothing was imported.")
                self.assertEqual(Region.objects.count(), 2)
                self.assertFalse(AuditEntry.objects.exists())

    def test_missing_file_fails_without_a_traceback(self) -> None:
        message, stderr = self.run_failing("import_regions", str(self.directory / "none.csv"))

        self.assertEqual(
            message, f"Cannot read {self.directory / 'none.csv'}: No such file or directory"
        )
        self.assertEqual(stderr, [])

    def test_kabkota_of_another_province_imports_after_the_provinces(self) -> None:
        banjarmasin = self.write(
            "banjarmasin.csv",
            region_csv(
                "63.71,kota,63,Kota Banjarmasin,",
                "63.71.01,kecamatan,63.71,Banjarmasin Selatan,",
            ),
        )
        _message, stderr = self.run_failing("import_regions", str(banjarmasin))
        self.assertEqual(stderr, ["row 2: Parent 63 is neither in the file nor in the database."])

        self.run_command("import_regions", str(BUNDLED_DATA / "provinces.csv"))
        stdout, _stderr = self.run_command("import_regions", str(banjarmasin))

        self.assertEqual(stdout, "2 created, 0 updated, 0 unchanged.\n")
        self.assertEqual(
            Region.objects.filter(code="63.71").values_list("parent__name", flat=True).get(),
            "Kalimantan Selatan",
        )


@override_settings(LANGUAGE_CODE="en")
class ImportBoundariesCommandTests(CommandTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64.71.01", "Balikpapan Timur")
        make_region("64.71.01.1001", "Manggar")

    def test_valid_file_attaches_boundaries(self) -> None:
        path = self.write(
            "timur.geojson",
            json.dumps(
                feature_collection(("64.71.01", square(size=0.1)), ("64.71.01.1001", square()))
            ),
        )

        stdout, _stderr = self.run_command("import_boundaries", str(path))

        self.assertEqual(stdout, "2 boundaries loaded.\n")
        self.assertEqual(Region.objects.get(code="64.71.01").boundary, square(size=0.1))
        self.assertEqual(Region.objects.get(code="64.71.01.1001").boundary, square())

    def test_unknown_code_fails_with_the_feature_number_and_saves_nothing(self) -> None:
        path = self.write(
            "bad.geojson",
            json.dumps(
                feature_collection(
                    ("64.71.01", square()), ("64.71.01.9999", square()), ("64.71.01.1001", None)
                )
            ),
        )

        message, stderr = self.run_failing("import_boundaries", str(path))

        self.assertEqual(message, "2 error(s); nothing was imported.")
        self.assertEqual(
            stderr,
            [
                "feature 2: Region 64.71.01.9999 is not known.",
                "feature 3: Feature 64.71.01.1001 has no valid Polygon/MultiPolygon.",
            ],
        )
        self.assertFalse(Region.objects.filter(boundary__isnull=False).exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_file_that_is_not_a_feature_collection_fails(self) -> None:
        path = self.write("bad.geojson", json.dumps({"type": "Polygon", "coordinates": []}))

        message, stderr = self.run_failing("import_boundaries", str(path))

        self.assertEqual(stderr, ["feature 0: The file is not a GeoJSON FeatureCollection."])
        self.assertEqual(message, "1 error(s); nothing was imported.")

    def test_invalid_json_fails(self) -> None:
        path = self.write("bad.geojson", "{]")

        _message, stderr = self.run_failing("import_boundaries", str(path))

        self.assertEqual(len(stderr), 1)
        self.assertTrue(stderr[0].startswith("feature 0: The file is not valid JSON:"), stderr)
        self.assertFalse(Region.objects.filter(boundary__isnull=False).exists())
