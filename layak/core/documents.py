"""Documents built in the background (issue #11, finding 11): a PDF that takes seconds to
render is never built inside a web request.

The one way of doing it:

1. A module registers a :class:`DocumentKind` in its ``AppConfig.ready()`` (core imports no
   domain app): a name, and a ``build(params) -> bytes`` function that runs in the worker.
2. The page's view checks the permission, then calls :func:`document_request` (a POST). It
   stores a :class:`~layak.core.models.Document` row for the requester and enqueues
   :func:`build_document` after the commit; the browser is sent to the progress page.
3. The progress page (``core:document``) polls every two seconds with htmx, and with a meta
   refresh when JavaScript is off, until the file is ready, then offers the download.
4. The download (``core:document_download``) is the requester's only (anyone else gets
   404), is audited as an export with the details the view gave, and deletes the file. Files
   left behind are deleted after ``LAYAK_DOCUMENT_HOURS`` (24) by :func:`documents_purge`,
   which every new request and ``layak documents_purge`` run.

Files are stored encrypted (:mod:`layak.core.crypto`, like case files; ``layak reencrypt``
covers them) under a random name in ``MEDIA_ROOT/documents/``; no clear copy touches the disk.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django_tasks import task

from layak.core.audit import audit_record
from layak.core.crypto import read_encrypted_file, save_encrypted_file
from layak.core.models import AuditAction, Document, DocumentStatus

DEFAULT_HOURS = 24


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document: ``build`` turns the stored parameters into the file's bytes (it runs
    in the worker, in the requester's language)."""

    name: str
    build: Callable[[Mapping[str, Any]], bytes]
    content_type: str = "application/pdf"
    suffix: str = ".pdf"


@dataclass(frozen=True)
class ExportAudit:
    """What the audit log records when the document is downloaded (never a person's data)."""

    object_type: str
    object_id: str
    label: str
    fields: tuple[str, ...]
    region_code: str
    action: str = AuditAction.EXPORT


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    _KINDS[kind.name] = kind


def kind_of(document: Document) -> DocumentKind:
    return _KINDS[document.kind]


def keep_hours() -> int:
    return int(settings.LAYAK_DOCUMENT_HOURS)


@transaction.atomic
def document_request(
    *,
    actor: Any,
    kind: str,
    params: Mapping[str, Any],
    title: str,
    filename: str,
    audit: ExportAudit,
) -> Document:
    """Queue a document for ``actor``; the caller has checked that ``actor`` may have it."""
    if kind not in _KINDS:
        raise LookupError(f"Unknown document kind {kind!r}.")
    documents_purge(now=timezone.now())
    document = Document.objects.create(
        kind=kind,
        params=dict(params),
        audit={
            "object_type": audit.object_type,
            "object_id": audit.object_id,
            "label": audit.label,
            "fields": list(audit.fields),
            "region_code": audit.region_code,
            "action": str(audit.action),
        },
        title=title[:200],
        filename=filename[:200],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        requested_by=actor,
    )
    document_id = str(document.pk)
    transaction.on_commit(lambda: build_document.enqueue(document_id))
    return document


@task()
def build_document(document_id: str) -> str:
    """Build the document and store it under a random name; mark it failed on an error."""
    document = Document.objects.filter(pk=document_id, status=DocumentStatus.PENDING).first()
    if document is None:  # purged, or already built
        return ""
    try:
        with translation.override(document.language):
            content = kind_of(document).build(document.params)
    except Exception:
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.FAILED, finished_at=timezone.now()
        )
        raise
    save_encrypted_file(document.file, f"{uuid.uuid4().hex}{kind_of(document).suffix}", content)
    document.status = DocumentStatus.DONE
    document.finished_at = timezone.now()
    document.save(update_fields=["file", "status", "finished_at"])
    return str(document.file.name)


def documents_of(user: Any) -> QuerySet[Document]:
    """The documents ``user`` asked for and that have not expired (others' are never shown)."""
    if not getattr(user, "is_authenticated", False):
        return Document.objects.none()
    since = timezone.now() - datetime.timedelta(hours=keep_hours())
    return Document.objects.filter(requested_by=user, requested_at__gte=since)


def document_collect(*, actor: Any, document: Document) -> bytes:
    """The finished file's bytes for its requester: audited (as an export unless the view said
    otherwise), then the file is deleted (a second download needs a new request)."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.status != DocumentStatus.DONE or not locked.file:
            raise LookupError("The document is not ready or was already downloaded.")
        content = read_encrypted_file(locked.file)
        audit_record(
            actor=actor,
            action=str(locked.audit.get("action", AuditAction.EXPORT)),
            object_type=str(locked.audit.get("object_type", "")),
            object_id=str(locked.audit.get("object_id", "")),
            label=str(locked.audit.get("label", "")),
            fields=[str(f) for f in locked.audit.get("fields", [])],
            region_code=str(locked.audit.get("region_code", "")),
        )
        storage, name = locked.file.storage, locked.file.name
        locked.file = ""  # the file itself is deleted once this is committed
        locked.downloaded_at = timezone.now()
        locked.save(update_fields=["file", "downloaded_at"])
        transaction.on_commit(lambda: storage.delete(name))
    return content


def documents_purge(*, now: datetime.datetime) -> int:
    """Delete documents older than ``LAYAK_DOCUMENT_HOURS`` and their files."""
    expired = Document.objects.filter(requested_at__lt=now - datetime.timedelta(hours=keep_hours()))
    count = 0
    for document in expired.only("pk", "file"):
        if document.file:
            document.file.delete(save=False)
        document.delete()
        count += 1
    return count
