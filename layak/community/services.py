"""Writes of the PATBM module (issue #5). Every write checks the actor's right through
``permissions.py``, validates with ``full_clean`` and is audited in the same transaction with
field names only, never values (members' names and phones are personal data)."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from layak.accounts.models import User
from layak.accounts.scope import city_id_of, city_of
from layak.cases.models import Report
from layak.cases.services import ReportData, report_from_activist
from layak.community.models import (
    PARTICIPANT_FIELDS,
    Activity,
    ActivityPhoto,
    GroupStatus,
    Member,
    PatbmGroup,
    Training,
)
from layak.community.permissions import (
    can_manage_groups,
    can_send_reports,
    groups_managed_by,
    may,
    own_groups,
)
from layak.community.selectors import agencies_without_profile
from layak.core.audit import audit_record
from layak.core.choices import Sex
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.models import AuditAction
from layak.core.uploads import CheckedUpload, check_upload
from layak.regions.models import Region
from layak.regions.selectors import kelurahan_choices

PHOTO_KINDS = frozenset({"jpeg", "png", "webp"})
MAX_PHOTOS = 5


def _audit(actor: Any, action: str, obj: Any, group: PatbmGroup, names: Iterable[str]) -> None:
    audit_record(actor=actor, action=action, obj=obj, fields=names, region_code=group.region_code)


def _require_manage(actor: Any, group: PatbmGroup) -> None:
    if not may(actor, group, "manage"):
        raise PermissionDenied


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# -- groups ----------------------------------------------------------------------------------


@transaction.atomic
def groups_ensure_profiles(*, actor: Any, city: Region) -> int:
    """Give every PATBM agency of ``city`` (``layak load_agencies`` makes one per kelurahan) a
    group profile, status "being formed"; existing profiles are kept. Returns how many."""
    if actor is not None and not can_manage_groups(actor):
        raise PermissionDenied
    missing = list(agencies_without_profile(city).order_by("code"))
    PatbmGroup.objects.bulk_create([PatbmGroup(agency=agency) for agency in missing])
    if missing:
        audit_record(
            actor=actor,
            actor_label="" if actor is not None else "system",
            action=AuditAction.CREATE,
            object_type="community.patbmgroup",
            label=f"{len(missing)} PATBM group profiles",
            region_code=city.code,
        )
    return len(missing)


@dataclass(frozen=True)
class GroupData:
    status: str
    decree_number: str = ""
    decree_date: datetime.date | None = None


@transaction.atomic
def group_update(*, actor: Any, group: PatbmGroup, data: GroupData) -> PatbmGroup:
    """Status and founding decree (SK): the secretariat and administrators."""
    if not may(actor, group, "profile"):
        raise PermissionDenied
    group = (
        PatbmGroup.objects.select_for_update(of=("self",))
        .select_related("agency__area")
        .get(pk=group.pk)
    )
    changed = _changed(
        group,
        {
            "status": data.status,
            "decree_number": data.decree_number.strip(),
            "decree_date": data.decree_date,
        },
    )
    if changed:
        group.full_clean()
        group.save()
        _audit(actor, AuditAction.UPDATE, group, group, changed)
    return group


# -- members and trainings -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberData:
    name: str
    phone: str = ""
    position: str = "member"
    joined_on: datetime.date | None = None
    is_active: bool = True
    user: User | None = None


def _check_member_user(group: PatbmGroup, user: User | None) -> None:
    """A linked login must be a PATBM activist of the group's kab/kota."""
    if user is None:
        return
    from layak.community.permissions import is_activist

    if not is_activist(user) or city_id_of(user) != group.agency.region_id:
        raise ValidationError({"user": _("Link only a PATBM activist's login of this city.")})


@transaction.atomic
def member_add(*, actor: Any, group: PatbmGroup, data: MemberData) -> Member:
    _require_manage(actor, group)
    _check_member_user(group, data.user)
    member = Member(
        group=group,
        name=data.name.strip(),
        phone=data.phone.strip(),
        position=data.position,
        joined_on=data.joined_on,
        is_active=data.is_active,
        user=data.user,
    )
    member.full_clean()
    member.save()
    _audit(
        actor,
        AuditAction.CREATE,
        member,
        group,
        [f.name for f in fields(data) if getattr(data, f.name) not in ("", None)],
    )
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, data: MemberData) -> Member:
    group = member.group
    _require_manage(actor, group)
    _check_member_user(group, data.user)
    member = Member.objects.select_for_update().get(pk=member.pk)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["name"] = data.name.strip()
    values["phone"] = data.phone.strip()
    changed = _changed(member, values)
    if changed:
        member.full_clean()
        member.save()
        _audit(actor, AuditAction.UPDATE, member, group, changed)
    return member


@transaction.atomic
def training_add(
    *, actor: Any, member: Member, topic: str, date: datetime.date, organiser: str
) -> Training:
    _require_manage(actor, member.group)
    training = Training(member=member, topic=topic.strip(), date=date, organiser=organiser.strip())
    training.full_clean()
    training.save()
    _audit(actor, AuditAction.CREATE, training, member.group, ["topic", "date", "organiser"])
    return training


# -- activities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityData:
    kind: str
    date: datetime.date
    place: str
    counts: dict[str, int]  # PARTICIPANT_FIELDS name -> number of people
    notes: str = ""


def _check_photo(upload: Any) -> CheckedUpload:
    checked = check_upload(upload, name=getattr(upload, "name", None))
    if checked.kind not in PHOTO_KINDS:
        raise ValidationError({"photos": _("Only photos (JPEG, PNG or WebP) can be added.")})
    return checked


def without_metadata(content: bytes, kind: str) -> bytes:
    """The photo re-encoded without EXIF/XMP metadata (GPS position, device), turned upright
    first: photos of activities with children must not carry where they were taken."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(content)) as image:
        upright = ImageOps.exif_transpose(image) or image
        if kind == "jpeg" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        upright.save(out, format={"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[kind], quality=88)
    return out.getvalue()


def _store_photo(
    actor: Any, activity: Activity, upload: Any, checked: CheckedUpload
) -> ActivityPhoto:
    upload.seek(0)
    try:
        content = without_metadata(upload.read(), checked.kind)
    except (OSError, ValueError) as exc:
        raise ValidationError({"photos": _("This photo cannot be read.")}) from exc
    photo = ActivityPhoto(
        activity=activity,
        content_type=checked.content_type,
        extension=checked.extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    # Stripped above, encrypted in memory here: only ciphertext reaches the disk (issue #11).
    save_encrypted_file(photo.file, "photo", content)
    photo.save()
    return photo


@transaction.atomic
def activity_record(
    *, actor: Any, group: PatbmGroup, data: ActivityData, photos: Sequence[Any] = ()
) -> Activity:
    """Record an activity with its participant counts (no names) and up to ``MAX_PHOTOS``
    photos, each checked by content. A rejected photo saves nothing."""
    _require_manage(actor, group)
    unknown = set(data.counts) - {name for name, _band, _sex in PARTICIPANT_FIELDS}
    if unknown:
        raise ValueError(f"Unknown participant fields: {sorted(unknown)}")
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Add at most %(n)d photos.") % {"n": MAX_PHOTOS}})
    activity = Activity(
        group=group,
        kind=data.kind,
        date=data.date,
        place=data.place.strip(),
        notes=data.notes.strip(),
        recorded_by=actor,
        **{name: data.counts.get(name, 0) for name, _band, _sex in PARTICIPANT_FIELDS},
    )
    activity.full_clean()
    checked = [_check_photo(upload) for upload in photos]  # all of them before storing any
    activity.save()
    stored = [_store_photo(actor, activity, u, c) for u, c in zip(photos, checked, strict=True)]
    names = ["kind", "date", "place", "participants"] + (["notes"] if activity.notes else [])
    _audit(actor, AuditAction.CREATE, activity, group, names + (["photos"] if stored else []))
    return activity


@transaction.atomic
def photo_add(*, actor: Any, activity: Activity, upload: Any) -> ActivityPhoto:
    _require_manage(actor, activity.group)
    if activity.photos.count() >= MAX_PHOTOS:
        raise ValidationError({"photos": _("Add at most %(n)d photos.") % {"n": MAX_PHOTOS}})
    photo = _store_photo(actor, activity, upload, _check_photo(upload))
    _audit(actor, AuditAction.CREATE, photo, activity.group, ["file"])
    return photo


def photo_read(*, photo: ActivityPhoto) -> bytes:
    """The decrypted photo (a photo stored in clear before issue #11 as it is)."""
    return read_encrypted_file(photo.file)


# -- early-detection reports -----------------------------------------------------------------


@dataclass(frozen=True)
class EarlyReport:
    description: str
    kelurahan: Region | None = None  # None: the kelurahan of the activist's group
    child_age: int | None = None
    child_sex: str = ""
    anonymous: bool = False


def report_kelurahan_choices(actor: Any) -> QuerySet[Region]:
    """The kelurahan an activist may report from: those of their own kab/kota."""
    return kelurahan_choices(city_of(actor))


def early_report_send(*, actor: Any, data: EarlyReport) -> Report:
    """An activist's early-detection report, straight into the city's case intake
    (``cases.services.report_from_activist``); the activist then sees only its status."""
    if not can_send_reports(actor):
        raise PermissionDenied
    description = data.description.strip()
    errors: dict[str, str] = {}
    if len(description) < 10:
        errors["description"] = _("Describe what you saw in a few words (at least 10 letters).")
    if data.child_age is not None and not 0 <= data.child_age <= 17:
        errors["child_age"] = _("A child is 0 to 17 years old.")
    if data.child_sex not in ("", *Sex.values):
        errors["child_sex"] = _("Choose a valid option.")
    kelurahan = data.kelurahan
    if kelurahan is None:
        group = own_groups(actor).first()
        kelurahan = group.agency.area if group is not None else None
    elif not report_kelurahan_choices(actor).filter(pk=kelurahan.pk).exists():
        errors["kelurahan"] = _("Choose a kelurahan of your city.")
    if errors:
        raise ValidationError(errors)
    return report_from_activist(
        actor=actor,
        data=ReportData(
            channel="patbm",
            description=description,
            kelurahan=kelurahan,
            child_age=data.child_age,
            child_sex=data.child_sex,
            anonymous=data.anonymous,
            # Not anonymous: the case desk can call the activist back.
            reporter_name="" if data.anonymous else actor.display_name,
            reporter_contact="" if data.anonymous else (actor.email or ""),
            reporter_relation="" if data.anonymous else "PATBM",
        ),
    )


def groups_for_activity(actor: Any) -> Any:
    """Groups whose activities ``actor`` may record (for the group picker)."""
    return groups_managed_by(actor).filter(status__in=[GroupStatus.ACTIVE, GroupStatus.FORMING])
