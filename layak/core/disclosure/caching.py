""":func:`protect` through the cache: the same linked set under the same settings is protected
once, and a changed value or setting is never answered from an older result."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.core.cache import cache

from layak.core.disclosure.policy import protection
from layak.core.disclosure.suppression import Protected, protect
from layak.core.disclosure.tables import Linked

#: Process-local copies of the latest results (the cache may be a dummy in tests).
_MEMO: OrderedDict[str, Protected] = OrderedDict()
_MEMO_SIZE = 64
_MEMO_LOCK = threading.Lock()
CACHE_SECONDS = 7 * 24 * 3600


def fingerprint(linked: Linked) -> str:
    """A digest of everything the protection depends on: the values, which cells are
    published, the relations and the protection settings."""
    digest = hashlib.sha256()
    digest.update(repr(protection()).encode())
    for key in linked.ordered():
        digest.update(repr((key, linked.values[key], key in linked.published)).encode())
    for relation in linked.relations:
        digest.update(repr(relation).encode())
    return digest.hexdigest()


def protect_cached(linked: Linked, label: str) -> Protected:
    """:func:`protect` through the cache: keyed by ``label`` (which set it is, for reading the
    cache) and :func:`fingerprint`."""
    key = f"layak:disclosure:{label}:{fingerprint(linked)}"
    with _MEMO_LOCK:
        found = _MEMO.get(key)
        if found is not None:
            _MEMO.move_to_end(key)
            return found
    result = cache.get(key)
    if not isinstance(result, Protected) or result.hidden - set(linked.values):
        result = protect(linked)
        cache.set(key, result, CACHE_SECONDS)
    with _MEMO_LOCK:
        _MEMO[key] = result
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return result


def forget_local() -> None:
    """Empty this process's copies (as another process starts); the shared cache stays."""
    with _MEMO_LOCK:
        _MEMO.clear()
