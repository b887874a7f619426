"""Region pages (issue #2): the home kab/kota, one region, the import page, the SVG map."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from layak.accounts.models import User
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditEntry
from layak.core.testing import LOGIN_REDIRECT, NOT_FOUND, OK, assert_access_matrix, login
from layak.regions.maps import MapShape, render_svg
from layak.regions.models import Region
from layak.regions.services import regions_load_bundled
from layak.regions.tests.factories import (
    BALIKPAPAN_CSV,
    feature_collection,
    make_region,
    read_region_rows,
    region_csv,
    square,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

KELURAHAN_ROW = re.compile(
    r'<tr data-code="(?P<code>[^"]+)"><td class="code">(?P=code)</td>'
    r'<td><a href="/regions/(?P=code)/">(?P<name>[^<]+)</a></td>'
    r'<td class="code">(?P<postcode>[^<]*)</td></tr>'
)


def svg_of(html: str) -> str:
    """The one inline SVG of a page."""
    found = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    assert len(found) == 1, f"expected one <svg>, found {len(found)}"
    return str(found[0])


def path_codes(svg: str) -> list[str]:
    return re.findall(r'<path d="[^"]+" class="region-shape ?" data-code="([^"]+)">', svg)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


class RegionPagesTestCase(TestCase):
    admin: User
    worker: User
    leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        regions_load_bundled(actor=None)
        agency = make_agency(region=Region.objects.get(code="64.71"))
        cls.admin = make_person("admin", agency=agency)
        cls.worker = make_person("opd_focal", agency=agency)
        cls.leader = make_person("leadership", agency=agency)


@override_settings(LANGUAGE_CODE="en")
class RegionListPageTests(RegionPagesTestCase):
    def test_everyone_logged_in_may_see_the_list(self) -> None:
        assert_access_matrix(
            self,
            "/regions/",
            allowed=self.admin,
            no_permission=self.worker,
            read_only=self.leader,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=OK,
            expect_read_only=OK,
        )

    def test_list_shows_the_34_kelurahan_with_code_name_and_postcode(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/")

        self.assertEqual(response.status_code, 200)
        shown = sorted(
            (m["code"], m["name"], m["postcode"])
            for m in KELURAHAN_ROW.finditer(response.content.decode())
        )
        expected = sorted(
            (row["code"], row["name"], row["postcode"])
            for row in read_region_rows(BALIKPAPAN_CSV)
            if row["level"] == "kelurahan"
        )
        self.assertEqual(len(shown), 34)
        self.assertEqual(shown, expected)

    def test_list_shows_each_kecamatan_with_a_link(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/")

        self.assertContains(response, '<a href="/regions/64.71.01/">Kecamatan Balikpapan Timur</a>')
        self.assertContains(response, '<a href="/regions/64.71.06/">Kecamatan Balikpapan Kota</a>')

    def test_list_shows_an_svg_map_of_the_six_kecamatan(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/")

        svg = svg_of(response.content.decode())
        self.assertIn('aria-label="Kota Balikpapan"', svg)
        self.assertEqual(
            path_codes(svg),
            ["64.71.01", "64.71.02", "64.71.03", "64.71.04", "64.71.05", "64.71.06"],
        )
        self.assertIn('<a href="/regions/64.71.03/"', svg)

    def test_list_query_count_does_not_grow_with_regions(self) -> None:
        login(self.client, self.admin)
        self.client.get("/regions/")  # warm the session and caches
        with CaptureQueriesContext(connection) as six_kecamatan:
            self.client.get("/regions/")
        kecamatan = make_region("64.71.07", "Balikpapan Baru", boundary=square())
        for n in range(1, 6):
            make_region(f"64.71.07.{n:04d}", f"Baru {n}", postcode="76119")
        self.assertEqual(kecamatan.children.count(), 5)

        with self.assertNumQueries(len(six_kecamatan)):
            response = self.client.get("/regions/")

        self.assertContains(response, '<tr data-code="64.71.07.0005">')

    def test_import_link_is_shown_to_admin_only(self) -> None:
        login(self.client, self.worker)
        self.assertNotContains(self.client.get("/regions/"), 'href="/regions/import/"')
        login(self.client, self.admin)
        self.assertContains(self.client.get("/regions/"), 'href="/regions/import/"')

    @override_settings(LAYAK_HOME_REGION="63.71")
    def test_home_region_not_loaded_answers_404(self) -> None:
        login(self.client, self.worker)

        self.assertEqual(self.client.get("/regions/").status_code, 404)


@override_settings(LANGUAGE_CODE="en")
class RegionDetailPageTests(RegionPagesTestCase):
    def test_access_matrix(self) -> None:
        assert_access_matrix(
            self,
            "/regions/64.71.01/",
            allowed=self.admin,
            no_permission=self.worker,
            read_only=self.leader,
            expect_no_permission=OK,
            expect_read_only=OK,
        )

    def test_kecamatan_page_shows_its_kelurahan(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/64.71.01/")

        html = response.content.decode()
        self.assertIn("<h1>Balikpapan Timur</h1>", html)
        children = re.findall(
            r'<tr><td class="code">([^<]+)</td><td><a href="/regions/\1/">([^<]+)</a></td>'
            r'<td class="code">([^<]*)</td></tr>',
            html,
        )
        self.assertEqual(
            children,
            [
                ("64.71.01.1001", "Manggar", "76116"),
                ("64.71.01.1002", "Lamaru", "76117"),
                ("64.71.01.1003", "Teritip", "76118"),
                ("64.71.01.1004", "Manggar Baru", "76116"),
            ],
        )
        self.assertNotContains(response, "Baru Ilir")

    def test_kecamatan_page_shows_breadcrumb_of_its_ancestors(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/64.71.01/")

        self.assertContains(response, '<a href="/regions/64/">Kalimantan Timur</a>')
        self.assertContains(response, '<a href="/regions/64.71/">Kota Balikpapan</a>')

    def test_kecamatan_page_maps_its_kelurahan(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/64.71.01/")

        self.assertEqual(
            path_codes(svg_of(response.content.decode())),
            ["64.71.01.1001", "64.71.01.1002", "64.71.01.1003", "64.71.01.1004"],
        )

    def test_kelurahan_page_maps_its_own_boundary_and_shows_its_postcode(self) -> None:
        login(self.client, self.worker)

        response = self.client.get("/regions/64.71.06.1005/")

        self.assertContains(response, '<dd class="code">76114</dd>')
        self.assertEqual(path_codes(svg_of(response.content.decode())), ["64.71.06.1005"])

    def test_unknown_code_answers_404(self) -> None:
        for code in ("64.71.99", "not-a-code"):
            with self.subTest(code=code):
                assert_access_matrix(
                    self,
                    f"/regions/{code}/",
                    allowed=self.admin,
                    no_permission=self.worker,
                    expect_no_permission=NOT_FOUND,
                    expect_allowed=NOT_FOUND,
                )


@override_settings(LANGUAGE_CODE="en")
class RegionImportPageTests(RegionPagesTestCase):
    def post_file(
        self, content: bytes, kind: str = "csv", name: str = "upload.csv"
    ) -> TestResponse:
        login(self.client, self.admin)
        return self.client.post("/regions/import/", {"kind": kind, "file": upload(name, content)})

    def test_access_matrix(self) -> None:
        assert_access_matrix(
            self,
            "/regions/import/",
            allowed=self.admin,
            no_permission=self.worker,
            read_only=self.leader,
        )

    def test_post_without_admin_role_answers_403_and_saves_nothing(self) -> None:
        content = region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,").encode()
        for person in (self.worker, self.leader):
            with self.subTest(role=person.role_assignments.get().role):
                login(self.client, person)

                response = self.client.post(
                    "/regions/import/", {"kind": "csv", "file": upload("new.csv", content)}
                )

                self.assertEqual(response.status_code, 403)
        self.assertFalse(Region.objects.filter(code="64.71.07").exists())

    def test_anonymous_post_is_sent_to_login_and_saves_nothing(self) -> None:
        content = region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,").encode()

        response = self.client.post(
            "/regions/import/", {"kind": "csv", "file": upload("new.csv", content)}
        )

        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.assertFalse(Region.objects.filter(code="64.71.07").exists())

    def test_bad_csv_answers_400_with_row_errors_and_saves_nothing(self) -> None:
        login(self.client, self.admin)
        regions_before = Region.objects.count()
        audit_before = AuditEntry.objects.count()
        content = region_csv(
            "64.71.07,kecamatan,64.71,Balikpapan Baru,",
            "64.71.07.1001,kelurahan,64.71.07,Baru Satu,761",
            "64.71.07.1002,kelurahan,64.71.08,Baru Dua,76119",
        ).encode()

        response = self.client.post(
            "/regions/import/", {"kind": "csv", "file": upload("bad.csv", content)}
        )

        self.assertContains(response, "The file was refused: 2 errors.", status_code=400)
        errors = re.search(
            r'<ul data-testid="import-errors">(.*?)</ul>', response.content.decode(), re.DOTALL
        )
        assert errors is not None
        self.assertEqual(
            re.findall(r"<li>(.*?)</li>", errors[1]),
            [
                "Row 3: Postcode &#x27;761&#x27; is not five digits.",
                "Row 4: Code 64.71.07.1002 does not nest in parent &#x27;64.71.08&#x27; "
                "(expected &#x27;64.71.07&#x27;).",
            ],
        )
        self.assertEqual(Region.objects.count(), regions_before)
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_good_csv_redirects_to_the_list_and_creates_regions(self) -> None:
        content = region_csv(
            "64.71.07,kecamatan,64.71,Balikpapan Baru,",
            "64.71.07.1001,kelurahan,64.71.07,Baru Satu,76119",
        ).encode()

        response = self.post_file(content, name="baru.csv")

        self.assertRedirects(response, "/regions/", fetch_redirect_response=False)
        self.assertEqual(
            list(
                Region.objects.filter(code__startswith="64.71.07").values_list(
                    "code", "parent__code", "name", "postcode"
                )
            ),
            [
                ("64.71.07", "64.71", "Balikpapan Baru", ""),
                ("64.71.07.1001", "64.71.07", "Baru Satu", "76119"),
            ],
        )
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(
            (entry.actor_id, entry.object_label), (self.admin.pk, "baru.csv: 2 created, 0 updated")
        )
        followed = self.client.get("/regions/")
        self.assertContains(followed, "Imported: 2 created, 0 updated, 0 unchanged.")

    def test_csv_saved_with_a_byte_order_mark_is_imported(self) -> None:
        content = (
            "\ufeff".encode() + region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,").encode()
        )

        response = self.post_file(content)

        self.assertEqual(response.status_code, 302)
        self.assertTrue(Region.objects.filter(code="64.71.07").exists())

    @override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=16)
    def test_upload_stored_in_a_temporary_file_is_imported(self) -> None:
        content = region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,").encode()

        response = self.post_file(content)

        self.assertEqual(response.status_code, 302)
        self.assertTrue(Region.objects.filter(code="64.71.07").exists())

    def test_upload_with_a_nul_byte_is_refused_by_the_form(self) -> None:
        content = region_csv("64.71.07,kecamatan,64.71,Balikpapan\x00Baru,").encode()
        for kind in ("csv", "geojson"):
            with self.subTest(kind=kind):
                response = self.post_file(content, kind=kind)

                self.assertEqual(response.status_code, 400)
                self.assertEqual(
                    response.context["form"].errors["file"], ["The file is not a text file."]
                )
                self.assertFalse(Region.objects.filter(code="64.71.07").exists())

    def test_upload_that_is_not_utf8_is_refused_by_the_form(self) -> None:
        content = region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,").encode("utf-16")

        response = self.post_file(content)

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["form"].errors["file"], ["The file is not a text file."])
        latin1 = region_csv("64.71.07,kecamatan,64.71,Barú Balikpapan,").encode("latin-1")
        response = self.post_file(latin1)
        self.assertEqual(response.context["form"].errors["file"], ["The file is not UTF-8 text."])
        self.assertFalse(Region.objects.filter(code="64.71.07").exists())

    def test_invalid_utf8_after_the_sampled_head_answers_400(self) -> None:
        rows = [f"64.71.07.{n:04d},kelurahan,64.71.07,Kelurahan {n},76119" for n in range(1, 200)]
        content = (
            region_csv("64.71.07,kecamatan,64.71,Balikpapan Baru,", *rows).encode() + b"\xff\n"
        )
        self.assertGreater(len(content), 4096)

        response = self.post_file(content)

        self.assertContains(response, "The file is not a readable CSV file", status_code=400)
        self.assertFalse(Region.objects.filter(code="64.71.07").exists())

    def test_good_geojson_attaches_boundaries(self) -> None:
        content = json.dumps(feature_collection(("64.71.01.1001", square()))).encode()

        response = self.post_file(content, kind="geojson", name="manggar.geojson")

        self.assertRedirects(response, "/regions/", fetch_redirect_response=False)
        self.assertEqual(Region.objects.get(code="64.71.01.1001").boundary, square())

    def test_page_names_the_region_an_admin_may_import_into(self) -> None:
        login(self.client, self.admin)

        response = self.client.get("/regions/import/")

        self.assertContains(
            response, "You may import regions and boundaries within Kota Balikpapan (64.71) only."
        )

    def test_admin_cannot_rename_another_city_through_the_page(self) -> None:
        make_region("64.72", "Kota Samarinda")
        content = region_csv("64.72,kota,64,Kota Samarinda Palsu,").encode()

        response = self.post_file(content)

        self.assertContains(
            response,
            "Row 2: Region 64.72 lies outside 64.71, the only region you may import into.",
            status_code=400,
        )
        self.assertEqual(Region.objects.get(code="64.72").name, "Kota Samarinda")

    def test_deeply_nested_geojson_answers_400_with_a_clear_message(self) -> None:
        content = ("[" * 100_000 + "]" * 100_000).encode()

        response = self.post_file(content, kind="geojson")

        self.assertContains(
            response, "The file nests arrays or objects too deeply to be GeoJSON.", status_code=400
        )

    def test_geojson_with_unknown_code_answers_400_and_saves_nothing(self) -> None:
        before = Region.objects.get(code="64.71.01.1001").boundary
        content = json.dumps(
            feature_collection(("64.71.01.1001", square()), ("64.71.99.1001", square()))
        ).encode()

        response = self.post_file(content, kind="geojson")

        self.assertContains(response, "Row 2: Region 64.71.99.1001 is not known.", status_code=400)
        self.assertEqual(Region.objects.get(code="64.71.01.1001").boundary, before)


class RenderSvgTests(SimpleTestCase):
    def test_names_and_title_are_escaped(self) -> None:
        svg = render_svg(
            [
                MapShape(
                    code='64"x',
                    name="<script>alert(1)</script>",
                    geometry=square(),
                    href='/regions/"><script>/',
                )
            ],
            title="<b>Kota</b>",
        )

        self.assertNotIn("<script>", svg)
        self.assertNotIn("<b>", svg)
        self.assertIn("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>", svg)
        self.assertIn("<title>&lt;b&gt;Kota&lt;/b&gt;</title>", svg)
        self.assertIn('data-code="64&quot;x"', svg)
        self.assertIn('href="/regions/&quot;&gt;&lt;script&gt;/"', svg)

    def test_one_path_per_shape_even_for_a_multipolygon(self) -> None:
        multi = {
            "type": "MultiPolygon",
            "coordinates": [square(116.9, -1.2)["coordinates"], square(117.0, -1.2)["coordinates"]],
        }

        svg = render_svg(
            [
                MapShape(code="64.71.01", name="Timur", geometry=square(116.8, -1.2)),
                MapShape(code="64.71.02", name="Barat", geometry=multi),
            ]
        )

        self.assertEqual(svg.count("<path "), 2)
        self.assertEqual(path_codes(svg), ["64.71.01", "64.71.02"])
        multi_path = re.search(r'<path d="([^"]+)"[^>]*data-code="64.71.02"', svg)
        assert multi_path is not None
        self.assertEqual(multi_path[1].count("M"), 2)

    def test_shape_without_geometry_is_left_out(self) -> None:
        svg = render_svg(
            [
                MapShape(code="64.71.01", name="Timur", geometry=square()),
                MapShape(code="64.71.02", name="Barat", geometry={}),
            ]
        )

        self.assertEqual(path_codes(svg), ["64.71.01"])

    def test_no_shapes_give_an_empty_string(self) -> None:
        self.assertEqual(render_svg([]), "")
        self.assertEqual(render_svg([MapShape(code="64", name="x", geometry={})]), "")

    def test_map_is_scaled_to_the_width_with_north_up(self) -> None:
        svg = render_svg(
            [
                MapShape(code="north", name="N", geometry=square(116.9, -1.1)),
                MapShape(code="south", name="S", geometry=square(116.9, -1.3)),
            ],
            width=200,
        )

        self.assertIn('viewBox="0 0 200 ', svg)
        points = {
            code: [tuple(map(float, p.split(","))) for p in re.findall(r"[\d.]+,[\d.]+", d)]
            for d, code in re.findall(r'<path d="([^"]+)"[^>]*data-code="(\w+)"', svg)
        }
        self.assertTrue(all(0 <= x <= 200 for pts in points.values() for x, _y in pts))
        self.assertLess(max(y for _x, y in points["north"]), min(y for _x, y in points["south"]))

    def test_shape_with_href_is_a_link(self) -> None:
        svg = render_svg(
            [MapShape(code="64.71.01", name="Timur", geometry=square(), href="/regions/64.71.01/")]
        )

        self.assertRegex(svg, r'<a href="/regions/64.71.01/"[^>]*><path [^>]+>.*?</path></a>')
