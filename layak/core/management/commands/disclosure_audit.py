"""``layak disclosure_audit [--city CODE] [--year N]``: run nightly right after
``layak refresh_rollups`` (issue #12). For each kab/kota with data, every registered family's
collector yields the tables published now; the attacker's linear programmes work out how far
each hidden cell can be narrowed from everything published with it. Prints, per table, the
hidden cells (their keys: area codes, periods, categories, never a name or a hidden value),
the narrowest intervals and the information loss; records a ``DisclosureAudit`` per city and
exits with status 1 when any cell falls short of the protection. A failed audit of the home
city holds back the public statistics pages (they keep the last audited version)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from layak.core.disclosure.publishing import (
    AuditResult,
    TableAudit,
    disclosure_audit_run,
    key_text,
)

#: Which kab/kota have data is known by the indicators app (the roll-ups); ``core`` names it
#: here instead of importing it, as the audit is the composition of every app's figures.
CITIES_WITH_DATA = "layak.indicators.rollups.cities_with_data"


class Command(BaseCommand):
    help = (
        "Attack every published table of each kab/kota; exit 1 when a hidden cell can be "
        "narrowed below the protection (then the portal keeps the last audited statistics)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="Only this kab/kota (region code).")
        parser.add_argument("--year", type=int, help="Only the tables of this year.")

    def _cities(self, code: str | None) -> list[Any]:
        if code:
            region = apps.get_model("regions", "Region")
            city = region._default_manager.filter(code=code).defer("boundary").first()
            if city is None:
                raise CommandError(f"Unknown region {code}.")
            return [city]
        cities: list[Any] = import_string(CITIES_WITH_DATA)()
        return cities

    def handle(self, *args: Any, **options: Any) -> None:
        year: int | None = options["year"]
        failed: list[str] = []
        for city in self._cities(options["city"]):
            result = disclosure_audit_run(city=city, year=year)
            self._report(city.code, result)
            if not result.audit.ok:
                failed.append(f"{city.code} ({result.audit.cells_short})")
        if failed:
            raise CommandError(
                "Disclosure audit failed: cells short of the protection in "
                + ", ".join(failed)
                + ". Publishing of those statistics is held."
            )

    def _report(self, code: str, result: AuditResult) -> None:
        audit = result.audit
        for table in result.tables:
            self._table(table)
        loss = audit.information_loss
        self.stdout.write(
            f"{code}: {audit.tables} table(s), {audit.hidden_cells} hidden cell(s) "
            f"(sum {loss.get('count_hidden', 0)}, {100 * loss.get('share_hidden', 0.0):.1f}% "
            f"of the published counts), {audit.cells_short} short: "
            + ("OK" if audit.ok else "FAILED")
        )
        if result.snapshots is not None:
            self.stdout.write(f"{code}: {result.snapshots.stored} public page(s) published.")
            for refused in result.snapshots.refused:
                self.stderr.write(f"{code}: not published (no 200 answer): {refused}")

    def _table(self, table: TableAudit) -> None:
        write = self.stdout.write if table.ok else self.stderr.write
        if table.error:
            write(f"  [{table.family}] {table.name}: collector failed ({table.error})")
            return
        cells, count, share = table.loss
        write(
            f"  [{table.family}] {table.name}: {table.cells} published cell(s), {cells} hidden "
            f"(loss {count}, {100 * share:.1f}%)"
            + ("" if table.ok else f", {len(table.short)} SHORT")
        )
        if table.hidden:
            write("    hidden: " + "; ".join(key_text(key) for key in table.hidden))
        for short in table.short:
            kind = "primary" if short.primary else "complementary"
            write(f"    SHORT {key_text(short.key)} ({kind}) can be narrowed to {short.interval}")
        narrowest = [(k, i) for k, i in table.narrowest if all(s.key != k for s in table.short)]
        if narrowest:
            write("    narrowest: " + "; ".join(f"{key_text(k)} {i}" for k, i in narrowest))
