"""Writing and verifying the audit trail (issue #2).

``audit_record`` is called by services inside their transaction, so an entry exists exactly when
the change it records was committed. Reads of sensitive records call it with ``AuditAction.VIEW``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from layak.core.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class RequestContext:
    """What the audit trail needs to know about the current request."""

    ip: str | None


_request_context: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)


def set_request_context(context: RequestContext | None) -> object:
    """Bind the current request's context; returns a token for ``reset_request_context``."""
    return _request_context.set(context)


def reset_request_context(token: Any) -> None:
    _request_context.reset(token)


def _actor_parts(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return int(actor.pk), str(actor.get_username())


class UnknownAuditKey(LookupError):
    """An entry was signed with an audit key that is not configured (``LAYAK_AUDIT_KEY``)."""


def audit_key_id(key: str) -> str:
    """The name an entry stores for the key that signed it; it reveals nothing of the key."""
    return hmac.new(key.encode("utf-8"), b"layak audit key id", hashlib.sha256).hexdigest()[:16]


def _configured_keys() -> list[str]:
    return [str(key) for key in getattr(settings, "LAYAK_AUDIT_KEYS", [])]


def _signing_key() -> tuple[str, bytes | None]:
    """The key id and key that sign new entries: the first configured key, or none."""
    keys = _configured_keys()
    if not keys:
        return "", None
    return audit_key_id(keys[0]), keys[0].encode("utf-8")


def _key_for(key_id: str) -> bytes | None:
    if not key_id:
        return None
    for key in _configured_keys():
        if audit_key_id(key) == key_id:
            return key.encode("utf-8")
    raise UnknownAuditKey(key_id)


def entry_digest(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str,
    fields: list[str],
    ip: str | None,
    region_code: str,
    prev_hash: str,
    key_id: str = "",
    key: bytes | None = None,
) -> str:
    """SHA-256 (HMAC-SHA-256 with ``key``) over a canonical JSON form of the entry; the one
    definition of the chain. Unkeyed entries hash exactly as before keys existed."""
    if bool(key_id) != (key is not None):
        raise ValueError("key_id and key go together")
    payload: dict[str, Any] = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": object_label,
        "fields": list(fields),
        "ip": ip,
        "region_code": region_code,
        "prev_hash": prev_hash,
    }
    if key is not None:
        payload["key_id"] = key_id
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if key is not None:
        return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digest_of(entry: AuditEntry) -> str:
    """The hash ``entry`` should carry; ``UnknownAuditKey`` if its key is not configured."""
    return entry_digest(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_label=entry.object_label,
        fields=list(entry.fields),
        ip=entry.ip,
        region_code=entry.region_code,
        prev_hash=entry.prev_hash,
        key_id=entry.key_id,
        key=_key_for(entry.key_id),
    )


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    label: str = "",
    fields: Iterable[str] = (),
    region_code: str = "",
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    ``label`` must never hold a child's, reporter's or family's identifying data; callers of
    sensitive modules leave it empty. ``fields`` holds field names only, never values.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id, actor_username = _actor_parts(actor)
    context = _request_context.get()
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_username=actor_username or actor_label,
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        object_label=label[:200],
        fields=sorted(set(fields)),
        ip=context.ip if context else None,
        region_code=region_code,
        prev_hash=head.last_hash,
    )
    entry.key_id, key = _signing_key()
    entry.entry_hash = entry_digest(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_label=entry.object_label,
        fields=list(entry.fields),
        ip=entry.ip,
        region_code=entry.region_code,
        prev_hash=entry.prev_hash,
        key_id=entry.key_id,
        key=key,
    )
    entry.save()
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the stored chain differs from what was written."""

    seq: int
    # "altered", "removed", "inserted", "head missing", or "unverifiable" (signed with a key
    # that is not configured).
    kind: str
    detail: str


def _entries_in_order(batch_size: int = 2000) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size)


def _entry_problem(entry: AuditEntry, keyed_before: bool) -> ChainProblem | None:
    """What is wrong with one entry on its own (its hash), if anything."""
    try:
        digest = digest_of(entry)
    except UnknownAuditKey:
        return ChainProblem(
            entry.seq,
            "unverifiable",
            f"it was signed with audit key {entry.key_id}, which LAYAK_AUDIT_KEY does not hold",
        )
    if digest != entry.entry_hash:
        return ChainProblem(entry.seq, "altered", "its content no longer matches its hash")
    if keyed_before and not entry.key_id:
        return ChainProblem(
            entry.seq,
            "altered",
            "it has no audit key although entries before it do (rewritten without the key)",
        )
    return None


def _link_problem(entry: AuditEntry, expected_seq: int, expected_prev: str) -> ChainProblem | None:
    """What is wrong with how ``entry`` follows the entry before it, if anything."""
    if entry.seq == expected_seq and entry.prev_hash == expected_prev:
        return None
    if entry.seq > expected_seq:
        return ChainProblem(
            entry.seq,
            "removed",
            f"entries {expected_seq}..{entry.seq - 1} before it are missing",
        )
    if entry.prev_hash == expected_prev:
        return ChainProblem(entry.seq, "inserted", "its sequence number is reused")
    return ChainProblem(
        entry.seq,
        "inserted",
        "it does not link to the entry before it (inserted, or the one before replaced)",
    )


def _head_problem(checked: int, last_seq: int, last_hash: str) -> ChainProblem | None:
    """Whether the chain ends where the head row says the newest entry was written."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if not checked:
            return None  # nothing was ever audited
        return ChainProblem(
            last_seq,
            "head missing",
            "the record of the newest entry was deleted, so entries after this one may have"
            " been removed as well",
        )
    if head.last_seq < last_seq:
        return ChainProblem(
            head.last_seq + 1,
            "inserted",
            f"the chain ended at entry {head.last_seq}; entries after it were added outside Layak",
        )
    if head.last_seq > last_seq:
        return ChainProblem(
            last_seq + 1,
            "removed",
            f"the chain should end at entry {head.last_seq}, but ends at {last_seq}",
        )
    if head.last_hash != last_hash:
        return ChainProblem(
            last_seq,
            "altered",
            "the newest entry differs from the one written (its hash was recomputed)",
        )
    return None


def audit_verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the whole chain; return how many entries were checked and the first problem."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    keyed_before = False
    for entry in _entries_in_order():
        checked += 1
        problem = _entry_problem(entry, keyed_before) or _link_problem(
            entry, expected_seq, expected_prev
        )
        if problem is not None:
            return checked, problem
        keyed_before = keyed_before or bool(entry.key_id)
        expected_prev = entry.entry_hash
        expected_seq = entry.seq + 1
    return checked, _head_problem(checked, expected_seq - 1, expected_prev)
