"""The data migration of answer options to exact shares (issue #13, migration 0007): options
stored as four-decimal shares become the fractions they stand for by the one reading rule of
``shares.py`` (0.3333 is 1/3, 0.1429 is 1/7), exact decimals stay themselves, and a second
option of a question that would read as a fraction already taken keeps its decimal exactly.

Runs the real migrations on the test database (``MigrationExecutor``), so it is a
``TransactionTestCase``: the SQLite schema editor cannot run inside the transaction a
``TestCase`` wraps each test in. Migrating the evaluations app back one step and forward again
takes a few seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [("evaluations", "0006_layak_field_encryption")]
AFTER = [("evaluations", "0007_exact_shares_history")]

#: Per question, the shares as stored before 0007 and the fraction each must become.
STORED: dict[str, list[tuple[str, tuple[int, int]]]] = {
    "1": [
        ("0.3333", (1, 3)),
        # Not within half a unit of 1/3 (0.33335 to 0.33345 holds no small fraction): exact.
        ("0.3334", (1667, 5000)),
        ("0.6667", (2, 3)),
        ("1.0000", (1, 1)),
    ],
    "2": [
        ("0.0000", (0, 1)),
        ("0.2500", (1, 4)),
        ("0.1429", (1, 7)),
        # Both within half a unit of 1/32 (0.03125): the first in share order takes it, the
        # second keeps its decimal, so that the two options stay two shares.
        ("0.0312", (1, 32)),
        ("0.0313", (313, 10000)),
        # Three decimals once the padding zero is gone: read exactly, not as 90/91.
        ("0.9890", (989, 1000)),
    ],
}


class ShareMigrationTests(TransactionTestCase):
    def setUp(self) -> None:
        self.executor = MigrationExecutor(connection)
        self.executor.migrate(BEFORE)
        self.addCleanup(self.migrate_to_latest)

    def migrate_to_latest(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def old_options(
        self, stored: dict[str, list[tuple[str, tuple[int, int]]]] = STORED
    ) -> dict[str, int]:
        """An instrument with options ``stored`` in the schema before 0007; option pk by
        question and stored share ("1:0.3333")."""
        apps = self.executor.loader.project_state(BEFORE).apps
        instrument = apps.get_model("evaluations", "Instrument").objects.create(
            year=2024, name="Sebelum 0007", source="test", total_points=Decimal(2)
        )
        group = apps.get_model("evaluations", "IndicatorGroup").objects.create(
            instrument=instrument, code="KL", name="Kelembagaan", order=1
        )
        indicator = apps.get_model("evaluations", "Indicator").objects.create(
            instrument=instrument,
            group=group,
            code="1",
            name="Perda KLA",
            max_points=Decimal(2),
            order=1,
        )
        option_model: Any = apps.get_model("evaluations", "AnswerOption")
        pks: dict[str, int] = {}
        for code, shares in stored.items():
            made = apps.get_model("evaluations", "Question").objects.create(
                instrument=instrument,
                indicator=indicator,
                code=f"1.0{code}",
                text="?",
                max_points=Decimal(1),
            )
            for written, _share in shares:
                option = option_model.objects.create(
                    question=made, fraction=Decimal(written), label=f"Opsi {written}"
                )
                pks[f"{code}:{written}"] = option.pk
        return pks

    def test_stored_decimals_become_exact_shares(self) -> None:
        pks = self.old_options()

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)

        apps = executor.loader.project_state(AFTER).apps
        options = {
            pk: (numerator, denominator)
            for pk, numerator, denominator in apps.get_model(
                "evaluations", "AnswerOption"
            ).objects.values_list("pk", "numerator", "denominator")
        }
        for code, shares in STORED.items():
            for stored, share in shares:
                with self.subTest(question=code, stored=stored):
                    self.assertEqual(options[pks[f"{code}:{stored}"]], share)
        self.assertEqual(len(options), sum(len(shares) for shares in STORED.values()))

    # Going back re-adds the column nullable, fills it, then requires it again.
    def test_reverse_migration_writes_four_decimals_back(self) -> None:
        # Without the 1/32 pair: written back to four decimals, 1/32 and 313/10000 are both
        # 0.0313, which the old unique constraint refuses.
        reversible = {"1": STORED["1"], "2": STORED["2"][:3]}
        pks = self.old_options(reversible)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)

        apps = executor.loader.project_state(BEFORE).apps
        stored = dict(
            apps.get_model("evaluations", "AnswerOption").objects.values_list("pk", "fraction")
        )
        for code, shares in reversible.items():
            for written, _share in shares:
                self.assertEqual(stored[pks[f"{code}:{written}"]], Decimal(written))
