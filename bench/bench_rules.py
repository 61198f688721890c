"""Rules-engine throughput: contacts scored per second on one core with the default rules.

Run: `python bench/bench_rules.py [--contacts N] [--rounds R] [--write] [--dump-kernel PATH]`.

Inputs come from the sandbox's realistic portal generator (no server): contacts with their
primary company, engagement stories, BANT answers and garbage values. The rules are compiled
once. Every round scores contacts it has never seen (the portal is generated with
contacts × (rounds + 1) contacts and shuffled, a first slice warming the engine's memos like a
running worker), so values that repeat in a portal (industries, titles, form names) hit the memos as
they would in production, and values unique to a contact (e-mail addresses, timestamps) never
do. Each decision is complete: score, BANT, decay, policies, reasons, compact text and
rescore_at. The process is pinned to one CPU when the OS allows it, and the generated input
is kept out of the garbage collector's sight (`gc.freeze()`: a worker holds a page, not the
portal). The best round is reported (the usual estimate of throughput on a shared machine),
with the median.
With `--write` the result replaces the "## Rules engine" section of docs/benchmarks.md; with
`--dump-kernel PATH` the Python source generated for the default rules (see
connector/rules/codegen.py) is written to PATH for reading.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
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
SHUFFLE_SEED = 7
RULES_PATH = REPO / "config" / "rules.yaml"


def _leads(contacts: int, seed: int = 42) -> list[LeadInput]:
    portal = generate_portal(seed=seed, contacts=contacts, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    return [
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    ]


def _as_pages(leads: list[LeadInput], page: int = 100) -> list[LeadInput]:
    """The contacts as the sync holds them: each page of 100 parsed from its own JSON response.

    So the properties are fresh strings laid out page by page in memory, as the SDK's parse
    leaves them, not where the generator happened to allocate them before the shuffle.
    """
    read: list[LeadInput] = []
    for first in range(0, len(leads), page):
        chunk = leads[first : first + page]
        parsed = json.loads(json.dumps([dict(lead.contact) for lead in chunk]))
        read += [
            LeadInput(lead.contact_id, props, lead.company) for lead, props in zip(chunk, parsed)
        ]
    return read


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
    # The generator makes contacts in creation order (older ones have older activity): shuffled,
    # the warm-up and every round draw from the whole portal, as a backfill does, instead of
    # each round scoring a different era (and memos warmed on the oldest contacts only).
    random.Random(SHUFFLE_SEED).shuffle(leads)
    leads = _as_pages(leads)
    # The generated portal is the benchmark's input, not the engine's heap: a worker holds one
    # page of contacts, not 60,000. Left to the collector, a full collection over it lands in
    # one round or another (~70 ms of a ~250 ms round seen here) and measures the fixture.
    gc.collect()
    gc.freeze()
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
    "Measured on a small shared VM (2 vCPUs, other sessions' benchmarks and test suites "
    "running): the same code varies by up to ±40 % between runs, so compare runs made back to "
    "back. Back to back with the engine before this round of work (commit 42645c9), "
    "alternating runs of this benchmark: 37,000–38,400 → 44,300–49,200 contacts/s (best "
    "rounds; five pairs, some while another session's benchmark kept both CPUs busy), about "
    "1.25× faster; interleaved in one process, 1,000 unseen contacts at a time: 25.1–26.1 → "
    "19.7–20.0 µs per contact (median); under callgrind (a count the load does not change): "
    "163,000 → 121,000 instructions per unseen contact. Every decision is identical on the "
    "frozen snapshot (tests/rules/test_rules_equivalence.py). **The 50,000/s target is not "
    "met with margin**: the best round reached 52,000–54,000/s in a quiet period of this "
    "work, and stays below 50,000/s when the VM is busy (a decision costs about 19–21 µs).",
    "",
    "What changed: the function generated for the rule set (`connector/rules/codegen.py`, "
    "`--dump-kernel PATH` writes it) now returns the `Decision` itself "
    "(`codegen_decision.py`): score, grade and temperature with the file's weights and bars "
    "as constants, the policy-memo key, the rescore_at gate, the sorted reasons and compact "
    "text, and the `Decision` built as a mutable twin of its class that then gets its real "
    "class (`construct.py`; about a third of the frozen dataclass's cost). Policy outcomes "
    "are memoised by which side of every score bar the score is on (9 groups for the "
    "default rules) instead of by the score, so about 5 % of unseen contacts miss the memo "
    "instead of 15 %; MQLs on the recycling clock are found by a marker in the memo. Hits "
    "carry the rank where they were found and a float first key, so `list.sort()` orders them "
    "without key tuples. Engagement reasons are made when `Decision.reasons` is read (the "
    "sync reads the compact text); their texts are looked up in line. rescore_at's solver "
    "no longer spends two decimal roundings per solve on a millisecond ceiling, nor builds "
    "closures per call.",
    "",
    "Where a decision's time goes now (in one process, unseen contacts, cutting the generated "
    "code at each part, ±0.3 µs; about 20 µs in all under load): the call and reading and "
    "looking up the 12 property sources ≈ 4.5 µs (an e-mail's domain computed per contact); "
    "fit and disqualifiers ≈ 0.7 µs; BANT ≈ 1.3 µs; the 14 signals ≈ 5.5 µs (~4.4 dates "
    "parsed at ~0.4 µs each, ~3.4 decaying credits with their terms, ~1.7 listed reasons); "
    "score, grade and temperature ≈ 0.3 µs; the policy memo ≈ 1.3 µs (MQLs on the recycling "
    "clock, 9 % of contacts, take a second lookup); signal memory ≈ 0.3 µs; rescore_at "
    "≈ 3.5 µs on average (23 % of the bench contacts solve, ~9 µs each: ~3 evaluations of a "
    "sum over their ~6 terms, each landing a Newton step nearer the millisecond, plus "
    "setup); sorting reasons and the compact text ≈ 1.6 µs; building the `Decision` ≈ 0.8 µs. "
    "What is left is spread thin: pure-Python ways to go further are fewer curve evaluations "
    "per solve (a model of the curve by half-life groups, verified at the millisecond it "
    "finds) and memoising e-mail domains by the raw text after the '@'.",
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
