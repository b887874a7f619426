"""The permission matrix's parts: every route, the ids that fill it, and what each person may see.

* ``routes()`` walks Django's URL resolver (every app, allauth, the ninja API) so that a new
  route is in the matrix the day it is added.
* ``PARAMETERS`` says where each path parameter's value comes from in the demo data, keyed by
  (namespace, the literal word before the parameter, the parameter's name). A route with a
  parameter nobody knows how to fill fails the matrix with the key to add.
* ``GATES`` ties URL-name patterns to the main menu's permission functions
  (``layak.core.navigation``): a person whose menu lacks a module gets no 2xx from any of its
  routes. ``PUBLIC`` lists the routes anonymous visitors may open.
* ``identifying_values()`` reads, through the ORM (decrypted), every name, NIK, phone, address
  and e-mail of victims, reporters, perpetrators, families, Forum Anak members and their
  parents; ``hidden_from()`` removes those the person may see, computed with the apps' own
  ``*_visible_to(user)`` functions.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver

from layak.core.navigation import menu_for

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route text, its name (``namespace:name``) and parameters."""

    route: str
    name: str

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """(the literal word before the parameter, the parameter's name), in order."""
        found = []
        for match in _PARAM.finditer(self.route):
            prefix = _PARAM.sub("", self.route[: match.start()])
            before = re.findall(r"[A-Za-z][A-Za-z_-]*", prefix)
            name = match.group("name") or match.group("rname")
            found.append((before[-1] if before else "", name))
        return found

    def url(self, values: dict[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            return values[match.group("name") or match.group("rname")]

        path = _PARAM.sub(fill, self.route)
        path = path.replace("^", "").replace("$", "")
        return "/" + path


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield Route(prefix + str(pattern.pattern), full)


def routes() -> list[Route]:
    """Every URL pattern of the project, once per route text (the API lists GET and POST of
    one path as two patterns)."""
    return list(_routes_of(get_resolver()))


@functools.cache
def _routes_of(resolver: URLResolver) -> tuple[Route, ...]:
    """The walk of one resolver (Django keeps one per URLconf), made once per run."""
    seen: dict[str, Route] = {}
    for route in _walk(resolver.url_patterns, "", ""):
        seen.setdefault(route.route, route)
    return tuple(seen.values())


# -- parameters --------------------------------------------------------------------------------


def _first(label: str, **filters: Any) -> Model | None:
    model = apps.get_model(label)
    obj: Model | None = model._default_manager.filter(**filters).order_by("pk").first()
    return obj


def _pk(label: str, *, missing: str = "0", **filters: Any) -> Callable[[], list[str]]:
    """The first row's pk; ``missing`` (an id no row has) when the demo data has none."""

    def source() -> list[str]:
        obj = _first(label, **filters)
        return [str(obj.pk)] if obj is not None else [missing]

    return source


def _field(label: str, field: str, **filters: Any) -> Callable[[], list[str]]:
    def source() -> list[str]:
        model = apps.get_model(label)
        rows = model._default_manager.filter(**filters).order_by("pk")
        value = rows.values_list(field, flat=True).first()
        return [str(value)] if value is not None else []

    return source


def _rich_case() -> Model | None:
    """A case with a victim, a perpetrator and a referral: the richest page to leak from."""
    case_model = apps.get_model("cases.Case")
    case: Model | None = (
        case_model._default_manager.filter(
            victims__isnull=False, perpetrators__isnull=False, referrals__isnull=False
        )
        .order_by("pk")
        .first()
        or case_model._default_manager.filter(victims__isnull=False).order_by("pk").first()
    )
    return case


def _case() -> list[str]:
    case = _rich_case()
    return [str(case.pk)] if case is not None else []


def _victim() -> list[str]:
    case = _rich_case()
    victim = _first("cases.Victim", case=case) if case is not None else None
    return [str(victim.pk)] if victim is not None else []


def _fixed(*values: str) -> Callable[[], list[str]]:
    return lambda: list(values)


#: (namespace, word before the parameter, parameter) -> its values in the demo data.
PARAMETERS: dict[tuple[str, str, str], Callable[[], list[str]]] = {
    ("core", "documents", "pk"): _pk(
        "core.Document", missing="00000000-0000-4000-8000-000000000000"
    ),
    ("accounts", "approvals", "pk"): _pk("accounts.DualControlRequest"),
    ("accounts", "key", "uidb36"): _fixed("1"),
    ("accounts", "key", "key"): _fixed("set-password"),
    ("accounts", "agencies", "pk"): _pk("accounts.Agency", code="uptd-ppa"),
    ("accounts", "people", "pk"): _pk("accounts.User", username="pekerja.kasus"),
    ("regions", "regions", "code"): _fixed("64.71.03"),
    ("evaluations", "awards", "year"): _field("evaluations.Award", "year"),
    ("evaluations", "instruments", "pk"): _pk("evaluations.Instrument"),
    ("evaluations", "cycles", "pk"): _pk("evaluations.Cycle"),
    ("evaluations", "questions", "question_pk"): _pk("evaluations.Question"),
    ("evaluations", "reports", "pk"): _pk("evaluations.CycleReport"),
    ("evaluations", "answers", "pk"): _pk("evaluations.Answer", evidence__isnull=False),
    ("evaluations", "evidence", "pk"): _pk("evaluations.Evidence"),
    ("cases", "reports", "pk"): _pk("cases.Report"),
    ("cases", "cases", "pk"): _case,
    ("cases", "victims", "victim_pk"): _victim,
    ("cases", "attachments", "pk"): _pk("cases.Attachment"),
    ("cases", "consents", "pk"): _pk("cases.Consent", withdrawn_on__isnull=True),
    ("cases", "referrals", "pk"): _pk("cases.Referral"),
    ("cases", "referrals", "verb"): _fixed("accept"),
    ("cases", "emergency", "pk"): _pk("cases.BreakGlass"),
    ("cases", "simfoni", "fmt"): _fixed("csv", "xlsx"),
    ("cases", "categories", "pk"): _pk("cases.Lookup"),
    ("families", "bookings", "pk"): _pk("families.Booking"),
    ("families", "families", "pk"): _pk("families.Family"),
    ("families", "sessions", "pk"): _pk("families.Session"),
    ("families", "certificates", "pk"): _pk("families.Certificate"),
    ("families", "handoffs", "pk"): _pk("families.HandOff"),
    ("families", "service-points", "pk"): _pk("families.ServicePoint"),
    ("families", "schedules", "pk"): _pk("families.Schedule"),
    ("community", "groups", "pk"): _pk("community.PatbmGroup", members__isnull=False),
    ("community", "members", "member_pk"): _pk("community.Member"),
    ("community", "activities", "pk"): _pk("community.Activity"),
    ("community", "photos", "pk"): _pk("community.ActivityPhoto"),
    ("participation", "forums", "pk"): _pk("participation.Forum", members__isnull=False),
    ("participation", "members", "pk"): _pk("participation.Member"),
    ("participation", "consents", "pk"): _pk("participation.Consent"),
    ("participation", "aspirations", "pk"): _pk("participation.Aspiration"),
    ("indicators", "imports", "pk"): _pk("indicators.ImportRun"),
    ("indicators", "indicators", "code"): _field("indicators.Definition", "code"),
    ("plans", "plans", "pk"): _pk("plans.Plan"),
    ("plans", "actions", "pk"): _pk("plans.Action"),
    ("plans", "progress", "pk"): _pk("plans.ProgressReport"),
    ("plans", "milestones", "pk"): _pk("plans.Milestone"),
    ("plans", "meetings", "pk"): _pk("plans.Meeting"),
    ("plans", "followups", "pk"): _pk("plans.FollowUp"),
    ("dashboards", "cluster", "cluster"): _fixed("perlindungan-khusus"),
    ("dashboards", "area", "code"): _fixed("64.71.03.1001"),
    ("dashboards", "trend", "code"): _field("indicators.Definition", "code"),
    ("dashboards", "challenges", "code"): _field("dashboards.Challenge", "code"),
    ("portal", "statistik", "code"): _field("portal.PublicIndicator", "definition__code"),
    ("portal", "layanan", "pk"): _pk("portal.Service"),
    ("portal", "rbra", "pk"): _pk("portal.PlaySpace"),
    ("", "confirm-email", "key"): _fixed("not-a-real-key"),
    ("", "key", "uidb36"): _fixed("1"),
    ("", "key", "key"): _fixed("set-password"),
    ("api", "regions", "code"): _fixed("64.71.03"),
    ("api", "cycles", "cycle_id"): _pk("evaluations.Cycle"),
    ("api", "cases", "case_id"): _case,
    ("api", "sessions", "session_id"): _pk("families.Session"),
    ("api", "aspirations", "aspiration_id"): _pk("participation.Aspiration"),
    ("api", "indicators", "code"): _field("indicators.Definition", "code"),
    ("api", "actions", "action_id"): _pk("plans.Action"),
    ("api", "plans", "plan_id"): _pk("plans.Plan"),
}


class UnknownParameter(LookupError):
    pass


def fill(route: Route) -> list[str]:
    """The URLs of ``route`` with its parameters filled from the demo data.

    Raises ``UnknownParameter`` naming the ``PARAMETERS`` key to add for a parameter nobody
    knows how to fill; a parameter whose source finds nothing in the demo data is filled with
    ``0`` (which must answer 404, never 500).
    """
    choices: list[dict[str, str]] = [{}]
    for word, name in route.parameters:
        key = (route.namespace, word, name)
        if key not in PARAMETERS:
            raise UnknownParameter(
                f"{route.name or route.route}: no source for parameter {name!r}; add "
                f"PARAMETERS[{key!r}] in tests/security/matrix.py"
            )
        values = PARAMETERS[key]() or ["0"]
        choices = [{**done, name: value} for done in choices for value in values]
    return [route.url(values) for values in choices]


# -- who may open what ---------------------------------------------------------------------------

#: URL-name patterns anonymous visitors may open (first match wins; fnmatch syntax).
PUBLIC = [
    "report:*",  # the public report form and its status check
    "families_public:*",  # the Puspaga request form and certificate check
    "participation_public:*",  # the children's form and "Kalian bilang, kami lakukan"
    "portal:home",
    "portal:statistics*",
    "portal:indicator*",
    "portal:directory",
    "account_*",  # allauth: log-in, password reset, e-mail confirmation
    "accounts:password_from_link",  # the reset link of the e-mail
    "accounts:login_unlock",  # a locked-out person unlocks with their TOTP code
    "set_language",
    "api:openapi-json",
    "api:public_list",  # published aspirations
]

#: URL-name patterns -> the menu entry (``layak.core.navigation``) that gates them: a person
#: without the entry gets no 2xx from any of them. First match wins; ``None`` means no gate.
GATES: list[tuple[str, str | None]] = [
    ("core:audit_list", "audit"),
    ("accounts:agency_*", "agencies"),
    ("accounts:person_*", "people"),
    ("regions:*", "regions"),
    ("evaluations:*", "evaluations"),
    ("cases:statistics", "case_statistics"),
    ("cases:export", "case_statistics"),
    ("cases:lookup*", "case_lookups"),
    ("cases:holidays", "case_lookups"),
    ("cases:*", "cases"),
    ("families:*", "families"),
    ("community:*", "community"),
    ("participation:*", "participation"),
    ("indicators:*", "indicators"),
    ("plans:*", "plans"),
    ("dashboards:*", "dashboards"),
    ("portal:manage", "portal"),
    ("portal:*_new", "portal"),
    ("portal:*_edit", "portal"),
    ("portal:*_deactivate", "portal"),
    ("portal:public_indicators", "portal"),
]

#: API path prefixes -> the menu entry that gates them.
API_GATES: list[tuple[str, str | None]] = [
    ("api/v1/cases/statistics/", "case_statistics"),
    ("api/v1/cases/", "cases"),
    ("api/v1/evaluation/instruments/", None),  # the KLA instrument: reference data
    ("api/v1/evaluation/", "evaluations"),
    ("api/v1/families/", "families"),
    ("api/v1/community/", "community"),
    ("api/v1/participation/public/", None),
    ("api/v1/participation/", "participation"),
    ("api/v1/indicators/", "indicators"),
    ("api/v1/plans/", "plans"),
]


def is_public(route: Route) -> bool:
    return any(fnmatch.fnmatchcase(route.name, pattern) for pattern in PUBLIC)


def gate(route: Route) -> str | None:
    if route.namespace == "api":
        for prefix, entry in API_GATES:
            if route.route.startswith(prefix):
                return entry
        return None
    for pattern, entry in GATES:
        if fnmatch.fnmatchcase(route.name, pattern):
            return entry
    return None


def menu_keys(user: Any) -> set[str]:
    return {str(entry["key"]) for entry in menu_for(user)}


# -- identifying values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifying:
    """Where identifying values live: a model, its fields, and how to tell who may see a row
    (a function of the user returning the pks of the rows they may see)."""

    label: str
    fields: tuple[str, ...]
    visible_pks: Callable[[Any], set[int]]


def _pks(queryset: Any) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _cases_visible(user: Any) -> set[int]:
    from layak.cases.permissions import cases_visible_to

    return _pks(cases_visible_to(user))


def _by_case(label: str) -> Callable[[Any], set[int]]:
    def visible(user: Any) -> set[int]:
        model = apps.get_model(label)
        return _pks(model._default_manager.filter(case__in=_cases_visible(user)))

    return visible


def _reports_visible(user: Any) -> set[int]:
    from layak.cases.models import Report
    from layak.cases.permissions import reports_visible_to

    return _pks(reports_visible_to(user)) | _pks(
        Report.objects.filter(case__in=_cases_visible(user))
    )


def _families_visible(user: Any) -> set[int]:
    from layak.families.permissions import families_visible_to

    return _pks(families_visible_to(user))


def _forum_members_visible(user: Any) -> set[int]:
    from layak.participation.permissions import members_visible_to

    return _pks(members_visible_to(user))


def _forum_consents_visible(user: Any) -> set[int]:
    from layak.participation.permissions import consents_visible_to

    return _pks(consents_visible_to(user))


def _aspirations_visible(user: Any) -> set[int]:
    from layak.participation.permissions import aspirations_visible_to

    return _pks(aspirations_visible_to(user))


IDENTIFYING = [
    Identifying(
        "cases.Victim", ("name", "nik", "address", "phone", "guardian"), _by_case("cases.Victim")
    ),
    Identifying("cases.Perpetrator", ("name",), _by_case("cases.Perpetrator")),
    Identifying(
        "cases.Report", ("reporter_name", "reporter_contact", "child_name"), _reports_visible
    ),
    Identifying("families.Family", ("name", "phone", "email"), _families_visible),
    Identifying("participation.Member", ("name", "school"), _forum_members_visible),
    Identifying("participation.Consent", ("given_by",), _forum_consents_visible),
    Identifying("participation.Aspiration", ("child_name",), _aspirations_visible),
]

#: Shorter values are common words or fragments (a first name alone, "-"), not identities.
MIN_LENGTH = 6


@dataclass(frozen=True)
class Secret:
    value: str
    what: str  # e.g. "cases.Victim 12 name"


def identifying_values() -> dict[tuple[str, int], list[Secret]]:
    """Every identifying value of the demo data, by (model label, pk)."""
    rows: dict[tuple[str, int], list[Secret]] = {}
    for spec in IDENTIFYING:
        model = apps.get_model(spec.label)
        for obj in model._default_manager.order_by("pk"):
            for field in spec.fields:
                value = str(getattr(obj, field) or "").strip()
                if len(value) >= MIN_LENGTH:
                    rows.setdefault((spec.label, obj.pk), []).append(
                        Secret(value, f"{spec.label} {obj.pk} {field}")
                    )
    return rows


def public_values() -> set[str]:
    """Values shown legitimately to many people that a synthetic identity may coincide with:
    the names of staff and agencies, the addresses of public services."""
    values: set[str] = set()
    for label, fields in (
        ("accounts.User", ("full_name", "username", "email")),
        ("accounts.Agency", ("name", "short_name")),
        ("portal.Service", ("name", "address", "phone")),
        ("portal.PlaySpace", ("name", "address")),
        ("families.ServicePoint", ("name", "address")),
        ("community.Member", ("name", "phone")),
    ):
        model = apps.get_model(label)
        for row in model._default_manager.all():
            values.update(str(getattr(row, field, "") or "") for field in fields)
    return {value for value in values if value}


def hidden_from(
    user: Any, values: dict[tuple[str, int], list[Secret]], public: set[str]
) -> list[Secret]:
    """The identifying values ``user`` may not see (anonymous: all of them)."""
    visible: dict[str, set[int]] = {}
    if user is not None:
        visible = {spec.label: spec.visible_pks(user) for spec in IDENTIFYING}
    seen_values = {
        secret.value
        for (label, pk), secrets in values.items()
        if pk in visible.get(label, set())
        for secret in secrets
    }
    hidden: dict[str, Secret] = {}
    for (label, pk), secrets in values.items():
        if pk in visible.get(label, set()):
            continue
        for secret in secrets:
            if secret.value not in seen_values and secret.value not in public:
                hidden.setdefault(secret.value, secret)
    return list(hidden.values())


class SecretFinder:
    """Which of ``secrets`` a text contains: exactly the values ``secret.value in text`` finds.

    A page is searched once for all of them: the text's substrings of ``MIN_LENGTH``
    characters (every secret is at least that long) are looked up among the secrets' first
    ``MIN_LENGTH`` characters, and only the secrets that start so are searched in full. A value
    in the text has its beginning among those substrings, so none is missed.
    """

    def __init__(self, secrets: list[Secret]) -> None:
        self._by_start: dict[str, list[Secret]] = {}
        for secret in secrets:
            if len(secret.value) < MIN_LENGTH:
                raise ValueError(f"{secret.what}: shorter than {MIN_LENGTH} characters")
            self._by_start.setdefault(secret.value[:MIN_LENGTH], []).append(secret)

    def __bool__(self) -> bool:
        return bool(self._by_start)

    def found_in(self, text: str) -> list[Secret]:
        starts = {text[i : i + MIN_LENGTH] for i in range(len(text) - MIN_LENGTH + 1)}
        return sorted(
            (
                secret
                for start in starts & self._by_start.keys()
                for secret in self._by_start[start]
                if secret.value in text
            ),
            key=lambda secret: secret.value,
        )


# -- response bodies -----------------------------------------------------------------------------


def body_text(response: Any) -> str:
    """The text a person would read in ``response``: HTML/JSON/CSV as is (plus JSON decoded),
    XLSX's shared strings and sheets, a PDF's extracted text."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx_text(raw)
    if raw.startswith(b"%PDF"):
        return _pdf_text(raw)
    text = raw.decode("utf-8", errors="replace")
    if "json" in kind:
        with contextlib.suppress(ValueError):
            text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    return text + "\n" + html.unescape(text)


def _xlsx_text(raw: bytes) -> str:
    parts = []
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                parts.append(html.unescape(archive.read(name).decode("utf-8", errors="replace")))
    return "\n".join(parts)


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except PdfReadError:
        # Not a PDF a reader can open (the demo evidence is a bare stub): search the bytes.
        return raw.decode("latin-1")
