"""The public side of Forum Anak (issue #5): the child's form and "Kalian bilang, kami lakukan".

The public page and the public API leak no child's name, school or original text; only
published aspirations appear; the form is throttled per address, a bot filling the honeypot
stores nothing, and bad input changes nothing.
"""

from __future__ import annotations

from django.test import Client, TestCase, override_settings
from django.urls import reverse

from layak.participation import services
from layak.participation.models import Aspiration, Cluster, Source, Status
from layak.participation.tests.factories import (
    CHILD_NAME,
    CHILD_TEXT,
    MEMBER_NAME,
    MEMBER_SCHOOL,
    PUBLIC_TEXT,
    RESPONSE,
    World,
    answered,
    make_member,
    make_public_aspiration,
    make_world,
    routed,
)

PUBLIC_URL = "/suara-anak/kalian-bilang-kami-lakukan/"
API_URL = "/api/v1/participation/public/"
UNPUBLISHED_TEXT = "Rahasia: lapangan voli di belakang masjid perlu lampu"
UNPUBLISHED_SAFE = "Lampu lapangan olahraga mati."


class PublicPageLeaksNoChildTests(TestCase):
    world: World
    published: Aspiration
    by_member: Aspiration
    unpublished: Aspiration

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_world()
        cls.world = w
        cls.published = make_public_aspiration(w)
        routed(w, cls.published)
        answered(w, cls.published, status=Status.ACTED)
        services.aspiration_publish(
            actor=w["facilitator"], aspiration=cls.published, public_text=PUBLIC_TEXT
        )
        member = make_member(w)
        cls.by_member = services.aspiration_record(
            actor=w["facilitator"],
            forum=w.city_forum,
            data=services.AspirationData(
                text=f"{MEMBER_NAME} dari {MEMBER_SCHOOL}: perlu jalur sepeda", member=member
            ),
        )
        services.aspiration_route(
            actor=w["facilitator"],
            aspiration=cls.by_member,
            cluster=Cluster.PROTECTION,
            agency=w.dishub,
            safe_text="Anak-anak ingin jalur sepeda yang aman ke sekolah.",
        )
        services.aspiration_publish(
            actor=w["facilitator"],
            aspiration=cls.by_member,
            public_text="Anak-anak ingin jalur sepeda yang aman ke sekolah.",
        )
        cls.unpublished = routed(
            w, make_public_aspiration(w, text=UNPUBLISHED_TEXT), safe_text=UNPUBLISHED_SAFE
        )
        answered(w, cls.unpublished)

    def _bodies(self) -> list[str]:
        client = Client()
        return [
            client.get(PUBLIC_URL).content.decode(),
            client.get(PUBLIC_URL, {"klaster": Cluster.EDUCATION}).content.decode(),
            client.get(API_URL).content.decode(),
        ]

    def test_no_name_school_or_original_text_on_the_public_page_or_api(self) -> None:
        for body in self._bodies():
            for secret in (CHILD_NAME, MEMBER_NAME, MEMBER_SCHOOL, CHILD_TEXT, "Nadia"):
                with self.subTest(secret=secret):
                    self.assertNotIn(secret, body)

    def test_published_text_and_the_agency_response_are_shown(self) -> None:
        page = Client().get(PUBLIC_URL)
        self.assertContains(page, PUBLIC_TEXT)
        self.assertContains(page, RESPONSE)
        self.assertContains(page, "jalur sepeda yang aman")
        rows = Client().get(API_URL).json()
        self.assertEqual({r["id"] for r in rows}, {self.published.pk, self.by_member.pk})
        self.assertEqual(
            set(rows[0]), {"id", "cluster", "status", "text", "agency", "response", "published_at"}
        )

    def test_unpublished_aspirations_are_absent(self) -> None:
        for body in self._bodies():
            self.assertNotIn(UNPUBLISHED_TEXT, body)
            self.assertNotIn("lapangan voli", body)
            self.assertNotIn(UNPUBLISHED_SAFE, body)
        rows = Client().get(API_URL).json()
        self.assertNotIn(self.unpublished.pk, {r["id"] for r in rows})

    def test_withdrawn_publication_disappears(self) -> None:
        services.aspiration_unpublish(actor=self.world["secretariat"], aspiration=self.published)
        self.assertNotContains(Client().get(PUBLIC_URL), PUBLIC_TEXT)

    def test_cluster_filter(self) -> None:
        page = Client().get(PUBLIC_URL, {"klaster": Cluster.PROTECTION})
        self.assertContains(page, "jalur sepeda")
        self.assertNotContains(page, PUBLIC_TEXT)
        rows = Client().get(API_URL, {"cluster": Cluster.EDUCATION}).json()
        self.assertEqual([r["id"] for r in rows], [self.published.pk])

    def test_publishing_a_text_with_the_childs_name_or_school_is_refused(self) -> None:
        from django.core.exceptions import ValidationError

        for text in (
            "Nadia ingin taman yang terang",
            "Anak dari SMP Negeri 17 Balikpapan ingin jalur sepeda",
            "Kata rizky: jalur sepeda perlu",
        ):
            target = self.published if "Nadia" in text else self.by_member
            with self.subTest(text=text), self.assertRaises(ValidationError):
                services.aspiration_publish(
                    actor=self.world["facilitator"], aspiration=target, public_text=text
                )

    def test_public_page_needs_few_queries(self) -> None:
        with self.assertNumQueries(3):  # the home region, the count, the page of aspirations
            Client().get(PUBLIC_URL, {"klaster": "k9"})


@override_settings(LAYAK_ASPIRATION_FORM_PER_HOUR=3)
class PublicFormTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def test_a_child_sends_an_aspiration_anonymously(self) -> None:
        response = Client().post(
            reverse("participation_public:submit"),
            {"text": "Tolong tambah lampu di taman", "topic": Cluster.EDUCATION},
        )
        self.assertContains(response, 'data-testid="aspiration-thanks"')
        aspiration = Aspiration.objects.get()
        self.assertEqual(aspiration.source, Source.CHILD)
        self.assertEqual(aspiration.status, Status.NEW)
        self.assertEqual(aspiration.forum, self.world.city_forum)
        self.assertFalse(aspiration.child_name)
        self.assertEqual(aspiration.cluster, Cluster.EDUCATION)

    def test_the_form_is_small_and_asks_nothing_required_but_the_text(self) -> None:
        page = Client().get(reverse("participation_public:submit"))
        self.assertEqual(page.status_code, 200)
        self.assertLess(len(page.content), 20_000)
        self.assertEqual(page.content.decode().count(" required"), 1)  # the text only

    def test_honeypot_stores_nothing(self) -> None:
        response = Client().post(
            reverse("participation_public:submit"),
            {"text": "Beli obat murah di sini", "website": "http://spam.example"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="aspiration-thanks"')
        self.assertFalse(Aspiration.objects.exists())

    def test_throttled_per_address(self) -> None:
        client = Client(REMOTE_ADDR="203.0.113.9")
        for _ in range(3):
            client.post(reverse("participation_public:submit"), {"text": "Taman perlu lampu"})
        refused = client.post(reverse("participation_public:submit"), {"text": "Taman lagi"})
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(Aspiration.objects.count(), 3)
        other = Client(REMOTE_ADDR="203.0.113.10").post(
            reverse("participation_public:submit"), {"text": "Taman perlu lampu"}
        )
        self.assertEqual(other.status_code, 200)
        self.assertEqual(Aspiration.objects.count(), 4)

    def test_bad_input_gets_a_message_and_changes_nothing(self) -> None:
        outside = self.world.other_city
        for n, data in enumerate(
            (
                {"text": ""},
                {"text": "abc"},
                {"text": "Taman perlu lampu", "age": "40"},
                {"text": "Taman perlu lampu", "topic": "nonsense"},
                {"text": "Taman perlu lampu", "kelurahan": str(outside.pk)},
                {"text": "x" * 2001},
            )
        ):
            with self.subTest(data=data):
                response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(
                    reverse("participation_public:submit"), data
                )
                self.assertContains(response, 'class="error"', status_code=400)
        self.assertFalse(Aspiration.objects.exists())
