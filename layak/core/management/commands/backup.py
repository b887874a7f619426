"""``layak backup DEST_DIR``: write one timestamped backup set (database, media, manifest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup set under DEST_DIR: the database, the media files and a manifest naming "
        "the keys needed to read them. The keys are NOT in the set: keep them separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, metavar="DEST_DIR")
        parser.add_argument(
            "--include-keys-to",
            type=Path,
            metavar="FILE",
            help="Also write the encryption, index and audit keys to FILE (created 0600, "
            "outside DEST_DIR). Store it apart from the backups.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            keys_to = options["include_keys_to"]
            target = backup_create(
                Path(options["destination"]), keys_to=Path(keys_to) if keys_to else None
            )
        except (BackupError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
        self.stdout.write(
            "The keys (LAYAK_ENCRYPTION_KEYS, LAYAK_INDEX_KEY, LAYAK_AUDIT_KEY) are NOT in this "
            "backup. Without them it cannot be read: keep a copy of them separately."
        )
