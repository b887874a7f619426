"""``layak reencrypt``: move every encrypted value and file under the first key (issue #11).

Run it after putting a new key first in ``LAYAK_ENCRYPTION_KEYS`` (or after upgrading from
values encrypted with the ``SECRET_KEY``-derived keys); ``--report`` then tells, per model and
field, how many values still use another key, so an old key is removed only once nothing
needs it. See docs/keys.md.

* Fields: every concrete field that is a :class:`~layak.core.crypto.EncryptedField`, found in
  the model registry, so a new encrypted field is covered without touching this command.
* Files: every :class:`~layak.core.crypto.EncryptedFileField` (case documents and photos,
  evaluation evidence, PATBM activity photos, Forum Anak answer evidence, plan progress
  evidence); files stored in clear before issue #11 (fields with ``clear_legacy``) are
  encrypted in place.
* Batches of ``--batch-size`` rows, each in its own transaction with the rows locked, so the
  command can be interrupted at any moment and run again: what is already under the first
  key is skipped (recognised by its key id, without decrypting).
* ``--reindex`` recomputes the blind indexes (needed after ``LAYAK_INDEX_KEY`` changed, or
  when it is unset and the *last* encryption key was removed).
* A value no configured key decrypts stops the command with the error: nothing is skipped
  silently.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from layak.core import crypto

_LEGACY = "legacy"
_CLEAR = "clear"
_MISSING = "missing"


def _state(data: bytes | str) -> str:
    """The key id of a stored value or file head, ``legacy`` or ``clear``."""
    key_id = crypto.key_id_of(data)
    if key_id is not None:
        return key_id
    return _LEGACY if crypto.is_legacy_token(data) else _CLEAR


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and file under the first key of "
        "LAYAK_ENCRYPTION_KEYS; --report lists what still uses another key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--report",
            action="store_true",
            help="change nothing; count per model and field the values not under the first key",
        )
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="also recompute the blind indexes (after LAYAK_INDEX_KEY changed)",
        )
        parser.add_argument(
            "--no-files", action="store_true", help="leave the encrypted files for another run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = int(options["batch_size"])
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        ring = crypto.keyring()
        for position, key_id in enumerate(ring.ids, start=1):
            role = "encrypts and decrypts" if position == 1 else "decrypts only"
            self.stdout.write(f"key {position} of LAYAK_ENCRYPTION_KEYS: id {key_id} ({role})")
        if options["report"]:
            self._report(ring.primary, with_files=not options["no_files"])
            if not settings.LAYAK_INDEX_KEY and len(ring.ids) > 1:
                self.stdout.write(
                    self.style.WARNING(
                        f"LAYAK_INDEX_KEY is unset: the blind indexes use the last key (id "
                        f"{ring.ids[-1]}). Before removing it, set LAYAK_INDEX_KEY to that key "
                        "or run `layak reencrypt --reindex` after removing it (docs/keys.md)."
                    )
                )
            return
        try:
            for model, fields in crypto.encrypted_fields():
                self._reencrypt_fields(model, fields, batch_size)
            if not options["no_files"]:
                for model, file_fields in crypto.encrypted_file_fields():
                    for field in file_fields:
                        self._reencrypt_files(model, field, batch_size)
            if options["reindex"]:
                for index in crypto.blind_indexes():
                    self._reindex(index, batch_size)
        except crypto.DecryptionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS("Everything is encrypted under the first key."))

    # -- fields ------------------------------------------------------------------------------

    def _reencrypt_fields(
        self, model: type[models.Model], fields: list[crypto.EncryptedField], batch_size: int
    ) -> None:
        primary = crypto.keyring().primary
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk_column = quote(model._meta.pk.column)
        columns = ", ".join(quote(f.column) for f in fields)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Table and column names come from the model registry, never from input.
        select = f"SELECT {pk_column}, {columns} FROM {table}"  # noqa: S608
        first = f"{select} ORDER BY {pk_column} LIMIT %s{lock}"
        following = f"{select} WHERE {pk_column} > %s ORDER BY {pk_column} LIMIT %s{lock}"
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        update = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
        label = model._meta.label
        last: Any = None
        seen = changed = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                if last is None:
                    cursor.execute(first, [batch_size])
                else:
                    cursor.execute(following, [last, batch_size])
                rows = cursor.fetchall()
                if not rows:
                    break
                params = []
                for pk, *values in rows:
                    stale = any(v is not None and crypto.key_id_of(v) != primary for v in values)
                    if stale:
                        params.append([*self._fresh(fields, values), pk])
                if params and connection.vendor == "postgresql":
                    self._update_many(cursor, model, fields, params)
                elif params:
                    cursor.executemany(update, params)
            last = rows[-1][0]
            seen += len(rows)
            changed += len(params)
            self.stdout.write(f"{label}: {seen} rows read, {changed} re-encrypted")

    def _update_many(
        self,
        cursor: Any,
        model: type[models.Model],
        fields: list[crypto.EncryptedField],
        params: list[list[Any]],
    ) -> None:
        """PostgreSQL: one ``UPDATE ... FROM (VALUES ...)`` per 1,000 rows instead of one
        statement per row."""
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk_column = quote(model._meta.pk.column)
        pk_type = model._meta.pk.db_type(connection)
        row = "(" + ", ".join([f"%s::{pk_type}"] + ["%s::text"] * len(fields)) + ")"
        names = ", ".join(["pk", *(f"c{i}" for i in range(len(fields)))])
        assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(fields))
        for start in range(0, len(params), 1000):
            chunk = params[start : start + 1000]
            # Names from the model registry; every value is a bound parameter.
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
                f"{', '.join([row] * len(chunk))}) AS v({names}) WHERE {table}.{pk_column} = v.pk",
                [value for values in chunk for value in (values[-1], *values[:-1])],
            )

    def _fresh(self, fields: list[crypto.EncryptedField], values: list[Any]) -> list[Any]:
        """The values re-encrypted under the first key (decrypting loudly)."""
        fresh = []
        for field, value in zip(fields, values, strict=True):
            if value is None or crypto.key_id_of(value) == crypto.keyring().primary:
                fresh.append(value)
                continue
            plain = field.from_db_value(value, None, connection)
            fresh.append(field.get_db_prep_save(plain, connection))
        return fresh

    # -- files -------------------------------------------------------------------------------

    def _reencrypt_files(
        self, model: type[models.Model], field: crypto.EncryptedFileField, batch_size: int
    ) -> None:
        primary = crypto.keyring().primary
        label = f"{model._meta.label}.{field.name}"
        manager = model._base_manager
        last: Any = None
        seen = changed = missing = 0
        while True:
            batch = manager.exclude(**{field.name: ""}).order_by("pk")
            if last is not None:
                batch = batch.filter(pk__gt=last)
            instances = list(batch.only("pk", field.attname)[:batch_size])
            if not instances:
                break
            for instance in instances:
                file = getattr(instance, field.attname)
                try:
                    with file.open("rb") as handle:
                        data = handle.read()
                except FileNotFoundError:
                    missing += 1
                    self.stderr.write(f"{label} #{instance.pk}: file {file.name} is missing")
                    continue
                if crypto.key_id_of(data) == primary:
                    continue
                plain = crypto.decrypt_file_content(field, data, label=f"{label} #{instance.pk}")
                self._replace_file(model, field, instance, plain)
                changed += 1
            last = instances[-1].pk
            seen += len(instances)
            self.stdout.write(f"{label}: {seen} files read, {changed} re-encrypted")
        if missing:
            self.stderr.write(f"{label}: {missing} files missing from storage")

    def _replace_file(
        self,
        model: type[models.Model],
        field: crypto.EncryptedFileField,
        instance: models.Model,
        plain: bytes,
    ) -> None:
        """Store the new ciphertext under a new name, point the row at it, then delete the old
        file once that is committed: an interruption leaves at worst an unused file."""
        file = getattr(instance, field.attname)
        storage, old_name = file.storage, file.name
        new_name = storage.save(
            old_name, ContentFile(crypto.encrypt_bytes(plain)), max_length=field.max_length
        )
        with transaction.atomic():
            updated = model._base_manager.filter(
                pk=instance.pk, **{field.attname: old_name}
            ).update(**{field.attname: new_name})
            if updated:
                transaction.on_commit(lambda: storage.delete(old_name))
            else:  # the row changed meanwhile: keep what it points at now
                transaction.on_commit(lambda: storage.delete(new_name))

    # -- blind indexes -----------------------------------------------------------------------

    def _reindex(self, index: crypto.BlindIndex, batch_size: int) -> None:
        label = index.model._meta.label
        manager = index.model._base_manager
        last: Any = None
        seen = changed = 0
        while True:
            with transaction.atomic():
                batch = manager.select_for_update().order_by("pk")
                if last is not None:
                    batch = batch.filter(pk__gt=last)
                instances = list(batch[:batch_size])
                if not instances:
                    break
                stale = []
                for instance in instances:
                    values = index.compute(instance)
                    if any(getattr(instance, k) != v for k, v in values.items()):
                        for key, value in values.items():
                            setattr(instance, key, value)
                        stale.append(instance)
                if stale:
                    manager.bulk_update(stale, list(index.fields))
            last = instances[-1].pk
            seen += len(instances)
            changed += len(stale)
            self.stdout.write(f"{label}: {seen} rows read, {changed} blind indexes recomputed")

    # -- report ------------------------------------------------------------------------------

    def _report(self, primary: str, *, with_files: bool) -> None:
        quote = connection.ops.quote_name
        outstanding = 0
        for model, fields in crypto.encrypted_fields():
            table = quote(model._meta.db_table)
            for field in fields:
                column = quote(field.column)
                counts: Counter[str] = Counter()
                with connection.cursor() as cursor:
                    # Names from the model registry; only a 16-character prefix is read.
                    cursor.execute(
                        f"SELECT SUBSTR({column}, 1, 16) FROM {table} "  # noqa: S608
                        f"WHERE {column} IS NOT NULL"
                    )
                    for (head,) in cursor.fetchall():
                        counts[_state(head)] += 1
                outstanding += self._report_line(
                    f"{model._meta.label}.{field.name}", counts, primary
                )
        if with_files:
            for model, file_fields in crypto.encrypted_file_fields():
                for file_field in file_fields:
                    counts = Counter()
                    for instance in model._base_manager.exclude(**{file_field.name: ""}).only(
                        "pk", file_field.attname
                    ):
                        file = getattr(instance, file_field.attname)
                        try:
                            with file.open("rb") as handle:
                                counts[_state(handle.read(16))] += 1
                        except FileNotFoundError:
                            counts[_MISSING] += 1
                    outstanding += self._report_line(
                        f"{model._meta.label}.{file_field.name} (files)", counts, primary
                    )
        if outstanding:
            self.stdout.write(
                f"{outstanding} values or files still use another key: run `layak reencrypt`."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "0 values or files use another key: every key but the first can be removed."
                )
            )

    def _report_line(self, label: str, counts: Counter[str], primary: str) -> int:
        total = sum(counts.values())
        old = total - counts[primary] - counts[_MISSING]
        details = ", ".join(
            f"{'SECRET_KEY-derived (legacy)' if state == _LEGACY else state}: {count}"
            for state, count in sorted(counts.items())
            if state != primary
        )
        line = f"{label}: {total} values, {old} on an old key"
        self.stdout.write(f"{line} ({details})" if details else line)
        return old
