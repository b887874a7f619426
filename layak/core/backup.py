"""Backups and restore drills (issue #11).

``backup_create`` writes one timestamped backup set: the database (PostgreSQL: ``pg_dump
--format=custom``; SQLite: the online backup API), the media directory as a tar (its files are
already encrypted) and ``manifest.json``: when, which Layak version, the migrations applied per
app, the row count of every table, the audit chain's head, the SHA-256 of every file, and the
*ids* of the keys needed to read it. The keys themselves are never in the set: an operator keeps
them elsewhere (a stolen backup without the keys reveals no child).

On PostgreSQL the manifest and the dump come from one snapshot (``pg_export_snapshot`` and
``pg_dump --snapshot``), so the counts and the audit head agree with the dump on a live system.
The database password reaches ``pg_dump`` through ``PGPASSWORD``, never the command line.

``restore_drill`` restores a set into a throw-away database (``layak_drill_<random>``, dropped
afterwards; SQLite: a temporary file) and a temporary media directory, then checks that the
checksums match, the configured keys are the ones the backup needs, the migrations and row
counts are those of the manifest, the audit chain verifies and ends at the manifest's head, and
every row (every encrypted field) reads back through the ORM and every stored file is present.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend

from layak.core import crypto
from layak.core.audit import AuditAnchor, audit_key_id, audit_verify_chain

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1
DRILL_ALIAS = "layak_restore_drill"
_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """A backup could not be written; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_id(key: str) -> str:
    """A key's public name in a manifest: it identifies the key and reveals nothing of it."""
    return hmac.new(key.encode("utf-8"), b"layak backup key id", hashlib.sha256).hexdigest()[:16]


def configured_key_ids() -> dict[str, list[str]]:
    """The ids of the keys this installation is configured with, per secret: the ids that
    encrypted values and audit entries record, and a hash for the index key."""
    index_key = str(settings.LAYAK_INDEX_KEY or "")
    return {
        "LAYAK_ENCRYPTION_KEYS": list(crypto.keyring().ids),
        "LAYAK_INDEX_KEY": [key_id(index_key)] if index_key else [],
        "LAYAK_AUDIT_KEY": [audit_key_id(str(k)) for k in settings.LAYAK_AUDIT_KEYS],
    }


def _layak_version() -> str:
    try:
        return metadata.version("layak")
    except metadata.PackageNotFoundError:
        return "unknown"


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL client tools; the password only in the env."""
    args: list[str] = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return [*args, "--no-password"], env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools).")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _facts(wrapper: BaseDatabaseWrapper, cursor: Any) -> dict[str, Any]:
    """Row counts, applied migrations and the audit head, read through ``cursor``."""
    quote = wrapper.ops.quote_name
    tables = sorted(wrapper.introspection.table_names(cursor))
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608  (introspected name)
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            migrations.setdefault(str(app), []).append(str(name))
    for names in migrations.values():
        names.sort()
    return {
        "row_counts": counts,
        "migrations": dict(sorted(migrations.items())),
        "audit": _audit_head(wrapper, cursor, counts),
    }


def _audit_head(wrapper: BaseDatabaseWrapper, cursor: Any, counts: dict[str, int]) -> Any:
    from layak.core.models import AuditChainHead

    table = AuditChainHead._meta.db_table
    if not counts.get(table):
        return None
    quote = wrapper.ops.quote_name
    cursor.execute(
        f"SELECT {quote('last_seq')}, {quote('last_hash')} FROM {quote(table)} "  # noqa: S608
        f"ORDER BY {quote(AuditChainHead._meta.pk.column)} LIMIT 1"
    )
    row = cursor.fetchone()
    return {"last_seq": int(row[0]), "last_hash": str(row[1])} if row else None


def _backup_postgresql(path: Path) -> dict[str, Any]:
    """Dump the database and read its facts from the same exported snapshot."""
    wrapper = connections.create_connection("default")
    db = wrapper.settings_dict
    try:
        wrapper.set_autocommit(False)
        with wrapper.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            facts = _facts(wrapper, cursor)
            args, env = _pg_args(db)
            _run(
                [
                    "pg_dump",
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    str(db["NAME"]),
                ],
                env,
            )
        wrapper.rollback()
    finally:
        wrapper.close()
    return facts


def _backup_sqlite(path: Path) -> dict[str, Any]:
    """Copy with SQLite's online backup API, then read the facts from the copy."""
    wrapper = connections["default"]
    wrapper.ensure_connection()
    target = sqlite3.connect(path)
    try:
        wrapper.connection.backup(target)
    finally:
        target.close()
    return _sqlite_facts(path)


def _sqlite_facts(path: Path) -> dict[str, Any]:
    wrapper = connections["default"]
    raw = sqlite3.connect(path)
    try:
        cursor = raw.cursor()
        return _facts(wrapper, cursor)
    finally:
        raw.close()


def _tar_media(media_root: Path, path: Path) -> dict[str, str]:
    """Tar the media directory; return each file's SHA-256 by its relative path."""
    checksums: dict[str, str] = {}
    with tarfile.open(path, "w") as tar:
        if media_root.is_dir():
            for file in sorted(p for p in media_root.rglob("*") if p.is_file()):
                name = file.relative_to(media_root).as_posix()
                checksums[name] = _sha256(file)
                tar.add(file, arcname=name, recursive=False)
    return checksums


def _write_keys(path: Path) -> None:
    """Write the data keys to ``path`` (created 0600, never overwritten)."""
    lines = [
        f"LAYAK_ENCRYPTION_KEYS={','.join(crypto.configured_keys())}",
        f"LAYAK_INDEX_KEY={getattr(settings, 'LAYAK_INDEX_KEY', '') or ''}",
        f"LAYAK_AUDIT_KEY={','.join(str(k) for k in getattr(settings, 'LAYAK_AUDIT_KEYS', []))}",
    ]
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BackupError(f"{path} exists; keys are never overwritten.") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _write_set(target: Path, moment: datetime) -> None:
    vendor = connections["default"].vendor
    if vendor == "postgresql":
        db_file = target / PG_DUMP
        facts = _backup_postgresql(db_file)
    elif vendor == "sqlite":
        db_file = target / SQLITE_COPY
        facts = _backup_sqlite(db_file)
    else:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    # The media after the database: a file added meanwhile is harmless in the tar, a file the
    # database names is never missing from it.
    media = _tar_media(Path(settings.MEDIA_ROOT), target / MEDIA_TAR)
    manifest = {
        "format": FORMAT,
        "created_at": moment.isoformat(),
        "layak_version": _layak_version(),
        "database": {"vendor": vendor, "file": db_file.name},
        **facts,
        "keys": configured_key_ids(),
        "files": {db_file.name: _sha256(db_file), MEDIA_TAR: _sha256(target / MEDIA_TAR)},
        "media": media,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    for file in target.iterdir():
        file.chmod(0o600)


def backup_create(
    destination: Path, *, keys_to: Path | None = None, now: datetime | None = None
) -> Path:
    """Write a backup set in a new directory under ``destination`` and return its path.

    ``keys_to`` also writes the keys to that file (0600); it must lie outside ``destination``,
    because keys kept beside the data they protect protect nothing.
    """
    destination = destination.resolve()
    if keys_to is not None and keys_to.resolve().is_relative_to(destination):
        raise BackupError("Keep the keys outside the backup directory (--include-keys-to).")
    if keys_to is not None and keys_to.exists():
        raise BackupError(f"{keys_to} exists; keys are never overwritten.")
    moment = now or datetime.now(UTC)
    target = destination / f"layak-{moment.strftime('%Y%m%dT%H%M%SZ')}"
    destination.mkdir(parents=True, exist_ok=True)
    # Staff names and e-mail addresses are not encrypted: the set is readable by its owner only.
    target.mkdir(mode=0o700)
    try:
        _write_set(target, moment)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # never leave a half set that looks whole
        raise
    if keys_to is not None:
        _write_keys(keys_to)
    return target


# --- Restore drill --------------------------------------------------------------------------


@dataclass
class DrillReport:
    """The result of each check, in order; ``ok`` when none failed."""

    lines: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, check: str, ok: bool, detail: str) -> bool:
        self.lines.append((check, ok, detail))
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _check, ok, _detail in self.lines)


def _load_manifest(backup: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup / MANIFEST} is missing or unreadable.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_files(backup: Path, manifest: dict[str, Any], report: DrillReport) -> bool:
    bad = []
    for name, expected in sorted(manifest["files"].items()):
        path = backup / name
        if not path.is_file() or _sha256(path) != expected:
            bad.append(name)
    detail = f"corrupt or missing: {', '.join(bad)}" if bad else "database and media match"
    return report.add("checksums", not bad, detail)


def _check_keys(manifest: dict[str, Any], report: DrillReport) -> None:
    configured = configured_key_ids()
    missing = [
        f"{name} {kid}"
        for name, ids in sorted(manifest["keys"].items())
        for kid in ids
        if kid not in configured.get(name, [])
    ]
    report.add(
        "keys",
        not missing,
        f"not configured: {', '.join(missing)}" if missing else "every key of the backup is set",
    )


def _extract_media(
    backup: Path, manifest: dict[str, Any], media: Path, report: DrillReport
) -> None:
    with tarfile.open(backup / MEDIA_TAR) as tar:
        tar.extractall(media, filter="data")
    bad = [
        name
        for name, expected in sorted(manifest["media"].items())
        if not (media / name).is_file() or _sha256(media / name) != expected
    ]
    report.add(
        "media files",
        not bad,
        f"corrupt or missing: {', '.join(bad[:10])}" if bad else f"{len(manifest['media'])} match",
    )


@contextmanager
def _restored_database(
    backup: Path, manifest: dict[str, Any], workdir: Path
) -> Iterator[BaseDatabaseWrapper]:
    """Restore the dump into a throw-away database and yield a connection to it, made from
    the configured database's settings (not registered under any alias)."""
    live = connections["default"]
    vendor = manifest["database"]["vendor"]
    if vendor != live.vendor:
        raise BackupError(f"This is a {vendor} backup; configure a {vendor} database to drill it.")
    db = dict(live.settings_dict)
    db["OPTIONS"] = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k != "pool"}
    db["CONN_MAX_AGE"] = 0
    dump = backup / manifest["database"]["file"]
    args, env = _pg_args(db)
    drop: list[str] = []
    if vendor == "postgresql":
        name = f"layak_drill_{secrets.token_hex(6)}"
        _run(["createdb", *args, name], env)
        drop = ["dropdb", *args, "--if-exists", name]
        db["NAME"] = name
    else:
        copy = workdir / "drill.sqlite3"
        shutil.copyfile(dump, copy)
        db["NAME"] = str(copy)
    wrapper: BaseDatabaseWrapper | None = None
    try:
        if vendor == "postgresql":
            restore = ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error"]
            _run([*restore, f"--dbname={db['NAME']}", str(dump)], env)
        wrapper = load_backend(db["ENGINE"]).DatabaseWrapper(db, DRILL_ALIAS)
        yield wrapper
    finally:
        if wrapper is not None:
            wrapper.close()
        if drop:
            _run(drop, env)


@contextmanager
def _as_default(wrapper: BaseDatabaseWrapper) -> Iterator[None]:
    """Point the ``default`` alias at ``wrapper`` (in this thread) so that code without
    ``using`` (the audit verification, model managers) reads the restored database."""
    original = connections["default"]
    connections["default"] = wrapper
    try:
        yield
    finally:
        connections["default"] = original


def _check_facts(
    wrapper: BaseDatabaseWrapper, manifest: dict[str, Any], report: DrillReport
) -> set[str]:
    """Compare migrations, row counts and the audit head; return the restored tables."""
    with wrapper.cursor() as cursor:
        facts = _facts(wrapper, cursor)
    same = facts["migrations"] == manifest["migrations"]
    detail = "as in the manifest" if same else "differ from the manifest"
    if same:
        applied = {(app, name) for app, names in facts["migrations"].items() for name in names}
        pending = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes) - applied
        if pending:
            detail += f"; {len(pending)} newer in this code (run `layak migrate` after restoring)"
    report.add("migrations", same, detail)
    expected: dict[str, int] = manifest["row_counts"]
    wrong = [
        f"{table} {facts['row_counts'].get(table)} != {count}"
        for table, count in sorted(expected.items())
        if facts["row_counts"].get(table) != count
    ]
    report.add(
        "row counts",
        not wrong,
        "; ".join(wrong[:10]) if wrong else f"{len(expected)} tables match",
    )
    report.add(
        "audit head",
        facts["audit"] == manifest["audit"],
        "as in the manifest" if facts["audit"] == manifest["audit"] else "differs from manifest",
    )
    return set(facts["row_counts"])


def _check_audit_chain(
    manifest: dict[str, Any], anchors: Sequence[AuditAnchor], report: DrillReport
) -> None:
    """Verify the restored chain, against the anchors up to the backup's head (anchors taken
    after the backup name entries it cannot hold)."""
    head = (manifest.get("audit") or {}).get("last_seq", 0)
    usable = [anchor for anchor in anchors if anchor.seq <= head]
    try:
        checked, problem = audit_verify_chain(usable)
    except Exception as exc:  # noqa: BLE001  (a drill reports, it does not crash)
        report.add("audit chain", False, f"cannot verify: {exc}")
        return
    if problem is not None:
        report.add(
            "audit chain",
            False,
            f"broken at entry {problem.seq} ({problem.kind}): {problem.detail}",
        )
    else:
        against = f", {len(usable)} anchors matched" if anchors else ""
        report.add("audit chain", True, f"{checked} entries verified{against}")


def _row_problems(obj: models.Model, media: Path, label: str) -> Iterator[tuple[str, str]]:
    """("file", where) for a stored file that is missing, ("decrypt", why) for an encrypted
    file that does not decrypt; encrypted fields were already decrypted on loading."""
    for f in obj._meta.concrete_fields:
        if not isinstance(f, models.FileField):
            continue
        name = str(getattr(obj, f.attname) or "")
        if not name:
            continue
        path = media / name
        if not path.is_file():
            yield "file", f"{label}.{f.name} #{obj.pk}"
        elif isinstance(f, crypto.EncryptedFileField):
            try:
                crypto.decrypt_file_content(f, path.read_bytes(), label=f"{label} #{obj.pk}")
            except crypto.DecryptionError as exc:
                yield "decrypt", str(exc)


def _check_rows(media: Path, tables: set[str], sample: int | None, report: DrillReport) -> None:
    """Read every row (or ``sample`` per model) through the ORM, so every encrypted field is
    decrypted with the configured keys (a value no key opens raises); check every stored file
    exists in the restored media and every encrypted file decrypts."""
    rows = 0
    failures: list[str] = []
    missing: list[str] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.db_table not in tables:
            continue  # a table newer than the backup: `layak migrate` after restoring adds it
        queryset = model._base_manager.order_by("pk")
        if sample is not None:
            queryset = queryset[:sample]
        label = model._meta.label
        try:
            for obj in queryset.iterator(chunk_size=500):
                rows += 1
                for kind, detail in _row_problems(obj, media, label):
                    (missing if kind == "file" else failures).append(detail)
        except Exception as exc:  # noqa: BLE001  (any failure to read a row is a finding)
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
    report.add(
        "decryption",
        not failures,
        f"{len(failures)} failed, first: {'; '.join(failures[:3])}"
        if failures
        else f"{rows} rows read with the configured keys",
    )
    report.add(
        "stored files",
        not missing,
        f"missing: {', '.join(missing[:10])}" if missing else "every file named exists",
    )


def restore_drill(
    backup: Path, *, sample: int | None = None, anchors: Sequence[AuditAnchor] = ()
) -> DrillReport:
    """Restore ``backup`` somewhere temporary, check it and throw it away. ``anchors`` (from
    ``layak audit_anchor``) are checked against the restored audit chain."""
    manifest = _load_manifest(backup)
    report = DrillReport()
    report.add(
        "manifest",
        True,
        f"taken {manifest['created_at']} by Layak {manifest['layak_version']}",
    )
    if not _check_files(backup, manifest, report):
        return report
    _check_keys(manifest, report)
    with tempfile.TemporaryDirectory(prefix="layak-drill-") as tmp:
        workdir = Path(tmp)
        media = workdir / "media"
        media.mkdir()
        _extract_media(backup, manifest, media, report)
        with _restored_database(backup, manifest, workdir) as wrapper:
            tables = _check_facts(wrapper, manifest, report)
            with _as_default(wrapper):
                _check_audit_chain(manifest, anchors, report)
                _check_rows(media, tables, sample, report)
    return report
