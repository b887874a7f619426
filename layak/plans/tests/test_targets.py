"""Indicator targets taken from the adopted action plan (issue #6), kept in step by the plan
services, and shown on the indicator page."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client, TestCase
from django.urls import reverse

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.models import AuditEntry
from layak.core.testing import login
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Target
from layak.indicators.selectors import target_for, targets_of
from layak.plans import services
from layak.plans.models import Action, Plan
from layak.plans.targets import targets_sync
from layak.regions.models import Region
from layak.regions.tests.factories import make_region


def _plan(
    actor: User, city: Region, *, adopted: bool = True, title: str = "RAD KLA 2025-2029"
) -> Plan:
    plan = services.plan_create(
        actor=actor, region=city, title=title, start_year=2025, end_year=2029
    )
    if adopted:
        services.plan_adopt(actor=actor, plan=plan)
    return plan


def _action(actor: User, plan: Plan, agency: Agency, code: str, indicators: list[str]) -> Action:
    return services.action_create(
        actor=actor,
        plan=plan,
        code=code,
        title=f"Action {code}",
        cluster="K3",
        agency=agency,
        indicator_codes=indicators,
    )


def _set(actor: User, action: Action, year: int, value: str | None) -> None:
    services.target_set(
        actor=actor,
        action=action,
        year=year,
        target=f"{value} per cent" if value else "a text-only target",
        value=Decimal(value) if value is not None else None,
    )


def _stored(city: Region, code: str) -> list[tuple[int, Decimal, str | None]]:
    return [
        (t.year, t.value, t.action.code if t.action else None)
        for t in targets_of(Definition.objects.get(code=code), city)
    ]


class TargetSyncTests(TestCase):
    city: Region
    other_city: Region
    dinkes: Agency
    secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.city = make_region("64.71", "Kota Balikpapan")
        cls.other_city = make_region("64.72", "Kota Samarinda")
        dp3akb = make_agency(region=cls.city, code="dp3akb", name="DP3AKB")
        cls.dinkes = make_agency(region=cls.city, code="dinkes", name="Dinkes")
        cls.secretariat = make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat")

    def test_yearly_values_of_an_adopted_plan_become_the_targets(self) -> None:
        plan = _plan(self.secretariat, self.city)
        action = _action(
            self.secretariat, plan, self.dinkes, "K3.01", ["imunisasi-dasar", "no-such-code"]
        )

        _set(self.secretariat, action, 2025, "80")
        _set(self.secretariat, action, 2026, "85.5")
        _set(self.secretariat, action, 2027, None)  # text only: no numeric target

        self.assertEqual(
            _stored(self.city, "imunisasi-dasar"),
            [(2025, Decimal("80.00"), "K3.01"), (2026, Decimal("85.50"), "K3.01")],
        )
        self.assertEqual(Target.objects.count(), 2)
        definition = Definition.objects.get(code="imunisasi-dasar")
        found = target_for(definition, self.city, 2026)
        self.assertIsNotNone(found)
        assert found is not None
        self.assertEqual((found.value, found.action_id), (Decimal("85.50"), action.pk))
        self.assertIsNone(target_for(definition, self.city, 2027))

    def test_the_most_ambitious_value_wins_by_polarity(self) -> None:
        plan = _plan(self.secretariat, self.city)
        first = _action(self.secretariat, plan, self.dinkes, "K3.01", ["imunisasi-dasar"])
        second = _action(
            self.secretariat, plan, self.dinkes, "K3.02", ["imunisasi-dasar", "stunting"]
        )
        third = _action(self.secretariat, plan, self.dinkes, "K3.03", ["stunting"])
        _set(self.secretariat, first, 2026, "85")
        _set(self.secretariat, second, 2026, "90")  # higher is better: 90 wins
        _set(self.secretariat, third, 2026, "18")  # lower is better: 18 wins over 90
        _set(self.secretariat, first, 2027, "95")
        _set(self.secretariat, second, 2027, "92")  # 95 stays

        self.assertEqual(
            _stored(self.city, "imunisasi-dasar"),
            [(2026, Decimal("90.00"), "K3.02"), (2027, Decimal("95.00"), "K3.01")],
        )
        self.assertEqual(
            _stored(self.city, "stunting"),
            [(2026, Decimal("18.00"), "K3.03"), (2027, Decimal("92.00"), "K3.02")],
        )

    def test_a_target_no_action_gives_any_more_is_removed(self) -> None:
        plan = _plan(self.secretariat, self.city)
        action = _action(self.secretariat, plan, self.dinkes, "K3.01", ["imunisasi-dasar"])
        _set(self.secretariat, action, 2025, "80")
        _set(self.secretariat, action, 2026, "85")

        _set(self.secretariat, action, 2025, None)

        self.assertEqual(_stored(self.city, "imunisasi-dasar"), [(2026, Decimal("85.00"), "K3.01")])
        # The action stops naming the indicator: its targets go with the next sync.
        Action.objects.filter(pk=action.pk).update(indicator_codes=["stunting"])
        result = targets_sync(city=self.city, actor=self.secretariat)
        self.assertEqual((result.added, result.changed, result.removed), (1, 0, 1))
        self.assertEqual(_stored(self.city, "imunisasi-dasar"), [])
        self.assertEqual(_stored(self.city, "stunting"), [(2026, Decimal("85.00"), "K3.01")])

    def test_a_changed_value_updates_the_target_and_is_audited(self) -> None:
        plan = _plan(self.secretariat, self.city)
        action = _action(self.secretariat, plan, self.dinkes, "K3.01", ["imunisasi-dasar"])
        _set(self.secretariat, action, 2025, "80")
        target = Target.objects.get()

        _set(self.secretariat, action, 2025, "82")

        target.refresh_from_db()
        self.assertEqual(target.value, Decimal("82.00"))
        entries = AuditEntry.objects.filter(object_type="indicators.target", object_id=target.pk)
        self.assertEqual(entries.count(), 2)
        self.assertEqual(entries.latest("seq").region_code, "64.71")
        self.assertEqual(targets_sync(city=self.city).unchanged, True)
        self.assertEqual(entries.count(), 2)  # nothing changed, nothing audited

    def test_only_adopted_plans_give_targets(self) -> None:
        plan = _plan(self.secretariat, self.city, adopted=False)
        action = _action(self.secretariat, plan, self.dinkes, "K3.01", ["imunisasi-dasar"])
        _set(self.secretariat, action, 2025, "80")

        self.assertFalse(Target.objects.exists())

        services.plan_adopt(actor=self.secretariat, plan=plan)

        self.assertEqual(_stored(self.city, "imunisasi-dasar"), [(2025, Decimal("80.00"), "K3.01")])

    def test_another_citys_plan_is_ignored(self) -> None:
        other_dp3a = make_agency(region=self.other_city, code="dp3a", name="DP3A Samarinda")
        other_dinkes = make_agency(region=self.other_city, code="dinkes-smd", name="Dinkes")
        other_secretariat = make_person(Role.SECRETARIAT, agency=other_dp3a)
        other = _plan(other_secretariat, self.other_city)
        other_action = _action(other_secretariat, other, other_dinkes, "K3.09", ["imunisasi-dasar"])
        own = _plan(self.secretariat, self.city)
        own_action = _action(self.secretariat, own, self.dinkes, "K3.01", ["imunisasi-dasar"])
        _set(other_secretariat, other_action, 2025, "99")
        _set(self.secretariat, own_action, 2025, "80")

        self.assertEqual(_stored(self.city, "imunisasi-dasar"), [(2025, Decimal("80.00"), "K3.01")])
        self.assertEqual(
            _stored(self.other_city, "imunisasi-dasar"), [(2025, Decimal("99.00"), "K3.09")]
        )
        # Syncing one city leaves the other's targets alone.
        Action.objects.filter(pk=own_action.pk).update(indicator_codes=[])
        targets_sync(city=self.city)
        self.assertEqual(Target.objects.get().city, self.other_city)


class TargetPageTests(TestCase):
    def test_the_indicator_page_lists_the_targets_with_their_action(self) -> None:
        load_definitions()
        city = make_region("64.71", "Kota Balikpapan")
        dp3akb = make_agency(region=city, code="dp3akb", name="DP3AKB")
        dinkes = make_agency(region=city, code="dinkes", name="Dinkes")
        secretariat = make_person(Role.SECRETARIAT, agency=dp3akb)
        plan = _plan(secretariat, city)
        action = _action(secretariat, plan, dinkes, "K3.01", ["imunisasi-dasar"])
        _set(secretariat, action, 2026, "87.5")
        client = Client()
        login(client, secretariat)

        response = client.get(reverse("indicators:detail", args=["imunisasi-dasar"]))
        empty = client.get(reverse("indicators:detail", args=["stunting"]))

        self.assertEqual(response.status_code, 200)
        section = response.content.decode().split('data-testid="indicator-targets"')[1]
        self.assertIn('<tr data-year="2026">', section)
        self.assertIn('data-value="87.50"', section)
        self.assertIn("&nbsp;%", section)  # a share: the value is a percentage
        self.assertIn(f'href="{reverse("plans:action", args=[action.pk])}"', section)
        self.assertIn("K3.01", section)
        self.assertEqual(response.context["targets"][0].action, action)
        self.assertNotIn("data-year=", empty.content.decode().split("indicator-targets")[1])
