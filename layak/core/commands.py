"""What every import command does with a refused file: one line per error, then fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layak.core.errors import ImportRejected


@contextmanager
def import_errors_reported(command: BaseCommand, path: Path, unit: str = "row") -> Iterator[None]:
    """Turn an unreadable file or a refused import into ``CommandError`` (exit status 1),
    writing each numbered error to stderr first."""
    try:
        yield
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    except ImportRejected as rejected:
        for number, message in rejected.errors:
            command.stderr.write(f"{unit} {number}: {message}")
        raise CommandError(f"{len(rejected.errors)} error(s); nothing was imported.") from rejected
