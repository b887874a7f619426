"""``layak audit_anchor``: record the newest (seq, hash) of the audit chain outside the database.

Run it daily (cron) and keep the file, or the syslog it goes to, off the database server:
``layak audit_verify --anchor FILE`` then reveals entries cut from the end of the chain even
when the head row was moved back with them (issue #11). Exit status 1 when the chain is now
shorter than the last anchor in the file, 2 when it cannot be anchored.
"""

from __future__ import annotations

import syslog
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.core.audit import AnchorFileError, AuditAnchor, audit_anchor_take, read_anchors

SYSLOG_IDENT = "layak-audit"


class Command(BaseCommand):
    help = (
        "Print the audit chain's newest sequence number and hash as a JSON line; append it to "
        "a file (--file) and/or send it to syslog (--syslog). Keep them off the database server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, metavar="PATH", help="Append the anchor to this file."
        )
        parser.add_argument(
            "--syslog",
            action="store_true",
            help=f"Send the anchor to syslog (ident {SYSLOG_IDENT}, facility AUTHPRIV).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # call_command() passes keyword options without argparse's type conversion.
        path = Path(options["file"]) if options["file"] else None
        try:
            anchor = audit_anchor_take()
        except LookupError as error:
            raise CommandError(f"Cannot anchor: {error}.", returncode=1) from None
        previous = _last_anchor(path) if path is not None and path.exists() else None
        line = anchor.to_json()
        if path is not None:
            try:
                with path.open("a", encoding="utf-8") as file:
                    file.write(line + "\n")
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error}", returncode=2) from None
        if options["syslog"]:
            syslog.openlog(SYSLOG_IDENT, 0, syslog.LOG_AUTHPRIV)
            syslog.syslog(syslog.LOG_NOTICE, line)
            syslog.closelog()
        self.stdout.write(line)
        if previous is not None and (
            anchor.seq < previous.seq
            or (anchor.seq == previous.seq and anchor.hash != previous.hash)
        ):
            raise CommandError(
                f"The audit chain went back: entry {previous.seq} was anchored at "
                f"{previous.time}, the chain now ends at entry {anchor.seq}. "
                "Run `layak audit_verify --anchor` on this file.",
                returncode=1,
            )


def _last_anchor(path: Path) -> AuditAnchor | None:
    if path.stat().st_size == 0:
        return None  # created empty for the first anchor
    try:
        return read_anchors(path)[-1]
    except AnchorFileError as error:
        raise CommandError(f"{error}; nothing was anchored.", returncode=2) from None
