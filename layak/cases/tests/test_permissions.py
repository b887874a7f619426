"""The case module's relationship matrix (issues #4 and #11): who may do what with one case.

Every kind of person the case rules distinguish — own case, team member, same agency, a worker
of another kelurahan, other agency, other kecamatan's manager, referred, referral revoked or
pending, service-only referral, break-glass active and expired, administrator, leadership,
another city, anonymous — requests the case URLs listed in ``probes()`` (pages, API, exports in
CSV and XLSX, search, attachment, referral inbox and API), and the status code must be exactly
what the rules say; each response is searched for the child's identity, which may only appear
where the person may open the file.

This list is hand-written and is **not** every route of the module. Completeness is the job of
the generated matrix in ``tests/security/test_permission_matrix.py``: every URL pattern of
every app (from the resolver) and every API operation, for every demo person and anonymous,
with the demo data's ids, no 5xx and no identifying value of a row the person may not see.
This file keeps what the demo data cannot show: the relationships above, built on purpose.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.accounts.models import AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import enable_totp, make_agency, make_person
from layak.cases import services
from layak.cases.models import Attachment, BreakGlass, Case, Referral, ReferralScope
from layak.cases.tests.factories import (
    VICTIM_NAME,
    VICTIM_NIK,
    CaseWorld,
    lookup,
    make_attachment,
    make_case,
    make_case_world,
    report_data,
    victim_data,
)
from layak.core.testing import login

# What a kind of person may do with case A (see permissions.py).
VIEW, EDIT, CONTRIBUTE, MANAGE, LOG = "view", "edit", "contribute", "manage", "log"

RIGHTS: dict[str, set[str]] = {
    "owner": {VIEW, EDIT, CONTRIBUTE, LOG},
    "member": {VIEW, EDIT, CONTRIBUTE, LOG},
    "manager": {VIEW, EDIT, CONTRIBUTE, MANAGE, LOG},
    "colleague": set(),  # same agency, not on the case
    "worker_other_kelurahan": set(),  # same agency, scoped to another kelurahan
    "manager_other_kecamatan": set(),  # supervises another kecamatan only
    "other_agency": set(),
    "referred": {VIEW, CONTRIBUTE},  # accepted referral of the file
    "referral_revoked": set(),
    "referral_pending": set(),
    "service_only": set(),  # accepted service-only referral: no file
    "glass_active": {VIEW},
    "glass_expired": set(),
    "admin": set(),
    "leadership": set(),
    "other_city": set(),
}
# Statistics and the export are of the person's own kab/kota (checked separately below).
STATISTICS = {"manager", "manager_other_kecamatan", "admin", "leadership", "other_city"}
EXPORT = {"manager", "manager_other_kecamatan", "other_city"}
USES_CASES = set(RIGHTS) - {"admin", "leadership"}


@dataclass(frozen=True)
class Probe:
    """One URL: how to request it and which right makes it succeed."""

    name: str
    url: str
    right: str  # VIEW, EDIT, ... or "statistics", "export", "uses", "referral"
    method: str = "get"
    data: dict[str, Any] | None = None
    ok: int = 200
    api: bool = False
    shows_identity: bool = False


def _expected(probe: Probe, who: str, world: Any) -> int:
    if who == "anonymous":
        return 401 if probe.api else 302
    if probe.right == "statistics":
        return probe.ok if who in STATISTICS else 403
    if probe.right == "export":
        return probe.ok if who in EXPORT else 403
    if probe.right == "uses":
        return probe.ok if who in USES_CASES else 403
    if probe.right == "referral":
        return probe.ok if who in world["referral_viewers"] else 404
    rights = RIGHTS[who]
    if probe.right in rights:
        return probe.ok
    return 403 if VIEW in rights else 404


@override_settings(LAYAK_MFA_REQUIRED_ROLES=["case_manager", "case_worker"])
class CasePermissionMatrixTests(TestCase):
    world: CaseWorld
    people: dict[str, User]
    case: Case
    attachment: Attachment
    referral: Referral
    service_referral: Referral
    consent_pk: int
    victim_pk: int

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_case_world()
        cls.world = w
        puspaga = make_agency(
            region=w.city, code="puspaga", name="Puspaga", kind=AgencyKind.SERVICE_UNIT
        )
        dinsos = make_agency(region=w.city, code="dinsos", name="Dinas Sosial")
        people: dict[str, User] = {
            "owner": w.worker,
            "member": make_person(Role.CASE_WORKER, agency=w.uptd),
            "manager": w.manager,
            "colleague": w.colleague,
            "worker_other_kelurahan": make_person(
                Role.CASE_WORKER, agency=w.uptd, scope=w.kelurahan2
            ),
            "manager_other_kecamatan": make_person(
                Role.CASE_MANAGER, agency=w.uptd, scope=w.kecamatan2
            ),
            "other_agency": w.officer,
            "referred": make_person(Role.CASE_WORKER, agency=w.police),
            "referral_revoked": make_person(Role.CASE_WORKER, agency=dinsos),
            "referral_pending": make_person(Role.CASE_WORKER, agency=w.police),
            "service_only": make_person(Role.COUNSELLOR, agency=puspaga),
            "glass_active": make_person(Role.CASE_WORKER, agency=w.police),
            "glass_expired": make_person(Role.CASE_WORKER, agency=w.police),
            "admin": make_person(Role.ADMIN, agency=w.uptd, is_superuser=True, is_staff=True),
            "leadership": make_person(Role.LEADERSHIP, agency=w.uptd),
            "other_city": w.other_manager,
        }
        for user in people.values():
            enable_totp(user)
        cls.people = people
        report = services.report_record(actor=w.worker, data=report_data())
        case = make_case(w, report=report, victims=[victim_data()], summary="Ringkasan")
        cls.case = case
        services.member_add(actor=w.manager, case=case, user=people["member"])
        cls.attachment = make_attachment(case, w.worker)
        for purpose in ("services", "sharing"):
            services.consent_record(
                actor=w.worker,
                case=case,
                purpose=purpose,
                given_by="guardian",
                given_on=timezone.localdate(),
            )
        to_referred = services.referral_create(
            actor=w.worker,
            case=case,
            scope=ReferralScope.CASE,
            to_agency=w.police,
            to_user=people["referred"],
        )
        services.referral_accept(actor=people["referred"], referral=to_referred)
        revoked = services.referral_create(
            actor=w.worker,
            case=case,
            scope=ReferralScope.CASE,
            to_agency=dinsos,
            to_user=people["referral_revoked"],
        )
        services.referral_accept(actor=people["referral_revoked"], referral=revoked)
        services.referral_revoke(actor=w.worker, referral=revoked)
        services.referral_create(
            actor=w.worker,
            case=case,
            scope=ReferralScope.CASE,
            to_agency=w.police,
            to_user=people["referral_pending"],
        )
        service_only = services.referral_create(
            actor=w.worker,
            case=case,
            scope=ReferralScope.SERVICE,
            to_agency=puspaga,
            to_user=people["service_only"],
            service_kind=lookup("service_type", "psikologis"),
        )
        services.referral_accept(actor=people["service_only"], referral=service_only)
        cls.referral = to_referred
        cls.service_referral = service_only
        BreakGlass.objects.create(
            case=case,
            user=people["glass_active"],
            reason="Anak dalam bahaya, tim tidak bisa dihubungi",
            expires_at=timezone.now() + datetime.timedelta(hours=2),
        )
        BreakGlass.objects.create(
            case=case,
            user=people["glass_expired"],
            reason="Anak dalam bahaya, tim tidak bisa dihubungi",
            expires_at=timezone.now() - datetime.timedelta(minutes=1),
        )
        # The consent the matrix withdraws is one no referral depends on.
        cls.consent_pk = services.consent_record(
            actor=w.worker,
            case=case,
            purpose="statistics",
            given_by="guardian",
            given_on=timezone.localdate(),
        ).pk
        cls.victim_pk = case.victims.get().pk

    def probes(self) -> list[Probe]:
        pk = self.case.pk
        return [
            Probe("case page", reverse("cases:case", args=[pk]), VIEW, shows_identity=True),
            Probe("case API", f"/api/v1/cases/{pk}/", VIEW, api=True, shows_identity=True),
            Probe("attachment", reverse("cases:attachment", args=[self.attachment.pk]), VIEW),
            Probe("access log", reverse("cases:access_log", args=[pk]), LOG),
            Probe("add victim page", reverse("cases:victim_add", args=[pk]), EDIT),
            Probe(
                "edit victim page",
                reverse("cases:victim_edit", args=[pk, self.victim_pk]),
                EDIT,
                shows_identity=True,
            ),
            Probe("refer page", reverse("cases:referral_new", args=[pk]), EDIT),
            Probe(
                "note",
                reverse("cases:note_add", args=[pk]),
                CONTRIBUTE,
                method="post",
                data={"text": "Catatan kunjungan"},
                ok=302,
            ),
            Probe(
                "service",
                reverse("cases:service_add", args=[pk]),
                CONTRIBUTE,
                method="post",
                data={
                    "kind": lookup("service_type", "kesehatan").pk,
                    "started_on": timezone.localdate().isoformat(),
                },
                ok=302,
            ),
            Probe(
                "perpetrator",
                reverse("cases:perpetrator_add", args=[pk]),
                EDIT,
                method="post",
                data={"name": "", "sex": "M", "age": "40"},
                ok=302,
            ),
            Probe(
                "consent withdraw",
                reverse("cases:consent_withdraw", args=[self.consent_pk]),
                EDIT,
                method="post",
                ok=302,
            ),
            Probe("follow-up", reverse("cases:followup", args=[pk]), EDIT, method="post", ok=302),
            Probe(
                "team",
                reverse("cases:team", args=[pk]),
                MANAGE,
                method="post",
                data={"user": self.people["member"].pk, "action": "add"},
                ok=302,
            ),
            Probe("referral", reverse("cases:referral", args=[self.referral.pk]), "referral"),
            Probe("work list", reverse("cases:home"), "uses"),
            Probe("referral inbox", reverse("cases:referrals"), "uses"),
            Probe("case list API", "/api/v1/cases/", "uses", api=True),
            Probe(
                "search",
                reverse("cases:search"),
                "uses",
                method="post",
                data={"q": self.case.number},
            ),
            Probe("statistics", reverse("cases:statistics"), "statistics"),
            Probe("statistics API", "/api/v1/cases/statistics/", "statistics", api=True),
            Probe("SIMFONI export", reverse("cases:export", args=["csv"]), "export"),
            Probe("SIMFONI export XLSX", reverse("cases:export", args=["xlsx"]), "export"),
            Probe("referral list API", "/api/v1/cases/referrals/", "uses", api=True),
        ]

    def test_every_url_for_every_person(self) -> None:
        referral_viewers = {"owner", "member", "manager", "referred"}
        world = {"referral_viewers": referral_viewers}
        for probe in self.probes():
            for who in ["anonymous", *RIGHTS]:
                expected = _expected(probe, who, world)
                with self.subTest(url=probe.name, who=who):
                    client = Client()
                    if who != "anonymous":
                        login(client, self.people[who])
                    if probe.method == "get":
                        response = client.get(probe.url)
                    else:
                        response = client.post(probe.url, probe.data or {})
                    self.assertEqual(
                        response.status_code,
                        expected,
                        f"{probe.method.upper()} {probe.name} as {who}",
                    )
                    body = b"".join(response) if response.streaming else response.content
                    may_see = VIEW in RIGHTS.get(who, set()) and probe.shows_identity
                    for secret in (VICTIM_NAME, VICTIM_NIK):
                        if not may_see:
                            self.assertNotIn(
                                secret.encode(), body, f"{probe.name} as {who} shows {secret}"
                            )
                        elif response.status_code == 200:
                            self.assertIn(VICTIM_NAME.encode(), body)

    def test_statistics_and_export_stay_within_the_city(self) -> None:
        client = Client()
        login(client, self.people["other_city"])
        year = timezone.localdate().year
        stats = client.get("/api/v1/cases/statistics/", {"unit": "cases", "year": str(year)})
        self.assertEqual(stats.json()["total"], 0)
        export = client.get(reverse("cases:export", args=["csv"]))
        self.assertNotIn(self.case.number.encode(), b"".join(export))
        login(client, self.people["manager"])
        own = client.get("/api/v1/cases/statistics/", {"unit": "cases", "year": str(year)})
        self.assertEqual((own.json()["total"], own.json()["total_hidden"]), (None, True))
        export = client.get(reverse("cases:export", args=["csv"]))
        self.assertIn(self.case.number.encode(), b"".join(export))

    def test_lists_show_masked_names_only(self) -> None:
        client = Client()
        login(client, self.people["owner"])
        for url in (reverse("cases:home"), "/api/v1/cases/"):
            body = client.get(url).content
            self.assertIn(self.case.number.encode(), body)
            self.assertIn(b"S*** A*** R***", body)
            self.assertNotIn(VICTIM_NAME.encode(), body)

    def test_service_only_receiver_sees_the_request_not_the_file(self) -> None:
        client = Client()
        login(client, self.people["service_only"])
        response = client.get(reverse("cases:referral", args=[self.service_referral.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "12")  # the victim's age
        self.assertNotContains(response, VICTIM_NAME)
        self.assertNotContains(response, reverse("cases:case", args=[self.case.pk]))
        self.assertEqual(client.get(reverse("cases:case", args=[self.case.pk])).status_code, 404)

    def test_search_finds_own_cases_by_name_without_putting_it_in_a_url(self) -> None:
        client = Client()
        login(client, self.people["owner"])
        self.assertEqual(client.get(reverse("cases:search")).status_code, 405)
        found = client.post(reverse("cases:search"), {"q": "siti aminah"})
        self.assertContains(found, self.case.number)
        login(client, self.people["colleague"])
        hidden = client.post(reverse("cases:search"), {"q": "siti aminah"})
        self.assertNotContains(hidden, self.case.number)

    def test_break_glass_flow_grants_time_limited_access(self) -> None:
        worker = make_person(Role.CASE_WORKER, agency=self.world.police)
        enable_totp(worker)
        client = Client()
        login(client, worker)
        # Only case managers may break the glass (LAYAK_BREAK_GLASS_ROLES).
        self.assertEqual(client.get(reverse("cases:break_glass")).status_code, 403)
        person = make_person(Role.CASE_MANAGER, agency=self.world.police)
        enable_totp(person)
        login(client, person)
        url = reverse("cases:case", args=[self.case.pk])
        self.assertEqual(client.get(url).status_code, 404)
        refused = client.post(
            reverse("cases:break_glass"), {"number": self.case.number, "reason": "short"}
        )
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(client.get(url).status_code, 404)
        granted = client.post(
            reverse("cases:break_glass"),
            {"number": self.case.number, "reason": "Anak dilaporkan hilang malam ini"},
        )
        self.assertRedirects(granted, url)
        self.assertEqual(client.get(url).status_code, 200)
        BreakGlass.objects.filter(user=person).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        self.assertEqual(client.get(url).status_code, 404)
        again = client.post(
            reverse("cases:break_glass"),
            {"number": self.case.number, "reason": "Anak dilaporkan hilang lagi malam ini"},
        )
        self.assertEqual(again.status_code, 400)  # the first one waits for review
        self.assertEqual(BreakGlass.objects.filter(user=person).count(), 1)
        manager = Client()
        login(manager, self.people["manager"])
        self.assertContains(manager.get(reverse("cases:home")), "Anak dilaporkan hilang")

    def test_other_city_manager_cannot_break_glass_into_this_city(self) -> None:
        client = Client()
        login(client, self.people["other_city"])
        response = client.post(
            reverse("cases:break_glass"),
            {"number": self.case.number, "reason": "Anak dilaporkan hilang malam ini"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(BreakGlass.objects.filter(user=self.people["other_city"]).exists())
