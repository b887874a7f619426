"""``layak audit_verify``: walk the hash chain in one snapshot, optionally against anchors.

Exit status: 0 the chain is intact; 1 the chain is broken (an entry altered, removed or
inserted, the trail truncated or emptied): alert on it; 2 the verification could not run (an
unreadable anchor file, no database).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from layak.core.audit import AnchorFileError, audit_verify_chain, read_anchors


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and name the first altered, removed or inserted "
        "entry. Exit status 1: the chain is broken; 2: the verification could not run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            type=Path,
            metavar="FILE",
            help=(
                "A file written by `layak audit_anchor --file`: every (seq, hash) in it must be "
                "in the chain, which reveals a chain cut at its end."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor_path: Path | None = options["anchor"]
        try:
            anchors = read_anchors(anchor_path) if anchor_path is not None else []
        except AnchorFileError as error:
            raise CommandError(f"{error}. The chain was not verified.", returncode=2) from None
        try:
            checked, problem = audit_verify_chain(anchors)
        except DatabaseError as error:
            raise CommandError(
                f"Cannot read the audit trail: {error}. The chain was not verified.",
                returncode=2,
            ) from None
        if problem is not None:
            raise CommandError(
                f"Audit chain broken at entry {problem.seq} ({problem.kind}): {problem.detail}. "
                f"{checked} entries read.",
                returncode=1,
            )
        against = f" against {len(anchors)} anchor(s)" if anchors else ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {checked} entries verified{against}.")
        )
