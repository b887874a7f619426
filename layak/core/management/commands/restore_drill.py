"""``layak restore_drill BACKUP_DIR``: restore a backup set somewhere temporary and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.core.audit import AnchorFileError, read_anchors
from layak.core.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = (
        "Restore a backup set into a throw-away database and media directory, check checksums, "
        "keys, migrations, row counts, the audit chain and decryption, and exit non-zero on any "
        "failure. The live database is not touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, metavar="BACKUP_DIR")
        parser.add_argument(
            "--sample",
            type=int,
            metavar="N",
            help="Read only the first N rows of each table (default: every row).",
        )
        parser.add_argument(
            "--anchor",
            metavar="FILE",
            help="Anchors written by `layak audit_anchor`: those up to the backup's newest "
            "audit entry must be in the restored chain.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchors = read_anchors(Path(options["anchor"])) if options["anchor"] else []
            report = restore_drill(
                Path(options["backup"]), sample=options["sample"], anchors=anchors
            )
        except (BackupError, AnchorFileError, OSError) as exc:
            raise CommandError(f"Restore drill failed: {exc}") from exc
        for check, ok, detail in report.lines:
            line = f"{'OK  ' if ok else 'FAIL'} {check}: {detail}"
            self.stdout.write(self.style.SUCCESS(line) if ok else self.style.ERROR(line))
        if not report.ok:
            raise CommandError("Restore drill failed.")
        self.stdout.write(self.style.SUCCESS("Restore drill passed."))
