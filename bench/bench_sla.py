"""SLA clock and routing throughput: deadlines, elapsed business time, owner picks.

Run: `.venv/bin/python -m bench.bench_sla [--write-docs]`.
`--write-docs` writes the results under "## SLA clock and routing" in docs/benchmarks.md
(replacing only that section).
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.docs import write_section
from connector.hubspot.models import Owner
from connector.rules.routing import RoundRobinState, choose_owner
from connector.rules.sla_config import load_sla_config
from connector.rules.sla_pool import resolve_pool

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## SLA clock and routing"
N = 20_000
TEAMS = ("SDR North America", "SDR EMEA")


def _rate(label: str, count: int, fn: Callable[[int], object]) -> tuple[str, float]:
    start = time.perf_counter()
    for i in range(count):
        fn(i)
    elapsed = time.perf_counter() - start
    return label, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    config = load_sla_config(ROOT / "config" / "sla.yaml")
    calendar = config.build_calendar()  # America/New_York, lunch break, US holidays
    rnd = random.Random(42)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60)) for _ in range(N)]
    owners = [
        Owner(id=str(100 + i), email=f"sdr{i}@bench.example", teams=(TEAMS[i % 2],))
        for i in range(10)
    ] + [Owner(id="900", email="lead@bench.example", teams=("Sales Leadership",))]
    pool = resolve_pool(config, owners)
    state = [RoundRobinState()]
    open_counts = {owner.id: rnd.randrange(30) for owner in owners}

    def pick(i: int) -> object:
        result = choose_owner(
            contact_owner_id=None,
            pool=pool,
            state=state[0],
            today=date(2025, 6, 2),
            open_counts=open_counts,
        )
        state[0] = result.state
        return result

    results = [
        _rate("deadline, 4 business hours", N, lambda i: calendar.add_business_hours(starts[i], 4)),
        _rate(
            "deadline, 40 business hours",
            N // 4,
            lambda i: calendar.add_business_hours(starts[i], 40),
        ),
        _rate(
            "elapsed business hours over 30 days",
            N // 10,
            lambda i: calendar.business_hours_between(starts[i], starts[i] + timedelta(days=30)),
        ),
        _rate("is_business_time", N, lambda i: calendar.is_business_time(starts[i])),
        _rate("round-robin pick, 10 SDRs", N, pick),
    ]
    lines = [
        HEADING,
        "",
        f"`python -m bench.bench_sla` on {platform.python_implementation()} "
        f"{platform.python_version()}, one core; calendar from config/sla.yaml "
        "(America/New_York, lunch break, US holidays), random starts over two years.",
        "",
        "| operation | per second |",
        "| --- | --- |",
        *(f"| {label} | {rate:,.0f} |" for label, rate in results),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        write_section(HEADING, "\n".join(lines[2:]))


if __name__ == "__main__":
    main()
