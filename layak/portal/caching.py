"""How the portal's pages are served from cache (issue #6: "fast on a cheap phone").

Every anonymous visitor sees the same page in a language, so the data-heavy part of each page
(awards, statistics, the directory and its map) is rendered once and kept in the cache for
``LAYAK_PORTAL_CACHE_SECONDS`` (roll-ups are refreshed nightly, so a few minutes of delay is
harmless). Services that change the directory bump a version number, so an edit shows at once.

The page around that part (header, language form with its CSRF token) is rendered per request,
so no visitor ever receives another visitor's token. For the same reason the HTTP response is
``private``: the browser may keep it for ``max-age`` seconds, a shared proxy may not (it would
hand the CSRF cookie the page sets to other visitors).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

VERSION_KEY = "portal:version"


def cache_seconds() -> int:
    return int(settings.LAYAK_PORTAL_CACHE_SECONDS)


def version() -> int:
    """The current version of the cached pages; a fresh one when the cache has lost it."""
    current = cache.get(VERSION_KEY)
    if current is None:
        current = time.time_ns()
        cache.set(VERSION_KEY, current, None)
    return int(current)


def bump() -> None:
    """Make every cached portal part stale (called by services after a directory change)."""
    cache.set(VERSION_KEY, time.time_ns(), None)


def fragment(name: str, build: Callable[[], str]) -> SafeString:
    """The HTML part ``name`` in the active language, from the cache or built now."""
    key = f"portal:{version()}:{get_language()}:{name}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, cache_seconds())
    return mark_safe(str(html))  # noqa: S308  (rendered by our own templates, which escape)


def cached_data(name: str, build: Callable[[], Any]) -> Any:
    """Data that is the same in every language (e.g. a CSV body), from the cache or built now."""
    key = f"portal:{version()}:data:{name}"
    data = cache.get(key)
    if data is None:
        data = build()
        cache.set(key, data, cache_seconds())
    return data


def _headers(request: HttpRequest, response: HttpResponse, *, shared: bool) -> None:
    if response.status_code != 200:
        return
    if request.user.is_authenticated:
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    elif shared:
        patch_cache_control(response, public=True, max_age=cache_seconds())
    else:
        patch_cache_control(response, private=True, max_age=cache_seconds())
    patch_vary_headers(response, ["Accept-Language", "Cookie"])


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only; headers that let an anonymous visitor's browser reuse the page for
    ``LAYAK_PORTAL_CACHE_SECONDS`` and never keep a logged-in person's page."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        _headers(request, response, shared=False)
        return response

    return wrapper


def public_download(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like :func:`public_page` for a file that sets no cookie (a CSV): shared caches may keep
    it too (``public``)."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        _headers(request, response, shared=True)
        return response

    return wrapper
