"""Writes of Puspaga (issue #5). Every write is audited in the same transaction with field
names only, never values; audit labels never carry a family's data. Reads of a family's file
or of session notes are audited too (``family_viewed``, ``notes_viewed``)."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.accounts.models import User
from layak.accounts.scope import city_id_of, require_city
from layak.cases.models import Channel, Report
from layak.cases.services import ReportData, public_status, report_from_partner
from layak.core.audit import audit_record
from layak.core.documents import ExportAudit, document_request
from layak.core.models import AuditAction, Document
from layak.families.models import (
    HOLDS_SLOT,
    Booking,
    BookingStatus,
    Certificate,
    Family,
    FollowUp,
    HandOff,
    Mode,
    Schedule,
    ServicePoint,
    Session,
    Source,
    Topic,
)
from layak.families.permissions import has_counsellor_role
from layak.families.selectors import slot_from_key, slot_is_offered
from layak.regions.models import Region, RegionLevel

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
FAMILY_FIELDS = ("name", "phone", "email", "kelurahan")


def _code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _audit(actor: Any, action: str, obj: Any, fields: Iterable[str], region_code: str) -> None:
    audit_record(
        actor=actor,
        actor_label="public" if actor is None else "",
        action=action,
        obj=obj,
        fields=fields,
        region_code=region_code,
    )


def _region_code(family: Family) -> str:
    return family.kelurahan.code if family.kelurahan is not None else family.region.code


def _check_kelurahan(city: Region, kelurahan: Region | None) -> None:
    if kelurahan is not None and (
        kelurahan.level not in (RegionLevel.KELURAHAN, RegionLevel.DESA)
        or not kelurahan.code.startswith(f"{city.code}.")
    ):
        raise ValidationError({"kelurahan": _("The kelurahan must lie in this kab/kota.")})


# -- families --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyData:
    name: str
    phone: str = ""
    email: str = ""
    kelurahan: Region | None = None


def family_create(
    *, actor: Any, city: Region, data: FamilyData, source: str, assigned: User | None = None
) -> Family:
    """A family as it first contacts Puspaga: minimal data, a reference code."""
    _check_kelurahan(city, data.kelurahan)
    if not data.name.strip():
        raise ValidationError({"name": _("Enter a name (a first name or nickname is enough).")})
    code = _code(8)
    while Family.objects.filter(code=code).exists():  # pragma: no cover - 32^8 codes
        code = _code(8)
    family = Family.objects.create(
        region=city,
        code=code,
        name=data.name.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        kelurahan=data.kelurahan,
        source=source,
        assigned_counsellor=assigned,
    )
    fields = [f for f in FAMILY_FIELDS if getattr(family, f)]
    _audit(actor, AuditAction.CREATE, family, fields, _region_code(family))
    return family


def family_viewed(*, actor: Any, family: Family, fields: Iterable[str] = FAMILY_FIELDS) -> None:
    """Write "who opened this family's file" to the audit trail."""
    with transaction.atomic():
        _audit(actor, AuditAction.VIEW, family, fields, _region_code(family))


@transaction.atomic
def family_assign(*, actor: Any, family: Family, counsellor: User) -> Family:
    if not has_counsellor_role(counsellor) or counsellor.agency is None:
        raise ValidationError({"counsellor": _("Choose a Puspaga counsellor.")})
    if city_id_of(counsellor) != family.region_id:
        raise ValidationError({"counsellor": _("Choose a counsellor of this kab/kota.")})
    family.assigned_counsellor = counsellor
    family.save(update_fields=["assigned_counsellor"])
    _audit(actor, AuditAction.UPDATE, family, ["assigned_counsellor"], _region_code(family))
    return family


# -- bookings --------------------------------------------------------------------------------


def _taken() -> str:
    return _("This time has just been taken; please choose another.")


def _book(
    *,
    actor: Any,
    family: Family,
    schedule: Schedule,
    starts_at: datetime.datetime,
    mode: str,
    topic: str,
    source: str,
    note: str,
) -> Booking:
    """Book one slot of ``schedule``. The counsellor's row is locked so that two requests
    for overlapping times are serialised; the partial unique constraint is the last guard."""
    point = schedule.service_point
    if point.region_id != family.region_id or not point.is_active or not schedule.is_active:
        raise ValidationError(_("This time is not offered."))
    if not slot_is_offered(schedule, starts_at):
        raise ValidationError(_("This time is not offered."))
    if starts_at < timezone.now():
        raise ValidationError(_("This time has already passed."))
    if mode not in Mode.values or topic not in Topic.values:
        raise ValidationError(_("Choose a topic and how you want to meet."))
    ends_at = starts_at + datetime.timedelta(minutes=schedule.slot_minutes)
    User.objects.select_for_update().filter(pk=schedule.counsellor_id).first()
    overlapping = Booking.objects.filter(
        counsellor_id=schedule.counsellor_id,
        status__in=HOLDS_SLOT,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if overlapping.exists():
        raise ValidationError(_taken())
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                region_id=family.region_id,
                family=family,
                service_point=point,
                counsellor_id=schedule.counsellor_id,
                starts_at=starts_at,
                ends_at=ends_at,
                mode=mode,
                topic=topic,
                source=source,
                request_note=note.strip(),
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationError(_taken()) from exc
    fields = ["starts_at", "counsellor", "mode", "topic"] + (["request_note"] if note else [])
    _audit(actor, AuditAction.CREATE, booking, fields, _region_code(family))
    return booking


def _book_slot_key(
    *, actor: Any, family: Family, slot_key: str, mode: str, topic: str, source: str, note: str
) -> Booking:
    """Book the slot ``slot_key`` names, or the same time at the same place with another
    counsellor when that one was taken meanwhile."""
    parsed = slot_from_key(slot_key)
    if parsed is None:
        raise ValidationError({"slot": _("Choose a time.")})
    schedule_id, starts_at = parsed
    chosen = Schedule.objects.select_related("service_point").filter(pk=schedule_id).first()
    if chosen is None:
        raise ValidationError({"slot": _("This time is not offered.")})
    alternatives = Schedule.objects.select_related("service_point").filter(
        service_point=chosen.service_point, weekday=chosen.weekday, is_active=True
    )
    candidates = [chosen, *[s for s in alternatives.order_by("pk") if s.pk != chosen.pk]]
    last_error: ValidationError | None = None
    for schedule in candidates:
        if not slot_is_offered(schedule, starts_at):
            continue
        try:
            with transaction.atomic():
                return _book(
                    actor=actor,
                    family=family,
                    schedule=schedule,
                    starts_at=starts_at,
                    mode=mode,
                    topic=topic,
                    source=source,
                    note=note,
                )
        except ValidationError as error:
            last_error = error
    raise ValidationError({"slot": (last_error or ValidationError(_taken())).messages})


@dataclass(frozen=True)
class RequestData:
    family: FamilyData
    slot_key: str
    mode: str
    topic: str
    note: str = ""


@transaction.atomic
def booking_request_public(*, city: Region, data: RequestData) -> Booking:
    """A family requests a consultation online (no login); the family and the booking are
    created together or not at all."""
    if data.mode == Mode.OUTREACH:
        raise ValidationError({"mode": _("Choose in person or online.")})
    if not (data.family.phone.strip() or data.family.email.strip()):
        raise ValidationError({"phone": _("Give a phone number or an e-mail address.")})
    family = family_create(actor=None, city=city, data=data.family, source=Source.ONLINE)
    return _book_slot_key(
        actor=None,
        family=family,
        slot_key=data.slot_key,
        mode=data.mode,
        topic=data.topic,
        source=Source.ONLINE,
        note=data.note,
    )


@transaction.atomic
def booking_register_desk(
    *, actor: Any, data: RequestData, family: Family | None = None
) -> Booking:
    """A family registered at the desk (new, or ``family`` already known), booked into a slot."""
    if family is None:
        family = family_create(
            actor=actor, city=require_city(actor), data=data.family, source=Source.DESK
        )
    return _book_slot_key(
        actor=actor,
        family=family,
        slot_key=data.slot_key,
        mode=data.mode,
        topic=data.topic,
        source=Source.DESK,
        note=data.note,
    )


@transaction.atomic
def booking_set_status(*, actor: Any, booking: Booking, status: str) -> Booking:
    """Record attendance: attended, did not come, or cancelled (which frees the slot)."""
    if status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED):
        raise ValidationError(_("Choose what happened."))
    if status != BookingStatus.CANCELLED and booking.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be recorded once the appointment has begun."))
    changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
        status=status
    )
    if not changed:
        raise ValidationError(_("This booking has changed meanwhile; reload the page."))
    booking.refresh_from_db()
    _audit(actor, AuditAction.UPDATE, booking, ["status"], _region_code(booking.family))
    return booking


# -- sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionData:
    held_on: datetime.date
    mode: str
    topic: str
    outcome: str
    follow_up: str = FollowUp.NONE
    follow_up_on: datetime.date | None = None
    notes: str = ""


@transaction.atomic
def session_record(
    *,
    actor: Any,
    family: Family,
    data: SessionData,
    booking: Booking | None = None,
    service_point: ServicePoint | None = None,
) -> Session:
    """Record a session held by ``actor``; a booking it belongs to counts as attended. The
    family gets ``actor`` as its assigned counsellor if it has none yet."""
    if not has_counsellor_role(actor):
        raise PermissionDenied
    if booking is not None:
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.family_id != family.pk:
            raise ValidationError(_("The booking is of another family."))
        if booking.status not in (BookingStatus.BOOKED, BookingStatus.ATTENDED):
            raise ValidationError(_("This booking was not attended."))
        if Session.objects.filter(booking=booking).exists():
            raise ValidationError(_("The session of this booking is already recorded."))
        if booking.starts_at > timezone.now():
            raise ValidationError(_("The appointment has not begun yet."))
        service_point = booking.service_point
    if service_point is None or service_point.region_id != family.region_id:
        raise ValidationError({"service_point": _("Choose the service point.")})
    if data.held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date lies in the future.")})
    if data.follow_up_on is not None and data.follow_up_on < data.held_on:
        raise ValidationError({"follow_up_on": _("The follow-up cannot come before the session.")})
    session = Session(
        region_id=family.region_id,
        family=family,
        booking=booking,
        service_point=service_point,
        counsellor=actor,
        held_on=data.held_on,
        mode=data.mode,
        topic=data.topic,
        outcome=data.outcome,
        follow_up=data.follow_up,
        follow_up_on=data.follow_up_on,
        notes=data.notes.strip(),
        kecamatan_code=family.kelurahan.code[:8] if family.kelurahan is not None else "",
    )
    session.full_clean(exclude=["family", "booking", "service_point", "counsellor", "region"])
    session.save()
    if booking is not None and booking.status == BookingStatus.BOOKED:
        booking.status = BookingStatus.ATTENDED
        booking.save(update_fields=["status"])
    if family.assigned_counsellor_id is None:
        family.assigned_counsellor = actor
        family.save(update_fields=["assigned_counsellor"])
    fields = ["held_on", "mode", "topic", "outcome", "follow_up"] + (
        ["notes"] if data.notes else []
    )
    _audit(actor, AuditAction.CREATE, session, fields, _region_code(family))
    return session


def notes_viewed(*, actor: Any, session: Session) -> None:
    """Write "who read these notes" to the audit trail."""
    with transaction.atomic():
        _audit(actor, AuditAction.VIEW, session, ["notes"], _region_code(session.family))


# -- certificates ----------------------------------------------------------------------------


def initials_of(name: str) -> str:
    """ "Siti Aminah Rahayu" -> "S. A.": what the public check may show of the holder."""
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts[:2])


@transaction.atomic
def certificate_issue(*, actor: Any, session: Session) -> Certificate:
    """Number a certificate of child-marriage prevention counselling (§3.6): the family shows
    it to the religious court, which checks the number on the public page."""
    if session.topic != Topic.CHILD_MARRIAGE:
        raise ValidationError(_("Certificates are issued for child-marriage prevention only."))
    if Certificate.objects.filter(session=session).exists():
        raise ValidationError(_("This session already has a certificate."))
    city = session.region
    Region.objects.select_for_update().filter(pk=city.pk).first()  # serialise numbering
    today = timezone.localdate()
    prefix = f"PSPG-{city.code.replace('.', '')}-{today.year}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
    )
    serials = [int(n.split("-")[3]) for n in last[:50]]
    serial = max(serials, default=0) + 1
    certificate = Certificate.objects.create(
        number=f"{prefix}{serial:04d}-{_code(4)}",
        session=session,
        region=city,
        service_point=session.service_point,
        issued_on=today,
        issued_by=actor,
        initials=initials_of(session.family.name or ""),
    )
    _audit(actor, AuditAction.CREATE, certificate, ["number"], _region_code(session.family))
    return certificate


def certificate_render(certificate: Certificate) -> bytes:
    """The certificate as PDF (WeasyPrint); not audited: the caller audits the download."""
    from django.template.loader import render_to_string

    html = render_to_string(
        "families/certificate_pdf.html",
        {
            "certificate": certificate,
            "family": certificate.session.family,
            "session": certificate.session,
        },
    )
    # Imported here: WeasyPrint needs Debian's Pango, which only PDF generation requires.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def certificate_build(params: Mapping[str, Any]) -> bytes:
    """The background builder of the certificate (:mod:`layak.core.documents`, issue #11):
    the view checked the permission; the download is audited when it is collected."""
    certificate = Certificate.objects.select_related("session__family", "service_point").get(
        pk=params["certificate"]
    )
    return certificate_render(certificate)


#: The kind of background document (layak.core.documents) that is a certificate's PDF.
CERTIFICATE_PDF = "families.certificate_pdf"


def certificate_document_request(*, actor: Any, certificate: Certificate) -> Document:
    """Queue the certificate's PDF for ``actor`` (who may see it: the view fetched it through
    ``get_certificate_for``); its download is audited as today's was (it names the family)."""
    return document_request(
        actor=actor,
        kind=CERTIFICATE_PDF,
        params={"certificate": certificate.pk},
        title=_("Certificate %(number)s (PDF)") % {"number": certificate.number},
        filename=f"{certificate.number}.pdf",
        audit=ExportAudit(
            object_type=certificate._meta.label_lower,
            object_id=str(certificate.pk),
            label="",
            fields=("name",),
            region_code=_region_code(certificate.session.family),
            action=AuditAction.DOWNLOAD,
        ),
    )


# -- hand-off to the UPTD PPA ----------------------------------------------------------------


@dataclass(frozen=True)
class HandOffData:
    """What the family agreed to hand over (``covers_*``) and the values for it. Values whose
    part the consent does not cover are dropped, never sent."""

    consent: bool
    consent_given_by: str
    consent_on: datetime.date
    covers_identity: bool = False
    covers_contact: bool = False
    covers_location: bool = False
    covers_narrative: bool = False
    covers_child: bool = False
    narrative: str = ""
    child_name: str = ""
    child_age: int | None = None
    child_sex: str = ""


@transaction.atomic
def handoff_create(*, actor: Any, session: Session, data: HandOffData) -> HandOff:
    """Hand a family to the UPTD PPA when a session reveals violence, with the family's
    consent; the case intake receives only what the consent covers (issue #5)."""
    covers = {
        "identity": data.covers_identity,
        "contact": data.covers_contact,
        "location": data.covers_location,
        "narrative": data.covers_narrative,
        "child": data.covers_child,
    }
    if not data.consent:
        raise ValidationError(
            {"consent": _("Without the family's consent nothing is handed over.")}
        )
    if not any(covers.values()):
        raise ValidationError({"consent": _("Say what the family's consent covers.")})
    if not data.consent_given_by.strip():
        raise ValidationError({"consent_given_by": _("Say who gave the consent.")})
    if data.consent_on > timezone.localdate():
        raise ValidationError({"consent_on": _("The date lies in the future.")})
    if covers["narrative"] and not data.narrative.strip():
        raise ValidationError({"narrative": _("Write what the family agreed to tell.")})
    family = session.family
    contact = ", ".join(v for v in (family.phone or "", family.email or "") if v)[:150]
    report = report_from_partner(
        actor=actor,
        data=ReportData(
            channel=Channel.PUSPAGA,
            description=data.narrative if covers["narrative"] else "",
            kelurahan=family.kelurahan if covers["location"] else None,
            child_name=data.child_name if covers["child"] else "",
            child_age=data.child_age if covers["child"] else None,
            child_sex=data.child_sex if covers["child"] else "",
            anonymous=not (covers["identity"] or covers["contact"]),
            reporter_name=(family.name or "") if covers["identity"] else "",
            reporter_contact=contact if covers["contact"] else "",
        ),
        channel=Channel.PUSPAGA,
    )
    handoff = HandOff.objects.create(
        session=session,
        report=report,
        consent_given_by=data.consent_given_by.strip()[:60],
        consent_on=data.consent_on,
        created_by=actor,
        **{f"covers_{k}": v for k, v in covers.items()},
    )
    _audit(
        actor,
        AuditAction.CREATE,
        handoff,
        ["consent_given_by", "consent_on", *[f"covers_{k}" for k, v in covers.items() if v]],
        _region_code(family),
    )
    return handoff


def handoff_status(handoff: HandOff) -> str:
    """What the counsellor may learn of the intake: received, being handled or closed."""
    report = Report.objects.only("status", "case_id").get(pk=handoff.report_id)
    return public_status(report)


# -- service points and schedules ------------------------------------------------------------


@transaction.atomic
def point_save(*, actor: Any, point: ServicePoint, changed: Iterable[str]) -> ServicePoint:
    """Save a service point edited through its form (the form sets region and fields)."""
    created = point.pk is None
    point.full_clean()
    point.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=point,
        fields=list(changed),
        label=point.name,
        region_code=point.region.code,
    )
    return point


@dataclass(frozen=True)
class ScheduleData:
    service_point: ServicePoint
    counsellor: User
    weekday: int
    start_time: datetime.time
    end_time: datetime.time
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    slot_minutes: int = 60
    break_minutes: int = 15


@transaction.atomic
def schedule_add(*, actor: Any, data: ScheduleData) -> Schedule:
    """Add a counsellor's weekly hours; hours may not overlap the counsellor's other hours
    (a counsellor cannot be at two service points at once)."""
    counsellor = data.counsellor
    if not has_counsellor_role(counsellor) or counsellor.agency is None:
        raise ValidationError({"counsellor": _("Choose a Puspaga counsellor.")})
    if city_id_of(counsellor) != data.service_point.region_id:
        raise ValidationError({"counsellor": _("Choose a counsellor of this kab/kota.")})
    schedule = Schedule(
        service_point=data.service_point,
        counsellor=counsellor,
        weekday=data.weekday,
        start_time=data.start_time,
        end_time=data.end_time,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        slot_minutes=data.slot_minutes,
        break_minutes=data.break_minutes,
    )
    if data.end_time <= data.start_time:
        raise ValidationError({"end_time": _("The end must come after the start.")})
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise ValidationError({"valid_until": _("The end must come after the start.")})
    schedule.full_clean()
    User.objects.select_for_update().filter(pk=counsellor.pk).first()
    others = Schedule.objects.filter(
        counsellor=counsellor,
        weekday=data.weekday,
        is_active=True,
        start_time__lt=data.end_time,
        end_time__gt=data.start_time,
    ).exclude(valid_until__lt=data.valid_from)
    if data.valid_until is not None:
        others = others.exclude(valid_from__gt=data.valid_until)
    if others.exists():
        raise ValidationError(_("These hours overlap the counsellor's other hours that day."))
    schedule.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=schedule,
        fields=["weekday", "start_time", "end_time", "counsellor", "service_point"],
        region_code=data.service_point.region.code,
    )
    return schedule


@transaction.atomic
def schedule_end(*, actor: Any, schedule: Schedule) -> Schedule:
    """Stop offering these hours from today; existing bookings stay."""
    schedule.is_active = False
    schedule.valid_until = max(schedule.valid_from, timezone.localdate())
    schedule.save(update_fields=["is_active", "valid_until"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=schedule,
        fields=["is_active", "valid_until"],
        region_code=schedule.service_point.region.code,
    )
    return schedule
