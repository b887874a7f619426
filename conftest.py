"""What the whole suite shares: the demo city of ``layak seed_demo --size small``, seeded once.

Some tests read the demo city: every demo person, every module's data (the security package,
the demo logins, the identity roles, the disclosure audit, the PDF report, the reminders).
Seeding it costs as much as a few hundred ordinary tests, so a run seeds it once, inside one
transaction on the default database that is rolled back when the last test reading it is
done: the rest of the suite never sees it. Each test runs in a savepoint of that transaction
(Django's ``TestCase``, pytest-django's ``db``), so what one test writes is gone for the next.

A test asks for the city with the ``demo_seed`` fixture (``@pytest.mark.usefixtures
("demo_seed")`` on a ``TestCase``). Those tests are moved to the start of the run, one after
the other, and marked ``xdist_group("demo")``, so that with ``pytest -n`` (``--dist
loadgroup``, set in pyproject.toml) one worker runs them all and seeds the city once. The
transaction is rolled back as soon as the next test does not read the city: pytest-django runs
the transactional tests (``TransactionTestCase``) after the others, and they must not find the
connection inside a transaction. Should a test that reads the city come later all the same
(tests run in another order), the city is seeded again for it.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from layak.core.testing import DemoCityTestCase

DEMO_FIXTURE = "demo_seed"


class DemoSeed:
    """The demo city's transaction on the default database: open (seeded) or not."""

    def __init__(self) -> None:
        #: What ``seed_demo`` printed (the logins and the password).
        self.output = ""
        self._atomic: transaction.Atomic | None = None
        self._blocker: Any = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    @property
    def was_seeded(self) -> bool:
        return self._blocker is not None

    def open(self, django_db_blocker: Any) -> None:
        """Begin the transaction and seed the city in it."""
        if self._atomic is not None:
            return
        out = io.StringIO()
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    call_command("seed_demo", "--size", "small", stdout=out)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self._atomic = atomic
        self._blocker = django_db_blocker
        self.output = out.getvalue()

    def reopen(self) -> None:
        """Seed the city again after :meth:`close`."""
        self.open(self._blocker)

    def close(self) -> None:
        """Roll the transaction back: the database is as the migrations left it."""
        atomic, self._atomic = self._atomic, None
        if atomic is None:
            return
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


DEMO = DemoSeed()


def _reads_demo(item: pytest.Item | None) -> bool:
    return item is not None and DEMO_FIXTURE in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session")
def demo_seed(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSeed]:
    """The demo city, seeded in a transaction that is rolled back after the tests reading it."""
    DEMO.open(django_db_blocker)
    yield DEMO
    DEMO.close()


@pytest.fixture(scope="class")
def demo_output(request: pytest.FixtureRequest, demo_seed: DemoSeed) -> None:
    """``output`` on the test class: what seeding the demo city printed (the logins)."""
    if request.cls is None:
        raise pytest.UsageError("demo_output is for test classes")
    request.cls.output = demo_seed.output


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """A ``bytes`` parameter is named by its length, never by its contents.

    Test files build archives and images at collection time; a name made of their bytes is
    unreadable and, for a ZIP stamped with the clock, differs between two ``pytest -n``
    workers that collect a second apart, which xdist refuses ("Different tests were
    collected"). pytest numbers names that repeat.
    """
    if isinstance(val, bytes | bytearray):
        return f"{argname}-{len(val)}B"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests reading the demo city first, together; the xdist group of every test.

    This runs before pytest-django's own ordering (database tests, then transactional ones,
    then the rest), which keeps the order it finds within each kind. With ``pytest -n`` a
    worker is sent whole groups in that order (``--dist loadgroup --no-loadscope-reorder``):
    the tests reading the demo city, then each test class (its ``setUpTestData`` runs on one
    worker only), and each other test alone.
    """
    demo = [item for item in items if _reads_demo(item)]
    for item in demo:
        test_class = getattr(item, "cls", None)
        if test_class is not None and not issubclass(test_class, DemoCityTestCase):
            raise pytest.UsageError(
                f"{item.nodeid}: a test class reading the demo city derives from "
                "layak.core.testing.DemoCityTestCase (Django's TestCase would close the "
                "connection, and the city's transaction with it, on PostgreSQL)"
            )
    items[:] = demo + [item for item in items if not _reads_demo(item)]
    for item in items:
        group = _group(item)
        if group is None:
            continue
        item.add_marker(pytest.mark.xdist_group(group))


def _group(item: pytest.Item) -> str | None:
    """The xdist group of a test: the demo city's readers together, each test class whole."""
    if _reads_demo(item):
        return "demo"
    if getattr(item, "cls", None) is not None and item.parent is not None:
        return item.parent.nodeid.replace("@", "_")
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if _reads_demo(item) and DEMO.was_seeded and not DEMO.is_open:
        DEMO.reopen()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    # The test's own savepoints (and, after the last test of a class or package, theirs) are
    # rolled back first, by the fixtures' teardown.
    try:
        yield
    finally:
        if DEMO.is_open and not _reads_demo(nextitem):
            DEMO.close()
