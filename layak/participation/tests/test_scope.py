"""Forum Anak on the one rule of "which kab/kota does this person work in" (issue #14,
``accounts.scope``), the overdue flag computed once, the forum's edit saved whole, and the
refused forms answered with the one status."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.forms import INVALID_FORM_STATUS
from layak.core.testing import login
from layak.participation import services
from layak.participation.models import Aspiration, Forum, Status
from layak.participation.permissions import can_manage_forums
from layak.participation.tests.factories import (
    World,
    make_member,
    make_public_aspiration,
    make_world,
    routed,
)
from layak.regions.tests.factories import make_region


class ProvinceStaffTests(TestCase):
    """A province's secretariat reads the forums and aspirations of its province but works in
    no kab/kota: the pages of one kab/kota refuse it (403) and the home page shows the lists
    without a kab/kota's figures."""

    world: World
    province_secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()
        province = make_agency(region=make_region("64"), code="dp3a-prov", name="DP3A Provinsi")
        cls.province_secretariat = make_person(
            Role.SECRETARIAT, agency=province, username="sekretariat.provinsi"
        )

    def setUp(self) -> None:
        self.client = Client()
        login(self.client, self.province_secretariat)

    def test_home_lists_the_province_without_a_citys_figures(self) -> None:
        response = self.client.get(reverse("participation:home"))
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["figures"])
        self.assertFalse(response.context["can_manage"])
        self.assertNotContains(response, 'data-testid="figures"')

    def test_new_forum_is_refused(self) -> None:
        self.assertFalse(can_manage_forums(self.province_secretariat))
        self.assertEqual(self.client.get(reverse("participation:forum_new")).status_code, 403)

    def test_does_not_run_the_forums_of_a_city(self) -> None:
        forum = self.world.city_forum
        self.assertEqual(
            self.client.get(reverse("participation:forum", args=[forum.pk])).status_code, 200
        )
        for name in ("forum_edit", "member_new", "consultation_new"):
            with self.subTest(name=name):
                response = self.client.get(reverse(f"participation:{name}", args=[forum.pk]))
                self.assertEqual(response.status_code, 403)


class OverdueTests(TestCase):
    """An aspiration is overdue when it waits for the agency's answer past its due date: the
    flag of the pages, the list's filter and the escalation apply the same rule."""

    world: World
    late: Aspiration
    on_time: Aspiration

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()
        cls.late = routed(cls.world, make_public_aspiration(cls.world))
        cls.on_time = routed(cls.world, make_public_aspiration(cls.world))
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Aspiration.objects.filter(pk=cls.late.pk).update(due_on=yesterday)
        cls.late.refresh_from_db()

    def test_the_flag_follows_the_rule(self) -> None:
        self.assertTrue(self.late.is_overdue)
        self.assertFalse(self.on_time.is_overdue)
        self.late.status = Status.ANSWERED
        self.assertFalse(self.late.is_overdue)

    def test_pages_show_the_flag_and_the_filter_finds_the_same(self) -> None:
        client = Client()
        login(client, self.world["secretariat"])
        page = client.get(reverse("participation:aspirations"))
        self.assertContains(page, 'class="overdue"', count=1)
        filtered = client.get(reverse("participation:aspirations"), {"overdue": "on"})
        self.assertEqual([a.pk for a in filtered.context["rows"]], [self.late.pk])
        detail = client.get(reverse("participation:aspiration", args=[self.late.pk]))
        self.assertContains(detail, 'class="overdue"')
        self.assertContains(client.get(reverse("participation:home")), 'class="overdue"', count=1)

    def test_escalation_takes_the_overdue_ones(self) -> None:
        self.assertEqual(services.aspirations_escalate(), [self.late.pk])


class ForumEditTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    def test_refused_facilitator_leaves_the_forum_unchanged(self) -> None:
        forum = self.world.city_forum
        stranger = make_person(
            Role.FORUM_FACILITATOR, agency=self.world.other_agency, username="fasilitator.smd"
        )
        with self.assertRaises(ValidationError):
            services.forum_save(
                actor=self.world["secretariat"],
                forum=forum,
                data=services.ForumData(
                    level=forum.level, region=forum.region, name="Nama baru", is_active=True
                ),
                facilitators=[stranger],
            )
        self.assertEqual(Forum.objects.get(pk=forum.pk).name, "Forum Anak Kota Balikpapan")

    def test_invalid_member_form_answers_400_and_saves_nothing(self) -> None:
        member = make_member(self.world)
        client = Client()
        login(client, self.world["facilitator"])
        response = client.post(reverse("participation:member", args=[member.pk]), {"name": ""})
        self.assertEqual(response.status_code, INVALID_FORM_STATUS)
        self.assertTrue(response.context["form"].errors)
        member.refresh_from_db()
        self.assertTrue(member.name)
