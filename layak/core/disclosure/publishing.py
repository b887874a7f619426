"""Publishing only what passed the disclosure audit (issue #12).

``layak disclosure_audit`` runs nightly after ``layak refresh_rollups``. When a city's audit
passes, :func:`snapshots_take` renders every public statistics page and CSV (the views marked
with :func:`serve_last_audited`) for each language, as an anonymous visitor receives them
through the real URLs and middleware, and stores them as :class:`PublishedSnapshot` rows.

While the newest audit of the home city (``LAYAK_HOME_REGION``) has failed, those views serve
the stored snapshot instead of rendering live figures: the portal keeps the last audited
version, and :func:`publishing_hold` tells the secretariat's portal page so. A later full
audit that passes lifts the hold and takes new snapshots.

``core`` imports no domain app: which views are snapshotted, with which URL parameters, is
declared where the views are (the portal is composition).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, cast, overload

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from layak.core.disclosure.attacker import Interval, Shortfall, attack, shortfalls
from layak.core.disclosure.policy import protection
from layak.core.disclosure.registry import Published, families
from layak.core.disclosure.tables import Key
from layak.core.models import DisclosureAudit, PublishedSnapshot

#: The attribute :func:`serve_last_audited` sets on the views it wraps.
MARK = "layak_serve_last_audited"

#: Stands in a stored page for the CSRF token, replaced by the visitor's own when served: no
#: visitor ever receives another's token (see ``layak.portal.caching``).
CSRF_PLACEHOLDER = b"__layak_csrf_token__"
_CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')

#: Response headers kept with a snapshot (a CSV's file name).
_KEPT_HEADERS = ("Content-Disposition",)

Kwargs = dict[str, str]


@dataclass(frozen=True)
class SnapshotSpec:
    """How to snapshot a marked view: the URL parameters of each page it publishes (``None``
    when it takes none) and what to call first so that the pages are rendered from fresh data
    rather than from a page cache."""

    each: Callable[[], Iterable[Kwargs]] | None = None
    fresh: Callable[[], None] | None = None


def home_city_code() -> str:
    return str(settings.LAYAK_HOME_REGION)


# -- reading the audit state ---------------------------------------------------------------------


def last_passed_audit(city_code: str) -> DisclosureAudit | None:
    """The newest full audit of the city (every year) that passed: what the portal publishes."""
    return (
        DisclosureAudit.objects.filter(city_code=city_code, year__isnull=True, ok=True)
        .exclude(finished_at__isnull=True)
        .first()
    )


def publishing_blocked(city_code: str) -> DisclosureAudit | None:
    """The failed audit that holds the city's statistics back, or None when publishing is free.

    Publishing is held from a failed audit (of every year or of one) until a full audit that
    started after it passes: the newest finished audit that failed, or passed for every year,
    decides (a failure first when both started at once)."""
    last = (
        DisclosureAudit.objects.filter(city_code=city_code, finished_at__isnull=False)
        .filter(Q(ok=False) | Q(year__isnull=True))
        .order_by("-started_at", "ok", "-pk")
        .first()
    )
    return last if last is not None and not last.ok else None


@dataclass(frozen=True)
class PublishingHold:
    """What the secretariat is told: the failed audit and the audit the portal still shows."""

    failed: DisclosureAudit
    passed: DisclosureAudit | None


def publishing_hold(city_code: str | None = None) -> PublishingHold | None:
    """The hold on the city's (default: the home city's) statistics, for the banner."""
    code = city_code or home_city_code()
    failed = publishing_blocked(code)
    if failed is None:
        return None
    return PublishingHold(failed=failed, passed=last_passed_audit(code))


# -- serving -------------------------------------------------------------------------------------


def _held_back() -> HttpResponse:
    response = HttpResponse(
        _("These statistics are being checked and will be published again soon."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "3600"
    return response


def snapshot_response(request: HttpRequest, city_code: str) -> HttpResponse:
    """The stored snapshot of ``request.path`` in the active language (503 when none: the page
    did not exist or did not pass at the last audit, so nothing may be published)."""
    snapshot = PublishedSnapshot.objects.filter(
        city_code=city_code, path=request.path, language=get_language()
    ).first()
    if snapshot is None:
        return _held_back()
    body = bytes(snapshot.body)
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(body, status=snapshot.status, content_type=snapshot.content_type)
    for name, value in snapshot.headers.items():
        response[name] = value
    response["X-Layak-Audited"] = snapshot.audited_at.isoformat()
    return response


ViewFunc = Callable[..., HttpResponse]


@overload
def serve_last_audited(view: ViewFunc) -> ViewFunc: ...


@overload
def serve_last_audited(
    view: None = None,
    *,
    each: Callable[[], Iterable[Kwargs]] | None = None,
    fresh: Callable[[], None] | None = None,
) -> Callable[[ViewFunc], ViewFunc]: ...


def serve_last_audited(
    view: ViewFunc | None = None,
    *,
    each: Callable[[], Iterable[Kwargs]] | None = None,
    fresh: Callable[[], None] | None = None,
) -> ViewFunc | Callable[[ViewFunc], ViewFunc]:
    """Mark a public view that publishes statistics: while publishing is held for the home city
    it answers with the snapshot of the last passing audit instead of rendering live.

    ``each`` gives the URL parameters of every page the view publishes (for the snapshots);
    ``fresh`` is called before the snapshots are rendered (e.g. to empty a page cache)."""

    def decorate(inner: ViewFunc) -> ViewFunc:
        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            city_code = home_city_code()
            if publishing_blocked(city_code) is not None:
                return snapshot_response(request, city_code)
            return inner(request, *args, **kwargs)

        setattr(wrapper, MARK, SnapshotSpec(each=each, fresh=fresh))
        return wrapper

    return decorate(view) if view is not None else decorate


# -- taking snapshots ----------------------------------------------------------------------------


def _marked(patterns: list[Any], namespace: str) -> Iterator[tuple[str, SnapshotSpec]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _marked(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            spec = getattr(pattern.callback, MARK, None)
            if isinstance(spec, SnapshotSpec):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, spec


def snapshot_paths() -> list[str]:
    """Every path a marked view publishes now, in URL-pattern order."""
    marked = list(_marked(get_resolver().url_patterns, ""))
    for hook in {spec.fresh for _name, spec in marked if spec.fresh is not None}:
        hook()
    paths: list[str] = []
    for name, spec in marked:
        for kwargs in spec.each() if spec.each is not None else [{}]:
            path = reverse(name, kwargs=kwargs or None)
            if path not in paths:
                paths.append(path)
    return paths


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if "*" not in host:
            return host.lstrip(".")
    return "localhost"


def _render(path: str, language: str) -> HttpResponse:
    from django.test import Client  # the real URLs and middleware, as an anonymous visitor

    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path, HTTP_HOST=_host(), secure=True)
    return cast(HttpResponse, response)


def _body(response: HttpResponse) -> bytes:
    raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]  # StreamingHttpResponse
    return _CSRF_VALUE.sub(rb"\g<1>" + CSRF_PLACEHOLDER + rb"\g<2>", raw)


@dataclass(frozen=True)
class SnapshotResult:
    stored: int
    refused: list[str]  # "path language status" of pages that did not answer 200


def snapshots_take(city_code: str, *, audited_at: datetime) -> SnapshotResult:
    """Render every marked public page in every language and keep it as the city's published
    version (replacing the previous one). Only the home city's portal is served from these.

    Pages that do not answer 200 are not stored (the message names them)."""
    rows: list[PublishedSnapshot] = []
    refused: list[str] = []
    for path in snapshot_paths():
        for language, _label in settings.LANGUAGES:
            response = _render(path, language)
            if response.status_code != 200:
                refused.append(f"{path} {language} {response.status_code}")
                continue
            rows.append(
                PublishedSnapshot(
                    city_code=city_code,
                    path=path,
                    language=language,
                    status=response.status_code,
                    content_type=response.get("Content-Type", "text/html; charset=utf-8"),
                    headers={h: response[h] for h in _KEPT_HEADERS if response.has_header(h)},
                    body=_body(response),
                    audited_at=audited_at,
                )
            )
    with transaction.atomic():
        PublishedSnapshot.objects.filter(city_code=city_code).delete()
        PublishedSnapshot.objects.bulk_create(rows)
    return SnapshotResult(stored=len(rows), refused=refused)


# -- the audit -----------------------------------------------------------------------------------

#: How many of the narrowest intervals of each table are printed and recorded.
NARROWEST = 3


def key_text(key: Key) -> str:
    """A cell key as printed and recorded: its parts joined (codes, periods, categories)."""
    if isinstance(key, tuple):
        return " / ".join(str(part) for part in key)
    return str(key)


@dataclass(frozen=True)
class TableAudit:
    """The attacker's result on one set of linked tables. Holds no hidden value: only keys,
    the intervals a reader can work out, and totals of the information loss."""

    family: str
    name: str
    cells: int
    hidden: list[Key]
    short: list[Shortfall]
    narrowest: list[tuple[Key, Interval]]
    loss: tuple[int, int, float]
    total: int = 0  # the sum of every published count (true values)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.short and not self.error


def table_audit(family_name: str, published: Published) -> TableAudit:
    """Attack one published set of tables: every hidden cell's interval, those short of the
    protection, the narrowest intervals, and the information loss (cells hidden, their sum,
    and that sum as a share of every published count)."""
    linked, hidden = published.linked, set(published.hidden)
    policy = protection()
    intervals = attack(linked, hidden, policy)
    short = shortfalls(linked, hidden, policy, intervals=intervals)
    narrowest = sorted(intervals.items(), key=lambda item: (item[1].width, key_text(item[0])))
    total = sum(linked.values[k] for k in linked.published)
    hidden_sum = sum(linked.values[k] for k in hidden)
    return TableAudit(
        family=family_name,
        name=published.name,
        cells=len(linked.published),
        hidden=sorted(hidden, key=key_text),
        short=short,
        narrowest=narrowest[:NARROWEST],
        loss=(len(hidden), hidden_sum, hidden_sum / total if total else 0.0),
        total=total,
    )


def _recorded(table: TableAudit) -> list[tuple[Key, Interval]]:
    """The cells short of the protection, then the narrowest others."""
    cells = [(s.key, s.interval) for s in table.short]
    short = {s.key for s in table.short}
    return cells + [(k, i) for k, i in table.narrowest if k not in short]


def _bound(value: float) -> float | None:
    return None if math.isinf(value) else value


@dataclass
class AuditResult:
    audit: DisclosureAudit
    tables: list[TableAudit] = field(default_factory=list)
    snapshots: SnapshotResult | None = None


def disclosure_audit_run(*, city: Any, year: int | None = None) -> AuditResult:
    """Run every registered family's collector for ``city`` (a kab/kota Region) and attack each
    published set of tables; record a :class:`DisclosureAudit`. When a full audit (every year)
    of the home city passes, the public statistics pages are snapshotted as the published
    version. A collector that fails counts as a failed table (nothing unchecked is passed)."""
    started = timezone.now()
    tables: list[TableAudit] = []
    for registered in families():
        try:
            for published in registered.collect(city, year):
                tables.append(table_audit(registered.name, published))
        except Exception as error:  # noqa: BLE001 - an unchecked family fails the audit
            tables.append(
                TableAudit(
                    family=registered.name,
                    name=registered.name,
                    cells=0,
                    hidden=[],
                    short=[],
                    narrowest=[],
                    loss=(0, 0, 0.0),
                    error=type(error).__name__,
                )
            )
    hidden_cells = sum(len(t.hidden) for t in tables)
    hidden_sum = sum(t.loss[1] for t in tables)
    shown_sum = sum(t.total for t in tables)
    audit = DisclosureAudit.objects.create(
        city_code=city.code,
        year=year,
        started_at=started,
        finished_at=timezone.now(),
        ok=all(t.ok for t in tables),
        tables=len(tables),
        hidden_cells=hidden_cells,
        cells_short=sum(len(t.short) for t in tables) + sum(1 for t in tables if t.error),
        narrowest=[
            {
                "family": t.family,
                "table": t.name,
                "cell": key_text(key),
                "low": _bound(interval.low),
                "high": _bound(interval.high),
                "short": any(s.key == key for s in t.short),
            }
            for t in tables
            for key, interval in _recorded(t)
        ]
        + [{"family": t.family, "table": t.name, "error": t.error} for t in tables if t.error],
        information_loss={
            "cells_hidden": hidden_cells,
            "count_hidden": hidden_sum,
            "share_hidden": round(hidden_sum / shown_sum, 6) if shown_sum else 0.0,
        },
    )
    result = AuditResult(audit=audit, tables=tables)
    if audit.ok and year is None and city.code == home_city_code():
        result.snapshots = snapshots_take(city.code, audited_at=audit.finished_at or started)
    return result
