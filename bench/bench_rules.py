"""Rules-engine throughput: contacts scored per second on one core with the default rules.

Run: `python bench/bench_rules.py [--contacts N] [--rounds R] [--write]`.

Inputs come from the sandbox's realistic portal generator (no server): contacts with their
primary company, engagement stories, BANT answers and garbage values. The rules are compiled
once. Every round scores contacts it has never seen (the portal is generated with
contacts × (rounds + 1) contacts, a first slice warming the engine's memos like a running
worker), so values that repeat in a portal (industries, titles, form names) hit the memos as
they would in production, and values unique to a contact (e-mail addresses, timestamps) never
do. Each decision is complete: score, BANT, decay, policies, reasons, compact text and
rescore_at. The process is pinned to one CPU when the OS allows it. The best round is
reported (the usual estimate of throughput on a shared machine), with the median.
With `--write` the result replaces the "## Rules engine" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.rules import LeadInput, RuleSet, evaluate, load_rules  # noqa: E402
from connector.sandbox.seed import generate_portal  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECTION = "## Rules engine"
TARGET_PER_S = 50_000
RULES_PATH = REPO / "config" / "rules.yaml"


def _leads(contacts: int, seed: int = 42) -> list[LeadInput]:
    portal = generate_portal(seed=seed, contacts=contacts, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    return [
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    ]


def _score(rules: RuleSet, leads: list[LeadInput]) -> float:
    started = time.perf_counter()
    for lead in leads:
        evaluate(lead, rules=rules, now=NOW)
    return time.perf_counter() - started


def _explain(rules: RuleSet, leads: list[LeadInput]) -> float:
    started = time.perf_counter()
    for lead in leads:
        evaluate(lead, rules=rules, now=NOW).full_reasons  # noqa: B018
    return time.perf_counter() - started


def _rates(
    run: Callable[[RuleSet, list[LeadInput]], float],
    rules: RuleSet,
    slices: list[list[LeadInput]],
) -> list[float]:
    return [len(leads) / run(rules, leads) for leads in slices]


def _pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def _machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at the start"
    return f"{model}, {os.cpu_count()} CPUs{load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    pinned = _pin_to_one_cpu()
    machine = _machine()
    compile_started = time.perf_counter()
    rules = load_rules(RULES_PATH)
    compile_ms = (time.perf_counter() - compile_started) * 1000
    n = args.contacts
    leads = _leads(n * (args.rounds + 1))
    slices = [leads[(i + 1) * n : (i + 2) * n] for i in range(args.rounds)]
    _score(rules, leads[:n])  # warm the memos on contacts no round will see
    rates = _rates(_score, rules, slices)
    # Explaining re-scores the same slices (memos already warm for them): an upper bound.
    explain_rates = _rates(_explain, rules, slices)
    best = max(rates)
    verdict = "meets" if best >= TARGET_PER_S else "below"
    print(
        f"rules engine: {best:,.0f} contacts/s on one core (best of {args.rounds} rounds, "
        f"median {statistics.median(rates):,.0f}; target {TARGET_PER_S:,}: {verdict})"
    )
    rows = [
        ("evaluate (decision incl. compact reasons, rescore_at)", rates),
        ("evaluate + full_reasons text (CLI explain)", explain_rates),
    ]
    command = f"python bench/bench_rules.py --contacts {n} --rounds {args.rounds}"
    lines = [
        SECTION,
        "",
        f"`{command}` (add `--write` to update this section) on CPython "
        f"{platform.python_version()}, {platform.machine()}, {machine}; one process "
        f"{pinned}. Default `config/rules.yaml` compiled once ({compile_ms:.0f} ms); sandbox "
        f"portal seed 42; each round scores {n:,} contacts it has not seen before (memos "
        f"warmed on another {n:,}, as in a running worker). Target: {TARGET_PER_S:,} "
        f"contacts/s on one core ({verdict}).",
        "",
        "| operation | best contacts/s | median contacts/s | µs per contact (best) |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {max(r):,.0f} | {statistics.median(r):,.0f} | {1e6 / max(r):.1f} |"
            for name, r in rows
        ),
        "",
        *NOTES,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        _write(report)


#: What the numbers mean and where the time goes (from cProfile and per-phase timings of
#: this engine; update with the engine).
NOTES = [
    "Measured on a small shared VM (2 vCPUs, other test suites running): the same code "
    "varies by up to ±40 % between runs, so compare runs made back to back. This bench run "
    "back to back on the engine before the hot-path rewrite (commit 17c8af1) and after it: "
    "9,000–13,400 → 21,900–23,300 contacts/s (best rounds), about 2× faster, with decisions "
    "identical on a frozen snapshot (tests/rules/test_rules_equivalence.py). **The 50,000/s "
    "target is not met on this machine**: a decision costs about 43–50 µs here.",
    "",
    "Where a decision's time goes now (cProfile on unseen contacts, approximate): "
    "engagement ≈ 23 % (reading and parsing ~3.5 dates, 14 signals, decayed credits and the "
    "reasons of the 2–3 listed ones); reading the 12 property sources ≈ 20 % (one memo "
    "lookup each; new companies and e-mail domains miss once); rescore_at ≈ 18 % — a third "
    "of the contacts need the Newton solve on the decay curve (~7 steps over their 4–10 "
    "signals) and its millisecond confirmation, the others stop after their thresholds; "
    "BANT ≈ 9 %; policies (memoised) ≈ 6 %; ordering reasons and the compact text ≈ 6 %; "
    "fit groups ≈ 4 %; building the frozen `Decision` and the rest of `evaluate` ≈ 14 %.",
    "",
    "Already done: each property is read and tested once per contact for every criterion on "
    "it, with outcomes memoised by value (by domain for e-mails, by presence for "
    "present/missing tests); fit and BANT reasons are prebuilt and shared with their sort "
    "keys and compact-text items; BANT answers are interned, policy outcomes memoised by the "
    "facts they read; HubSpot's ISO dates are parsed directly; rescore_at reuses the points "
    "and outputs computed at `now` and confirms the changing millisecond by galloping back "
    "instead of bisecting. Left as is to keep every decision identical: the rescore_at "
    "Newton iteration (a log-space solver needs ~30 % fewer steps but lands exactly on "
    "boundaries where the current one does not, changing rescore_at for ~0.2 % of "
    "decisions), and the frozen public dataclasses (`Decision`, `Reason`), whose "
    "construction is a fixed cost.",
    "",
    "A sync run is bound by HubSpot's rate limits (100 contacts per search page, about 10 "
    "calls/s), so scoring is well under 1 % of a run's wall time either way.",
]


def _write(report: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + report
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + report + ("\n" + text[end + 1 :] if end != -1 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
