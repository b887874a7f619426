"""Registries that apps fill from their ``AppConfig.ready()`` (issue #14).

Core imports no app. Where core needs something only the apps know and the order matters (the
main menu, the demo seeders), it keeps an :class:`OrderedRegistry`: each app registers its
items, each under its own key at its own place. A key or a place taken twice is a programming
error found at start-up, not a menu or a demo that quietly changes with ``INSTALLED_APPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class OrderedRegistry(Generic[T]):
    """Items with a unique key and a unique order; :meth:`items` lists them by order."""

    def __init__(self, kind: str, *, key: Callable[[T], str], order: Callable[[T], int]) -> None:
        self.kind = kind
        self._key = key
        self._order = order
        self._items: dict[str, T] = {}

    def register(self, item: T) -> None:
        """Add ``item``; registering the same item again changes nothing."""
        key, order = self._key(item), self._order(item)
        for other in self._items.values():
            if self._key(other) == key and other != item:
                raise ImproperlyConfigured(f"{self.kind} {key!r} is registered twice.")
            if self._order(other) == order and self._key(other) != key:
                raise ImproperlyConfigured(
                    f"{self.kind} {self._key(other)!r} and {key!r} share order {order}."
                )
        self._items[key] = item

    def items(self) -> list[T]:
        """Every registered item, by order."""
        return sorted(self._items.values(), key=self._order)
