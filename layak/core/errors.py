"""Errors raised by services, translated into HTTP answers by the interfaces."""

from __future__ import annotations


class LayakError(Exception):
    """Base class of domain errors that are not plain validation errors."""


class ConflictError(LayakError):
    """The object changed since the actor loaded it; nothing was saved. ``current`` is the
    version now stored, so the interface can show both."""

    def __init__(self, current: object = None) -> None:
        self.current = current
        super().__init__("conflict")


class ImportRejected(LayakError):
    """An import was refused as a whole; ``errors`` lists (row number, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")
