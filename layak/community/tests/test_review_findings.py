"""Regression tests for the review of the PATBM and Puspaga modules."""

from __future__ import annotations

import io
import random
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from PIL import Image

from layak.cases.models import Report
from layak.cases.selectors import small_cell
from layak.community import services
from layak.community.tests.factories import PatbmWorld, activity_data, make_patbm_world
from layak.community.views import _logins_for
from layak.families.selectors import MODES, CountTable, _tables


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make
    exif[0x8825] = {1: "S", 2: (1.0, 16.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@override_settings(MEDIA_ROOT=tempfile.mkdtemp())
class CommunityReviewTests(TestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def test_photos_lose_their_location_and_device(self) -> None:
        content = _jpeg_with_gps()
        self.assertIn(b"KameraHP", content)
        activity = services.activity_record(
            actor=self.world.activist,
            group=self.world.group,
            data=activity_data(),
            photos=[SimpleUploadedFile("a.jpg", content, content_type="image/jpeg")],
        )
        stored = services.photo_read(photo=activity.photos.get())
        self.assertNotIn(b"KameraHP", stored)
        with Image.open(io.BytesIO(stored)) as image:
            self.assertEqual(len(image.getexif()), 0)

    def test_only_the_groups_own_activists_can_be_linked(self) -> None:
        choices = set(_logins_for(self.world.group))
        self.assertIn(self.world.activist, choices)
        self.assertNotIn(self.world.other_activist, choices)

    def test_a_named_report_carries_the_activists_name(self) -> None:
        services.early_report_send(
            actor=self.world.activist,
            data=services.EarlyReport(description="Anak terlihat luka di lengan", anonymous=False),
        )
        services.early_report_send(
            actor=self.world.activist,
            data=services.EarlyReport(description="Anak terlihat luka di kaki", anonymous=True),
        )
        named, hidden = Report.objects.order_by("pk")
        self.assertEqual(named.reporter_name, self.world.activist.display_name)
        self.assertFalse(hidden.reporter_name)


class JointSuppressionTests(TestCase):
    def test_no_hidden_cell_can_be_subtracted_in_either_table(self) -> None:
        rng = random.Random(7)
        limit = small_cell()
        for _round in range(300):
            topics = ["a", "b", "c"]
            kecs = ["k1", "k2"]
            topic_raw: dict[tuple[str, str], int] = {}
            kec_raw: dict[tuple[str, str], int] = {}
            for _session in range(rng.randint(1, 25)):
                mode = rng.choice(MODES)
                key = (rng.choice(topics), mode)
                topic_raw[key] = topic_raw.get(key, 0) + 1
                kkey = (rng.choice(kecs), mode)
                kec_raw[kkey] = kec_raw.get(kkey, 0) + 1
            by_topic, by_kec = _tables(
                [("topic", topic_raw, topics, {}), ("kecamatan", kec_raw, kecs, {})]
            )
            # The totals both tables publish are one and the same.
            self.assertEqual(by_topic.mode_totals, by_kec.mode_totals)
            self.assertEqual(by_topic.total, by_kec.total)
            checks: list[tuple[CountTable, dict[tuple[str, str], int]]] = [
                (by_topic, topic_raw),
                (by_kec, kec_raw),
            ]
            for table, raw in checks:
                for row in table.rows:
                    cells = [raw.get((row.key, m), 0) for m in MODES]
                    hidden = [v for v, shown in zip(cells, row.cells, strict=True) if "<" in shown]
                    if hidden and "<" not in row.total:
                        # A shown row total: the hidden cells are two or more and add up to the
                        # threshold, so none of them can be worked out.
                        self.assertGreaterEqual(len(hidden), 2)
                        self.assertGreaterEqual(sum(hidden), limit)
