"""Password hashing cost: one argon2id hash and one verification, with the configured parameters and alternatives.

Reads ARGON2_TIME_COST, ARGON2_MEMORY_KIB and ARGON2_PARALLELISM as the app does (config.Config, so the
environment can override them), then times a hash and a verification of a 20-character password with
those parameters and with a few alternatives: argon2-cffi's defaults, OWASP's two minimum
recommendations, and neighbours of the configured set. It prints the median milliseconds of several
runs of each (wall clock, and CPU time of this process: parallelism above 1 spreads one check over
several cores), so that the parameters can be chosen to cost about 100-250 ms on the serving machine.

    .venv/bin/python bench/password_hash.py [--runs 7]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher  # noqa: E402

from config import Config  # noqa: E402

PASSWORD = "a twenty char secret"
# Label, time cost, memory (KiB), parallelism.
ALTERNATIVES = [
    ("argon2-cffi defaults", 3, 65536, 4),
    ("OWASP minimum (19 MiB, t=2)", 2, 19456, 1),
    ("OWASP minimum (46 MiB, t=1)", 1, 47104, 1),
    ("64 MiB, t=2, p=1", 2, 65536, 1),
    ("64 MiB, t=4, p=1", 4, 65536, 1),
    ("128 MiB, t=2, p=1", 2, 131072, 1),
]


def median_ms(action, runs: int) -> tuple[float, float]:
    """The median wall-clock and CPU milliseconds of `runs` calls of `action` (after one unmeasured call)."""
    action()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def measure(time_cost: int, memory_kib: int, parallelism: int, runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) milliseconds of a hash and of a verification with these parameters."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    stored = hasher.hash(PASSWORD)
    return {"hash": median_ms(lambda: hasher.hash(PASSWORD), runs),
            "verify": median_ms(lambda: hasher.verify(stored, PASSWORD), runs)}


def main(argv: list[str] | None = None) -> int:
    """Time the configured parameters and the alternatives; print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per row (default 7); the median is shown")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    configured = (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_KIB, Config.ARGON2_PARALLELISM)
    rows = [("configured", *configured)] + [row for row in ALTERNATIVES if row[1:] != configured]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before {os.getloadavg()[0]:.2f}; median of {args.runs} runs")
    width = max(len(row[0]) for row in rows)
    print(f"{'parameters':<{width}}  {'t':>2} {'MiB':>4} {'p':>2}  {'hash ms':>8} {'cpu':>6}  "
          f"{'verify ms':>9} {'cpu':>6}")
    for label, time_cost, memory_kib, parallelism in rows:
        timings = measure(time_cost, memory_kib, parallelism, args.runs)
        (hash_wall, hash_cpu), (verify_wall, verify_cpu) = timings["hash"], timings["verify"]
        print(f"{label:<{width}}  {time_cost:>2} {memory_kib // 1024:>4} {parallelism:>2}  {hash_wall:>8.1f} "
              f"{hash_cpu:>6.1f}  {verify_wall:>9.1f} {verify_cpu:>6.1f}")
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
