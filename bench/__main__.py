"""Run every benchmark: ``python -m bench`` (``make bench``). Exits non-zero if one fails.

Each benchmark builds its own throwaway database, prints its figures and the reference it is
compared with, and returns an exit status; none asserts a wall-clock time (house style).
"""

from __future__ import annotations

import sys

from bench import scoring

BENCHMARKS = [scoring.main]


def main() -> int:
    return max(benchmark() for benchmark in BENCHMARKS)


if __name__ == "__main__":
    sys.exit(main())
