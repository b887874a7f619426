"""Loading region codes and boundaries (issue #2): bundled data, CSV and GeoJSON imports, audit."""

from __future__ import annotations

import io
import json
from typing import Any

from django.db import IntegrityError
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.accounts.models import User
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.audit import audit_record
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction, AuditChainHead, AuditEntry
from layak.regions.models import Region, RegionLevel
from layak.regions.services import (
    BUNDLED_DATA,
    ImportResult,
    regions_import_boundaries,
    regions_import_csv,
    regions_load_bundled,
)
from layak.regions.tests.factories import (
    BALIKPAPAN_CSV,
    feature_collection,
    make_region,
    read_region_rows,
    region_csv,
    square,
)


def import_csv(text: str, actor: Any = None, source: str = "test.csv") -> ImportResult:
    return regions_import_csv(stream=io.StringIO(text), actor=actor, source=source)


def import_geojson(document: Any, actor: Any = None, source: str = "test.geojson") -> int:
    text = document if isinstance(document, str) else json.dumps(document)
    return regions_import_boundaries(stream=io.StringIO(text), actor=actor, source=source)


def import_audit_labels() -> list[str]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.IMPORT, object_type="regions.region")
        .order_by("seq")
        .values_list("object_label", flat=True)
    )


@override_settings(LANGUAGE_CODE="en")
class BundledRegionsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.first_result = regions_load_bundled(actor=None)

    first_result: ImportResult

    def test_first_load_creates_provinces_and_kota_balikpapan(self) -> None:
        self.assertEqual(self.first_result, ImportResult(created=79, updated=0, unchanged=0))
        self.assertEqual(Region.objects.filter(level=RegionLevel.PROVINSI).count(), 38)
        self.assertEqual(Region.objects.count(), 79)
        kota = Region.objects.get(code="64.71")
        self.assertEqual((kota.name, kota.level), ("Kota Balikpapan", RegionLevel.KOTA))
        self.assertEqual(kota.parent, Region.objects.get(code="64", name="Kalimantan Timur"))

    def test_balikpapan_has_six_kecamatan(self) -> None:
        kecamatan = Region.objects.filter(parent__code="64.71")
        self.assertEqual(
            list(kecamatan.values_list("code", "name", "level")),
            [
                ("64.71.01", "Balikpapan Timur", "kecamatan"),
                ("64.71.02", "Balikpapan Barat", "kecamatan"),
                ("64.71.03", "Balikpapan Utara", "kecamatan"),
                ("64.71.04", "Balikpapan Tengah", "kecamatan"),
                ("64.71.05", "Balikpapan Selatan", "kecamatan"),
                ("64.71.06", "Balikpapan Kota", "kecamatan"),
            ],
        )

    def test_balikpapan_kelurahan_equal_the_shared_reference_list(self) -> None:
        expected = sorted(
            (row["code"], row["parent_code"], row["name"], row["postcode"])
            for row in read_region_rows(BALIKPAPAN_CSV)
            if row["level"] == "kelurahan"
        )
        self.assertEqual(len(expected), 34)
        loaded = sorted(
            Region.objects.filter(parent__parent__code="64.71").values_list(
                "code", "parent__code", "name", "postcode"
            )
        )
        self.assertEqual(len(loaded), 34)
        self.assertEqual(loaded, expected)
        self.assertEqual(
            set(
                Region.objects.filter(parent__parent__code="64.71").values_list("level", flat=True)
            ),
            {"kelurahan"},
        )

    def test_every_row_of_the_shared_reference_list_is_loaded_as_written(self) -> None:
        for row in read_region_rows(BALIKPAPAN_CSV):
            with self.subTest(code=row["code"]):
                region = Region.objects.select_related("parent").get(code=row["code"])
                self.assertEqual(
                    (region.level, region.parent.code if region.parent else "", region.name),
                    (row["level"], row["parent_code"], row["name"]),
                )
                self.assertEqual(region.postcode, row["postcode"])

    def test_every_kecamatan_and_kelurahan_has_a_boundary(self) -> None:
        below_kota = Region.objects.filter(code__startswith="64.71.")
        self.assertEqual(below_kota.count(), 40)
        for region in below_kota:
            with self.subTest(code=region.code):
                boundary = region.boundary
                assert boundary is not None
                self.assertIn(boundary["type"], {"Polygon", "MultiPolygon"})
                self.assertTrue(boundary["coordinates"])

    def test_boundaries_are_those_of_the_bundled_geojson(self) -> None:
        for name in ("balikpapan-kecamatan.geojson", "balikpapan-kelurahan.geojson"):
            document = json.loads((BUNDLED_DATA / name).read_text(encoding="utf-8"))
            for feature in document["features"]:
                code = feature["properties"]["code"]
                with self.subTest(code=code):
                    self.assertEqual(Region.objects.get(code=code).boundary, feature["geometry"])

    def test_first_load_writes_one_audit_entry_per_file(self) -> None:
        self.assertEqual(
            import_audit_labels(),
            [
                "provinces.csv: 38 created, 0 updated",
                "balikpapan-regions.csv: 41 created, 0 updated",
                "balikpapan-kecamatan.geojson: 6 boundaries",
                "balikpapan-kelurahan.geojson: 34 boundaries",
            ],
        )

    def test_audit_entries_carry_the_region_the_files_cover(self) -> None:
        self.assertEqual(
            list(
                AuditEntry.objects.filter(action=AuditAction.IMPORT, object_type="regions.region")
                .order_by("seq")
                .values_list("region_code", flat=True)
            ),
            ["", "64.71", "64.71", "64.71"],
        )

    def test_loading_again_creates_nothing_and_writes_no_audit_entry(self) -> None:
        regions_before = Region.objects.count()
        audit_before = AuditEntry.objects.count()

        result = regions_load_bundled(actor=None)

        self.assertEqual(result, ImportResult(created=0, updated=0, unchanged=79))
        self.assertEqual(Region.objects.count(), regions_before)
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_loading_again_restores_a_renamed_region(self) -> None:
        Region.objects.filter(code="64.71.01.1001").update(name="Renamed")

        result = regions_load_bundled(actor=None)

        self.assertEqual(result, ImportResult(created=0, updated=1, unchanged=78))
        self.assertEqual(Region.objects.get(code="64.71.01.1001").name, "Manggar")

    def test_loading_again_restores_a_removed_boundary(self) -> None:
        Region.objects.filter(code="64.71.06.1005").update(boundary=None)

        regions_load_bundled(actor=None)

        self.assertIsNotNone(Region.objects.get(code="64.71.06.1005").boundary)


@override_settings(LANGUAGE_CODE="en")
class RegionCsvImportTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64", "Kalimantan Timur")
        make_region("64.71", "Kota Balikpapan")

    def assert_rejected(self, text: str, errors: list[tuple[int, str]]) -> None:
        """The file is refused with exactly ``errors`` and nothing is saved or audited."""
        regions_before = list(Region.objects.values_list("code", "name", "postcode"))
        audit_before = AuditEntry.objects.count()
        with self.assertRaises(ImportRejected) as caught:
            import_csv(text)
        self.assertEqual(caught.exception.errors, errors)
        self.assertEqual(
            list(Region.objects.values_list("code", "name", "postcode")), regions_before
        )
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_valid_file_creates_regions_under_their_parents(self) -> None:
        result = import_csv(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.01.1001,kelurahan,64.71.01,Manggar,76116",
                "64.71.01.1002,kelurahan,64.71.01,Lamaru,76117",
            )
        )

        self.assertEqual(result, ImportResult(created=3, updated=0, unchanged=0))
        self.assertEqual(
            list(
                Region.objects.filter(code__startswith="64.71.").values_list(
                    "code", "level", "parent__code", "name", "postcode"
                )
            ),
            [
                ("64.71.01", "kecamatan", "64.71", "Balikpapan Timur", ""),
                ("64.71.01.1001", "kelurahan", "64.71.01", "Manggar", "76116"),
                ("64.71.01.1002", "kelurahan", "64.71.01", "Lamaru", "76117"),
            ],
        )

    def test_children_may_be_listed_before_their_parent(self) -> None:
        result = import_csv(
            region_csv(
                "64.71.01.1001,kelurahan,64.71.01,Manggar,76116",
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
            )
        )

        self.assertEqual(result.created, 2)
        self.assertEqual(
            Region.objects.filter(code="64.71.01.1001")
            .values_list("parent__code", flat=True)
            .get(),
            "64.71.01",
        )

    def test_header_and_values_are_trimmed_and_level_is_case_insensitive(self) -> None:
        import_csv(
            region_csv(
                " 64.71.01 , Kecamatan , 64.71 , Balikpapan Timur , ",
                header=" Code , LEVEL , parent_code , Name , postcode ",
            )
        )

        region = Region.objects.get(code="64.71.01")
        self.assertEqual((region.level, region.name), ("kecamatan", "Balikpapan Timur"))

    def test_rows_of_only_empty_fields_are_skipped(self) -> None:
        result = import_csv(region_csv(",,,,", "64.71.01,kecamatan,64.71,Balikpapan Timur,"))

        self.assertEqual(result.created, 1)

    def test_file_with_one_bad_row_among_good_rows_saves_nothing(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.01.1001,kelurahan,64.71.01,Manggar,76116",
                "64.71.01.1002,kelurahan,64.71.01,Lamaru,7611",
                "64.71.01.1003,kelurahan,64.71.01,Teritip,76118",
            ),
            [(4, "Postcode '7611' is not five digits.")],
        )
        self.assertFalse(Region.objects.filter(code__startswith="64.71.01").exists())

    def test_code_with_the_wrong_shape_for_its_level_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.1,kecamatan,64.71,Balikpapan Barat,",
                "64.71.01.101,kelurahan,64.71.01,Manggar,76116",
            ),
            [
                (3, "Code '64.71.1' does not have the shape of a kecamatan code."),
                (4, "Code '64.71.01.101' does not have the shape of a kelurahan code."),
            ],
        )

    def test_code_not_nesting_in_its_parent_code_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.02,kecamatan,64.71,Balikpapan Barat,",
                "64.71.01.1001,kelurahan,64.71.02,Manggar,76116",
            ),
            [
                (
                    4,
                    "Code 64.71.01.1001 does not nest in parent '64.71.02' (expected '64.71.01').",
                )
            ],
        )

    def test_province_with_a_parent_code_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv("65,provinsi,64,Kalimantan Utara,"),
            [(2, "Code 65 does not nest in parent '64' (expected '').")],
        )

    def test_duplicate_code_is_rejected_naming_the_first_row(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.02,kecamatan,64.71,Balikpapan Barat,",
                "64.71.01,kecamatan,64.71,Balikpapan Timur Lagi,",
            ),
            [(4, "Code 64.71.01 appears twice (also in row 2).")],
        )

    def test_parent_neither_in_file_nor_in_database_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.72.01,kecamatan,64.72,Samarinda Ulu,",
            ),
            [(3, "Parent 64.72 is neither in the file nor in the database.")],
        )

    def test_kelurahan_directly_under_kota_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01.1001,kelurahan,64.71,Manggar,76116",
                "64.71.1002,kelurahan,64.71,Lamaru,76117",
            ),
            [
                (
                    2,
                    "Code 64.71.01.1001 does not nest in parent '64.71' (expected '64.71.01').",
                ),
                (3, "Code '64.71.1002' does not have the shape of a kelurahan code."),
            ],
        )

    def test_kelurahan_under_a_parent_stored_at_kota_level_is_rejected(self) -> None:
        # A stored region whose level does not fit its code (written before codes were checked).
        Region.objects.create(
            code="64.71.09", level=RegionLevel.KOTA, name="Wrong level", parent=None
        )
        self.assert_rejected(
            region_csv("64.71.09.1001,kelurahan,64.71.09,Manggar,76116"),
            [(2, "A kelurahan cannot lie in a kota.")],
        )

    def test_code_stored_at_another_level_is_rejected(self) -> None:
        Region.objects.create(code="64.71.09", level=RegionLevel.KOTA, name="Wrong level")
        self.assert_rejected(
            region_csv("64.71.09,kecamatan,64.71,Balikpapan Baru,"),
            [(2, "Region 64.71.09 already exists at another level.")],
        )

    def test_unknown_level_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv("64.71.01,Kampung,64.71,Balikpapan Timur,"),
            [
                (
                    2,
                    "Unknown level 'kampung'; use one of: "
                    "provinsi, kabupaten, kota, kecamatan, kelurahan, desa.",
                )
            ],
        )

    def test_postcode_that_is_not_five_digits_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.01.1001,kelurahan,64.71.01,Manggar,7611A",
                "64.71.01.1002,kelurahan,64.71.01,Lamaru,761170",
            ),
            [
                (3, "Postcode '7611A' is not five digits."),
                (4, "Postcode '761170' is not five digits."),
            ],
        )

    def test_empty_or_overlong_name_is_rejected(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,,",
                f"64.71.02,kecamatan,64.71,{'x' * 121},",
            ),
            [(2, "The name is empty."), (3, "The name is longer than 120 characters.")],
        )

    def test_missing_column_is_rejected_on_row_1(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur",
                header="code,level,parent_code,name",
            ),
            [(1, "Missing column(s): postcode.")],
        )

    def test_empty_file_is_rejected_on_row_1(self) -> None:
        self.assert_rejected(
            "", [(1, "Missing column(s): code, level, parent_code, name, postcode.")]
        )

    def test_file_with_only_a_header_is_rejected(self) -> None:
        self.assert_rejected(region_csv(), [(1, "The file has no data rows.")])

    def test_errors_of_several_rows_are_all_reported_in_row_order(self) -> None:
        self.assert_rejected(
            region_csv(
                "64.71.99.1001,kelurahan,64.71.99,Nowhere,76116",
                "64.71.01,kecamatan,64.71,Balikpapan Timur,123",
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
            ),
            [
                (2, "Parent 64.71.99 is neither in the file nor in the database."),
                (3, "Postcode '123' is not five digits."),
                (4, "Code 64.71.01 appears twice (also in row 3)."),
            ],
        )

    def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(self) -> None:
        # A spreadsheet shows the blank line as row 3, so the bad row is row 4.
        self.assert_rejected(
            "code,level,parent_code,name,postcode\n"
            "64.71.01,kecamatan,64.71,Balikpapan Timur,\n"
            "\n"
            "64.71.02,kecamatan,64.71,Balikpapan Barat,1\n",
            [(4, "Postcode '1' is not five digits.")],
        )

    def test_file_that_is_not_utf8_is_rejected(self) -> None:
        stream = io.TextIOWrapper(
            io.BytesIO(
                b"code,level,parent_code,name,postcode\n64.71.01,kecamatan,64.71,Timur\xff,\n"
            ),
            encoding="utf-8",
        )
        with self.assertRaises(ImportRejected) as caught:
            regions_import_csv(stream=stream, actor=None)
        [(row, message)] = caught.exception.errors
        self.assertEqual(row, 0)
        self.assertTrue(message.startswith("The file is not a readable CSV file:"), message)
        self.assertFalse(Region.objects.filter(code="64.71.01").exists())

    def test_reimport_with_a_changed_name_updates_the_region(self) -> None:
        import_csv(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.05,kecamatan,64.71,Balikpapan Selatan,",
                "64.71.05.1010,kelurahan,64.71.05,Sungainangka,76114",
            )
        )

        result = import_csv(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.71.05,kecamatan,64.71,Balikpapan Selatan,",
                "64.71.05.1010,kelurahan,64.71.05,Sungai Nangka,76114",
            ),
            source="fix.csv",
        )

        self.assertEqual(result, ImportResult(created=0, updated=1, unchanged=2))
        self.assertEqual(Region.objects.get(code="64.71.05.1010").name, "Sungai Nangka")
        self.assertEqual(Region.objects.filter(code__startswith="64.71.0").count(), 3)
        self.assertEqual(import_audit_labels()[-1], "fix.csv: 0 created, 1 updated")

    def test_reimport_of_the_same_file_changes_nothing_and_writes_no_audit_entry(self) -> None:
        text = region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,")
        import_csv(text)
        audit_before = AuditEntry.objects.count()

        result = import_csv(text)

        self.assertEqual(result, ImportResult(created=0, updated=0, unchanged=1))
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_kabkota_of_another_province_can_be_imported_after_loading_provinces(self) -> None:
        banjarmasin = region_csv(
            "63.71,kota,63,Kota Banjarmasin,",
            "63.71.01,kecamatan,63.71,Banjarmasin Selatan,",
            "63.71.01.1001,kelurahan,63.71.01,Kelayan Luar,70241",
        )
        self.assert_rejected(
            banjarmasin, [(2, "Parent 63 is neither in the file nor in the database.")]
        )
        with (BUNDLED_DATA / "provinces.csv").open(encoding="utf-8", newline="") as stream:
            regions_import_csv(stream=stream, actor=None, source="provinces.csv")

        result = import_csv(banjarmasin)

        self.assertEqual(result.created, 3)
        self.assertEqual(
            list(
                Region.objects.filter(code__startswith="63.71").values_list(
                    "code", "parent__code", "parent__name"
                )
            ),
            [
                ("63.71", "63", "Kalimantan Selatan"),
                ("63.71.01", "63.71", "Kota Banjarmasin"),
                ("63.71.01.1001", "63.71.01", "Banjarmasin Selatan"),
            ],
        )


def take_the_next_audit_sequence_number() -> None:
    """A stray row takes the sequence number of the next audit entry, which then collides."""
    audit_record(actor=None, action=AuditAction.UPDATE, object_type="x")
    head = AuditChainHead.objects.get(pk=1)
    AuditEntry.objects.create(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        action=AuditAction.VIEW,
        prev_hash=head.last_hash,
        entry_hash="stray",
    )


@override_settings(LANGUAGE_CODE="en")
class RegionImportAuditTests(TestCase):
    admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64.71", "Kota Balikpapan")
        cls.admin = make_person("admin")

    def test_successful_import_writes_one_audit_entry_naming_the_actor(self) -> None:
        audit_before = AuditEntry.objects.count()

        import_csv(
            region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,"),
            actor=self.admin,
            source="timur.csv",
        )

        self.assertEqual(AuditEntry.objects.count(), audit_before + 1)
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(
            (entry.action, entry.object_type, entry.object_label),
            ("import", "regions.region", "timur.csv: 1 created, 0 updated"),
        )
        self.assertEqual(
            (entry.actor_id, entry.actor_username), (self.admin.pk, self.admin.get_username())
        )

    def test_import_without_actor_is_audited_as_system(self) -> None:
        import_csv(region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,"))

        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual((entry.actor_id, entry.actor_username), (None, "system"))

    def test_rejected_import_writes_no_audit_entry(self) -> None:
        audit_before = AuditEntry.objects.count()

        with self.assertRaises(ImportRejected):
            import_csv(region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,1"), self.admin)

        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_regions_are_not_saved_when_the_audit_entry_cannot_be_written(self) -> None:
        take_the_next_audit_sequence_number()

        with self.assertRaises(IntegrityError):
            import_csv(region_csv("64.71.01,kecamatan,64.71,Balikpapan Timur,"), self.admin)

        self.assertFalse(Region.objects.filter(code="64.71.01").exists())

    def test_boundaries_are_not_saved_when_the_audit_entry_cannot_be_written(self) -> None:
        make_region("64.71.01")
        take_the_next_audit_sequence_number()

        with self.assertRaises(IntegrityError):
            import_geojson(feature_collection(("64.71.01", square())), self.admin)

        self.assertIsNone(Region.objects.get(code="64.71.01").boundary)


def assert_boundaries_rejected(
    test: TestCase, document: Any, errors: list[tuple[int, str]]
) -> None:
    """The boundary file is refused with exactly ``errors``; nothing is saved or audited."""
    audit_before = AuditEntry.objects.count()
    with test.assertRaises(ImportRejected) as caught:
        import_geojson(document)
    test.assertEqual(caught.exception.errors, errors)
    test.assertFalse(Region.objects.filter(boundary__isnull=False).exists())
    test.assertEqual(AuditEntry.objects.count(), audit_before)


@override_settings(LANGUAGE_CODE="en")
class BoundaryImportTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64.71.01", "Balikpapan Timur")
        make_region("64.71.01.1001", "Manggar")

    def assert_rejected(self, document: Any, errors: list[tuple[int, str]]) -> None:
        assert_boundaries_rejected(self, document, errors)

    def test_valid_feature_collection_attaches_boundaries(self) -> None:
        kecamatan = square(116.9, -1.3, 0.1)
        kelurahan = {
            "type": "MultiPolygon",
            "coordinates": [
                square(116.9, -1.3)["coordinates"],
                square(116.95, -1.3)["coordinates"],
            ],
        }

        count = import_geojson(
            feature_collection(("64.71.01", kecamatan), ("64.71.01.1001", kelurahan)),
            source="timur.geojson",
        )

        self.assertEqual(count, 2)
        self.assertEqual(Region.objects.get(code="64.71.01").boundary, kecamatan)
        self.assertEqual(Region.objects.get(code="64.71.01.1001").boundary, kelurahan)
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(
            (entry.action, entry.object_label, entry.fields),
            ("import", "timur.geojson: 2 boundaries", ["boundary"]),
        )

    def test_numeric_code_property_is_read_as_text(self) -> None:
        make_region("65", "Kalimantan Utara")
        document = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"code": 65}, "geometry": square()}],
        }

        import_geojson(document)

        self.assertEqual(Region.objects.get(code="65").boundary, square())

    def test_unknown_code_rejects_the_whole_file(self) -> None:
        self.assert_rejected(
            feature_collection(("64.71.01", square()), ("64.71.99", square())),
            [(2, "Region 64.71.99 is not known.")],
        )

    def test_feature_without_geometry_rejects_the_whole_file(self) -> None:
        self.assert_rejected(
            feature_collection(("64.71.01", square()), ("64.71.01.1001", None)),
            [(2, "Feature 64.71.01.1001 has no valid Polygon/MultiPolygon.")],
        )

    def test_geometry_that_is_not_an_area_is_rejected(self) -> None:
        self.assert_rejected(
            feature_collection(("64.71.01", {"type": "Point", "coordinates": [116.9, -1.2]})),
            [(1, "Feature 64.71.01 has no valid Polygon/MultiPolygon.")],
        )

    def test_coordinates_in_lat_lng_order_are_rejected(self) -> None:
        swapped = {
            "type": "Polygon",
            "coordinates": [[[lat, lng] for lng, lat in square()["coordinates"][0]]],
        }
        self.assert_rejected(
            feature_collection(("64.71.01", swapped)),
            [(1, "Feature 64.71.01 has no valid Polygon/MultiPolygon.")],
        )

    def test_ring_with_fewer_than_four_positions_is_rejected(self) -> None:
        triangle = {
            "type": "Polygon",
            "coordinates": [[[116.9, -1.2], [117.0, -1.2], [116.9, -1.2]]],
        }
        self.assert_rejected(
            feature_collection(("64.71.01", triangle)),
            [(1, "Feature 64.71.01 has no valid Polygon/MultiPolygon.")],
        )

    def test_feature_without_code_is_rejected(self) -> None:
        document = feature_collection(("64.71.01", square()))
        document["features"].append({"type": "Feature", "properties": {}, "geometry": square()})
        self.assert_rejected(document, [(2, "The feature has no 'code' property.")])

    def test_document_that_is_not_a_feature_collection_is_rejected(self) -> None:
        single = {"type": "Feature", "properties": {"code": "64.71.01"}, "geometry": square()}
        for document in (single, [single], {"type": "FeatureCollection"}):
            with self.subTest(document=document):
                self.assert_rejected(
                    document, [(0, "The file is not a GeoJSON FeatureCollection.")]
                )

    def test_invalid_json_is_rejected(self) -> None:
        with self.assertRaises(ImportRejected) as caught:
            import_geojson('{"type": "FeatureCollection", "features": [')
        [(row, message)] = caught.exception.errors
        self.assertEqual(row, 0)
        self.assertTrue(message.startswith("The file is not valid JSON: Expecting value"), message)
        self.assertFalse(Region.objects.filter(boundary__isnull=False).exists())


@override_settings(LANGUAGE_CODE="en")
class BoundaryImportEdgeTests(TestCase):
    """Boundary files that are refused whole (issue #2: imports are all-or-nothing)."""

    setUpTestData = BoundaryImportTests.setUpTestData

    def assert_rejected(self, document: Any, errors: list[tuple[int, str]]) -> None:
        assert_boundaries_rejected(self, document, errors)

    def test_same_region_twice_is_rejected(self) -> None:
        self.assert_rejected(
            feature_collection(
                ("64.71.01", square(116.9, -1.3)), ("64.71.01", square(116.8, -1.3))
            ),
            [(2, "Region 64.71.01 appears twice (also feature 1).")],
        )

    def test_empty_feature_collection_is_rejected(self) -> None:
        self.assert_rejected(
            {"type": "FeatureCollection", "features": []}, [(0, "The file has no features.")]
        )

    def test_deeply_nested_json_is_rejected_with_a_clear_message(self) -> None:
        depth = 100_000
        nested = '{"type": "FeatureCollection", "features": ' + "[" * depth + "]" * depth + "}"
        self.assert_rejected(
            nested, [(0, "The file nests arrays or objects too deeply to be GeoJSON.")]
        )

    def test_file_that_is_not_utf8_is_rejected_with_a_clear_message(self) -> None:
        stream = io.TextIOWrapper(io.BytesIO('{"name": "\xe9"}'.encode("latin-1")), "utf-8")
        with self.assertRaises(ImportRejected) as caught:
            regions_import_boundaries(stream=stream, actor=None)
        self.assertEqual(caught.exception.errors, [(0, "The file is not UTF-8 text.")])


@override_settings(LANGUAGE_CODE="en", LAYAK_HOME_REGION="64.71")
class RegionImportScopeTests(TestCase):
    """An administrator imports only into the home kab/kota; a superuser and the command line
    anywhere."""

    admin: User
    superuser: User

    @classmethod
    def setUpTestData(cls) -> None:
        make_region("64", "Kalimantan Timur")
        make_region("64.71", "Kota Balikpapan")
        make_region("64.71.01", "Balikpapan Timur")
        make_region("64.72", "Kota Samarinda")
        city = Region.objects.get(code="64.71")
        cls.admin = make_person("admin", agency=make_agency(region=city))
        cls.superuser = make_person(is_superuser=True)

    def assert_refused(self, text: str, errors: list[tuple[int, str]]) -> None:
        names_before = list(Region.objects.order_by("code").values_list("code", "name"))
        audit_before = AuditEntry.objects.count()
        with self.assertRaises(ImportRejected) as caught:
            import_csv(text, actor=self.admin)
        self.assertEqual(caught.exception.errors, errors)
        self.assertEqual(
            list(Region.objects.order_by("code").values_list("code", "name")), names_before
        )
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_admin_imports_within_the_home_city_and_the_entry_names_the_region(self) -> None:
        result = import_csv(
            region_csv(
                "64.71.07,kecamatan,64.71,Balikpapan Baru,",
                "64.71.07.1001,kelurahan,64.71.07,Baru Satu,76119",
            ),
            actor=self.admin,
        )

        self.assertEqual(result.created, 2)
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual((entry.actor_id, entry.region_code), (self.admin.pk, "64.71.07"))

    def test_admin_may_rename_the_home_city_itself(self) -> None:
        import_csv(region_csv("64.71,kota,64,Kota Balikpapan Baru,"), actor=self.admin)

        self.assertEqual(Region.objects.get(code="64.71").name, "Kota Balikpapan Baru")

    def test_admin_cannot_rename_another_city(self) -> None:
        self.assert_refused(
            region_csv(
                "64.71.01,kecamatan,64.71,Balikpapan Timur,",
                "64.72,kota,64,Kota Samarinda Palsu,",
            ),
            [(3, "Region 64.72 lies outside 64.71, the only region you may import into.")],
        )

    def test_admin_cannot_rename_the_province_or_add_a_city_to_it(self) -> None:
        self.assert_refused(
            region_csv("64,provinsi,,Kaltim Palsu,", "64.99,kota,64,Kota Baru,"),
            [
                (2, "Region 64 lies outside 64.71, the only region you may import into."),
                (3, "Region 64.99 lies outside 64.71, the only region you may import into."),
            ],
        )

    def test_admin_cannot_attach_boundaries_outside_the_home_city(self) -> None:
        audit_before = AuditEntry.objects.count()
        with self.assertRaises(ImportRejected) as caught:
            import_geojson(
                feature_collection(("64.71.01", square()), ("64.72", square())), self.admin
            )
        self.assertEqual(
            caught.exception.errors,
            [(2, "Region 64.72 lies outside 64.71, the only region you may import into.")],
        )
        self.assertFalse(Region.objects.filter(boundary__isnull=False).exists())
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_admin_attaches_boundaries_inside_the_home_city(self) -> None:
        import_geojson(feature_collection(("64.71.01", square())), self.admin)

        self.assertEqual(Region.objects.get(code="64.71.01").boundary, square())
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(entry.region_code, "64.71.01")

    def test_superuser_and_command_line_import_anywhere(self) -> None:
        import_csv(region_csv("64.72,kota,64,Kota Samarinda Baru,"), actor=self.superuser)
        import_csv(region_csv("64,provinsi,,Kalimantan Timur Baru,"), actor=None)

        self.assertEqual(Region.objects.get(code="64.72").name, "Kota Samarinda Baru")
        self.assertEqual(Region.objects.get(code="64").name, "Kalimantan Timur Baru")
