"""Base models and the append-only, hash-chained audit log (issue #2)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from layak.core.crypto import EncryptedFileField

GENESIS_HASH = "0" * 64


class RegionScopedModel(models.Model):
    """A domain record that belongs to one region, so one database can serve many kab/kota."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    DOWNLOAD = "download", _("downloaded")
    IMPORT = "import", _("imported")
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")


class AuditEntry(models.Model):
    """One audited event. Rows are never updated or deleted (database triggers refuse it).

    ``entry_hash`` is SHA-256 over the entry's content and ``prev_hash``, the hash of the entry
    with the previous ``seq``; ``layak audit_verify`` recomputes the chain. With an audit key
    (``LAYAK_AUDIT_KEY``) it is HMAC-SHA-256 instead and ``key_id`` names the key, so only who
    holds the key can recompute it; entries written before the key have an empty ``key_id``.
    Values of sensitive fields are never stored here, only field names.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    region_code = models.CharField(_("region"), max_length=20, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(_("audit key"), max_length=16, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit entries are append-only.")


class AuditChainHead(models.Model):
    """The single row that serialises appends and remembers the newest entry of the chain.

    Database triggers let it only advance by one to the entry just appended; PostgreSQL also
    refuses to delete or truncate it. The migrations create it, so an empty trail without it was
    emptied (issue #11). ``layak audit_verify`` reports it missing or disagreeing.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("being prepared")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class Document(models.Model):
    """A document (a PDF) built by the background worker for the one person who asked for it
    (issue #11: no PDF is rendered inside a web request). ``kind`` names the builder registered
    in :mod:`layak.core.documents`, ``params`` what it needs; ``audit`` holds the export's audit
    details, written when the file is downloaded. The file is stored encrypted (like case files)
    under a random name in MEDIA, only its requester may download it, and it is deleted after
    the download or after a day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    audit = models.JSONField(_("audit details"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = EncryptedFileField(_("file"), upload_to="documents/", blank=True, max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("background document")
        verbose_name_plural = _("background documents")

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class DisclosureAudit(models.Model):
    """One run of ``layak disclosure_audit`` for one kab/kota (issue #12): every table the
    registered families publish was attacked with linear programmes; ``ok`` is False when a
    hidden cell could be narrowed below the protection (``LAYAK_SMALL_CELL``). While the
    newest audit of the home city has failed, the public statistics pages serve the snapshot
    taken at the last passing audit (:mod:`layak.core.disclosure.publishing`).

    Only counts, published keys and hidden-cell keys (area codes, periods, categories) are
    stored, never a name."""

    city_code = models.CharField(_("region"), max_length=20, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("passed"), default=False)
    tables = models.PositiveIntegerField(_("tables"), default=0)
    hidden_cells = models.PositiveIntegerField(_("hidden cells"), default=0)
    cells_short = models.PositiveIntegerField(_("cells short of the protection"), default=0)
    narrowest = models.JSONField(_("narrowest intervals"), default=list, blank=True)
    information_loss = models.JSONField(_("information loss"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("disclosure audit")
        verbose_name_plural = _("disclosure audits")

    def __str__(self) -> str:
        return f"{self.city_code} {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"


class PublishedSnapshot(models.Model):
    """A public statistics page or CSV as an anonymous visitor received it right after the
    last passing disclosure audit (issue #12), served instead of the live page while the
    newest audit has failed. One row per city, path and language."""

    city_code = models.CharField(_("region"), max_length=20)
    path = models.CharField(_("path"), max_length=300)
    language = models.CharField(_("language"), max_length=10)
    status = models.PositiveSmallIntegerField(_("status"), default=200)
    content_type = models.CharField(_("content type"), max_length=100)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.BinaryField(_("body"))
    audited_at = models.DateTimeField(_("audited at"))

    class Meta:
        ordering = ["city_code", "path", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["city_code", "path", "language"], name="published_snapshot_unique"
            )
        ]
        verbose_name = _("published snapshot")
        verbose_name_plural = _("published snapshots")

    def __str__(self) -> str:
        return f"{self.city_code} {self.path} {self.language}"


class PublicAttempt(models.Model):
    """One attempt on a public form (report, status check, Puspaga, aspirations), under a keyed
    hash of the sender's network: the rate limit of :func:`layak.core.throttles.public_throttled`
    counts these rows, so every process behind the load balancer shares the count."""

    key = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"attempt:{self.pk}"
