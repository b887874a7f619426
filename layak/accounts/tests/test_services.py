"""Services that change agencies and people: rules, audit entries, invitations (issue #2)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Model
from django.test import TestCase
from django.utils import translation

from layak.accounts import services
from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction, AuditEntry
from layak.regions.models import Region, RegionLevel
from layak.regions.tests.factories import make_region

NON_ADMIN_ROLES: tuple[list[str], ...] = (
    [Role.SECRETARIAT],
    [Role.LEADERSHIP],
    [Role.VERIFIER],
    [Role.OPD_FOCAL],
    [Role.CASE_MANAGER],
    [Role.CASE_WORKER],
    [],
)


def entries_for(obj: Model) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("seq")
    )


def entry_text(entry: AuditEntry) -> str:
    """Everything stored in an audit entry, to check that no value leaked into it."""
    return repr(
        [
            entry.actor_username,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_label,
            entry.fields,
            entry.region_code,
        ]
    )


def roles_of(person: User) -> set[str]:
    return set(RoleAssignment.objects.filter(user=person).values_list("role", flat=True))


class ServiceWorld(TestCase):
    """Kota Balikpapan (64.71) with a kecamatan and a kelurahan, and Kota Samarinda (64.72)."""

    city: Region
    kecamatan: Region
    kelurahan: Region
    other_city: Region
    other_kecamatan: Region
    home: Agency
    other_agency: Agency
    admin: User
    other_admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.city = make_region("64.71", "Kota Balikpapan")
        cls.kecamatan = make_region("64.71.01", "Balikpapan Timur")
        cls.kelurahan = make_region("64.71.01.1001", "Manggar")
        cls.other_city = make_region("64.72", "Kota Samarinda")
        cls.other_kecamatan = make_region("64.72.01", "Palaran")
        cls.home = make_agency(region=cls.city, code="dp3akb", name="Dinas PPPA")
        cls.other_agency = make_agency(region=cls.other_city, code="dp3a", name="Dinas PPPA Smd")
        cls.admin = make_person(Role.ADMIN, agency=cls.home, username="admin.bpn")
        cls.other_admin = make_person(Role.ADMIN, agency=cls.other_agency, username="admin.smd")


class AgencyCreateTests(ServiceWorld):
    def test_create_records_every_field_name_and_no_value(self) -> None:
        agency = services.agency_create(
            actor=self.admin,
            region=self.city,
            code="dinkes",
            name="Dinas Kesehatan",
            kind=AgencyKind.OPD,
            email="dinkes-secret@example.invalid",
            phone="0542-987654",
        )
        self.assertTrue(Agency.objects.filter(pk=agency.pk, code="dinkes").exists())
        [entry] = entries_for(agency)
        self.assertEqual(entry.action, AuditAction.CREATE)
        self.assertEqual(entry.fields, sorted(services.AGENCY_FIELDS))
        self.assertEqual(entry.actor_username, "admin.bpn")
        self.assertEqual(entry.region_code, "64.71")
        self.assertNotIn("dinkes-secret", entry_text(entry))
        self.assertNotIn("0542-987654", entry_text(entry))

    def test_non_admin_cannot_create_an_agency(self) -> None:
        for roles in NON_ADMIN_ROLES:
            with self.subTest(roles=roles):
                actor = make_person(*roles, agency=self.home)
                with self.assertRaises(PermissionDenied):
                    services.agency_create(
                        actor=actor, region=self.city, code="x", name="X", kind=AgencyKind.OPD
                    )
        self.assertFalse(Agency.objects.filter(code="x").exists())

    def test_admin_cannot_create_an_agency_in_another_city(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.agency_create(
                actor=self.admin, region=self.other_city, code="x", name="X", kind=AgencyKind.OPD
            )
        self.assertFalse(Agency.objects.filter(code="x").exists())

    def test_area_outside_the_agency_region_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.agency_create(
                actor=self.admin,
                region=self.city,
                code="kec-x",
                name="Kecamatan X",
                kind=AgencyKind.KECAMATAN_OFFICE,
                area=self.other_kecamatan,
            )
        self.assertIn("area", raised.exception.message_dict)
        self.assertFalse(Agency.objects.filter(code="kec-x").exists())
        self.assertFalse(AuditEntry.objects.filter(object_type="accounts.agency").exists())

    def test_duplicate_code_in_the_same_city_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError):
            services.agency_create(
                actor=self.admin, region=self.city, code="dp3akb", name="Y", kind=AgencyKind.OPD
            )
        self.assertEqual(Agency.objects.filter(code="dp3akb").count(), 1)


class AgencyUpdateTests(ServiceWorld):
    def test_update_records_only_the_changed_field_names(self) -> None:
        agency = make_agency(region=self.city, name="Dinas Sosial", phone="0542-1")
        services.agency_update(
            actor=self.admin,
            agency=agency,
            name="Dinas Sosial",
            phone="0542-222333",
            short_name="Dinsos",
            area=self.kecamatan,
        )
        agency.refresh_from_db()
        self.assertEqual((agency.phone, agency.short_name), ("0542-222333", "Dinsos"))
        self.assertEqual(agency.area, self.kecamatan)
        [entry] = entries_for(agency)
        self.assertEqual(entry.action, AuditAction.UPDATE)
        self.assertEqual(entry.fields, ["area", "phone", "short_name"])
        self.assertNotIn("0542-222333", entry_text(entry))

    def test_update_without_a_change_writes_no_audit_entry(self) -> None:
        agency = make_agency(region=self.city, name="Dinas Sosial")
        services.agency_update(actor=self.admin, agency=agency, name="Dinas Sosial")
        self.assertEqual(entries_for(agency), [])

    def test_non_admin_cannot_update_an_agency(self) -> None:
        for roles in NON_ADMIN_ROLES:
            with self.subTest(roles=roles):
                actor = make_person(*roles, agency=self.home)
                with self.assertRaises(PermissionDenied):
                    services.agency_update(actor=actor, agency=self.home, name="Renamed")
        self.home.refresh_from_db()
        self.assertEqual(self.home.name, "Dinas PPPA")
        self.assertEqual(entries_for(self.home), [])

    def test_admin_cannot_move_an_agency_to_another_city(self) -> None:
        agency = make_agency(region=self.city)
        with self.assertRaises(PermissionDenied):
            services.agency_update(actor=self.admin, agency=agency, region=self.other_city)
        agency.refresh_from_db()
        self.assertEqual(agency.region, self.city)

    def test_parent_of_another_city_is_a_validation_error(self) -> None:
        agency = make_agency(region=self.city)
        with self.assertRaises(ValidationError) as raised:
            services.agency_update(actor=self.admin, agency=agency, parent=self.other_agency)
        self.assertIn("parent", raised.exception.message_dict)
        agency.refresh_from_db()
        self.assertIsNone(agency.parent)

    def test_agency_cannot_become_the_parent_of_its_own_parent(self) -> None:
        parent = make_agency(region=self.city, name="Induk")
        child = make_agency(region=self.city, name="Anak", parent=parent)
        with self.assertRaises(ValidationError) as raised:
            services.agency_update(actor=self.admin, agency=parent, parent=child)
        self.assertIn("parent", raised.exception.message_dict)
        parent.refresh_from_db()
        self.assertIsNone(parent.parent_id)

    def test_unknown_field_is_a_programming_error(self) -> None:
        with self.assertRaises(TypeError):
            services.agency_update(actor=self.admin, agency=self.home, colour="red")


class PersonCreateTests(ServiceWorld):
    def _create(self, actor: User | None = None, **overrides: object) -> User:
        values: dict[str, object] = {
            "actor": actor or self.admin,
            "username": "siti",
            "email": "siti@example.invalid",
            "full_name": "Siti Rahma",
            "agency": self.home,
            "scope_region": None,
            "roles": [Role.CASE_WORKER],
            "position": "Pekerja sosial",
        }
        values.update(overrides)
        return services.person_create(**values)  # type: ignore[arg-type]  # test keywords

    def test_create_sets_an_unusable_password_and_records_field_names_only(self) -> None:
        person = self._create()
        person.refresh_from_db()
        self.assertFalse(person.has_usable_password())
        # A case role waits for a second person (issue #11): asked for, not yet held.
        self.assertEqual(roles_of(person), set())
        self.assertEqual(
            list(person.dual_control_requests.values_list("role", "status")),
            [("case_worker", "pending")],
        )
        self.assertEqual(person.scope_region, self.city)
        [entry] = entries_for(person)
        self.assertEqual(entry.action, AuditAction.CREATE)
        self.assertEqual(entry.fields, sorted([*services.PERSON_FIELDS, "roles"]))
        self.assertNotIn("siti@example.invalid", entry_text(entry))
        self.assertNotIn("Siti Rahma", entry_text(entry))
        self.assertNotIn("Pekerja sosial", entry_text(entry))

    def test_create_sends_an_invitation_with_a_password_set_link_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            person = self._create()
            self.assertEqual(mail.outbox, [])
        [message] = mail.outbox
        self.assertEqual(message.to, ["siti@example.invalid"])
        link = f"{settings.LAYAK_BASE_URL.rstrip('/')}/accounts/password/reset/key/"
        self.assertIn(link, message.body)
        self.assertIn("siti", message.body)
        person.refresh_from_db()
        self.assertFalse(person.has_usable_password())

    def test_create_without_invitation_sends_no_mail(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self._create(invite=False)
        self.assertEqual(mail.outbox, [])

    def test_non_admin_cannot_create_a_person(self) -> None:
        for roles in NON_ADMIN_ROLES:
            with self.subTest(roles=roles):
                actor = make_person(*roles, agency=self.home)
                with self.assertRaises(PermissionDenied):
                    self._create(actor=actor)
        self.assertFalse(User.objects.filter(username="siti").exists())

    def test_admin_cannot_place_a_person_in_an_agency_of_another_city(self) -> None:
        with self.assertRaises(PermissionDenied):
            self._create(agency=self.other_agency)
        self.assertFalse(User.objects.filter(username="siti").exists())

    def test_admin_cannot_place_a_person_in_an_inactive_agency(self) -> None:
        closed = make_agency(region=self.city, is_active=False)
        with self.assertRaises(PermissionDenied):
            self._create(agency=closed)
        self.assertFalse(User.objects.filter(username="siti").exists())

    def test_scope_outside_the_agency_region_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self._create(scope_region=self.other_kecamatan)
        self.assertIn("scope_region", raised.exception.message_dict)
        self.assertFalse(User.objects.filter(username="siti").exists())

    def test_scope_within_the_agency_region_is_kept(self) -> None:
        person = self._create(scope_region=self.kelurahan)
        person.refresh_from_db()
        self.assertEqual(person.scope_region, self.kelurahan)

    def test_duplicate_email_is_refused_whatever_its_case(self) -> None:
        make_person(agency=self.home, email="siti@example.invalid")
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(ValidationError) as raised,
        ):
            self._create(email="SITI@Example.invalid")
        self.assertIn("email", raised.exception.message_dict)
        self.assertFalse(User.objects.filter(username="siti").exists())
        self.assertEqual(mail.outbox, [])

    def test_user_name_differing_only_in_case_is_refused(self) -> None:
        # allauth finds the account by user name case-insensitively and refuses a log-in by
        # user name when two accounts match, so "SITI" would lock "siti" out.
        make_person(agency=self.home, username="siti", email="siti.lama@example.invalid")
        with self.assertRaises(ValidationError) as raised:
            self._create(username="SITI")
        self.assertIn("username", raised.exception.message_dict)
        self.assertEqual(User.objects.filter(username__iexact="siti").count(), 1)

    def test_unknown_role_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self._create(roles=["wizard"])
        self.assertIn("roles", raised.exception.message_dict)
        self.assertFalse(User.objects.filter(username="siti").exists())

    def test_only_a_superuser_may_create_a_person_without_agency(self) -> None:
        with self.assertRaises(ValidationError):
            self._create(agency=None)
        root = make_person(agency=self.home, is_superuser=True)
        person = self._create(actor=root, agency=None)
        self.assertIsNone(person.agency)


class PersonUpdateTests(ServiceWorld):
    person: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.person = make_person(
            Role.OPD_FOCAL,
            agency=cls.home,
            username="budi",
            email="budi@example.invalid",
            full_name="Budi Santoso",
            position="Staf",
        )

    def test_update_records_only_the_changed_field_names(self) -> None:
        services.person_update(
            actor=self.admin,
            person=self.person,
            full_name="Budi Santoso",
            position="Kepala Seksi Rahasia",
            scope_region=self.kecamatan,
        )
        self.person.refresh_from_db()
        self.assertEqual(self.person.position, "Kepala Seksi Rahasia")
        self.assertEqual(self.person.scope_region, self.kecamatan)
        [entry] = entries_for(self.person)
        self.assertEqual(entry.action, AuditAction.UPDATE)
        self.assertEqual(entry.fields, ["position", "scope_region"])
        self.assertNotIn("Rahasia", entry_text(entry))

    def test_roles_change_is_recorded_as_the_field_roles(self) -> None:
        services.person_update(
            actor=self.admin, person=self.person, roles=[Role.SECRETARIAT, Role.OPD_FOCAL]
        )
        self.assertEqual(roles_of(self.person), {"secretariat", "opd_focal"})
        [entry] = entries_for(self.person)
        self.assertEqual(entry.fields, ["roles"])
        self.assertNotIn("secretariat", entry_text(entry))

    def test_removing_a_role_is_recorded_and_the_role_is_gone(self) -> None:
        services.person_update(actor=self.admin, person=self.person, roles=[])
        self.assertEqual(roles_of(self.person), set())
        self.assertEqual(entries_for(self.person)[0].fields, ["roles"])

    def test_same_roles_and_values_write_no_audit_entry(self) -> None:
        services.person_update(
            actor=self.admin, person=self.person, roles=[Role.OPD_FOCAL], position="Staf"
        )
        self.assertEqual(entries_for(self.person), [])

    def test_non_admin_cannot_update_a_person(self) -> None:
        for roles in NON_ADMIN_ROLES:
            with self.subTest(roles=roles):
                actor = make_person(*roles, agency=self.home)
                with self.assertRaises(PermissionDenied):
                    services.person_update(actor=actor, person=self.person, position="Boss")
                with self.assertRaises(PermissionDenied):
                    services.person_update(actor=actor, person=self.person, roles=[Role.ADMIN])
        self.person.refresh_from_db()
        self.assertEqual(self.person.position, "Staf")
        self.assertEqual(roles_of(self.person), {"opd_focal"})

    def test_admin_cannot_move_a_person_to_an_agency_of_another_city(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.person_update(actor=self.admin, person=self.person, agency=self.other_agency)
        self.person.refresh_from_db()
        self.assertEqual(self.person.agency, self.home)

    def test_scope_outside_the_agency_region_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.person_update(
                actor=self.admin, person=self.person, scope_region=self.other_kecamatan
            )
        self.assertIn("scope_region", raised.exception.message_dict)
        self.person.refresh_from_db()
        self.assertEqual(self.person.scope_region, self.city)

    def test_email_of_another_person_is_refused_whatever_its_case(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.person_update(
                actor=self.admin, person=self.person, email=self.admin.email.upper()
            )
        self.assertIn("email", raised.exception.message_dict)
        self.person.refresh_from_db()
        self.assertEqual(self.person.email, "budi@example.invalid")

    def test_user_name_of_another_person_in_other_case_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.person_update(actor=self.admin, person=self.person, username="ADMIN.BPN")
        self.assertIn("username", raised.exception.message_dict)
        self.person.refresh_from_db()
        self.assertEqual(self.person.username, "budi")

    def test_admin_cannot_deactivate_themself(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            services.person_update(actor=self.admin, person=self.admin, is_active=False)
        self.assertIn("is_active", raised.exception.message_dict)
        self.admin.refresh_from_db()
        self.assertTrue(self.admin.is_active)

    def test_admin_cannot_change_their_own_roles(self) -> None:
        audit_before = AuditEntry.objects.count()
        with self.assertRaises(ValidationError) as raised:
            services.person_update(
                actor=self.admin,
                person=self.admin,
                roles=[Role.ADMIN, Role.CASE_MANAGER],
                position="Kepala",
            )
        self.assertIn("roles", raised.exception.message_dict)
        self.admin.refresh_from_db()
        self.assertEqual(roles_of(self.admin), {Role.ADMIN})
        self.assertEqual(self.admin.position, "")
        self.assertEqual(AuditEntry.objects.count(), audit_before)

    def test_admin_cannot_drop_their_own_roles_either(self) -> None:
        with self.assertRaises(ValidationError):
            services.person_update(actor=self.admin, person=self.admin, roles=[])
        self.assertEqual(roles_of(self.admin), {Role.ADMIN})

    def test_admin_may_save_their_own_details_with_the_same_roles(self) -> None:
        services.person_update(
            actor=self.admin, person=self.admin, roles=[Role.ADMIN], position="Kepala"
        )
        self.admin.refresh_from_db()
        self.assertEqual(self.admin.position, "Kepala")
        self.assertEqual(roles_of(self.admin), {Role.ADMIN})

    def test_another_admin_may_change_an_admins_roles(self) -> None:
        colleague = make_person(Role.ADMIN, agency=self.home)
        services.person_update(
            actor=colleague, person=self.admin, roles=[Role.ADMIN, Role.SECRETARIAT]
        )
        self.assertEqual(roles_of(self.admin), {Role.ADMIN, Role.SECRETARIAT})

    def test_admin_can_deactivate_another_person(self) -> None:
        services.person_update(actor=self.admin, person=self.person, is_active=False)
        self.person.refresh_from_db()
        self.assertFalse(self.person.is_active)
        self.assertEqual(entries_for(self.person)[0].fields, ["is_active"])

    def test_admin_cannot_change_a_superuser(self) -> None:
        root = make_person(agency=self.home, is_superuser=True, position="Root")
        with self.assertRaises(PermissionDenied):
            services.person_update(actor=self.admin, person=root, position="Demoted")
        root.refresh_from_db()
        self.assertEqual(root.position, "Root")


CSV_HEADER = "code,name,short_name,kind,parent_code\n"


class AgencyImportTests(TestCase):
    city: Region

    @classmethod
    def setUpTestData(cls) -> None:
        cls.city = make_region("64.71", "Kota Balikpapan")

    def _import(self, text: str) -> int:
        return services.agencies_import_csv(
            stream=io.StringIO(text), region=self.city, actor=None, source="test.csv"
        )

    def test_rejects_the_whole_file_with_row_numbered_errors(self) -> None:
        text = CSV_HEADER + (
            "dp3akb,Dinas PPPA,DP3A,opd,\n"  # row 2: fine
            "Bad Code!,Dinas X,,opd,\n"  # row 3: bad code
            "dp3akb,Dinas Lagi,,opd,\n"  # row 4: duplicate code
            "dinkes,Dinas Kesehatan,,hospital,\n"  # row 5: unknown kind
            "uptd-ppa,UPTD PPA,,service_unit,puspaga\n"  # row 6: parent listed after
            "puspaga,Puspaga,,service_unit,dp3akb\n"  # row 7: fine
        )
        with translation.override("en"), self.assertRaises(ImportRejected) as raised:
            self._import(text)
        errors = raised.exception.errors
        self.assertEqual([row for row, _message in errors], [3, 4, 5, 6])
        messages = dict(errors)
        self.assertIn("'Bad Code!'", messages[3])
        self.assertIn("also in row 2", messages[4])
        self.assertIn("'hospital'", messages[5])
        self.assertIn("puspaga", messages[6])
        self.assertEqual(Agency.objects.count(), 0)
        self.assertEqual(AuditEntry.objects.count(), 0)

    def test_missing_column_is_reported_on_row_1(self) -> None:
        with translation.override("en"), self.assertRaises(ImportRejected) as raised:
            self._import("code,name,kind\ndp3akb,Dinas PPPA,opd\n")
        [(row, message)] = raised.exception.errors
        self.assertEqual(row, 1)
        self.assertIn("short_name", message)
        self.assertIn("parent_code", message)
        self.assertEqual(Agency.objects.count(), 0)

    def test_file_without_rows_is_rejected(self) -> None:
        with self.assertRaises(ImportRejected):
            self._import(CSV_HEADER)

    def test_parent_listed_before_or_already_loaded_is_linked(self) -> None:
        self._import(CSV_HEADER + "dp3akb,Dinas PPPA,DP3A,opd,\n")
        self._import(
            CSV_HEADER
            + "uptd-ppa,UPTD PPA,,service_unit,dp3akb\npuspaga,Puspaga,,service_unit,uptd-ppa\n"
        )
        parents = dict(Agency.objects.filter(region=self.city).values_list("code", "parent__code"))
        self.assertEqual(parents, {"dp3akb": None, "uptd-ppa": "dp3akb", "puspaga": "uptd-ppa"})

    def test_reimport_updates_changed_rows_only(self) -> None:
        first = self._import(CSV_HEADER + "dp3akb,Dinas PPPA,DP3A,opd,\ndinkes,Dinkes,,opd,\n")
        self.assertEqual(first, 2)
        second = self._import(CSV_HEADER + "dp3akb,Dinas PPPA,DP3A,opd,\ndinkes,Dinas Kes,,opd,\n")
        self.assertEqual(second, 1)
        self.assertEqual(Agency.objects.get(code="dinkes").name, "Dinas Kes")
        self.assertEqual(
            list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)),
            [AuditAction.IMPORT, AuditAction.IMPORT],
        )

    def test_command_prints_row_errors_and_imports_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "agencies.csv"
            path.write_text(CSV_HEADER + "ok,Ok,,opd,\nbad code,X,,opd,\n", encoding="utf-8")
            err = io.StringIO()
            with self.assertRaises(CommandError):
                call_command("import_agencies", str(path), region="64.71", stderr=err)
        self.assertIn("row 3:", err.getvalue())
        self.assertEqual(Agency.objects.count(), 0)

    def test_command_refuses_a_region_that_is_not_loaded(self) -> None:
        with self.assertRaises(CommandError):
            call_command("import_agencies", "missing.csv", region="99.99")


class BalikpapanAgenciesTests(TestCase):
    """The bundled agencies, plus an office per kecamatan and kelurahan and a PATBM group."""

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_regions", stdout=io.StringIO())
        call_command("load_agencies", stdout=io.StringIO())

    def _offices(self, kind: str) -> list[Agency]:
        return list(Agency.objects.filter(region__code="64.71", kind=kind).select_related("area"))

    def test_one_office_per_kecamatan(self) -> None:
        offices = self._offices(AgencyKind.KECAMATAN_OFFICE)
        self.assertEqual(len(offices), 6)
        self.assertEqual({o.area.level for o in offices if o.area}, {RegionLevel.KECAMATAN})
        self.assertEqual(len({o.area_id for o in offices}), 6)

    def test_one_office_and_one_patbm_group_per_kelurahan(self) -> None:
        kelurahan = set(
            Region.objects.filter(
                code__startswith="64.71.", level=RegionLevel.KELURAHAN
            ).values_list("pk", flat=True)
        )
        self.assertEqual(len(kelurahan), 34)
        offices = self._offices(AgencyKind.KELURAHAN_OFFICE)
        self.assertEqual(len(offices), 34)
        self.assertEqual({o.area_id for o in offices}, kelurahan)
        patbm = [a for a in self._offices(AgencyKind.COMMUNITY) if a.code.startswith("patbm-")]
        self.assertEqual(len(patbm), 34)
        self.assertEqual({a.area_id for a in patbm}, kelurahan)
        self.assertTrue(Agency.objects.filter(code="patbm-64-71-01-1001").exists())

    def test_bundled_agencies_are_linked_to_their_parent(self) -> None:
        uptd = Agency.objects.get(region__code="64.71", code="uptd-ppa")
        self.assertEqual(uptd.parent, Agency.objects.get(region__code="64.71", code="dp3akb"))
        self.assertEqual(uptd.kind, AgencyKind.SERVICE_UNIT)

    def test_second_load_changes_nothing(self) -> None:
        def snapshot() -> list[tuple[object, ...]]:
            return list(
                Agency.objects.order_by("pk").values_list(
                    "pk", "region_id", "code", "name", "short_name", "kind", "parent_id", "area_id"
                )
            )

        before, audit_before = snapshot(), AuditEntry.objects.count()
        out = io.StringIO()
        call_command("load_agencies", stdout=out)
        self.assertEqual(snapshot(), before)
        self.assertEqual(AuditEntry.objects.count(), audit_before)
        self.assertIn("Agencies: 0 created", out.getvalue())
