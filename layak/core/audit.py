"""Writing and verifying the audit trail (issue #2).

``audit_record`` is called by services inside their transaction, so an entry exists exactly when
the change it records was committed. Reads of sensitive records call it with ``AuditAction.VIEW``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
) -> str:
    """SHA-256 over a canonical JSON form of the entry; the one definition of the chain."""
    payload = {
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
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digest_of(entry: AuditEntry) -> str:
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
    entry.entry_hash = digest_of(entry)
    entry.save()
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the stored chain differs from what was written."""

    seq: int
    kind: str  # "altered", "removed", "inserted", "truncated"
    detail: str


def _entries_in_order(batch_size: int = 2000) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size)


def audit_verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the whole chain; return how many entries were checked and the first problem."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in _entries_in_order():
        checked += 1
        if digest_of(entry) != entry.entry_hash:
            return checked, ChainProblem(
                entry.seq, "altered", "its content no longer matches its hash"
            )
        if entry.seq != expected_seq or entry.prev_hash != expected_prev:
            if entry.seq > expected_seq:
                return checked, ChainProblem(
                    entry.seq,
                    "removed",
                    f"entries {expected_seq}..{entry.seq - 1} before it are missing",
                )
            if entry.prev_hash == expected_prev:
                return checked, ChainProblem(entry.seq, "inserted", "its sequence number is reused")
            return checked, ChainProblem(
                entry.seq,
                "inserted",
                "it does not link to the entry before it (inserted, or the one before replaced)",
            )
        expected_prev = entry.entry_hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and head.last_seq < last_seq:
        return checked, ChainProblem(
            head.last_seq + 1,
            "inserted",
            f"the chain ended at entry {head.last_seq}; entries after it were added outside Layak",
        )
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        return checked, ChainProblem(
            last_seq + 1,
            "removed",
            f"the chain should end at entry {head.last_seq}, but ends at {last_seq}",
        )
    return checked, None
