"""The layers of docs/architecture.md hold (issue #14).

``.importlinter`` states them as import-linter contracts; ``make lint`` runs ``lint-imports``, and
these tests run the same contracts in the suite, so a lower layer importing a higher one fails
CI either way. The last tests check the contracts themselves on a small made-up import graph:
a contract that cannot break would guard nothing.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path
from typing import Any

import grimp
from django.test import SimpleTestCase
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / ".importlinter"

#: docs/architecture.md, top to bottom; apps on one line may not import each other.
LAYERS = [
    ["api", "dashboards", "portal"],
    ["community", "families", "participation", "plans"],
    ["cases", "evaluations"],
    ["indicators"],
    ["accounts"],
    ["regions"],
    ["core"],
]
APPS = [app for layer in LAYERS for app in layer]


def _contract_options() -> dict[str, dict[str, Any]]:
    """The contracts of ``.importlinter`` as import-linter reads them, by contract id."""
    from importlinter.application.use_cases import read_user_options

    configure()
    options = read_user_options(str(CONFIG))
    return {contract["id"]: contract for contract in options.contracts_options}


def _contract(contract_id: str) -> Contract:
    options = dict(_contract_options()[contract_id])
    name = options.pop("name")
    kind = {"layers": LayersContract, "forbidden": ForbiddenContract}[options.pop("type")]
    del options["id"]
    return kind(name=name, session_options={"root_packages": ["layak"]}, contract_options=options)


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    """Every app with a ``models`` module, a core test importing accounts (tests are exempt),
    and ``imports`` as (importer, imported)."""
    graph = grimp.ImportGraph()
    wanted = [(f"layak.{app}", f"layak.{app}.models") for app in APPS]
    wanted += [("layak.core.tests.test_x", "layak.accounts.models"), *imports]
    for importer, imported in wanted:
        for module in (importer, imported):
            parts = module.split(".")
            for end in range(1, len(parts) + 1):
                graph.add_module(".".join(parts[:end]))
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    return graph


class ContractsKeptTests(SimpleTestCase):
    def test_lint_imports_keeps_every_contract(self) -> None:
        """The same command as ``make lint``; its report names each import that breaks a layer."""
        lint_imports = Path(sys.executable).parent / "lint-imports"
        result = subprocess.run(  # noqa: S603  (our own tool, fixed arguments)
            [str(lint_imports), "--no-logo", "--no-cache", str(CONFIG)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            self.fail(f"lint-imports found broken contracts:\n{result.stdout}{result.stderr}")

    def test_core_imports_no_other_app(self) -> None:
        graph = grimp.build_graph("layak", cache_dir=None)
        outside = sorted(
            f"{importer} -> {imported}"
            for importer in graph.find_descendants("layak.core")
            if ".tests" not in importer
            for imported in graph.find_modules_directly_imported_by(importer)
            if imported.startswith("layak.") and not imported.startswith("layak.core")
        )
        self.assertEqual(outside, [])


class ContractsTests(SimpleTestCase):
    def test_layers_contract_lists_the_documented_layers_in_order(self) -> None:
        parser = configparser.ConfigParser()
        parser.read(CONFIG)
        section = parser["importlinter:contract:layers"]
        layers = [
            [app.strip() for app in line.split("|")]
            for line in section["layers"].strip().splitlines()
        ]
        self.assertEqual(layers, LAYERS)
        self.assertEqual(section["containers"].strip(), "layak")
        self.assertEqual(section["exhaustive"].strip(), "true")

    def test_every_app_is_placed_in_a_layer(self) -> None:
        layak = ROOT / "layak"
        packages = {path.parent.name for path in layak.glob("*/__init__.py")}
        modules = {path.stem for path in layak.glob("*.py") if path.name != "__init__.py"}
        self.assertEqual(packages | modules, set(APPS))

    def test_layers_contract_is_kept_by_imports_running_down(self) -> None:
        graph = _graph(
            ("layak.api", "layak.cases.models"),
            ("layak.cases.models", "layak.indicators.models"),
            ("layak.community.models", "layak.cases.models"),
            ("layak.regions.models", "layak.core.models"),
        )
        self.assertTrue(_contract("layers").check(graph, verbose=False).kept)

    def test_layers_contract_breaks_on_an_import_up_or_sideways(self) -> None:
        for importer, imported in [
            ("layak.core.models", "layak.accounts.models"),
            ("layak.regions.models", "layak.accounts.models"),
            ("layak.accounts.models", "layak.indicators.models"),
            ("layak.indicators.models", "layak.cases.models"),
            ("layak.evaluations.models", "layak.plans.models"),
            ("layak.cases.models", "layak.evaluations.models"),
            ("layak.families.models", "layak.community.models"),
            ("layak.plans.models", "layak.dashboards.models"),
            ("layak.portal.models", "layak.api"),
        ]:
            with self.subTest(f"{importer} -> {imported}"):
                graph = _graph((importer, imported))
                self.assertFalse(_contract("layers").check(graph, verbose=False).kept)

    def test_a_test_module_may_import_any_app(self) -> None:
        for contract_id in ("layers", "core-imports-no-app"):
            with self.subTest(contract_id):
                # A check removes the ignored imports from the graph: a new graph for each.
                graph = _graph(("layak.core.tests.test_views", "layak.cases.models"))
                self.assertTrue(_contract(contract_id).check(graph, verbose=False).kept)

    def test_core_contract_breaks_on_core_importing_an_app(self) -> None:
        graph = _graph(("layak.core.models", "layak.regions.models"))
        self.assertFalse(_contract("core-imports-no-app").check(graph, verbose=False).kept)
