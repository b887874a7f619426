"""Writing, verifying and anchoring the audit trail (issues #2 and #11).

``audit_record`` is called by services inside their transaction, so an entry exists exactly when
the change it records was committed. Reads of sensitive records call it with ``AuditAction.VIEW``.

``audit_verify_chain`` reads the head and every entry in one snapshot, so a live system with
writers verifies clean. ``audit_anchor_take`` records the newest (seq, hash) for keeping outside
the database; verifying against those anchors reveals a chain cut at its end even when the head
row was moved back with it (issue #11).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
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
    return [str(key) for key in settings.LAYAK_AUDIT_KEYS]


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
    # "altered", "removed", "inserted", "head missing", "truncated" (the chain ends before an
    # entry that existed: anchored, or the trail was emptied), or "unverifiable" (signed with a
    # key that is not configured).
    kind: str
    detail: str


@dataclass(frozen=True)
class AuditAnchor:
    """The newest entry of the chain at one moment, kept outside the database (issue #11).

    One JSON line per anchor: ``{"time", "seq", "hash", "key_id"}``. ``seq`` 0 with the genesis
    hash anchors an empty trail.
    """

    time: str
    seq: int
    hash: str
    key_id: str

    def to_json(self) -> str:
        return json.dumps(
            {"time": self.time, "seq": self.seq, "hash": self.hash, "key_id": self.key_id},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> AuditAnchor:
        """Parse one line; ``ValueError`` naming what is wrong with it."""
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON ({error.msg})") from None
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        seq, digest = data.get("seq"), data.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("seq must be a non-negative integer")
        if not isinstance(digest, str) or len(digest) != 64:
            raise ValueError("hash must be 64 hexadecimal characters")
        return cls(
            time=str(data.get("time", "")),
            seq=seq,
            hash=digest,
            key_id=str(data.get("key_id", "")),
        )


class AnchorFileError(ValueError):
    """An anchor file that cannot be read or parsed; verification cannot rely on it."""


def read_anchors(path: Path) -> list[AuditAnchor]:
    """Every anchor in ``path`` (blank lines skipped); ``AnchorFileError`` if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorFileError(f"Cannot read {path}: {error}") from None
    anchors: list[AuditAnchor] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchors.append(AuditAnchor.from_json(line))
        except ValueError as error:
            raise AnchorFileError(f"{path}, line {number}: {error}") from None
    if not anchors:
        raise AnchorFileError(f"{path} holds no anchor")
    return anchors


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent, read-only view of the trail for everything read inside.

    Reading the entries and the head at different moments made a live system look cut (an entry
    committed in between); PostgreSQL's ``REPEATABLE READ`` and SQLite's single transaction see
    the head and the entries as of one moment. Inside a caller's transaction its own view is
    used (its isolation level cannot change any more).
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


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


def _anchor_problem(
    seq: int, entry_hash: str, anchored: dict[int, list[AuditAnchor]]
) -> ChainProblem | None:
    """Whether the entry ``seq`` is the one anchored with that number, if any was."""
    for anchor in anchored.get(seq, []):
        if anchor.hash != entry_hash:
            return ChainProblem(
                seq,
                "altered",
                f"it differs from the entry anchored at {anchor.time or 'an unknown time'}",
            )
    return None


def _head_problem(
    head: AuditChainHead | None, checked: int, last_seq: int, last_hash: str
) -> ChainProblem | None:
    """Whether the chain ends where the head row says the newest entry was written."""
    if head is None:
        if not checked:
            # The head row is created when the database is set up (migration 0005), so an
            # empty trail without it was emptied, e.g. by TRUNCATE with the triggers disabled.
            return ChainProblem(
                1,
                "truncated",
                "the audit trail is empty and its head row, created with the database, is gone"
                " (the audit tables were emptied)",
            )
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


def _truncation_problem(last_seq: int, anchors: Sequence[AuditAnchor]) -> ChainProblem | None:
    """Whether an anchor names an entry after the end of the chain (the tail was cut, and the
    head moved back with it)."""
    beyond = [anchor for anchor in anchors if anchor.seq > last_seq]
    if not beyond:
        return None
    newest = max(beyond, key=lambda anchor: anchor.seq)
    lost = (
        f"entry {newest.seq} was"
        if newest.seq == last_seq + 1
        else f"entries {last_seq + 1}..{newest.seq} were"
    )
    return ChainProblem(
        last_seq + 1,
        "truncated",
        f"the chain ends at entry {last_seq}, but entry {newest.seq} was anchored at"
        f" {newest.time or 'an unknown time'}: {lost} removed",
    )


def audit_verify_chain(
    anchors: Sequence[AuditAnchor] = (),
) -> tuple[int, ChainProblem | None]:
    """Walk the whole chain in one snapshot; return how many entries were checked and the
    first problem. Each anchor's (seq, hash) must be in the chain."""
    anchored: dict[int, list[AuditAnchor]] = {}
    for anchor in anchors:
        anchored.setdefault(anchor.seq, []).append(anchor)
    with _snapshot():
        head = AuditChainHead.objects.filter(pk=1).first()
        expected_prev = GENESIS_HASH
        expected_seq = 1
        checked = 0
        keyed_before = False
        problem = _anchor_problem(0, GENESIS_HASH, anchored)
        if problem is not None:
            return checked, problem
        for entry in _entries_in_order():
            checked += 1
            problem = (
                _entry_problem(entry, keyed_before)
                or _link_problem(entry, expected_seq, expected_prev)
                or _anchor_problem(entry.seq, entry.entry_hash, anchored)
            )
            if problem is not None:
                return checked, problem
            keyed_before = keyed_before or bool(entry.key_id)
            expected_prev = entry.entry_hash
            expected_seq = entry.seq + 1
        last_seq = expected_seq - 1
        return checked, (
            _head_problem(head, checked, last_seq, expected_prev)
            or _truncation_problem(last_seq, anchors)
        )


def audit_anchor_take() -> AuditAnchor:
    """The newest entry as the head row names it now, to keep outside the database.

    ``LookupError`` when the head row is missing (``audit_verify`` names the problem).
    """
    with _snapshot():
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is None:
            raise LookupError("the audit chain head is missing; run `layak audit_verify`")
        key_id = (
            AuditEntry.objects.filter(seq=head.last_seq).values_list("key_id", flat=True).first()
        )
    return AuditAnchor(
        time=timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        seq=head.last_seq,
        hash=head.last_hash,
        key_id=key_id or "",
    )
