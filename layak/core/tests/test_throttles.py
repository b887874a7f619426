"""Issue 11, finding 11: the public throttles counted and then inserted, so parallel requests
passed the limit together. ``layak.core.throttles.throttle_hit`` orders the requests of one
sender; with a limit of L exactly L of N parallel submissions are accepted."""

from __future__ import annotations

import datetime
import threading
from unittest import skipUnless

from django.db import connection, connections
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from layak.cases.tests.factories import make_case_world
from layak.core.models import PublicAttempt
from layak.core.throttles import throttle_hit

LIMIT = 5
PARALLEL = 12


class ThrottleHitTests(TestCase):
    def test_the_limit_is_exact_and_refusals_are_not_recorded(self) -> None:
        answers = [throttle_hit(PublicAttempt, "k" * 64, limit=3) for _ in range(6)]

        self.assertEqual(answers, [False, False, False, True, True, True])
        self.assertEqual(PublicAttempt.objects.filter(key="k" * 64).count(), 3)

    def test_keys_are_counted_apart(self) -> None:
        for _ in range(2):
            throttle_hit(PublicAttempt, "a" * 64, limit=2)

        self.assertTrue(throttle_hit(PublicAttempt, "a" * 64, limit=2))
        self.assertFalse(throttle_hit(PublicAttempt, "b" * 64, limit=2))

    def test_attempts_outside_the_window_do_not_count_and_old_ones_are_deleted(self) -> None:
        for _ in range(3):
            PublicAttempt.objects.create(key="c" * 64)
        PublicAttempt.objects.update(at=timezone.now() - datetime.timedelta(days=2))

        self.assertFalse(throttle_hit(PublicAttempt, "c" * 64, limit=1))
        self.assertEqual(PublicAttempt.objects.filter(key="c" * 64).count(), 1)


@skipUnless(connection.vendor == "postgresql", "parallel writers need PostgreSQL (CI runs it)")
@override_settings(LAYAK_PUBLIC_STATUS_PER_HOUR=LIMIT)
class ParallelThrottleTests(TransactionTestCase):
    def test_parallel_submissions_from_one_address_pass_exactly_the_limit(self) -> None:
        make_case_world()
        url = reverse("report:status")
        barrier = threading.Barrier(PARALLEL, timeout=30)
        statuses: list[int] = []
        lock = threading.Lock()

        def submit() -> None:
            try:
                client = Client(REMOTE_ADDR="198.51.100.7")
                barrier.wait()
                status = client.post(url, {"code": "ZZZZZZZZZZ"}).status_code
                with lock:
                    statuses.append(status)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        self.assertEqual(len(statuses), PARALLEL)
        self.assertEqual(statuses.count(200), LIMIT, statuses)
        self.assertEqual(statuses.count(429), PARALLEL - LIMIT, statuses)
        self.assertEqual(PublicAttempt.objects.count(), LIMIT)
