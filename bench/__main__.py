"""Run the benchmarks: ``python -m bench [NAME ...] [--cities N] [--victims N] [--scale F]
[--repeats N]`` (``make bench`` runs them all). Exits non-zero if one fails.

Each benchmark builds its own throwaway database, prints its figures and the reference it is
compared with, and returns an exit status; none asserts a wall-clock time (house style).
``cases`` and ``indicators`` need PostgreSQL and say they were skipped on SQLite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bench import cases, disclosure, indicators, reencrypt, scoring


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Layak's benchmarks.")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="scoring, cases, indicators, reencrypt, disclosure (default: every benchmark)",
    )
    scoring.add_arguments(parser.add_argument_group("scoring"))
    cases.add_arguments(parser.add_argument_group("cases"))
    indicators.add_arguments(parser.add_argument_group("indicators"))
    options = parser.parse_args(argv)
    benchmarks: dict[str, Callable[[], int]] = {
        "scoring": lambda: scoring.main(options.cities),
        "cases": lambda: cases.main(options.victims, options.repeats),
        "indicators": lambda: indicators.main(options.scale, options.repeats, options.values),
        "reencrypt": lambda: reencrypt.main(options.victims),
        "disclosure": lambda: disclosure.main(options.scale),
    }
    unknown = [name for name in options.names if name not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(benchmarks)}")
    return max(benchmarks[name]() for name in options.names or benchmarks)


if __name__ == "__main__":
    sys.exit(main())
