"""Atomic hit counting for the public forms (report, status check, Puspaga, aspirations).

Issue 11, finding 11: the old throttle counted the recent attempts and then inserted one, so
parallel requests all saw the same count and all passed the limit. Here one transaction takes
a lock on the sender's key first, then counts and records: requests of one sender are counted
one after the other, so with a limit of L exactly L pass, however many arrive at once.

The lock is a PostgreSQL transaction-level advisory lock on the key (nothing to clean up, other
keys are not held up). SQLite has one writer at a time: the attempt is inserted first, which
takes the database's write lock until the transaction ends, and then counted.

The attempts are rows of a model with a ``key`` and an ``at`` timestamp
(:class:`layak.core.models.PublicAttempt`), so every process behind the load balancer shares the
count (the cache may be per process) and the limit holds with ``LAYAK_CACHE=dummy``. Every
public form asks :func:`public_throttled`: the one public rate limit.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from layak.core.models import PublicAttempt

#: Attempts older than this are deleted when a new one is recorded.
KEEP = datetime.timedelta(days=1)


def _lock_id(key: str) -> int:
    """A signed 64-bit number for ``pg_advisory_xact_lock`` derived from ``key``."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def throttle_hit(
    model: type[models.Model],
    key: str,
    *,
    limit: int,
    window: datetime.timedelta = datetime.timedelta(hours=1),
) -> bool:
    """Record one attempt under ``key`` and say whether it is over ``limit`` in ``window``.

    A refused attempt is not recorded (a sender who keeps trying is let in again once the
    window has passed). ``key`` must already be a keyed hash, never an address or a name.
    """
    alias = router.db_for_write(model)
    manager = model._default_manager.db_manager(alias)
    now = timezone.now()
    with transaction.atomic(using=alias):
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])
        # Insert first: on SQLite this takes the write lock that orders concurrent senders.
        attempt = manager.create(key=key)
        recent = manager.filter(key=key, at__gte=now - window).count()
        if recent > limit:
            attempt.delete()
            return True
        manager.filter(at__lt=now - KEEP).delete()
    return False


def throttle_network(ip: str | None) -> str:
    """What a throttle counts as one sender: the IPv4 address, or the IPv6 /64 network (one
    household or phone gets a whole /64 and could otherwise rotate through it)."""
    if not ip:
        return "-"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def public_throttle_key(ip: str | None, purpose: str) -> str:
    """The keyed hash under which a sender's attempts on one public form are counted (the
    address itself is never stored)."""
    sender = throttle_network(ip)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{purpose}:{sender}".encode()).hexdigest()


def public_throttled(ip: str | None, purpose: str, limit: int) -> bool:
    """Record one attempt from ``ip`` on the public form ``purpose`` and say whether the hourly
    ``limit`` is exceeded; atomic, so parallel requests cannot pass the limit together."""
    return throttle_hit(PublicAttempt, public_throttle_key(ip, purpose), limit=limit)
