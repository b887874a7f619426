"""Writes of the case module (issue #4). Every write is audited in the same transaction, with
field names only, never values; the case timeline (``CaseEvent``) holds no identifying data."""

from __future__ import annotations

import csv
import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.cases import crypto
from layak.cases.models import (
    ACTIVE_REFERRAL,
    Attachment,
    BreakGlass,
    Case,
    CaseEvent,
    CaseMember,
    Channel,
    Consent,
    ConsentGiver,
    EventKind,
    Holiday,
    Incident,
    Lookup,
    LookupKind,
    Note,
    Perpetrator,
    Purpose,
    Referral,
    ReferralScope,
    ReferralStatus,
    Report,
    ReportStatus,
    Service,
    Stage,
    Victim,
)
from layak.core.audit import audit_record
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.errors import ConflictError
from layak.core.models import AuditAction
from layak.core.uploads import check_upload
from layak.regions.models import Region

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
TRACKING_LENGTH = 10
CASE_FIELDS = ("risk", "kelurahan", "child_marriage", "online_harm", "summary")
VICTIM_FIELDS = (
    "name",
    "nik",
    "birth_date",
    "address",
    "phone",
    "guardian",
    "sex",
    "age",
    "education",
    "occupation",
    "disability",
)


# -- small rules ---------------------------------------------------------------------------


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (weekends and ``Holiday`` rows skipped)."""
    horizon = start + datetime.timedelta(days=days * 3 + 30)
    holidays = set(
        Holiday.objects.filter(date__gt=start, date__lte=horizon).values_list("date", flat=True)
    )
    current, left = start, days
    while left > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            left -= 1
    return current


def followup_days() -> int:
    return int(settings.LAYAK_CASE_FOLLOWUP_DAYS)


def referral_response_hours() -> int:
    return int(settings.LAYAK_REFERRAL_RESPONSE_HOURS)


LOOKUPS_CSV = Path(__file__).resolve().parent / "data" / "lookups.csv"


def lookups_load() -> int:
    """Load the bundled category lists (idempotent; existing rows keep the administrator's
    edits). The data migration loads them too; tests that flush the database call this."""
    created = 0
    with LOOKUPS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _lookup, made = Lookup.objects.get_or_create(
                kind=row["kind"],
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "order": int(row["order"]),
                    "min_value": int(row["min_value"]) if row["min_value"] else None,
                    "max_value": int(row["max_value"]) if row["max_value"] else None,
                },
            )
            created += made
    return created


#: The fields of a category the administrator edits.
LOOKUP_FIELDS = ("kind", "code", "name", "name_en", "order", "min_value", "max_value", "is_active")


@transaction.atomic
def lookup_save(*, actor: Any, lookup: Lookup | None, data: Mapping[str, Any]) -> Lookup:
    """Create a category (``lookup`` None) or change one; the administrator keeps the lists
    (issue #4). Audited with the names of the fields that changed."""
    fields = [f for f in LOOKUP_FIELDS if f in data]
    before = (
        Lookup.objects.filter(pk=lookup.pk).values(*fields).first()
        if lookup is not None and lookup.pk
        else None
    )
    saved = lookup if lookup is not None else Lookup()
    for field in fields:
        setattr(saved, field, data[field])
    saved.full_clean()
    saved.save()
    if before is None:
        changed = [f for f in fields if data[f] not in (None, "")]
    else:
        changed = [f for f in fields if before[f] != data[f]]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        obj=saved,
        fields=changed,
        label=f"{saved.kind}:{saved.code}",
    )
    return saved


@transaction.atomic
def holiday_add(*, actor: Any, date: datetime.date, name: str) -> Holiday:
    """A public holiday: not a working day for the first follow-up deadline."""
    holiday = Holiday(date=date, name=name)
    holiday.full_clean()
    holiday.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=holiday,
        fields=["date", "name"],
        label=str(holiday),
    )
    return holiday


@transaction.atomic
def holiday_remove(*, actor: Any, holiday: Holiday) -> None:
    audit_record(actor=actor, action=AuditAction.DELETE, obj=holiday, label=str(holiday))
    holiday.delete()


def age_group_for(age: int) -> Lookup | None:
    """The SIMFONI age group an age falls in (lists are data: bounds on the lookup rows)."""
    return (
        Lookup.objects.filter(
            kind=LookupKind.AGE_GROUP, is_active=True, min_value__lte=age, max_value__gte=age
        )
        .order_by("order")
        .first()
    )


def _audit(actor: Any, action: str, obj: Any, fields: Iterable[str], case: Case) -> None:
    audit_record(actor=actor, action=action, obj=obj, fields=fields, region_code=case.region_code)


def _event(case: Case, actor: Any, kind: str, detail: str = "") -> None:
    CaseEvent.objects.create(case=case, actor=actor, kind=kind, detail=detail[:200])


def _region_code(city: Region, kelurahan: Region | None) -> str:
    return kelurahan.code if kelurahan is not None else city.code


def _check_kelurahan(city: Region, kelurahan: Region | None) -> None:
    if kelurahan is not None and not kelurahan.code.startswith(f"{city.code}."):
        raise ValidationError({"kelurahan": _("The kelurahan must lie in this kab/kota.")})


def _new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _next_case_number(agency: Agency, year: int) -> str:
    # Agencies of different kab/kota share codes ("uptd-ppa"): the region code keeps the
    # number unique across one database serving many cities.
    region = agency.region.code.replace(".", "") if agency.region else "00"
    prefix = f"{region}-{(agency.code or 'case').upper()}-{year}-"
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


# -- reports (pengaduan) -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    channel: str
    description: str
    kelurahan: Region | None = None
    child_name: str = ""
    child_age: int | None = None
    child_sex: str = ""
    anonymous: bool = False
    reporter_name: str = ""
    reporter_contact: str = ""
    reporter_relation: str = ""


def _report_create(
    *, agency: Agency, data: ReportData, received_by: Any, reporter_user: Any = None
) -> Report:
    city = agency.region
    if city is None:
        raise ValidationError(_("The receiving agency has no kab/kota."))
    _check_kelurahan(city, data.kelurahan)
    anonymous = data.anonymous
    if data.child_age is not None and not 0 <= data.child_age <= 120:
        raise ValidationError({"child_age": _("Enter an age between 0 and 120 years.")})
    code = _new_tracking_code()
    while Report.objects.filter(tracking_code=code).exists():  # pragma: no cover - 32^10 codes
        code = _new_tracking_code()
    report = Report.objects.create(
        region=city,
        agency=agency,
        tracking_code=code,
        channel=data.channel,
        received_at=timezone.now(),
        received_by=received_by,
        reporter_user=reporter_user,
        anonymous=anonymous,
        reporter_name="" if anonymous else data.reporter_name.strip(),
        reporter_contact="" if anonymous else data.reporter_contact.strip(),
        reporter_relation=data.reporter_relation.strip(),
        child_name=data.child_name.strip(),
        child_age=data.child_age,
        child_sex=data.child_sex,
        kelurahan=data.kelurahan,
        description=data.description.strip(),
    )
    audit_record(
        actor=received_by or reporter_user,
        actor_label="public" if received_by is None and reporter_user is None else "",
        action=AuditAction.CREATE,
        obj=report,
        fields=[f for f in ("description", "child_name", "reporter_name") if getattr(report, f)],
        region_code=_region_code(city, data.kelurahan),
    )
    return report


def intake_agency(city: Region | None) -> Agency:
    """The agency that receives public reports of ``city`` (``LAYAK_CASE_INTAKE_AGENCY``); a
    deployment without a home kab/kota has none."""
    code = str(settings.LAYAK_CASE_INTAKE_AGENCY)
    agency = (
        Agency.objects.filter(region=city, code=code, is_active=True).first()
        if city is not None
        else None
    )
    if agency is None:
        raise ValidationError(_("No agency receives reports here yet."))
    return agency


@transaction.atomic
def report_submit_public(*, city: Region | None, data: ReportData) -> Report:
    """A report from the public web form (no login)."""
    return _report_create(agency=intake_agency(city), data=data, received_by=None)


@transaction.atomic
def report_record(*, actor: Any, data: ReportData) -> Report:
    """A report received by case staff (walk-in, hotline, WhatsApp, SAPA 129, ...)."""
    if actor.agency is None:
        raise PermissionDenied
    return _report_create(agency=actor.agency, data=data, received_by=actor)


@transaction.atomic
def report_from_partner(*, actor: Any, data: ReportData, channel: str) -> Report:
    """A report handed in by a partner outside the case team — a PATBM activist's early
    detection, a Puspaga counsellor's consented hand-off — into the city's intake agency.
    The partner is recorded as ``reporter_user`` and afterwards sees only its status."""
    agency = actor.agency
    city = agency.region if agency is not None else None
    if city is None:
        raise PermissionDenied
    return _report_create(
        agency=intake_agency(city),
        data=ReportData(**{**data.__dict__, "channel": channel}),
        received_by=None,
        reporter_user=actor,
    )


def report_from_activist(*, actor: Any, data: ReportData) -> Report:
    """An early-detection report by a PATBM activist, into the city's intake."""
    return report_from_partner(actor=actor, data=data, channel=Channel.PATBM)


def report_viewed(*, actor: Any, report: Report) -> None:
    """Write "who opened this report" to the audit trail (the case's, once it is one)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=report.case or report,
            fields=["report"] if report.case else ["description", "reporter_name", "child_name"],
            region_code=report.kelurahan.code if report.kelurahan else report.region.code,
        )


def public_status(report: Report) -> str:
    """What a reporter may learn: received, being handled or closed. Nothing else."""
    if report.status == ReportStatus.DISMISSED:
        return "closed"
    if report.case_id is None:
        return "received"
    case = Case.objects.only("stage").get(pk=report.case_id)
    return "closed" if case.stage == Stage.CLOSED else "handling"


def _locked_report(report: Report) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.RECEIVED:
        raise ValidationError(_("This report has already been handled."))
    return locked


@transaction.atomic
def report_dismiss(*, actor: Any, report: Report) -> Report:
    report = _locked_report(report)
    report.status = ReportStatus.DISMISSED
    report.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=report, fields=["status"])
    return report


@transaction.atomic
def report_merge(*, actor: Any, report: Report, case: Case) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.anonymised_at is not None or case.is_closed:
        raise ValidationError(_("Reports can only be merged into an open case."))
    report = _locked_report(report)
    report.status = ReportStatus.MERGED
    report.case = case
    report.save(update_fields=["status", "case"])
    _event(case, actor, EventKind.MERGED, report.get_channel_display())
    _audit(actor, AuditAction.UPDATE, report, ["status", "case"], case)
    return case


# -- cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseData:
    kelurahan: Region | None = None
    risk: Lookup | None = None
    child_marriage: bool = False
    online_harm: bool = False
    summary: str = ""


@transaction.atomic
def case_open(
    *, actor: Any, data: CaseData, report: Report | None = None, owner: User | None = None
) -> Case:
    """Open a case (from a report, or directly); the first follow-up falls due after
    ``LAYAK_CASE_FOLLOWUP_DAYS`` working days."""
    agency = actor.agency
    if agency is None or agency.region is None:
        raise PermissionDenied
    city = agency.region
    _check_kelurahan(city, data.kelurahan)
    owner = owner or actor
    if owner.agency_id != agency.pk:
        raise ValidationError(_("The person in charge must work in the same agency."))
    if report is not None:
        report = _locked_report(report)
    today = timezone.localdate()
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # serialise numbering
    case = Case.objects.create(
        region=city,
        number=_next_case_number(agency, today.year),
        agency=agency,
        owner=owner,
        kelurahan=data.kelurahan,
        region_code=_region_code(city, data.kelurahan),
        risk=data.risk,
        child_marriage=data.child_marriage,
        online_harm=data.online_harm,
        summary=data.summary,
        opened_on=today,
        followup_due=working_days_after(today, followup_days()),
    )
    if report is not None:
        report.status = ReportStatus.CASE
        report.case = case
        report.save(update_fields=["status", "case"])
        if not data.summary and report.description:
            case.summary = report.description
            case.save(update_fields=["summary"])
    _event(case, actor, EventKind.OPENED, case.number)
    _audit(actor, AuditAction.CREATE, case, ["number", *CASE_FIELDS], case)
    return case


@transaction.atomic
def case_update(*, actor: Any, case: Case, version: int, data: CaseData) -> Case:
    """Save the case's own fields if nobody saved since ``version``; else ConflictError."""
    _check_kelurahan(case.region, data.kelurahan)
    changed = Case.objects.filter(pk=case.pk, version=version, anonymised_at__isnull=True).update(
        kelurahan=data.kelurahan,
        region_code=_region_code(case.region, data.kelurahan),
        risk=data.risk,
        child_marriage=data.child_marriage,
        online_harm=data.online_harm,
        summary=data.summary,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not changed:
        raise ConflictError(current=Case.objects.get(pk=case.pk))
    case.refresh_from_db()
    _audit(actor, AuditAction.UPDATE, case, CASE_FIELDS, case)
    return case


def _bump(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())


@transaction.atomic
def stage_set(*, actor: Any, case: Case, stage: str, note: str = "") -> Case:
    """Move the case to ``stage``; closing records the date, reopening clears it."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    if case.anonymised_at is not None:
        raise ValidationError(_("This case has been anonymised."))
    if stage == case.stage:
        return case
    was_closed = case.is_closed
    case.stage = stage
    fields = ["stage"]
    if stage == Stage.CLOSED:
        case.closed_on = timezone.localdate()
        case.closure_note = note
        fields += ["closed_on", "closure_note"]
        kind = EventKind.CLOSED
    elif was_closed:
        case.closed_on = None
        fields.append("closed_on")
        kind = EventKind.REOPENED
    else:
        kind = EventKind.STAGE
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    if stage != Stage.INTAKE and case.followup_done_at is None:
        case.followup_done_at = timezone.now()
        case.save(update_fields=["followup_done_at"])
        _event(case, actor, EventKind.FOLLOWUP)
    _event(case, actor, kind, stage)
    _audit(actor, AuditAction.UPDATE, case, fields, case)
    return case


@transaction.atomic
def followup_record(*, actor: Any, case: Case) -> Case:
    """Mark the first follow-up (contact, home visit, assessment start) as done."""
    if case.followup_done_at is None:
        Case.objects.filter(pk=case.pk).update(followup_done_at=timezone.now())
        case.refresh_from_db()
        _event(case, actor, EventKind.FOLLOWUP)
        _audit(actor, AuditAction.UPDATE, case, ["followup_done_at"], case)
    return case


def _same_agency_staff(case: Case, user: User) -> None:
    roles = set(user.role_assignments.values_list("role", flat=True))
    if user.agency_id != case.agency_id or not roles & {Role.CASE_MANAGER, Role.CASE_WORKER}:
        raise ValidationError(_("Only case staff of the same agency can be put on this case."))
    if not user.is_active:
        raise ValidationError(_("This person's account is not active."))


@transaction.atomic
def member_add(*, actor: Any, case: Case, user: User) -> None:
    _same_agency_staff(case, user)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if user.pk == case.owner_id:
        return
    _member, created = CaseMember.objects.get_or_create(case=case, user=user)
    if created:
        _bump(case)
        _event(case, actor, EventKind.ASSIGNED, user.username)
        _audit(actor, AuditAction.UPDATE, case, ["members"], case)


@transaction.atomic
def member_remove(*, actor: Any, case: Case, user: User) -> None:
    deleted, _rows = CaseMember.objects.filter(case=case, user=user).delete()
    if deleted:
        _bump(case)
        _event(case, actor, EventKind.UNASSIGNED, user.username)
        _audit(actor, AuditAction.UPDATE, case, ["members"], case)


@transaction.atomic
def owner_set(*, actor: Any, case: Case, user: User) -> None:
    """Hand the case to another case worker; the previous owner stays on the team."""
    _same_agency_staff(case, user)
    case = Case.objects.select_for_update().get(pk=case.pk)
    previous = case.owner
    if previous.pk == user.pk:
        return
    Case.objects.filter(pk=case.pk).update(owner=user, version=F("version") + 1)
    CaseMember.objects.filter(case=case, user=user).delete()
    if previous.is_active and previous.agency_id == case.agency_id:
        CaseMember.objects.get_or_create(case=case, user=previous)
    case.refresh_from_db()
    _event(case, actor, EventKind.ASSIGNED, user.username)
    _audit(actor, AuditAction.UPDATE, case, ["owner"], case)


# -- victims, perpetrators, incidents, services, notes -------------------------------------


@dataclass(frozen=True)
class VictimData:
    sex: str
    age: int
    forms: list[Lookup]
    name: str = ""
    nik: str = ""
    birth_date: datetime.date | None = None
    address: str = ""
    phone: str = ""
    guardian: str = ""
    education: Lookup | None = None
    occupation: Lookup | None = None
    disability: Lookup | None = None


def _check_lookup(value: Lookup | None, kind: str, field: str) -> None:
    if value is not None and value.kind != kind:
        raise ValidationError({field: _("Choose a value from the list.")})


def _victim_values(data: VictimData) -> dict[str, Any]:
    if not 0 <= data.age <= 120:
        raise ValidationError({"age": _("Enter an age between 0 and 120 years.")})
    if data.birth_date is not None and data.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The date of birth lies in the future.")})
    digits = "".join(c for c in data.nik if c.isascii() and c.isdigit())
    if data.nik and (len(digits) != 16 or digits != data.nik.strip()):
        raise ValidationError({"nik": _("A NIK has exactly 16 digits.")})
    if not data.forms:
        raise ValidationError({"forms": _("Choose at least one form of violence.")})
    for form in data.forms:
        _check_lookup(form, LookupKind.VIOLENCE_FORM, "forms")
    _check_lookup(data.education, LookupKind.EDUCATION, "education")
    _check_lookup(data.occupation, LookupKind.OCCUPATION, "occupation")
    _check_lookup(data.disability, LookupKind.DISABILITY, "disability")
    return {
        "name": data.name.strip(),
        "nik": digits,
        "birth_date": data.birth_date,
        "address": data.address.strip(),
        "phone": data.phone.strip(),
        "guardian": data.guardian.strip(),
        "nik_index": crypto.nik_index(digits),
        "birth_index": crypto.birth_index(data.birth_date),
        "sex": data.sex,
        "age": data.age,
        "age_group": age_group_for(data.age),
        "education": data.education,
        "occupation": data.occupation,
        "disability": data.disability,
    }


@transaction.atomic
def victim_add(*, actor: Any, case: Case, data: VictimData) -> Victim:
    victim = Victim.objects.create(case=case, **_victim_values(data))
    victim.forms.set(data.forms)
    _bump(case)
    _audit(actor, AuditAction.CREATE, victim, [*VICTIM_FIELDS, "forms"], case)
    return victim


@transaction.atomic
def victim_update(*, actor: Any, victim: Victim, data: VictimData, version: int) -> Victim:
    """Change a victim if nobody changed the case since ``version``; else ConflictError."""
    values = _victim_values(data)
    if not Case.objects.filter(pk=victim.case_id, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    ):
        raise ConflictError(current=Victim.objects.get(pk=victim.pk))
    for name, value in values.items():
        setattr(victim, name, value)
    victim.save()
    victim.forms.set(data.forms)
    _audit(actor, AuditAction.UPDATE, victim, [*VICTIM_FIELDS, "forms"], victim.case)
    return victim


@transaction.atomic
def perpetrator_add(
    *,
    actor: Any,
    case: Case,
    name: str = "",
    sex: str = "",
    age: int | None = None,
    relationship: Lookup | None = None,
) -> Perpetrator:
    _check_lookup(relationship, LookupKind.RELATIONSHIP, "relationship")
    if age is not None and not 0 <= age <= 120:
        raise ValidationError({"age": _("Enter an age between 0 and 120 years.")})
    perpetrator = Perpetrator.objects.create(
        case=case, name=name.strip(), sex=sex, age=age, relationship=relationship
    )
    _bump(case)
    _audit(actor, AuditAction.CREATE, perpetrator, ["name", "sex", "age", "relationship"], case)
    return perpetrator


@transaction.atomic
def incident_add(
    *,
    actor: Any,
    case: Case,
    occurred_on: datetime.date | None,
    place: Lookup | None,
    kelurahan: Region | None,
    description: str = "",
) -> Incident:
    _check_lookup(place, LookupKind.PLACE, "place")
    _check_kelurahan(case.region, kelurahan)
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date lies in the future.")})
    incident = Incident.objects.create(
        case=case,
        occurred_on=occurred_on,
        place=place,
        kelurahan=kelurahan,
        description=description.strip(),
    )
    _bump(case)
    _audit(actor, AuditAction.CREATE, incident, ["occurred_on", "place", "description"], case)
    return incident


@transaction.atomic
def service_add(
    *,
    actor: Any,
    case: Case,
    kind: Lookup,
    provider: Agency | None,
    started_on: datetime.date,
    ended_on: datetime.date | None = None,
    note: str = "",
) -> Service:
    _check_lookup(kind, LookupKind.SERVICE_TYPE, "kind")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": _("The end date lies before the start date.")})
    service = Service.objects.create(
        case=case,
        kind=kind,
        provider=provider,
        started_on=started_on,
        ended_on=ended_on,
        note=note.strip(),
        recorded_by=actor,
    )
    _bump(case)
    _event(case, actor, EventKind.SERVICE, kind.code)
    _audit(actor, AuditAction.CREATE, service, ["kind", "provider", "started_on", "note"], case)
    return service


@transaction.atomic
def note_add(*, actor: Any, case: Case, text: str) -> Note:
    if not text.strip():
        raise ValidationError({"text": _("Write the note first.")})
    note = Note.objects.create(case=case, author=actor, text=text.strip())
    _event(case, actor, EventKind.NOTE)
    _audit(actor, AuditAction.CREATE, note, ["text"], case)
    return note


@transaction.atomic
def attachment_add(*, actor: Any, case: Case, upload: Any, name: str) -> Attachment:
    """Check the file by content, then store it encrypted with its checksum."""
    checked = check_upload(upload, name=name)
    upload.seek(0)
    content = upload.read()
    attachment = Attachment(
        case=case,
        original_name=name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        is_photo=checked.kind in {"jpeg", "png", "webp"},
        uploaded_by=actor,
    )
    save_encrypted_file(attachment.file, "upload.bin", content)
    attachment.save()
    _event(case, actor, EventKind.ATTACHMENT)
    _audit(actor, AuditAction.CREATE, attachment, ["file", "original_name"], case)
    return attachment


def attachment_read(*, actor: Any, attachment: Attachment) -> bytes:
    """The decrypted content; the download is audited."""
    content = read_encrypted_file(attachment.file)
    with transaction.atomic():
        _audit(actor, AuditAction.DOWNLOAD, attachment.case, ["attachments"], attachment.case)
    return content


def case_viewed(*, actor: Any, case: Case, fields: Iterable[str] = ("file",)) -> None:
    """Write "who opened this child's file" to the audit trail."""
    with transaction.atomic():
        _audit(actor, AuditAction.VIEW, case, fields, case)


def simfoni_exported(*, actor: Any, year: int) -> None:
    """Write the SIMFONI-PPA export of ``year`` (categories only, no names) to the audit
    trail."""
    agency = getattr(actor, "agency", None)
    region = agency.region if agency is not None else None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="cases.case",
            object_id=f"simfoni-{year}",
            fields=["categories"],
            region_code=region.code if region is not None else "",
        )


# -- consent -------------------------------------------------------------------------------


def has_consent(case: Case, purpose: str, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        Consent.objects.filter(case=case, purpose=purpose, given_on__lte=on)
        .exclude(withdrawn_on__lte=on)
        .exists()
    )


@transaction.atomic
def consent_record(
    *, actor: Any, case: Case, purpose: str, given_by: str, given_on: datetime.date
) -> Consent:
    if purpose not in Purpose.values or given_by not in ConsentGiver.values:
        raise ValidationError(_("Choose a purpose and who gave consent."))
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date lies in the future.")})
    consent = Consent.objects.create(
        case=case, purpose=purpose, given_by=given_by, given_on=given_on, recorded_by=actor
    )
    _event(case, actor, EventKind.CONSENT, f"+{purpose}")
    _audit(actor, AuditAction.CREATE, consent, ["purpose", "given_by", "given_on"], case)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent, on: datetime.date) -> Consent:
    """Withdraw a consent. Without consent to share (or to services), the referrals that
    relied on it end at once: they are revoked."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if on < consent.given_on:
        raise ValidationError(_("Consent cannot be withdrawn before it was given."))
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    _event(consent.case, actor, EventKind.CONSENT, f"-{consent.purpose}")
    _audit(actor, AuditAction.UPDATE, consent, ["withdrawn_on"], consent.case)
    case = consent.case
    if not has_consent(case, consent.purpose, on=max(on, timezone.localdate())):
        affected = Referral.objects.filter(case=case, status__in=ACTIVE_REFERRAL)
        if consent.purpose == Purpose.SHARING:
            affected = affected.filter(scope=ReferralScope.CASE)
        if consent.purpose in (Purpose.SHARING, Purpose.SERVICES):
            for referral in affected:
                if referral.override_reason:
                    continue  # shared under a recorded override, not under this consent
                _referral_transition(
                    referral, actor, ReferralStatus.REVOKED, ACTIVE_REFERRAL, "consent withdrawn"
                )
    return consent


# -- referrals -----------------------------------------------------------------------------


def _needed_consents(scope: str) -> list[str]:
    if scope == ReferralScope.CASE:
        return [Purpose.SERVICES, Purpose.SHARING]
    return [Purpose.SERVICES]


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    case: Case,
    scope: str,
    to_agency: Agency,
    to_user: User | None = None,
    service_kind: Lookup | None = None,
    message: str = "",
    override_reason: str = "",
    may_override: bool = False,
) -> Referral:
    """Refer the file or a service request. Needs consent for services (and for sharing, for
    the file) unless an authorised person overrides it with a reason."""
    if scope not in ReferralScope.values:
        raise ValidationError(_("Choose what to share."))
    if case.is_closed or case.anonymised_at is not None:
        raise ValidationError(_("A closed case cannot be referred; reopen it first."))
    if to_agency.region_id != case.region_id and to_agency.region_id is not None:
        raise ValidationError({"to_agency": _("Refer only to agencies of this kab/kota.")})
    if to_user is not None and to_user.agency_id != to_agency.pk:
        raise ValidationError({"to_user": _("This person does not work in that agency.")})
    if to_user is not None and not set(to_user.role_assignments.values_list("role", flat=True)) & {
        Role.CASE_MANAGER,
        Role.CASE_WORKER,
        Role.COUNSELLOR,
    }:
        raise ValidationError({"to_user": _("This person cannot receive referrals.")})
    if scope == ReferralScope.SERVICE and service_kind is None:
        raise ValidationError({"service_kind": _("Say which service is requested.")})
    _check_lookup(service_kind, LookupKind.SERVICE_TYPE, "service_kind")
    missing = [p for p in _needed_consents(scope) if not has_consent(case, p)]
    override = override_reason.strip()
    if missing:
        if not override:
            raise ValidationError(
                _(
                    "Consent is missing for: %(purposes)s. Record the consent, or an "
                    "authorised person overrides it with a reason."
                )
                % {"purposes": ", ".join(str(Purpose(p).label) for p in missing)}
            )
        if not may_override:
            raise PermissionDenied
    referral = Referral.objects.create(
        case=case,
        scope=scope,
        to_agency=to_agency,
        to_user=to_user,
        service_kind=service_kind,
        from_user=actor,
        message=message.strip(),
        respond_by=timezone.now() + datetime.timedelta(hours=referral_response_hours()),
        override_reason=override if missing else "",
    )
    _event(case, actor, EventKind.REFERRAL, f"{scope} -> {to_agency.code}")
    fields = ["scope", "to_agency", "to_user", "message"]
    if missing:
        fields.append("consent_override")
    _audit(actor, AuditAction.CREATE, referral, fields, case)
    return referral


def _referral_transition(
    referral: Referral, actor: Any, status: str, allowed_from: Iterable[str], reason: str = ""
) -> Referral:
    changed = Referral.objects.filter(pk=referral.pk, status__in=list(allowed_from)).update(
        status=status, responded_at=timezone.now(), responded_by=actor, reason=reason.strip()
    )
    if not changed:
        raise ValidationError(_("This referral has changed meanwhile; reload the page."))
    referral.refresh_from_db()
    _event(referral.case, actor, EventKind.REFERRAL, f"{status} #{referral.pk}")
    _audit(actor, AuditAction.UPDATE, referral, ["status", "reason"], referral.case)
    return referral


@transaction.atomic
def referral_accept(*, actor: Any, referral: Referral) -> Referral:
    return _referral_transition(referral, actor, ReferralStatus.ACCEPTED, [ReferralStatus.PENDING])


@transaction.atomic
def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _referral_transition(
        referral, actor, ReferralStatus.DECLINED, [ReferralStatus.PENDING], reason
    )


@transaction.atomic
def referral_done(*, actor: Any, referral: Referral, note: str = "") -> Referral:
    return _referral_transition(
        referral, actor, ReferralStatus.DONE, [ReferralStatus.ACCEPTED], note
    )


@transaction.atomic
def referral_revoke(*, actor: Any, referral: Referral, reason: str = "") -> Referral:
    return _referral_transition(referral, actor, ReferralStatus.REVOKED, ACTIVE_REFERRAL, reason)


# -- emergency access ----------------------------------------------------------------------


@transaction.atomic
def break_glass_open(*, actor: Any, case: Case, reason: str) -> BreakGlass:
    """Open a case outside one's scope for ``LAYAK_BREAK_GLASS_HOURS`` with a reason; the
    supervising case managers are told by e-mail and the access is listed for review."""
    from layak.cases.permissions import expires_after_break_glass

    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Give the reason in at least a sentence.")})
    if BreakGlass.objects.filter(user=actor, reviewed_at__isnull=True).exists():
        raise ValidationError(
            _(
                "Your earlier emergency access has not been reviewed yet; ask the case manager "
                "to review it first."
            )
        )
    grant = BreakGlass.objects.create(
        case=case,
        user=actor,
        reason=reason.strip(),
        expires_at=timezone.now() + expires_after_break_glass(),
    )
    _event(case, actor, EventKind.BREAK_GLASS, actor.username)
    _audit(actor, AuditAction.CREATE, grant, ["reason"], case)
    from layak.cases.tasks import notify_break_glass

    transaction.on_commit(lambda: notify_break_glass.enqueue(grant.pk))
    return grant


@transaction.atomic
def break_glass_review(*, actor: Any, grant: BreakGlass) -> BreakGlass:
    if grant.reviewed_at is None:
        grant.reviewed_at = timezone.now()
        grant.reviewed_by = actor
        grant.save(update_fields=["reviewed_at", "reviewed_by"])
        _audit(actor, AuditAction.UPDATE, grant, ["reviewed_at"], grant.case)
    return grant


# -- duplicate check -----------------------------------------------------------------------


@dataclass(frozen=True)
class PossibleMatch:
    """What the duplicate check may tell: which agency to contact, nothing of the record."""

    agency_name: str
    agency_phone: str
    reason: str


NAME_SIMILARITY = 0.8


def duplicate_check(
    *,
    city: Region,
    name: str,
    birth_date: datetime.date | None,
    nik: str,
    exclude_case: Any = None,
    actor: Any = None,
) -> list[PossibleMatch]:
    """Victims in ``city`` with the same NIK, or the same date of birth and a similar name.

    Each check is audited (it answers "is this child known?"), against the case it was made
    from; the view limits how many one person may run per hour."""
    if actor is not None and exclude_case is not None:
        with transaction.atomic():
            _audit(actor, AuditAction.VIEW, exclude_case, ["duplicate_check"], exclude_case)
    matches: dict[int, str] = {}
    victims = Victim.objects.filter(case__region=city, case__anonymised_at__isnull=True)
    if exclude_case is not None:
        victims = victims.exclude(case=exclude_case)
    index = crypto.nik_index(nik)
    if index:
        for agency_id in victims.filter(nik_index=index).values_list("case__agency_id", flat=True):
            matches.setdefault(agency_id, str(_("same NIK")))
    b_index = crypto.birth_index(birth_date)
    wanted = crypto.normalise_name(name)
    if b_index and wanted:
        for victim in victims.filter(birth_index=b_index).only("name", "case__agency_id"):
            similar = SequenceMatcher(None, wanted, crypto.normalise_name(victim.name)).ratio()
            if similar >= NAME_SIMILARITY:
                matches.setdefault(
                    victim.case.agency_id, str(_("same date of birth and a similar name"))
                )
    agencies = Agency.objects.in_bulk(list(matches))
    return [
        PossibleMatch(agencies[pk].name, agencies[pk].phone, reason)
        for pk, reason in matches.items()
        if pk in agencies
    ]


# -- retention -----------------------------------------------------------------------------


ANONYMISED = ""


@transaction.atomic
def case_anonymise(*, case: Case, actor: Any = None) -> None:
    """Remove every identifying field of a case, keep the categories for statistics."""
    Victim.objects.filter(case=case).update(
        name=ANONYMISED,
        nik=ANONYMISED,
        birth_date=None,
        address=ANONYMISED,
        phone=ANONYMISED,
        guardian=ANONYMISED,
        nik_index="",
        birth_index="",
    )
    Perpetrator.objects.filter(case=case).update(name=ANONYMISED)
    Incident.objects.filter(case=case).update(description=ANONYMISED)
    Service.objects.filter(case=case).update(note=ANONYMISED)
    Note.objects.filter(case=case).delete()
    Referral.objects.filter(case=case).update(
        message=ANONYMISED, reason=ANONYMISED, override_reason=ANONYMISED
    )
    BreakGlass.objects.filter(case=case).update(reason="-")
    Report.objects.filter(case=case).update(
        reporter_name=ANONYMISED,
        reporter_contact=ANONYMISED,
        child_name=ANONYMISED,
        description=ANONYMISED,
    )
    names = list(Attachment.objects.filter(case=case).values_list("file", flat=True))
    Attachment.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(
        summary=ANONYMISED, closure_note=ANONYMISED, anonymised_at=timezone.now()
    )

    def _remove_files() -> None:
        from django.core.files.storage import default_storage

        for name in names:
            default_storage.delete(name)

    transaction.on_commit(_remove_files)
    audit_record(
        actor=actor,
        actor_label="retention",
        action=AuditAction.DELETE,
        obj=case,
        fields=["identifying_data"],
        region_code=case.region_code,
    )


def anonymise_closed_cases(*, years: int, today: datetime.date | None = None) -> int:
    """Anonymise cases closed more than ``years`` years ago; returns how many."""
    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    old_reports = Report.objects.filter(
        status=ReportStatus.DISMISSED, received_at__date__lt=cutoff
    ).exclude(description__isnull=True, child_name__isnull=True, reporter_name__isnull=True)
    for report in old_reports.iterator():
        with transaction.atomic():
            Report.objects.filter(pk=report.pk).update(
                reporter_name=ANONYMISED,
                reporter_contact=ANONYMISED,
                child_name=ANONYMISED,
                description=ANONYMISED,
            )
            audit_record(
                actor=None,
                actor_label="retention",
                action=AuditAction.DELETE,
                obj=report,
                fields=["identifying_data"],
                region_code=report.region.code,
            )
    done = 0
    for case in Case.objects.filter(
        stage=Stage.CLOSED, closed_on__lt=cutoff, anonymised_at__isnull=True
    ).iterator():
        case_anonymise(case=case)
        done += 1
    return done
