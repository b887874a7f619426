"""Each shared rule is written in one place (issue #14): a copy elsewhere fails here.

The rules and their one place:

* the form-submission step (service errors onto the form, one status code): ``core/forms.py``;
* the CSV/XLSX writer with the formula guard: ``core/exports.py``;
* the public rate limit: ``core/throttles.py``;
* which kab/kota a person works in: ``accounts/scope.py``;
* shared choices (``Sex``): ``core/choices.py``.

The scan reads the source of the ``layak`` package (tests and migrations excepted) as text.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[2]

#: (pattern, the files that may contain it, what the rule is)
RULES: tuple[tuple[str, frozenset[str], str], ...] = (
    (r"\.message_dict\b", frozenset({"core/forms.py"}), "service errors onto a form"),
    (r"def _?errors_to_form\b", frozenset({"core/forms.py"}), "service errors onto a form"),
    (r"\bcsv\.(writer|DictWriter)\(", frozenset({"core/exports.py"}), "the CSV writer"),
    (r"xlsxwriter\.Workbook\(", frozenset({"core/exports.py"}), "the XLSX writer"),
    (r"\bthrottle_hit\(", frozenset({"core/throttles.py"}), "the public rate limit"),
    (r"class Sex\(", frozenset({"core/choices.py"}), "shared choices"),
    (r"agency\.region\.(level|depth)\b", frozenset({"accounts/scope.py"}), "the person's kab/kota"),
    (
        r"\bregion\.(level\s+(not\s+)?in\s+\(\s*RegionLevel\.(KOTA|KABUPATEN)|depth\s*==\s*2)",
        frozenset(),
        "the person's kab/kota",
    ),
    (
        r"def (_city|user_city_id|_home_region|_manager_city)\(",
        frozenset(),
        "the person's kab/kota",
    ),
)


def _sources() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        parts = relative.split("/")
        if "tests" in parts or "migrations" in parts:
            continue
        found.append((relative, path.read_text(encoding="utf-8")))
    return found


class OnePlaceTests(SimpleTestCase):
    maxDiff = None

    def test_each_rule_has_one_place(self) -> None:
        sources = _sources()
        self.assertGreater(len(sources), 100)
        copies = []
        for pattern, allowed, rule in RULES:
            expression = re.compile(pattern)
            for relative, text in sources:
                if relative in allowed:
                    continue
                for number, line in enumerate(text.splitlines(), start=1):
                    if expression.search(line):
                        copies.append(f"{relative}:{number}: {rule}: {line.strip()}")
        self.assertEqual(copies, [], "a shared rule is written again:\n" + "\n".join(copies))

    def test_the_scan_finds_the_one_places(self) -> None:
        """The patterns match their own place, so a renamed rule cannot pass unnoticed."""
        sources = dict(_sources())
        for pattern, allowed, _rule in RULES:
            for relative in allowed:
                self.assertRegex(sources[relative], pattern)
