"""Writes of the Forum Anak module (issue #5). Every write is audited in the same transaction
with field names only, never values; e-mails are started after the commit.

Permissions are checked by the interfaces through ``permissions.py`` before a service is
called; the services check the business rules (same city, status order, consent).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.scope import city_id_of
from layak.core.audit import audit_record
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.models import AuditAction
from layak.core.permissions import code_within
from layak.core.uploads import check_upload
from layak.participation.models import (
    LEVEL_REGION,
    Aspiration,
    Cluster,
    Consent,
    ConsentRelation,
    Consultation,
    Forum,
    ForumLevel,
    Member,
    PlanningLevel,
    PlanningProposal,
    PlanningStatus,
    Source,
    Status,
    overdue_q,
)
from layak.regions.models import Region

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_PUBLIC_TEXT = 1000


def due_days() -> int:
    """Days an agency has to answer a routed aspiration (``LAYAK_ASPIRATION_DUE_DAYS``)."""
    return int(settings.LAYAK_ASPIRATION_DUE_DAYS)


def public_form_per_hour() -> int:
    """Public aspirations accepted per address and hour (``LAYAK_ASPIRATION_FORM_PER_HOUR``)."""
    return int(settings.LAYAK_ASPIRATION_FORM_PER_HOUR)


def _audit(actor: Any, action: str, obj: Any, fields: Iterable[str], region_code: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        fields=fields,
        region_code=region_code,
        actor_label="" if actor is not None else "public",
    )


def _check_area(city: Region, region: Region | None, field: str) -> None:
    if region is not None and not code_within(region.code, city.code):
        raise ValidationError({field: _("Choose a place within the city.")})


# -- forums --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForumData:
    level: str
    region: Region
    name: str
    decree: str = ""
    decree_on: datetime.date | None = None
    is_active: bool = True


def _forum_values(city: Region, data: ForumData) -> dict[str, Any]:
    if data.level not in ForumLevel.values:
        raise ValidationError({"level": _("Choose a level.")})
    if data.region.level not in LEVEL_REGION[ForumLevel(data.level)]:
        raise ValidationError({"region": _("The area does not match the forum's level.")})
    _check_area(city, data.region, "region")
    if not data.name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    return {
        "level": data.level,
        "region": data.region,
        "name": data.name.strip(),
        "decree": data.decree.strip(),
        "decree_on": data.decree_on,
        "is_active": data.is_active,
    }


@transaction.atomic
def forum_create(*, actor: Any, city: Region, data: ForumData) -> Forum:
    """A Forum Anak of the city, a kecamatan or a kelurahan (Permen PPPA 3/2025 tiers)."""
    forum = Forum(city=city, **_forum_values(city, data))
    forum.full_clean()
    forum.save()
    _audit(actor, AuditAction.CREATE, forum, ["level", "region", "name", "decree"], city.code)
    return forum


@transaction.atomic
def forum_update(*, actor: Any, forum: Forum, data: ForumData) -> Forum:
    for key, value in _forum_values(forum.city, data).items():
        setattr(forum, key, value)
    forum.full_clean()
    forum.save()
    _audit(actor, AuditAction.UPDATE, forum, ["level", "region", "name", "decree"], forum.city.code)
    return forum


@transaction.atomic
def forum_facilitators_set(*, actor: Any, forum: Forum, users: Iterable[User]) -> None:
    """The facilitators: people of the same city holding the ``forum_facilitator`` role."""
    chosen = list(users)
    for user in chosen:
        if (
            not user.is_active
            or not user.role_assignments.filter(role=Role.FORUM_FACILITATOR).exists()
            or city_id_of(user) != forum.city_id
        ):
            raise ValidationError(
                {"facilitators": _("Only facilitators of this city can be chosen.")}
            )
    forum.facilitators.set(chosen)
    _audit(actor, AuditAction.UPDATE, forum, ["facilitators"], forum.city.code)


@transaction.atomic
def forum_save(*, actor: Any, forum: Forum, data: ForumData, facilitators: Iterable[User]) -> Forum:
    """The forum's edit page: its data and its facilitators, both or neither."""
    forum_update(actor=actor, forum=forum, data=data)
    forum_facilitators_set(actor=actor, forum=forum, users=facilitators)
    return forum


def facilitator_candidates(forum: Forum) -> Any:
    return User.objects.filter(
        is_active=True,
        role_assignments__role=Role.FORUM_FACILITATOR,
        agency__region_id=forum.city_id,
    ).distinct()


# -- members and consent -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberData:
    name: str
    joined_on: datetime.date
    birth_year: int | None = None
    school: str = ""
    kelurahan: Region | None = None
    is_board: bool = False
    kha_trained_on: datetime.date | None = None


@dataclass(frozen=True)
class ConsentData:
    given_by: str
    relation: str
    given_on: datetime.date


MEMBER_FIELDS = ("name", "birth_year", "school", "kelurahan", "is_board", "kha_trained_on")


def _member_values(forum: Forum, data: MemberData) -> dict[str, Any]:
    today = timezone.localdate()
    if not data.name.strip():
        raise ValidationError({"name": _("Enter the child's name.")})
    if data.birth_year is not None and not today.year - 18 <= data.birth_year <= today.year - 6:
        raise ValidationError({"birth_year": _("A member is between 6 and 18 years old.")})
    if data.joined_on > today:
        raise ValidationError({"joined_on": _("The date lies in the future.")})
    if data.kha_trained_on is not None and data.kha_trained_on > today:
        raise ValidationError({"kha_trained_on": _("The date lies in the future.")})
    _check_area(forum.city, data.kelurahan, "kelurahan")
    return {
        "name": data.name.strip(),
        "birth_year": data.birth_year,
        "school": data.school.strip(),
        "kelurahan": data.kelurahan,
        "is_board": data.is_board,
        "kha_trained_on": data.kha_trained_on,
        "joined_on": data.joined_on,
    }


def _check_consent(consent: ConsentData) -> None:
    if not consent.given_by.strip():
        raise ValidationError({"given_by": _("Enter who gave consent.")})
    if consent.relation not in ConsentRelation.values:
        raise ValidationError({"relation": _("Choose the relation to the child.")})
    if consent.given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date lies in the future.")})


@transaction.atomic
def member_add(*, actor: Any, forum: Forum, data: MemberData, consent: ConsentData) -> Member:
    """A child joins a forum; a parent's or guardian's consent is recorded with it (nobody is
    a member without one)."""
    _check_consent(consent)
    member = Member(forum=forum, **_member_values(forum, data))
    member.save()
    _audit(actor, AuditAction.CREATE, member, MEMBER_FIELDS, forum.city.code)
    consent_record(actor=actor, member=member, data=consent)
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, data: MemberData) -> Member:
    if member.erased_at is not None:
        raise ValidationError(_("This member's data was erased."))
    for key, value in _member_values(member.forum, data).items():
        setattr(member, key, value)
    member.save()
    _audit(actor, AuditAction.UPDATE, member, MEMBER_FIELDS, member.forum.city.code)
    return member


def member_viewed(*, actor: Any, forum: Forum) -> None:
    """Write "who read the children's names of this forum" to the audit trail."""
    with transaction.atomic():
        _audit(actor, AuditAction.VIEW, forum, ["members"], forum.city.code)


@transaction.atomic
def consent_record(*, actor: Any, member: Member, data: ConsentData) -> Consent:
    if member.erased_at is not None:
        raise ValidationError(_("This member's data was erased."))
    _check_consent(data)
    consent = Consent.objects.create(
        member=member,
        given_by=data.given_by.strip(),
        relation=data.relation,
        given_on=data.given_on,
        recorded_by=actor,
    )
    _audit(
        actor,
        AuditAction.CREATE,
        consent,
        ["given_by", "relation", "given_on"],
        member.forum.city.code,
    )
    return consent


def has_consent(member: Member, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        Consent.objects.filter(member=member, given_on__lte=on)
        .exclude(withdrawn_on__lte=on)
        .exists()
    )


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent, on: datetime.date) -> Consent:
    """A parent withdraws consent. Without a remaining consent the child stops being a member
    and the child's data is erased (name, school, year of birth, the consent-giver's name):
    data held on consent may not be kept without it (UU 27/2022 on personal data). The row
    stays, empty, so that past figures (members in a year) do not change."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if on < consent.given_on:
        raise ValidationError(_("Consent cannot be withdrawn before it was given."))
    if on > timezone.localdate():
        raise ValidationError(_("The date lies in the future."))
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    member = Member.objects.select_for_update().get(pk=consent.member_id)
    city_code = member.forum.city.code
    _audit(actor, AuditAction.UPDATE, consent, ["withdrawn_on"], city_code)
    if not has_consent(member, on=timezone.localdate()):
        member.left_on = member.left_on or on
        member.name = ""
        member.school = ""
        member.birth_year = None
        member.kelurahan = None
        member.erased_at = timezone.now()
        member.save()
        Consent.objects.filter(member=member).update(given_by="")
        # The aspirations the child voiced lose the link and the child's own words; an
        # approved child-safe text stays (it names nobody).
        Aspiration.objects.filter(member=member).update(member=None, text="", child_name="")
        _audit(
            actor,
            AuditAction.UPDATE,
            member,
            ["left_on", "name", "school", "birth_year", "kelurahan", "erased_at"],
            city_code,
        )
    return consent


# -- consultations -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationData:
    held_on: datetime.date
    topic: str
    participants: int
    girls: int | None = None
    boys: int | None = None
    notes: str = ""


@transaction.atomic
def consultation_record(*, actor: Any, forum: Forum, data: ConsultationData) -> Consultation:
    """A consultation of children held by a forum (counts only, no names)."""
    if data.held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date lies in the future.")})
    if (data.girls or 0) + (data.boys or 0) > data.participants:
        raise ValidationError({"participants": _("Girls and boys add up to more than all.")})
    consultation = Consultation(
        forum=forum,
        held_on=data.held_on,
        topic=data.topic.strip(),
        participants=data.participants,
        girls=data.girls,
        boys=data.boys,
        notes=data.notes.strip(),
        recorded_by=actor,
    )
    consultation.full_clean()
    consultation.save()
    _audit(
        actor,
        AuditAction.CREATE,
        consultation,
        ["held_on", "topic", "participants", "notes"],
        forum.city.code,
    )
    return consultation


# -- aspirations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AspirationData:
    text: str
    cluster: str = ""
    kelurahan: Region | None = None
    child_name: str = ""
    child_age: int | None = None
    member: Member | None = None
    consultation: Consultation | None = None


def _check_aspiration(city: Region, data: AspirationData) -> None:
    text = data.text.strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise ValidationError(
            {
                "text": _("Write between %(min)d and %(max)d characters.")
                % {"min": MIN_TEXT, "max": MAX_TEXT}
            }
        )
    if data.cluster and data.cluster not in Cluster.values:
        raise ValidationError({"cluster": _("Choose a cluster.")})
    if data.child_age is not None and not 4 <= data.child_age <= 18:
        raise ValidationError({"child_age": _("Enter an age between 4 and 18.")})
    _check_area(city, data.kelurahan, "kelurahan")


def city_forum(city: Region) -> Forum | None:
    """The active city-level forum: it receives the children's public aspirations."""
    return (
        Forum.objects.filter(city=city, level=ForumLevel.CITY, is_active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def aspiration_submit_public(*, city: Region, data: AspirationData) -> Aspiration:
    """A child's aspiration from the public form (no login). The child may stay anonymous;
    it goes to the city forum's facilitators and the secretariat to be routed."""
    _check_aspiration(city, data)
    aspiration = Aspiration.objects.create(
        city=city,
        forum=city_forum(city),
        source=Source.CHILD,
        text=data.text.strip(),
        child_name=data.child_name.strip()[:150],
        child_age=data.child_age,
        kelurahan=data.kelurahan,
        cluster=data.cluster,
        submitted_at=timezone.now(),
    )
    _audit(
        None,
        AuditAction.CREATE,
        aspiration,
        [f for f in ("text", "child_name", "child_age", "kelurahan") if getattr(aspiration, f)],
        city.code,
    )
    return aspiration


@transaction.atomic
def aspiration_record(*, actor: Any, forum: Forum, data: AspirationData) -> Aspiration:
    """An aspiration voiced by the forum (optionally by one of its members) or gathered in one
    of its consultations, recorded by a facilitator or the secretariat."""
    _check_aspiration(forum.city, data)
    if data.member is not None and data.member.forum_id != forum.pk:
        raise ValidationError({"member": _("Choose a member of this forum.")})
    if data.consultation is not None and data.consultation.forum_id != forum.pk:
        raise ValidationError({"consultation": _("Choose a consultation of this forum.")})
    aspiration = Aspiration.objects.create(
        city=forum.city,
        forum=forum,
        source=Source.CONSULTATION if data.consultation is not None else Source.FORUM,
        consultation=data.consultation,
        member=data.member,
        text=data.text.strip(),
        kelurahan=data.kelurahan,
        cluster=data.cluster,
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    _audit(
        actor,
        AuditAction.CREATE,
        aspiration,
        ["text", "cluster", "member", "consultation", "kelurahan"],
        forum.city.code,
    )
    return aspiration


def routable_agencies(city: Region) -> Any:
    return Agency.objects.filter(region=city, is_active=True).order_by("name")


@transaction.atomic
def aspiration_route(
    *,
    actor: Any,
    aspiration: Aspiration,
    cluster: str,
    agency: Agency,
    safe_text: str | None = None,
    due_on: datetime.date | None = None,
    notify: bool = True,
) -> Aspiration:
    """Route to the responsible agency with its cluster and due date (default
    ``LAYAK_ASPIRATION_DUE_DAYS`` days). Re-routing before the answer restarts the clock.

    The agency never sees what the child wrote: the person routing approves a child-safe
    version (``safe_text``: no name, school or other identifying detail), which the agency
    and leadership read and which is later published. The agency's focal points are e-mailed
    unless ``notify`` is off (demo data)."""
    aspiration = Aspiration.objects.select_for_update().get(pk=aspiration.pk)
    text = (safe_text if safe_text is not None else aspiration.public_text).strip()
    _check_public_text(aspiration, text)
    if aspiration.status not in (Status.NEW, Status.RECEIVED):
        raise ValidationError(_("An answered aspiration cannot be routed again."))
    if cluster not in Cluster.values:
        raise ValidationError({"cluster": _("Choose a cluster.")})
    if agency.region_id != aspiration.city_id or not agency.is_active:
        raise ValidationError({"agency": _("Choose an agency of this city.")})
    today = timezone.localdate()
    due = due_on or today + datetime.timedelta(days=due_days())
    if due > today + datetime.timedelta(days=180):
        raise ValidationError({"due_on": _("The due date may lie at most 180 days ahead.")})
    if due < today:
        raise ValidationError({"due_on": _("The due date lies in the past.")})
    changed_agency = aspiration.agency_id != agency.pk
    aspiration.public_text = text
    aspiration.cluster = cluster
    aspiration.agency = agency
    aspiration.status = Status.RECEIVED
    aspiration.routed_at = timezone.now()
    aspiration.routed_by = actor
    aspiration.due_on = due
    aspiration.escalated_at = None
    aspiration.save()
    _audit(
        actor,
        AuditAction.UPDATE,
        aspiration,
        ["public_text", "cluster", "agency", "status", "due_on"],
        aspiration.city.code,
    )
    if changed_agency and notify:
        from layak.participation.tasks import notify_aspiration_routed

        pk = aspiration.pk
        transaction.on_commit(lambda: notify_aspiration_routed.enqueue(pk))
    return aspiration


@transaction.atomic
def aspiration_dismiss(*, actor: Any, aspiration: Aspiration) -> Aspiration:
    """Close what is not an aspiration (a test, nonsense); it is never published."""
    aspiration = Aspiration.objects.select_for_update().get(pk=aspiration.pk)
    if aspiration.status != Status.NEW:
        raise ValidationError(_("Only a new aspiration can be closed."))
    aspiration.status = Status.DISMISSED
    aspiration.published_at = None
    aspiration.save()
    _audit(actor, AuditAction.UPDATE, aspiration, ["status"], aspiration.city.code)
    return aspiration


_WORD = re.compile(r"\w+", re.UNICODE)


def _identifying(aspiration: Aspiration) -> tuple[set[str], list[str]]:
    """The words of the child's names and the school names linked to the aspiration, which the
    public text must not contain (a safety net behind the person who approves the text)."""
    names = [aspiration.child_name or ""]
    schools: list[str] = []
    member = aspiration.member
    if member is not None:
        names.append(member.name or "")
        names.extend(member.consents.values_list("given_by", flat=True))
        if member.school:
            schools.append(" ".join(_WORD.findall(member.school.lower())))
    words = {
        word
        for value in names
        for word in _WORD.findall(value.lower())
        if len(word) >= 3 and not word.isdigit()
    }
    return words, [s for s in schools if s]


def _normalised(text: str) -> str:
    """Lower case without accents, invisible characters or width variants: "Ｎáｄｉａ" and
    "Na\u200bdia" both become "nadia"."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text)).casefold()
    return "".join(
        c for c in folded if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )


def _check_public_text(aspiration: Aspiration, text: str) -> None:
    if not MIN_TEXT <= len(text) <= MAX_PUBLIC_TEXT:
        raise ValidationError(
            {
                "public_text": _("Write between %(min)d and %(max)d characters.")
                % {"min": MIN_TEXT, "max": MAX_PUBLIC_TEXT}
            }
        )
    words, schools = _identifying(aspiration)
    words = {_normalised(w) for w in words}
    plain = " ".join(_WORD.findall(_normalised(text)))
    squeezed = "".join(ch for ch in plain if ch.isalnum())
    # Whole words, names run together or spaced out ("N a d i a", "Nadia2"), and the
    # distinctive parts of a school's name ("SMP Negeri 17" of "SMP Negeri 17 Balikpapan").
    school_parts = {
        part
        for school in schools
        for part in _WORD.findall(_normalised(school))
        if part.isdigit() or len(part) >= 4
    }
    named = bool(words & set(plain.split())) or any(w in squeezed for w in words if len(w) >= 4)
    school_named = any(_normalised(s) in plain for s in schools) or (
        any(p.isdigit() for p in school_parts)
        and all(p in plain.split() for p in school_parts if p.isdigit())
        and any(kind in plain for kind in ("sd", "smp", "sma", "smk", "mts", "ma", "sekolah"))
    )
    if named or school_named:
        raise ValidationError(
            {"public_text": _("The public text names the child or the school. Remove it.")}
        )


@transaction.atomic
def aspiration_publish(*, actor: Any, aspiration: Aspiration, public_text: str) -> Aspiration:
    """Approve a child-safe version of the text and show it on "Kalian bilang, kami lakukan".
    Only routed aspirations are published: the page shows what the city does with them."""
    aspiration = Aspiration.objects.select_for_update().get(pk=aspiration.pk)
    if aspiration.status not in (Status.RECEIVED, Status.ANSWERED, Status.ACTED):
        raise ValidationError(_("Route the aspiration to an agency before publishing it."))
    text = public_text.strip()
    _check_public_text(aspiration, text)
    aspiration.public_text = text
    aspiration.published_at = timezone.now()
    aspiration.published_by = actor
    aspiration.save()
    _audit(
        actor, AuditAction.UPDATE, aspiration, ["public_text", "published_at"], aspiration.city.code
    )
    return aspiration


@transaction.atomic
def aspiration_unpublish(*, actor: Any, aspiration: Aspiration) -> Aspiration:
    aspiration = Aspiration.objects.select_for_update().get(pk=aspiration.pk)
    aspiration.published_at = None
    aspiration.published_by = None
    aspiration.save()
    _audit(actor, AuditAction.UPDATE, aspiration, ["published_at"], aspiration.city.code)
    return aspiration


@transaction.atomic
def aspiration_respond(
    *,
    actor: Any,
    aspiration: Aspiration,
    status: str,
    response: str,
    evidence: File[bytes] | None = None,
    evidence_name: str = "",
) -> Aspiration:
    """The agency answers ("answered") or reports what it did ("acted upon"), with an optional
    evidence file checked by content. The answer is public once the aspiration is published."""
    aspiration = Aspiration.objects.select_for_update().get(pk=aspiration.pk)
    if status not in (Status.ANSWERED, Status.ACTED):
        raise ValidationError({"status": _("Choose answered or acted upon.")})
    if aspiration.status not in (Status.RECEIVED, Status.ANSWERED):
        raise ValidationError(_("This aspiration cannot be answered now."))
    if status == Status.ACTED and aspiration.status != Status.ANSWERED:
        raise ValidationError(
            {"status": _("Answer the aspiration first; report what was done afterwards.")}
        )
    text = response.strip()
    if not MIN_TEXT <= len(text) <= 4000:
        raise ValidationError({"response": _("Write the agency's answer.")})
    fields = ["response", "status"]
    if evidence is not None:
        name = evidence_name or str(evidence.name or "")
        checked = check_upload(evidence, name=name)
        evidence.seek(0)
        replaced = aspiration.evidence.name
        # Encrypted in memory: only ciphertext reaches the disk (issue #11).
        save_encrypted_file(aspiration.evidence, "upload.bin", evidence.read())
        if replaced:
            storage = aspiration.evidence.storage
            transaction.on_commit(lambda: storage.delete(replaced))
        aspiration.evidence_name = f"bukti-{aspiration.pk}{checked.extension}"
        aspiration.evidence_type = checked.content_type
        aspiration.evidence_sha256 = checked.sha256
        fields.append("evidence")
    now = timezone.now()
    aspiration.response = text
    aspiration.status = status
    aspiration.responded_by = actor
    aspiration.answered_at = aspiration.answered_at or now
    if status == Status.ACTED:
        aspiration.acted_at = now
    aspiration.save()
    _audit(actor, AuditAction.UPDATE, aspiration, fields, aspiration.city.code)
    return aspiration


def evidence_read(*, actor: Any, aspiration: Aspiration) -> bytes:
    """The decrypted evidence file (one stored in clear before issue #11 as it is); the
    download is audited."""
    content = read_encrypted_file(aspiration.evidence)
    with transaction.atomic():
        _audit(actor, AuditAction.DOWNLOAD, aspiration, ["evidence"], aspiration.city.code)
    return content


def aspiration_viewed(*, actor: Any, aspiration: Aspiration) -> None:
    """Write "who read the identity of the child behind this aspiration" to the audit trail."""
    with transaction.atomic():
        _audit(actor, AuditAction.VIEW, aspiration, ["child_name", "member"], aspiration.city.code)


# -- Musrenbang ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningData:
    level: str
    year: int
    status: str
    funded_year: int | None = None
    amount: Decimal | None = None


@transaction.atomic
def planning_record(*, actor: Any, aspiration: Aspiration, data: PlanningData) -> PlanningProposal:
    """Whether the aspiration was proposed in a Musrenbang, accepted and funded."""
    if aspiration.status == Status.DISMISSED:
        raise ValidationError(_("This aspiration was closed."))
    if data.level not in PlanningLevel.values or data.status not in PlanningStatus.values:
        raise ValidationError(_("Choose the Musrenbang and its outcome."))
    if not 2000 <= data.year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    if data.status == PlanningStatus.FUNDED and data.funded_year is None:
        raise ValidationError({"funded_year": _("Enter the budget year.")})
    if data.funded_year is not None and not data.year <= data.funded_year <= data.year + 5:
        raise ValidationError({"funded_year": _("The budget year follows the planning year.")})
    if data.amount is not None and data.amount < 0:
        raise ValidationError({"amount": _("Enter a positive amount.")})
    funded = data.status == PlanningStatus.FUNDED
    proposal, _created = PlanningProposal.objects.update_or_create(
        aspiration=aspiration,
        defaults={
            "level": data.level,
            "year": data.year,
            "status": data.status,
            "funded_year": data.funded_year if funded else None,
            "amount": data.amount if funded else None,
            "updated_by": actor,
        },
    )
    _audit(
        actor,
        AuditAction.UPDATE,
        proposal,
        ["level", "year", "status", "funded_year", "amount"],
        aspiration.city.code,
    )
    return proposal


# -- deadlines -----------------------------------------------------------------------------


def aspirations_escalate(*, today: datetime.date | None = None) -> list[int]:
    """Mark every routed aspiration whose due date passed without an answer as escalated —
    once — and e-mail the city's secretariat after the commit. Returns the escalated keys."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        overdue = list(
            Aspiration.objects.select_for_update()
            .filter(overdue_q(today), escalated_at__isnull=True)
            .select_related("city")
            .order_by("pk")
        )
        for aspiration in overdue:
            aspiration.escalated_at = now
            aspiration.save(update_fields=["escalated_at", "updated_at"])
            audit_record(
                actor=None,
                actor_label="system",
                action=AuditAction.UPDATE,
                obj=aspiration,
                fields=["escalated_at"],
                region_code=aspiration.city.code,
            )
        keys = [a.pk for a in overdue]
        if keys:
            from layak.participation.tasks import notify_aspirations_overdue

            transaction.on_commit(lambda: notify_aspirations_overdue.enqueue(keys))
    return keys


@transaction.atomic
def aspirations_export_record(*, actor: Any, count: int) -> None:
    """Audit a download of the aspirations export (``count`` rows) as an export: which fields
    left, never their values. The entry belongs to the region the export covers: the one the
    person's list is scoped to (``accounts.permissions.home_filter``), their agency's region —
    a kab/kota, or a whole province."""
    agency = getattr(actor, "agency", None)
    region = agency.region if agency is not None else None
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="participation.aspiration",
        fields=["status", "cluster", "agency", "public_text", "planning"],
        label=f"{count} rows",
        region_code=region.code if region is not None else "",
    )
