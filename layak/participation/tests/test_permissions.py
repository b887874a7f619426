"""The permission matrix of the Forum Anak module (issue #5, "For all three").

Every page, export and API URL of the module is requested by every kind of person the rules
distinguish — anonymous, a person without permission, the facilitator of another forum, the
forum's own facilitator, the focal point of the agency an aspiration is routed to and of
another agency, the secretariat, leadership, and the secretariat of another city — and the
status code must be exactly what the rules say. Children's names may appear only in the
answers of the forum's own facilitator and the secretariat.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.core.testing import FORBIDDEN, OK, assert_access_matrix, login
from layak.participation import services
from layak.participation.models import Aspiration, Status
from layak.participation.tests.factories import (
    CHILD_NAME,
    CHILD_TEXT,
    MEMBER_NAME,
    RESPONSE,
    World,
    answered,
    make_member,
    make_public_aspiration,
    routed,
)
from layak.participation.tests.factories import make_world as build_world

PEOPLE = (
    "nobody",
    "other_facilitator",
    "facilitator",
    "opd",
    "opd_other",
    "secretariat",
    "leadership",
    "other_city",
)
EVERYONE_LOGGED_IN = set(PEOPLE)
USERS = EVERYONE_LOGGED_IN - {"nobody"}  # may use the module at all
RUNS_FORUM = {"facilitator", "secretariat"}  # the city forum's children's data
SEES_FORUM = RUNS_FORUM | {"leadership"}
SEES_ASPIRATION = RUNS_FORUM | {"leadership", "opd"}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Probe:
    """One URL and what each kind of person gets; anybody not listed gets ``default``."""

    name: str
    url: str
    expect: dict[str, int]
    default: int = 404
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    api: bool = False
    anonymous: int | None = None


def _rows(
    allowed: set[str], ok: int, forbidden: frozenset[str] | set[str] = frozenset(), code: int = 403
) -> dict[str, int]:
    table = {who: ok for who in allowed}
    table.update({who: code for who in forbidden})
    return table


MEDIA = tempfile.mkdtemp(prefix="layak-participation-")


@override_settings(MEDIA_ROOT=MEDIA)
class ParticipationPermissionMatrixTests(TestCase):
    world: World
    aspiration: Aspiration
    answered_one: Aspiration
    member_pk: int
    consent_pk: int

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        member = make_member(cls.world)
        cls.member_pk = member.pk
        cls.consent_pk = member.consents.get().pk
        cls.aspiration = routed(cls.world, make_public_aspiration(cls.world))
        other = routed(cls.world, make_public_aspiration(cls.world, child_name=""))
        cls.answered_one = services.aspiration_respond(
            actor=cls.world["opd"],
            aspiration=other,
            status=Status.ANSWERED,
            response=RESPONSE,
            evidence=SimpleUploadedFile("bukti.pdf", PDF, content_type="application/pdf"),
            evidence_name="bukti.pdf",
        )
        services.aspiration_record(
            actor=cls.world["facilitator"],
            forum=cls.world.city_forum,
            data=services.AspirationData(text="Kami ingin taman baca", member=member),
        )

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def _probes(self) -> list[Probe]:
        w = self.world
        city = w.city_forum.pk
        a = self.aspiration.pk
        b = self.answered_one.pk
        forum_404 = {"leadership": 403}
        api = "/api/v1/participation"
        return [
            Probe("home", reverse("participation:home"), _rows(USERS, 200), default=403),
            Probe(
                "forum new",
                reverse("participation:forum_new"),
                {"secretariat": 200, "other_city": 200},
                default=403,
            ),
            Probe("forum", reverse("participation:forum", args=[city]), _rows(SEES_FORUM, 200)),
            Probe(
                "forum edit",
                reverse("participation:forum_edit", args=[city]),
                {"secretariat": 200, "facilitator": 403, "leadership": 403},
            ),
            Probe(
                "member new",
                reverse("participation:member_new", args=[city]),
                {**_rows(RUNS_FORUM, 200), **forum_404},
            ),
            Probe(
                "consultation new",
                reverse("participation:consultation_new", args=[city]),
                {**_rows(RUNS_FORUM, 200), **forum_404},
            ),
            Probe(
                "member",
                reverse("participation:member", args=[self.member_pk]),
                _rows(RUNS_FORUM, 200),
            ),
            Probe(
                "consent new",
                reverse("participation:consent_new", args=[self.member_pk]),
                _rows(RUNS_FORUM, 302),
                method="post",
            ),
            Probe(
                "consent withdraw",
                reverse("participation:consent_withdraw", args=[self.consent_pk]),
                _rows(RUNS_FORUM, 302),
                method="post",
            ),
            Probe(
                "aspirations", reverse("participation:aspirations"), _rows(USERS, 200), default=403
            ),
            Probe(
                "export",
                reverse("participation:aspiration_export"),
                {"secretariat": 200, "leadership": 200, "other_city": 200},
                default=403,
            ),
            Probe(
                "aspiration new",
                reverse("participation:aspiration_new"),
                {
                    "facilitator": 200,
                    "other_facilitator": 200,
                    "secretariat": 200,
                    "other_city": 302,
                },
                default=403,
            ),
            Probe(
                "aspiration",
                reverse("participation:aspiration", args=[a]),
                _rows(SEES_ASPIRATION, 200),
            ),
            Probe(
                "route",
                reverse("participation:aspiration_route", args=[a]),
                _rows(RUNS_FORUM, 400, {"leadership", "opd"}),
                method="post",
            ),
            Probe(
                "dismiss",
                reverse("participation:aspiration_dismiss", args=[a]),
                _rows(RUNS_FORUM, 302, {"leadership", "opd"}),
                method="post",
            ),
            Probe(
                "publish",
                reverse("participation:aspiration_publish", args=[a]),
                _rows(RUNS_FORUM, 400, {"leadership", "opd"}),
                method="post",
            ),
            Probe(
                "planning",
                reverse("participation:aspiration_planning", args=[a]),
                _rows(RUNS_FORUM, 400, {"leadership", "opd"}),
                method="post",
            ),
            Probe(
                "respond",
                reverse("participation:aspiration_respond", args=[a]),
                _rows({"opd"}, 400, {"leadership", "facilitator", "secretariat"}),
                method="post",
            ),
            Probe(
                "evidence",
                reverse("participation:aspiration_evidence", args=[b]),
                _rows(SEES_ASPIRATION, 200),
            ),
            Probe(
                "public form",
                reverse("participation_public:submit"),
                {},
                default=200,
                anonymous=200,
            ),
            Probe(
                "public page",
                reverse("participation_public:published"),
                {},
                default=200,
                anonymous=200,
            ),
            Probe("api public", f"{api}/public/", {}, default=200, api=True, anonymous=200),
            Probe("api list", f"{api}/aspirations/", _rows(USERS, 200), default=403, api=True),
            Probe("api open", f"{api}/aspirations/open/", _rows(USERS, 200), default=403, api=True),
            Probe("api detail", f"{api}/aspirations/{a}/", _rows(SEES_ASPIRATION, 200), api=True),
            Probe(
                "api response",
                f"{api}/aspirations/{a}/response/",
                _rows({"opd"}, 400, {"leadership", "facilitator", "secretariat"}),
                method="post",
                data={"status": "nonsense", "response": "x"},
                api=True,
            ),
            Probe("api forums", f"{api}/forums/", _rows(USERS, 200), default=403, api=True),
        ]

    def _request(self, client: Client, probe: Probe) -> Any:
        if probe.method == "get":
            return client.get(probe.url)
        if probe.api:
            return client.post(probe.url, json.dumps(probe.data), content_type="application/json")
        return client.post(probe.url, probe.data)

    def test_every_url_answers_each_kind_of_person_as_the_rules_say(self) -> None:
        for probe in self._probes():
            anonymous = probe.anonymous or (401 if probe.api else 302)
            for who in ("anonymous", *PEOPLE):
                expected = anonymous if who == "anonymous" else probe.expect.get(who, probe.default)
                client = Client()
                if who != "anonymous":
                    login(client, self.world[who])
                with self.subTest(probe=probe.name, who=who):
                    response = self._request(client, probe)
                    self.assertEqual(response.status_code, expected)
                    if response.status_code == 200 and not getattr(response, "streaming", False):
                        body = response.content.decode()
                        if who not in RUNS_FORUM:
                            for secret in (CHILD_NAME, MEMBER_NAME, CHILD_TEXT, "Nadia"):
                                self.assertNotIn(secret, body)

    def test_nothing_changed_by_refused_or_invalid_posts(self) -> None:
        self.aspiration.refresh_from_db()
        self.assertEqual(self.aspiration.status, Status.RECEIVED)
        self.assertEqual(self.aspiration.agency_id, self.world.dinkes.pk)
        self.assertIsNone(self.aspiration.published_at)
        self.assertEqual(self.aspiration.response, "")

    def test_the_facilitator_and_secretariat_see_who_voiced_it(self) -> None:
        url = reverse("participation:aspiration", args=[self.aspiration.pk])
        for who in RUNS_FORUM:
            client = Client()
            login(client, self.world[who])
            with self.subTest(who=who):
                self.assertContains(client.get(url), CHILD_NAME)

    def test_the_forum_page_lists_names_to_its_facilitator_only(self) -> None:
        url = reverse("participation:forum", args=[self.world.city_forum.pk])
        for who, shown in (("facilitator", True), ("secretariat", True), ("leadership", False)):
            client = Client()
            login(client, self.world[who])
            with self.subTest(who=who):
                if shown:
                    self.assertContains(client.get(url), MEMBER_NAME)
                else:
                    self.assertNotContains(client.get(url), MEMBER_NAME)

    def test_export_through_the_shared_matrix_helper(self) -> None:
        assert_access_matrix(
            self,
            reverse("participation:aspiration_export"),
            allowed=self.world["secretariat"],
            no_permission=self.world["opd"],
            read_only=self.world["facilitator"],
            expect_read_only=FORBIDDEN,
            expect_allowed=OK,
        )

    def test_opd_focal_point_sees_only_aspirations_routed_to_the_agency(self) -> None:
        client = Client()
        login(client, self.world["opd_other"])
        rows = client.get("/api/v1/participation/aspirations/").json()
        self.assertEqual(rows, [])
        login(client, self.world["opd"])
        ids = {row["id"] for row in client.get("/api/v1/participation/aspirations/open/").json()}
        self.assertEqual(ids, {self.aspiration.pk})

    def test_a_new_aspiration_is_invisible_to_the_agency_until_routed(self) -> None:
        fresh = make_public_aspiration(self.world)
        client = Client()
        login(client, self.world["opd"])
        url = reverse("participation:aspiration", args=[fresh.pk])
        self.assertEqual(client.get(url).status_code, 404)
        answered(self.world, routed(self.world, fresh))
        self.assertEqual(client.get(url).status_code, 200)
