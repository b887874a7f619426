"""PATBM activity photos are stored encrypted, never in clear (issue #11: "uploads never written
to disk in clear"): stripped of their EXIF/location first, encrypted in memory, decrypted only
for who sees the group; photos stored in clear before are still served and are encrypted in
place by ``layak reencrypt``."""

from __future__ import annotations

import datetime
import io
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import FileResponse
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from layak.community.models import Activity, ActivityPhoto
from layak.community.tests.factories import PatbmWorld, make_patbm_world, png_bytes
from layak.core.testing import login

REPORT_LINE = "community.ActivityPhoto.file (files): 1 values"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), "blue")
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make
    exif[0x8825] = {1: "S", 2: (1.0, 16.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _served(response: Any) -> bytes:
    assert isinstance(response, FileResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


class PhotoEncryptionTests(TestCase):
    world: PatbmWorld
    media: ClassVar[tempfile.TemporaryDirectory[str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def _upload(self, content: bytes, name: str, content_type: str) -> ActivityPhoto:
        login(self.client, self.world.activist)
        response = self.client.post(
            reverse("community:activity_add", args=[self.world.group.pk]),
            {
                "kind": "parenting",
                "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
                "place": "Posyandu Melati RT 05",
                "girls_0_5": "2",
                "women": "3",
                "photos": [SimpleUploadedFile(name, content, content_type=content_type)],
            },
        )
        activity = Activity.objects.get()
        self.assertRedirects(response, reverse("community:activity", args=[activity.pk]))
        return activity.photos.get()

    def test_uploaded_photo_is_encrypted_on_disk_and_served_stripped(self) -> None:
        original = _jpeg_with_gps()
        photo = self._upload(original, "kegiatan.jpg", "image/jpeg")
        self.assertTrue(photo.file.name.endswith(".bin"))  # the name does not say "photo"
        on_disk = Path(photo.file.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertFalse(on_disk.startswith(b"\xff\xd8"))  # not a JPEG
        self.assertNotIn(b"KameraHP", on_disk)
        self.assertNotIn(b"JFIF", on_disk)

        response = self.client.get(reverse("community:photo", args=[photo.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        served = _served(response)
        self.assertTrue(served.startswith(b"\xff\xd8"))
        self.assertNotIn(b"KameraHP", served)  # stripped before it was encrypted
        with Image.open(io.BytesIO(served)) as image:
            self.assertEqual(image.size, (8, 8))
            self.assertEqual(len(image.getexif()), 0)

    def test_activist_of_another_group_gets_404(self) -> None:
        photo = self._upload(png_bytes(), "kegiatan.png", "image/png")
        login(self.client, self.world.other_activist)
        response = self.client.get(reverse("community:photo", args=[photo.pk]))
        self.assertEqual(response.status_code, 404)
        login(self.client, self.world.focal_city)
        response = self.client.get(reverse("community:photo", args=[photo.pk]))
        self.assertEqual(response.status_code, 404)

    def test_photo_stored_in_clear_before_is_served_then_encrypted_by_reencrypt(self) -> None:
        # A photo as the code before issue #11 stored it: the plain PNG on disk.
        activity = Activity.objects.create(
            group=self.world.group, date=timezone.localdate(), place="Balai", women=1
        )
        name = default_storage.save(f"community/{activity.pk}/legacy.png", ContentFile(png_bytes()))
        photo = ActivityPhoto.objects.create(
            activity=activity,
            file=name,
            content_type="image/png",
            extension=".png",
            size=len(png_bytes()),
            sha256="0" * 64,
        )
        login(self.client, self.world.secretariat)
        url = reverse("community:photo", args=[photo.pk])
        self.assertEqual(_served(self.client.get(url)), png_bytes())

        report = StringIO()
        call_command("reencrypt", "--report", stdout=report)
        self.assertIn(f"{REPORT_LINE}, 1 on an old key (clear: 1)", report.getvalue())

        with self.captureOnCommitCallbacks(execute=True):
            call_command("reencrypt", stdout=StringIO())
        photo.refresh_from_db()
        self.assertNotEqual(photo.file.name, name)
        self.assertFalse(default_storage.exists(name))  # the clear copy is gone
        on_disk = Path(photo.file.path).read_bytes()
        self.assertTrue(on_disk.startswith(b"lk1:"))
        self.assertFalse(on_disk.startswith(b"\x89PNG"))
        self.assertEqual(_served(self.client.get(url)), png_bytes())

        report = StringIO()
        call_command("reencrypt", "--report", stdout=report)
        self.assertIn(f"{REPORT_LINE}, 0 on an old key", report.getvalue())
