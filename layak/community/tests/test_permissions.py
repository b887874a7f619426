"""The access matrix of every PATBM page and API endpoint (issue #5, "For all three").

Each URL is requested by every kind of person the rules distinguish — anonymous, a person
without a role, an activist of another group, the group's own activist, the secretariat, an
administrator, leadership, the kecamatan office of another kecamatan, a city-wide OPD focal
point and the secretariat of another city — and the answer must be exactly what the rules say:
invisible 404, visible but forbidden 403.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.community import services
from layak.community.models import Activity, ActivityPhoto, Member
from layak.community.permissions import can_use_community
from layak.community.tests.factories import (
    MEMBER_NAME,
    MEMBER_PHONE,
    PatbmWorld,
    activity_data,
    make_member,
    make_patbm_world,
    png_upload,
)
from layak.core.testing import FORBIDDEN, LOGIN_REDIRECT, OK, Expect, assert_access_matrix, login

WHO = (
    "no_role",
    "other_activist",
    "activist",
    "secretariat",
    "admin",
    "leader",
    "focal_kecamatan",
    "focal_city",
    "other_city_secretariat",
)


@dataclass(frozen=True)
class Probe:
    name: str
    url: str
    expect: dict[str, int]  # who -> status; anyone not named gets ``default``
    default: int
    method: str = "get"
    api: bool = False
    data: dict[str, Any] = field(default_factory=dict)


def _all(status: int, **overrides: int) -> dict[str, int]:
    return {who: overrides.get(who, status) for who in WHO}


class AccessMatrixTests(TestCase):
    world: PatbmWorld
    member: Member
    activity: Activity
    photo: ActivityPhoto
    far_activity: Activity
    media: ClassVar[tempfile.TemporaryDirectory[str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = w = make_patbm_world()
        cls.member = make_member(w.group, w.activist)
        cls.activity = services.activity_record(
            actor=w.activist, group=w.group, data=activity_data(), photos=[png_upload()]
        )
        cls.photo = cls.activity.photos.get()
        cls.far_activity = services.activity_record(
            actor=w.secretariat, group=w.far_group, data=activity_data()
        )

    def _probes(self) -> list[Probe]:
        w = self.world
        g, far = w.group.pk, w.far_group.pk
        managers = {"activist": 200, "secretariat": 200, "admin": 200}
        readers_of_a = {**managers, "leader": 200}
        return [
            Probe(
                "home",
                reverse("community:home"),
                _all(
                    200,
                    no_role=403,
                    focal_city=403,
                    other_city_secretariat=200,  # sees their own city's (empty) list
                ),
                403,
            ),
            Probe(
                "coverage",
                reverse("community:coverage"),
                _all(200, no_role=403, other_activist=403, activist=403, focal_city=403),
                403,
            ),
            Probe("group", reverse("community:group", args=[g]), readers_of_a, 404),
            Probe(
                "group of another kecamatan",
                reverse("community:group", args=[far]),
                {"secretariat": 200, "admin": 200, "leader": 200, "focal_kecamatan": 200},
                404,
            ),
            Probe(
                "group edit",
                reverse("community:group_edit", args=[g]),
                {"activist": 403, "leader": 403, "secretariat": 200, "admin": 200},
                404,
            ),
            Probe(
                "member add",
                reverse("community:member_add", args=[g]),
                {**managers, "leader": 403},
                404,
            ),
            Probe(
                "member edit",
                reverse("community:member_edit", args=[self.member.pk]),
                managers,
                404,
            ),
            Probe(
                "training add",
                reverse("community:training_add", args=[self.member.pk]),
                managers,
                404,
            ),
            Probe(
                "activity add",
                reverse("community:activity_add", args=[g]),
                {**managers, "leader": 403},
                404,
            ),
            Probe(
                "activity",
                reverse("community:activity", args=[self.activity.pk]),
                readers_of_a,
                404,
            ),
            Probe(
                "activity of another kecamatan",
                reverse("community:activity", args=[self.far_activity.pk]),
                {"secretariat": 200, "admin": 200, "leader": 200, "focal_kecamatan": 200},
                404,
            ),
            Probe("photo", reverse("community:photo", args=[self.photo.pk]), readers_of_a, 404),
            Probe(
                "my reports",
                reverse("community:reports"),
                {"activist": 200, "other_activist": 200},
                403,
            ),
            Probe(
                "report form",
                reverse("community:report_new"),
                {"activist": 200, "other_activist": 200},
                403,
            ),
            Probe(
                "create profiles",
                reverse("community:profiles_create"),
                {"secretariat": 302, "admin": 302, "other_city_secretariat": 302},
                403,
                method="post",
            ),
            Probe(
                "API coverage",
                "/api/v1/community/coverage/",
                _all(200, no_role=403, other_activist=403, activist=403, focal_city=403),
                403,
                api=True,
            ),
            Probe(
                "API my reports",
                "/api/v1/community/reports/",
                {"activist": 200, "other_activist": 200},
                403,
                api=True,
            ),
        ]

    def test_every_url_answers_each_person_as_the_rules_say(self) -> None:
        failures: list[str] = []
        for probe in self._probes():
            anonymous = Client()
            response = getattr(anonymous, probe.method)(probe.url, probe.data)
            expected_anonymous = 401 if probe.api else 302
            if response.status_code != expected_anonymous:
                failures.append(f"{probe.name} as anonymous: {response.status_code}")
            elif not probe.api:
                self.assertIn("/accounts/login/", response["Location"])
            for who in WHO:
                client = Client()
                login(client, getattr(self.world, who))
                response = getattr(client, probe.method)(probe.url, probe.data)
                expected = probe.expect.get(who, probe.default)
                if response.status_code != expected:
                    failures.append(
                        f"{probe.name} as {who}: expected {expected}, got {response.status_code}"
                    )
        self.assertEqual(failures, [])

    def test_shared_matrix_helper_on_the_activist_pages(self) -> None:
        w = self.world
        assert_access_matrix(
            self,
            reverse("community:report_new"),
            allowed=w.activist,
            no_permission=w.no_role,
            read_only=w.leader,
        )
        assert_access_matrix(
            self,
            reverse("community:activity_add", args=[w.group.pk]),
            allowed=w.activist,
            no_permission=w.other_activist,
            read_only=w.leader,
            expect_no_permission=Expect(404),
            expect_read_only=FORBIDDEN,
            expect_allowed=OK,
            anonymous=LOGIN_REDIRECT,
        )

    def test_member_names_and_phones_only_for_who_manages_the_group(self) -> None:
        url = reverse("community:group", args=[self.world.group.pk])
        for who, shown in (("activist", True), ("secretariat", True), ("leader", False)):
            client = Client()
            login(client, getattr(self.world, who))
            body = client.get(url).content.decode()
            self.assertEqual(MEMBER_NAME in body, shown, who)
            self.assertEqual(MEMBER_PHONE in body, shown, who)

    def test_menu_entry_follows_the_permission(self) -> None:
        w = self.world
        self.assertTrue(can_use_community(w.activist))
        self.assertTrue(can_use_community(w.leader))
        self.assertFalse(can_use_community(w.no_role))
        self.assertFalse(can_use_community(w.focal_city))
        client = Client()
        login(client, w.activist)
        self.assertContains(client.get(reverse("core:home")), 'data-menu="community"')

    def test_member_linked_to_a_login_makes_that_group_their_own(self) -> None:
        w = self.world
        # The Lamaru activist is recorded as a member of the Manggar group, with their login.
        make_member(w.group, w.secretariat, name="Relawan Lintas", user=w.other_activist)
        client = Client()
        login(client, w.other_activist)
        self.assertEqual(
            client.get(reverse("community:activity_add", args=[w.group.pk])).status_code, 200
        )
