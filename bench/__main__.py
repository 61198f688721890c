"""`python -m bench` (`make bench`): every benchmark, one after another, in a few minutes.

Each benchmark runs as its own process (the rules and sync benchmarks pin a core or measure a
child's memory), from the repository root. Two modes:

- quick (the default): the sizes below, a few minutes in all. The sections whose quick run is
  the documented run are rewritten in docs/benchmarks.md (SLA clock, rules engine, and the state
  store when PostgreSQL is configured); the others print their results, because their
  documented numbers come from larger runs.
- `--full`: the documented sizes (the sync at 100,000 contacts and its memory series, the
  gateway's 90 s burst in real time); every benchmark that can write its section does. Expect
  tens of minutes.

`--only NAME` runs one benchmark; `--dry-run` prints the commands. The state store also runs on
PostgreSQL when CONNECTOR_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Bench:
    name: str
    quick: tuple[str, ...]  # arguments after `python`
    full: tuple[str, ...]


def _benches() -> list[Bench]:
    # The documented table has both backends: rewrite it only when PostgreSQL is there too.
    postgres = os.environ.get("CONNECTOR_TEST_POSTGRES_URL")
    state: tuple[str, ...] = ("-m", "bench.state_store", "--rows", "100000")
    if postgres:
        state += ("--postgres-url", postgres, "--write-docs")
    return [
        Bench(
            "sla",
            ("-m", "bench.bench_sla", "--write-docs"),
            ("-m", "bench.bench_sla", "--write-docs"),
        ),
        Bench("state_store", state, state),
        Bench("rules", ("bench/bench_rules.py", "--write"), ("bench/bench_rules.py", "--write")),
        Bench(
            "sandbox",
            ("bench/bench_sandbox.py", "--contacts", "100000", "--seconds", "1"),
            ("bench/bench_sandbox.py", "--contacts", "100000", "--seconds", "4"),
        ),
        Bench(
            "gateway",
            ("bench/bench_gateway.py", "--seconds", "1", "--skip-burst"),
            ("bench/bench_gateway.py",),
        ),
        Bench(
            "sync",
            (
                "bench/bench_sync.py",
                "--contacts",
                "5000",
                "--memory-sizes",
                "5000",
                "--naive-contacts",
                "100",
            ),
            ("bench/bench_sync.py", "--write-docs"),
        ),
        Bench(
            "review",
            ("bench/bench_review.py", "--contacts", "10000"),
            ("bench/bench_review.py", "--write-docs"),
        ),
    ]


def main() -> int:
    benches = _benches()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help="the documented sizes (slow)")
    parser.add_argument("--only", choices=[b.name for b in benches], action="append")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args()

    failed: list[str] = []
    for bench in benches:
        if args.only and bench.name not in args.only:
            continue
        command = [sys.executable, *(bench.full if args.full else bench.quick)]
        print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
        if args.dry_run:
            continue
        start = time.perf_counter()
        code = subprocess.run(command, cwd=REPO, check=False).returncode
        print(
            f"=== {bench.name}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True
        )
        if code != 0:
            failed.append(bench.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
