"""No page, export or endpoint publishes counts about children outside disclosure control
(issue #12).

The routes come from the permission matrix's walk of the URL resolver (``matrix.routes()``, the
same demo city and log-ins), so a new route is checked the day it is added:

* every view marked ``@publishes`` (``layak.core.disclosure.publishes``) is listed in the table
  of docs/disclosure.md with its families, and every route listed there exists and is marked;
* every GET route is requested by the most privileged demo person whose main menu opens it
  (``PRIVILEGE`` order), with the SQL captured. A view whose SQL reads the roll-ups' figures
  (``indicators_rollup``: numerator, denominator, rate) or counts children's records with
  ``GROUP BY`` (``children_tables()``) must be marked ``@publishes`` — or be on
  ``RAW_COUNT_VIEWS``, the short list of views only the case team and the counsellors open
  (they may see raw counts). A test checks that no one else gets a 2xx from those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from layak.core.disclosure.registry import published_families

from .conftest import DemoCity, log_in
from .matrix import Route, UnknownParameter, fill, gate, menu_keys, routes
from .test_permission_matrix import DEMO_PEOPLE, SKIPPED

DOC = Path(__file__).resolve().parents[2] / "docs" / "disclosure.md"
BEGIN, END = "<!-- routes: begin -->", "<!-- routes: end -->"

#: Whom to request a route as: the first person here whose main menu has the route's entry.
#: The broadest readers come first, so a view shows the most it can show.
PRIVILEGE = [
    "admin",
    "sekretariat",
    "pimpinan",
    "manajer.kasus",
    "konselor",
    "fasilitator.fa",
    "patbm.manggar",
    *DEMO_PEOPLE,
]

#: Views that count children's records for the people who may see the raw records: the case
#: team and the counsellors. Nothing here may answer anyone else (test below). Keep it short;
#: a view shown to anyone else goes through ``layak.core.disclosure`` and is marked.
RAW_COUNT_VIEWS: dict[str, str] = {}

#: A page only the case team and the counsellors open (the case register), checked with the
#: list so that the check is seen to work while the list is empty.
CASE_TEAM_PAGE, CASE_TEAM_PAGE_PATH = "cases:home", "cases/"

#: Who may read raw counts: the case team (UPTD PPA, its partners) and the Puspaga counsellors.
RAW_COUNT_READERS = {
    "manajer.kasus",
    "pekerja.kasus",
    "pekerja.kasus2",
    "manajer.kasus.utara",
    "penyidik.uppa",
    "peksos.dinsos",
    "konselor",
    "konselor.2",
    "konselor.3",
}

#: Tables of children's records (victims, cases, reports — PATBM's early-detection reports
#: among them —, families, sessions, Forum Anak members, aspirations...). Left out: reference
#: data (categories, holidays, service points and their schedules, forums) and PATBM's own
#: records (its groups, adult volunteers, their trainings, activities with head-counts of who
#: attended, photos).
CHILD_APPS = ("cases", "families", "community", "participation")
NOT_CHILDREN = {
    "cases_lookup",
    "cases_holiday",
    "families_servicepoint",
    "families_schedule",
    "community_patbmgroup",
    "community_member",
    "community_training",
    "community_activity",
    "community_activityphoto",
    "participation_forum",
}
ROLLUP_TABLE = "indicators_rollup"
#: A roll-up's figures (reading only its periods, to list them, publishes no count).
ROLLUP_COUNTS = re.compile(rf'"{ROLLUP_TABLE}"\."(numerator|denominator|rate|suppressed)"')


def children_tables() -> set[str]:
    tables = {
        model._meta.db_table
        for label in CHILD_APPS
        for model in apps.get_app_config(label).get_models()
    }
    return tables - NOT_CHILDREN


# -- the marker ----------------------------------------------------------------------------------

_CONVERTER = re.compile(
    r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>\w+)>[^)]*\)"
)


def _example(route: Route) -> str:
    """A URL of ``route`` with a value of the right shape in each parameter (no data needed)."""

    def value(match: re.Match[str]) -> str:
        if match.group("converter") == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        return "1"

    return "/" + _CONVERTER.sub(value, route.route).replace("^", "").replace("$", "")


def _bare(text: str) -> str:
    return text.replace("^", "").replace("$", "")


def callback_families(callback: Any) -> tuple[str, ...]:
    """The families a URL's view publishes; for django-ninja, those of its operations (the URL
    dispatches to the operations of one path, each carrying its own marker)."""
    found = list(published_families(callback))
    for cell in getattr(callback, "__closure__", None) or ():
        for operation in getattr(cell.cell_contents, "operations", None) or ():
            found.extend(published_families(getattr(operation, "view_func", None)))
    return tuple(dict.fromkeys(found))


def marked_routes() -> list[tuple[Route, tuple[str, ...]]]:
    """Every route whose view carries ``@publishes``, with its families."""
    marked = []
    unresolved = []
    for route in routes():
        try:
            match = resolve(_example(route))
        except Resolver404:
            unresolved.append(route.route)
            continue
        if _bare(match.route) != _bare(route.route):
            unresolved.append(route.route)
            continue
        families = callback_families(match.func)
        if families:
            marked.append((route, families))
    assert not unresolved, f"routes the example URL does not resolve to: {unresolved}"
    return marked


_ROW = re.compile(r"^\|\s*`(?P<name>[^`]*)`\s*\|\s*`(?P<path>[^`]+)`\s*\|(?P<families>[^|]*)\|")


def documented_routes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The route table of docs/disclosure.md (between its markers): path -> (URL name,
    families)."""
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"docs/disclosure.md lacks {BEGIN} ... {END}"
    table = text.split(BEGIN, 1)[1].split(END, 1)[0]
    rows: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in table.splitlines():
        match = _ROW.match(line)
        if match:
            families = tuple(sorted(re.findall(r"`([\w-]+)`", match.group("families"))))
            rows[match.group("path").lstrip("/")] = (match.group("name"), families)
    return rows


def test_docs_list_every_view_that_publishes_counts_and_only_those() -> None:
    marked = {route.route: (route.name, tuple(sorted(f))) for route, f in marked_routes()}
    documented = documented_routes()
    assert marked, "no view carries @publishes: the walk is blind"
    missing = {path: marked[path] for path in sorted(set(marked) - set(documented))}
    stale = sorted(set(documented) - set(marked))
    differ = {
        path: (documented[path][1], marked[path][1])
        for path in sorted(set(marked) & set(documented))
        if documented[path][1] != marked[path][1]
    }
    assert not missing, f"marked @publishes but not listed in docs/disclosure.md: {missing}"
    assert not stale, f"listed in docs/disclosure.md but not a marked route: {stale}"
    assert not differ, f"families in docs/disclosure.md (listed, marked) differ: {differ}"


# -- the SQL of every page -----------------------------------------------------------------------


def _who(route: Route, keys: dict[str, set[str]]) -> str:
    entry = gate(route)
    if entry is None:
        return PRIVILEGE[0]
    return next((who for who in PRIVILEGE if entry in keys[who]), PRIVILEGE[0])


def _get_urls() -> Iterator[tuple[Route, str]]:
    for route in routes():
        if route.name in SKIPPED:
            continue
        try:
            urls = fill(route)
        except UnknownParameter:
            continue  # the permission matrix fails on it, naming the key to add
        for url in urls:
            yield route, url


def counted_sql(sql: str, tables: set[str]) -> str:
    """Why a query counts children's records (empty when it does not)."""
    if ROLLUP_COUNTS.search(sql):
        return f"reads {ROLLUP_TABLE} counts"
    if "GROUP BY" in sql.upper():
        touched = sorted(t for t in tables if f'"{t}"' in sql)
        if touched:
            return "GROUP BY over " + ", ".join(touched)
    return ""


def _client(city: DemoCity, who: str) -> Client:
    client = Client(raise_request_exception=False)
    log_in(client, city, who)
    return client


def _get(client: Client, url: str) -> tuple[int, list[str]]:
    """GET ``url`` in a savepoint rolled back; its status and the SQL it ran."""
    cookies = client.cookies.__class__(client.cookies)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        transaction.set_rollback(True)
    client.cookies = cookies  # a request never logs the person out
    return response.status_code, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_every_view_that_counts_children_is_marked_or_raw_for_the_case_team(
    demo_city: DemoCity,
) -> None:
    tables = children_tables()
    people = demo_city.people
    keys = {who: menu_keys(people[who]) for who in dict.fromkeys(PRIVILEGE)}
    clients: dict[str, Client] = {}
    unmarked: list[str] = []
    checked = 0
    for route, url in _get_urls():
        who = _who(route, keys)
        if who not in clients:
            clients[who] = _client(demo_city, who)
        status, sql = _get(clients[who], url)
        if status >= 300:
            continue
        checked += 1
        reasons = sorted({why for why in (counted_sql(s, tables) for s in sql) if why})
        if not reasons or route.name in RAW_COUNT_VIEWS:
            continue
        if not callback_families(resolve(url.split("?")[0]).func):
            unmarked.append(f"{route.name or route.route} as {who}: {url}: {'; '.join(reasons)}")
    assert checked > 100, f"only {checked} routes answered: the walk is blind"
    assert not unmarked, (
        "views that count children without @publishes (go through layak.core.disclosure, or "
        "list a case-team-only view in RAW_COUNT_VIEWS):\n" + "\n".join(unmarked)
    )


@pytest.mark.django_db
def test_raw_count_views_answer_only_the_case_team_and_the_counsellors(
    demo_city: DemoCity,
) -> None:
    names = set(RAW_COUNT_VIEWS) | {CASE_TEAM_PAGE}
    listed = [(r, u) for r, u in _get_urls() if r.name in names]
    assert {r.name for r, _u in listed} == names, "a listed view has no route"
    # The check can fail: the case register answers the case team and no one else.
    team_status, _sql = _get(_client(demo_city, "manajer.kasus"), f"/{CASE_TEAM_PAGE_PATH}")
    assert team_status == 200
    opened: list[str] = []
    for who in sorted(set(DEMO_PEOPLE) - RAW_COUNT_READERS):
        client = _client(demo_city, who)
        for route, url in listed:
            status, _sql = _get(client, url)
            if 200 <= status < 300:
                opened.append(f"{who}: {url} ({route.name}) answered {status}")
    anonymous = Client(raise_request_exception=False)
    for route, url in listed:
        status, _sql = _get(anonymous, url)
        if 200 <= status < 300:
            opened.append(f"anonymous: {url} ({route.name}) answered {status}")
    assert not opened, "raw counts shown outside the case team:\n" + "\n".join(opened)


@pytest.mark.django_db
def test_the_sql_check_sees_a_page_that_counts(demo_city: DemoCity) -> None:
    """Not blind: the public statistics page reads the roll-ups, and a GROUP BY over cases is
    recognised; the page is marked."""
    status, sql = _get(Client(), "/publik/statistik/")
    assert status == 200
    assert any(counted_sql(s, children_tables()) == f"reads {ROLLUP_TABLE} counts" for s in sql)
    grouped = 'SELECT "cases_case"."region_id", COUNT(*) FROM "cases_case" GROUP BY 1'
    assert counted_sql(grouped, children_tables()) == "GROUP BY over cases_case"
    assert callback_families(resolve("/publik/statistik/").func)
