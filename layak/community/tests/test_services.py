"""Writes of the PATBM module (issue #5): recording through the pages, validation errors that
change nothing, photos checked by content, personal data encrypted at rest and never in the
audit trail, group profiles for the agencies ``load_agencies`` made."""

from __future__ import annotations

import datetime
import tempfile
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.models import AgencyKind
from layak.accounts.tests.factories import make_agency
from layak.cases.tests.factories import make_pdf
from layak.community import services
from layak.community.models import Activity, ActivityPhoto, GroupStatus, Member, PatbmGroup
from layak.community.tests.factories import (
    MEMBER_NAME,
    MEMBER_PHONE,
    PatbmWorld,
    activity_data,
    make_member,
    make_patbm_world,
    png_bytes,
    png_upload,
)
from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.regions.tests.factories import make_region

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _activity_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "parenting",
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "place": "Posyandu Melati RT 05",
        "girls_0_5": "2",
        "boys_0_5": "1",
        "women": "12",
        "men": "3",
        "notes": "Sesi parenting tentang disiplin positif",
    }
    data.update(overrides)
    return data


class MediaTestCase(TestCase):
    media: ClassVar[tempfile.TemporaryDirectory[str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()


class ActivityTests(MediaTestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def setUp(self) -> None:
        login(self.client, self.world.activist)
        self.url = reverse("community:activity_add", args=[self.world.group.pk])

    def test_activist_records_an_activity_with_a_photo(self) -> None:
        response = self.client.post(self.url, {**_activity_post(), "photos": [png_upload()]})
        activity = Activity.objects.get()
        self.assertRedirects(response, reverse("community:activity", args=[activity.pk]))
        self.assertEqual((activity.children, activity.adults), (3, 15))
        self.assertEqual(activity.recorded_by, self.world.activist)
        photo = activity.photos.get()
        self.assertEqual(photo.content_type, "image/png")
        self.assertNotIn("posyandu", photo.file.name)  # the uploaded name is not kept
        self.assertEqual(services.photo_read(photo=photo), png_bytes())
        page = self.client.get(reverse("community:activity", args=[activity.pk]))
        self.assertContains(page, reverse("community:photo", args=[photo.pk]))
        self.assertNotContains(page, "kegiatan-posyandu")
        served = self.client.get(reverse("community:photo", args=[photo.pk]))
        self.assertEqual(b"".join(served.streaming_content), png_bytes())  # type: ignore[attr-defined]
        entry = AuditEntry.objects.filter(object_type="community.activity").get()
        self.assertIn("photos", entry.fields)

    def test_future_date_changes_nothing(self) -> None:
        response = self.client.post(self.url, _activity_post(date=TOMORROW.isoformat()))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'class="error"', status_code=400)
        self.assertFalse(Activity.objects.exists())

    def test_negative_counts_change_nothing(self) -> None:
        response = self.client.post(self.url, _activity_post(boys_0_5="-4"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Activity.objects.exists())
        with self.assertRaises(ValidationError):
            services.activity_record(
                actor=self.world.activist,
                group=self.world.group,
                data=activity_data(counts={"women": -1, "men": 5}),
            )
        self.assertFalse(Activity.objects.exists())

    def test_no_participants_changes_nothing(self) -> None:
        zero = {name: "0" for name in ("girls_0_5", "boys_0_5", "women", "men")}
        response = self.client.post(self.url, _activity_post(**zero))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Activity.objects.exists())

    def test_a_file_that_is_not_a_photo_changes_nothing(self) -> None:
        pdf = SimpleUploadedFile("foto.pdf", make_pdf(), content_type="application/pdf")
        response = self.client.post(self.url, {**_activity_post(), "photos": [png_upload(), pdf]})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(ActivityPhoto.objects.exists())
        fake = SimpleUploadedFile("foto.png", b"<svg></svg>", content_type="image/png")
        response = self.client.post(self.url, {**_activity_post(), "photos": [fake]})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Activity.objects.exists())

    def test_activist_of_another_group_cannot_record_through_the_service(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.activity_record(
                actor=self.world.other_activist, group=self.world.group, data=activity_data()
            )
        self.assertFalse(Activity.objects.exists())


class MemberTests(MediaTestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def test_member_name_and_phone_are_encrypted_in_the_raw_row(self) -> None:
        member = make_member(self.world.group, self.world.activist)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT name, phone FROM {Member._meta.db_table} WHERE id = %s",  # noqa: S608
                [member.pk],
            )
            name, phone = cursor.fetchone()
        self.assertNotIn(MEMBER_PHONE, str(phone))
        self.assertNotIn(MEMBER_NAME, str(name))
        self.assertEqual(Member.objects.get().phone, MEMBER_PHONE)
        entries = AuditEntry.objects.filter(object_type="community.member")
        self.assertTrue(entries.exists())
        for entry in entries:
            self.assertNotIn(MEMBER_PHONE, f"{entry.fields} {entry.object_label}")
            self.assertNotIn(MEMBER_NAME, f"{entry.fields} {entry.object_label}")

    def test_activist_adds_a_member_and_a_training_through_the_pages(self) -> None:
        login(self.client, self.world.activist)
        response = self.client.post(
            reverse("community:member_add", args=[self.world.group.pk]),
            {"name": MEMBER_NAME, "phone": MEMBER_PHONE, "position": "member", "is_active": "on"},
        )
        self.assertRedirects(response, reverse("community:group", args=[self.world.group.pk]))
        member = Member.objects.get()
        response = self.client.post(
            reverse("community:training_add", args=[member.pk]),
            {"topic": "Deteksi dini", "date": "2025-07-16", "organiser": "DP3AKB"},
        )
        self.assertEqual(response.status_code, 302)
        page = self.client.get(reverse("community:group", args=[self.world.group.pk]))
        self.assertContains(page, "Deteksi dini")

    def test_secretariat_edits_a_member_and_links_the_activists_login(self) -> None:
        member = make_member(self.world.group, self.world.activist)
        login(self.client, self.world.secretariat)
        response = self.client.post(
            reverse("community:member_edit", args=[member.pk]),
            {
                "name": MEMBER_NAME,
                "phone": "081200001111",
                "position": "secretary",
                "user": str(self.world.activist.pk),
            },
        )
        self.assertEqual(response.status_code, 302)
        member.refresh_from_db()
        self.assertEqual(
            (member.phone, member.position, member.is_active, member.user),
            ("081200001111", "secretary", False, self.world.activist),
        )
        entry = AuditEntry.objects.filter(object_type="community.member", action="update").get()
        self.assertEqual(entry.fields, ["is_active", "phone", "position", "user"])

    def test_future_dates_change_nothing(self) -> None:
        login(self.client, self.world.activist)
        response = self.client.post(
            reverse("community:member_add", args=[self.world.group.pk]),
            {"name": MEMBER_NAME, "position": "member", "joined_on": TOMORROW.isoformat()},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Member.objects.exists())
        member = make_member(self.world.group, self.world.activist)
        response = self.client.post(
            reverse("community:training_add", args=[member.pk]),
            {"topic": "Deteksi dini", "date": TOMORROW.isoformat(), "organiser": "DP3AKB"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(member.trainings.exists())

    def test_only_an_activist_of_the_city_can_be_linked(self) -> None:
        with self.assertRaises(ValidationError):
            make_member(self.world.group, self.world.secretariat, user=self.world.leader)
        self.assertFalse(Member.objects.exists())


class GroupTests(TestCase):
    world: PatbmWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_patbm_world()

    def test_secretariat_changes_status_and_decree(self) -> None:
        login(self.client, self.world.secretariat)
        url = reverse("community:group_edit", args=[self.world.group.pk])
        response = self.client.post(
            url,
            {"status": "inactive", "decree_number": "400.2.2/17/KEL", "decree_date": "2019-05-02"},
        )
        self.assertEqual(response.status_code, 302)
        self.world.group.refresh_from_db()
        self.assertEqual(
            (self.world.group.status, self.world.group.decree_number),
            (GroupStatus.INACTIVE, "400.2.2/17/KEL"),
        )
        response = self.client.post(
            url, {"status": "active", "decree_number": "X", "decree_date": TOMORROW.isoformat()}
        )
        self.assertEqual(response.status_code, 400)
        self.world.group.refresh_from_db()
        self.assertEqual(self.world.group.status, GroupStatus.INACTIVE)

    def test_activist_cannot_change_the_status(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.group_update(
                actor=self.world.activist,
                group=self.world.group,
                data=services.GroupData(status=GroupStatus.INACTIVE),
            )

    def test_profiles_for_every_patbm_agency_once(self) -> None:
        w = self.world
        area = make_region("64.71.01.1003", "Teritip")
        make_agency(
            region=w.city,
            code="patbm-64-71-01-1003",
            name="PATBM Kelurahan Teritip",
            kind=AgencyKind.COMMUNITY,
            area=area,
        )
        make_agency(region=w.city, code="forum-anak", name="Forum Anak", kind=AgencyKind.COMMUNITY)
        self.assertEqual(services.groups_ensure_profiles(actor=w.secretariat, city=w.city), 1)
        self.assertEqual(services.groups_ensure_profiles(actor=w.secretariat, city=w.city), 0)
        created = PatbmGroup.objects.get(agency__area=area)
        self.assertEqual(created.status, GroupStatus.FORMING)
        with self.assertRaises(PermissionDenied):
            services.groups_ensure_profiles(actor=w.activist, city=w.city)
