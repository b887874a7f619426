"""The generated permission matrix of Puspaga (issue #5, "Permissions through the shared matrix
helper; every page, export and API endpoint covered").

Every URL of the module is requested by every kind of person the rules distinguish — the
session's counsellor, another counsellor of the same Puspaga, a counsellor of another city, the
secretariat and the administrator (supervisors), leadership (read-only), a superuser, a person
without any Puspaga role, and anonymous — and the status must be exactly what the rules say.
Every response is searched for the family's name and the session notes, which only the
counsellor may ever see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_person
from layak.core.testing import FORBIDDEN, NOT_FOUND, OK, Expect, assert_access_matrix, login
from layak.families import services
from layak.families.models import Booking, Certificate, HandOff, Session, Topic
from layak.families.tests.factories import (
    FAMILY_NAME,
    NOTES_TEXT,
    FamilyWorld,
    make_booking,
    make_family_world,
    make_session,
)

PEOPLE = (
    "counsellor",
    "other_counsellor",
    "other_city_counsellor",
    "secretariat",
    "admin",
    "leader",
    "superuser",
    "focal",
)
COUNSELLORS = {"counsellor", "other_counsellor", "other_city_counsellor"}
COUNT_READERS = COUNSELLORS | {"secretariat", "admin", "leader", "superuser"}


@dataclass(frozen=True)
class Probe:
    """One URL and what each kind of person gets (default: ``default``)."""

    name: str
    url: str
    expect: dict[str, int]
    default: int = 404
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    api: bool = False

    def expected(self, who: str) -> int:
        if who == "anonymous":
            return 401 if self.api else 302
        return self.expect.get(who, self.default)


class FamiliesPermissionMatrixTests(TestCase):
    world: FamilyWorld
    people: dict[str, User]
    booking: Booking
    booking2: Booking
    session: Session
    marriage: Session
    marriage2: Session
    certificate: Certificate
    handoff: HandOff

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_family_world()
        cls.world = w
        cls.people = {
            "counsellor": w.counsellor,
            "other_counsellor": w.other_counsellor,
            "other_city_counsellor": w.other_city_counsellor,
            "secretariat": w.secretariat,
            "admin": w.admin,
            "leader": w.leader,
            "superuser": make_person(agency=w.dinas, is_superuser=True, is_staff=True),
            "focal": w.focal,
        }
        cls.booking = make_booking(w)
        cls.booking2 = make_booking(w, index=1)
        cls.session = make_session(w)
        cls.marriage = make_session(w, topic=Topic.CHILD_MARRIAGE)
        cls.marriage2 = make_session(w, topic=Topic.CHILD_MARRIAGE)
        cls.certificate = services.certificate_issue(actor=w.counsellor, session=cls.marriage2)
        cls.handoff = services.handoff_create(
            actor=w.counsellor,
            session=cls.session,
            data=services.HandOffData(
                consent=True,
                consent_given_by="Ibu",
                consent_on=cls.session.held_on,
                covers_contact=True,
            ),
        )

    def _probes(self) -> list[Probe]:
        w = self.world
        only_counsellor = {"counsellor": 200}
        families = "families:"
        api = "/api/v1/families/"
        return [
            Probe(
                "home",
                reverse(families + "home"),
                {
                    **dict.fromkeys(COUNSELLORS, 200),
                    **dict.fromkeys(COUNT_READERS - COUNSELLORS, 302),
                },
                default=403,
            ),
            Probe(
                "booking_new",
                reverse(families + "booking_new"),
                dict.fromkeys(COUNSELLORS, 200),
                default=403,
            ),
            Probe(
                "booking", reverse(families + "booking", args=[self.booking.pk]), only_counsellor
            ),
            Probe(
                "booking_session",
                reverse(families + "booking_session", args=[self.booking.pk]),
                only_counsellor,
            ),
            Probe(
                "family",
                reverse(families + "family", args=[self.session.family_id]),
                only_counsellor,
            ),
            Probe(
                "family_book",
                reverse(families + "family_book", args=[self.session.family_id]),
                only_counsellor,
            ),
            Probe(
                "family_session",
                reverse(families + "family_session", args=[self.session.family_id]),
                only_counsellor,
            ),
            Probe(
                "session", reverse(families + "session", args=[self.session.pk]), only_counsellor
            ),
            Probe(
                "handoff_new",
                reverse(families + "handoff_new", args=[self.session.pk]),
                only_counsellor,
            ),
            Probe(
                "handoff", reverse(families + "handoff", args=[self.handoff.pk]), only_counsellor
            ),
            Probe(
                "counts",
                reverse(families + "counts"),
                dict.fromkeys(COUNT_READERS, 200),
                default=403,
            ),
            Probe(
                "counts_csv",
                reverse(families + "counts") + "?format=csv",
                dict.fromkeys(COUNT_READERS, 200),
                default=403,
            ),
            Probe(
                "points",
                reverse(families + "points"),
                {**dict.fromkeys(COUNSELLORS, 200), "admin": 200},
                default=403,
            ),
            Probe("point_new", reverse(families + "point_new"), {"admin": 200}, default=403),
            Probe(
                "point_edit",
                reverse(families + "point_edit", args=[w.point.pk]),
                {"admin": 200, "counsellor": 403, "other_counsellor": 403},
            ),
            Probe(
                "schedule_new",
                reverse(families + "schedule_new"),
                {**dict.fromkeys(COUNSELLORS, 200), "admin": 200},
                default=403,
            ),
            Probe(
                "api_bookings", api + "bookings/", dict.fromkeys(COUNSELLORS, 200), 403, api=True
            ),
            Probe("api_counts", api + "counts/", dict.fromkeys(COUNT_READERS, 200), 403, api=True),
            Probe("api_session", f"{api}sessions/{self.session.pk}/", only_counsellor, api=True),
            # State-changing requests last, each on its own object.
            Probe(
                "attendance",
                reverse(families + "booking_attendance", args=[self.booking2.pk]),
                {"counsellor": 302},
                method="post",
                data={"status": "cancelled"},
            ),
            Probe(
                "certificate_issue",
                reverse(families + "certificate_issue", args=[self.marriage.pk]),
                {"counsellor": 302},
                method="post",
            ),
            # The PDF is asked for with a POST and built in the background (issue #11).
            Probe(
                "certificate",
                reverse(families + "certificate", args=[self.certificate.pk]),
                {"counsellor": 302},
                method="post",
            ),
            Probe(
                "schedule_end",
                reverse(families + "schedule_end", args=[w.schedule.pk]),
                {"counsellor": 302, "admin": 302, "other_counsellor": 403},
                method="post",
            ),
        ]

    def test_every_url_answers_each_kind_of_person_as_the_rules_say(self) -> None:
        for probe in self._probes():
            # The allowed people go last, so a POST changes state only after every refusal.
            order = sorted(PEOPLE, key=lambda who: probe.expected(who) in (200, 302))
            for who in ("anonymous", *order):
                client = Client()
                if who != "anonymous":
                    login(client, self.people[who])
                send = client.post if probe.method == "post" else client.get
                response = send(probe.url, probe.data)
                with self.subTest(probe=probe.name, who=who):
                    self.assertEqual(response.status_code, probe.expected(who))
                    if who != "counsellor":
                        body = b"".join(getattr(response, "streaming_content", [])) or (
                            response.content
                        )
                        self.assertNotIn(FAMILY_NAME.encode(), body)
                        self.assertNotIn(NOTES_TEXT.encode(), body)

    def test_anonymous_is_sent_to_login(self) -> None:
        response = Client().get(reverse("families:home"))
        self.assertIn("/accounts/login/", response["Location"])

    def test_matrix_helper_on_the_session_page(self) -> None:
        assert_access_matrix(
            self,
            reverse("families:session", args=[self.session.pk]),
            allowed=self.world.counsellor,
            no_permission=self.world.focal,
            read_only=self.world.leader,
            expect_no_permission=NOT_FOUND,
            expect_read_only=NOT_FOUND,
            expect_allowed=OK,
        )

    def test_matrix_helper_on_the_counts_page(self) -> None:
        assert_access_matrix(
            self,
            reverse("families:counts"),
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            read_only=self.world.leader,
            expect_no_permission=FORBIDDEN,
            expect_read_only=Expect(200),
        )

    def test_supervisor_menu_leads_to_counts(self) -> None:
        client = Client()
        login(client, self.world.secretariat)
        response = client.get(reverse("families:home"))
        self.assertRedirects(response, reverse("families:counts"))

    def test_role_without_city_cannot_counsel(self) -> None:
        from layak.families.permissions import can_use_families

        ministry_counsellor = make_person(Role.COUNSELLOR)
        ministry_counsellor.agency = None
        self.assertFalse(can_use_families(ministry_counsellor))
