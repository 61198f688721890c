"""Rules-engine throughput: contacts scored per second on one core with the default rules.

Run: `python bench/bench_rules.py [--contacts N] [--rounds R] [--write] [--dump-kernel PATH]`.

Inputs come from the sandbox's realistic portal generator (no server): contacts with their
primary company, engagement stories, BANT answers and garbage values. The rules are compiled
once. Every round scores contacts it has never seen (the portal is generated with
contacts × (rounds + 1) contacts, a first slice warming the engine's memos like a running
worker), so values that repeat in a portal (industries, titles, form names) hit the memos as
they would in production, and values unique to a contact (e-mail addresses, timestamps) never
do. Each decision is complete: score, BANT, decay, policies, reasons, compact text and
rescore_at. The process is pinned to one CPU when the OS allows it. The best round is
reported (the usual estimate of throughput on a shared machine), with the median.
With `--write` the result replaces the "## Rules engine" section of docs/benchmarks.md; with
`--dump-kernel PATH` the Python source generated for the default rules (see
connector/rules/codegen.py) is written to PATH for reading.
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
    parser.add_argument(
        "--dump-kernel", type=Path, metavar="PATH", help="write the generated scoring code here"
    )
    args = parser.parse_args()

    pinned = _pin_to_one_cpu()
    machine = _machine()
    compile_started = time.perf_counter()
    rules = load_rules(RULES_PATH)
    compile_ms = (time.perf_counter() - compile_started) * 1000
    if args.dump_kernel is not None:
        args.dump_kernel.write_text(rules.kernel.source, encoding="utf-8")
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
    "Measured on a small shared VM (2 vCPUs, other sessions' test suites running): the same "
    "code varies by up to ±40 % between runs, so compare runs made back to back. Back to back "
    "with the engine before this round of work (commit 713a60b), three runs each: "
    "21,000–24,500 → 32,800–38,000 contacts/s (best rounds), about 1.6× faster, with every "
    "decision identical on the frozen snapshot (tests/rules/test_rules_equivalence.py; the "
    "snapshot was re-taken once, for the rescore_at fix below, which changed 12 decisions "
    "under the professional-services example). **The 50,000/s target is not met on this "
    "machine**: a decision costs about 26–30 µs here on unseen contacts (about 22 µs on "
    "contacts whose values the memos have seen).",
    "",
    "What changed: the rule set is compiled once more, into one Python function written for "
    "the file (`connector/rules/codegen.py`, source on `rules.kernel.source`, "
    "`--dump-kernel PATH` writes it): each property read once into a local and looked up in "
    "its source's memo, fit groups, caps, disqualifiers, BANT and the 14 signals as "
    "straight-line code with points, caps, half-lives and lifespans as constants, dates parsed "
    "only when a signal that fired needs them. `evaluate` computes score, grade and "
    "temperature in line and looks the policy outcome up directly (MQLs on the recycling "
    "clock too, per run instant). `Decision` and engagement `Reason`s are built through their "
    "slots (~1 µs instead of ~4 µs for the frozen dataclass `__init__`). Engagement reason "
    "texts are memoised by (days, count, rounded points), need answers by a deciding product "
    "interest. rescore_at calls its solver only when a bar is within reach of the points now "
    "(24 % of the bench contacts), starts from the slope the kernel summed, and searches "
    "whole milliseconds (Newton steps on log points once only half-lives are left): "
    "0.84 curve evaluations per contact (2.47 before).",
    "",
    "Where a decision's time goes now (warm memos, per contact, from timing the generated "
    "code and `evaluate` cut at each phase, ±1 µs): the kernel ≈ 11 µs — reading and looking "
    "up the 12 property sources ≈ 3 µs (an e-mail's domain computed per contact), fit and "
    "disqualifiers ≈ 0.6 µs, BANT ≈ 0.7 µs, the 14 signals ≈ 7 µs (~4.4 dates parsed, "
    "~3.4 decaying credits with their terms for rescore_at, ~1.5 listed reasons); rescore_at "
    "≈ 3 µs on average (the 24 % of contacts that solve spend ~10 µs: ~3 evaluations of a "
    "sum over their ~7 terms, plus setup); score, grade, temperature and the policy memo "
    "≈ 1.2 µs; ordering reasons and the compact text ≈ 0.5 µs; building the 20-field "
    "`Decision` ≈ 1.4 µs; the call itself and the rest ≈ 1 µs. Unseen contacts add 2–4 µs: "
    "memo misses (new e-mail domains and companies, new BANT answer sets and policy fact "
    "combinations) and colder CPU caches. Reaching 20 µs in pure Python would need less "
    "work per signal (e.g. skipping the exact credit of signals decayed to nothing, which "
    "changes the engagement points' last bits and so the snapshot) or a cheaper public "
    "`Decision`.",
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
