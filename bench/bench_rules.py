"""Rules-engine throughput: contacts scored per second on one core with the default rules.

Run: `python bench/bench_rules.py [--contacts N] [--rounds R] [--write]`.

Inputs come from the sandbox's realistic portal generator (no server): contacts with their
primary company, engagement stories, BANT answers and garbage values. The rules are compiled
once. Every round scores contacts no round has scored before (the portal is generated with
contacts × (rounds + 1) contacts and shuffled; a first slice warms the interpreter). Each
decision is complete: score, BANT, decay, policies, reasons, compact text and rescore_at. Each
page of 200 is parsed from JSON right before it is scored, as the SDK hands a page to the sync,
and only the scoring is timed. The process is pinned to one CPU when the OS allows it, and the
generated input is kept out of the garbage collector's sight (`gc.freeze()`: a worker holds a
page, not the portal). The best round is reported (the usual estimate of throughput on a shared
machine), with the median. With `--write` the result replaces the "## Rules engine" section of
docs/benchmarks.md.

The target, 10,000 contacts/s, is five times what HubSpot lets a sync write (about 1,900
contacts/s on the fastest tier): scoring must never be what a user waits for, and above that
bar the engine stays plain code a reader can change (docs/rules.md, "For developers").
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
import sysconfig
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.docs import write_section  # noqa: E402
from connector.hubspot_facts import SEARCH_PAGE_MAX  # noqa: E402
from connector.rules import LeadInput, RuleSet, evaluate, load_rules  # noqa: E402
from connector.sandbox.seed import generate_portal  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECTION = "## Rules engine"
TARGET_PER_S = 10_000
SHUFFLE_SEED = 7
PAGE = SEARCH_PAGE_MAX  # contacts per search page, as the sync reads them
RULES_PATH = REPO / "config" / "rules.yaml"


def _leads(contacts: int, seed: int = 42) -> list[LeadInput]:
    portal = generate_portal(seed=seed, contacts=contacts, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    return [
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    ]


#: One page of contacts as a search response brings them: their ids and companies (the sync's
#: company cache), and the contacts' properties as the JSON text the SDK parses.
Page = tuple[list[tuple[str, dict[str, str | None] | None]], str]


def _as_pages(leads: list[LeadInput], page: int = PAGE) -> list[Page]:
    pages: list[Page] = []
    for first in range(0, len(leads), page):
        chunk = leads[first : first + page]
        keys = [
            (lead.contact_id, None if lead.company is None else dict(lead.company))
            for lead in chunk
        ]
        pages.append((keys, json.dumps([dict(lead.contact) for lead in chunk])))
    return pages


def _parsed(page: Page) -> list[LeadInput]:
    """A page as the sync holds it when it scores: just parsed, so fresh and in cache."""
    keys, text = page
    return [
        LeadInput(contact_id, properties, company)
        for (contact_id, company), properties in zip(keys, json.loads(text), strict=True)
    ]


def _score(rules: RuleSet, pages: list[Page], *, explain: bool = False) -> float:
    """Seconds spent in `evaluate` (and `full_reasons` when `explain`); parsing is not counted."""
    spent = 0.0
    for page in pages:
        leads = _parsed(page)
        started = time.perf_counter()
        for lead in leads:
            decision = evaluate(lead, rules=rules, now=NOW)
            if explain:
                decision.full_reasons  # noqa: B018
        spent += time.perf_counter() - started
    return spent


def _explain(rules: RuleSet, pages: list[Page]) -> float:
    return _score(rules, pages, explain=True)


def _rates(
    run: Callable[[RuleSet, list[Page]], float],
    rules: RuleSet,
    slices: list[list[Page]],
) -> list[float]:
    return [sum(len(p[0]) for p in pages) / run(rules, pages) for pages in slices]


def _pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def _interpreter() -> str:
    """CPython's version and what is known of its build, which moves this benchmark by 10–20 %."""
    flags = sysconfig.get_config_var("CONFIG_ARGS") or ""
    built = [f for f in ("--enable-optimizations", "--with-lto") if f in flags]
    maps = Path("/proc/self/maps")
    shared = maps.exists() and "libpython" in maps.read_text(encoding="utf-8")
    how = ", ".join([*built, "libpython shared" if shared else "libpython linked in"])
    return f"CPython {platform.python_version()} ({how})"


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
    if n % PAGE:
        parser.error(f"--contacts must be a multiple of {PAGE} (the sync's page)")
    leads = _leads(n * (args.rounds + 1))
    # The generator makes contacts in creation order (older ones have older activity): shuffled,
    # the warm-up and every round draw from the whole portal, as a backfill does, instead of
    # each round scoring a different era.
    random.Random(SHUFFLE_SEED).shuffle(leads)
    pages = _as_pages(leads)
    del leads
    # The generated portal is the benchmark's input, not the engine's heap: a worker holds one
    # page of contacts, not 60,000. Left to the collector, a full collection over it lands in
    # one round or another (~70 ms of a ~250 ms round seen here) and measures the fixture.
    gc.collect()
    gc.freeze()
    per_round = n // PAGE
    slices = [pages[(i + 1) * per_round : (i + 2) * per_round] for i in range(args.rounds)]
    _score(rules, pages[:per_round])  # warm the interpreter on contacts no round will see
    rates = _rates(_score, rules, slices)
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
        f"`{command}` (add `--write` to update this section) on {_interpreter()}, "
        f"{platform.machine()}, {machine}; one process "
        f"{pinned}. Default `config/rules.yaml` compiled once ({compile_ms:.0f} ms); sandbox "
        f"portal seed 42; each round scores {n:,} contacts no round has scored before (after "
        f"{n:,} others to warm up). Target: {TARGET_PER_S:,} contacts/s on one core "
        f"({verdict}).",
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
    if args.write:
        write_section(SECTION, report.removeprefix(SECTION))
    print(report)


#: What the numbers mean (update with the engine).
NOTES = [
    "How to read it. The target is five times what HubSpot lets a sync write: its limits cap "
    "a run at roughly 1,000 contacts/s pulled (200 per search, 5 searches a second) and 1,900 "
    "written (batches of 100 at 190 calls per 10 s on the fastest tier), so scoring stays "
    "well under 1 % of a run's wall time and is never what a user waits for. Above the "
    "target the engine stays plain interpreted code with no caches "
    '(docs/rules.md, "For developers"): each contact\'s properties are read, parsed and tested '
    "afresh. The VM is small and shared (2 vCPUs): the best round estimates a quiet core, the "
    "median a busy one; compare code back to back in one run.",
    "",
    "Where the time goes (timers around each step, 3,000 contacts): the engagement signals "
    "(dates parsed, decayed credits and their reasons) about a sixth; the property tests of "
    "fit, disqualifiers and BANT about a third; rescore_at about an eighth (a quarter of "
    "contacts solve, in about 6 evaluations of the decayed credits: Newton steps on the log "
    "of the points, plain Newton steps after an overshoot, then a look back from the solved "
    "millisecond; the first interpreted solver halved a five-year bracket about 40 times "
    "whenever a lifespan decay was running and bisected back to now a third of the time); the "
    "policies about a twelfth; ordering the reasons and the compact text under a tenth; "
    "turning the reasons into score points that add up to the score (`tally.py`, issue 15) "
    "about a tenth.",
    "",
    "Against the 10,000/s target: met before issue 15, with about 20 % to spare (six runs on "
    "a quiet VM, 2026-12-05: best rounds 12,108–12,452 contacts/s, about 81 µs per "
    "decision). Issue 15 (reasons in score points, tiers, baseline, undated signals) costs "
    "about 15 % of that: timed back to back against the engine before it, in CPU time on the "
    "same core of a busy VM, 0.85–0.87 of its throughput (about 100 µs against 85 µs per "
    "decision), which puts a quiet core at about 10,500 contacts/s. Of the 15 µs, the "
    "reasons' arithmetic is about 9 and `rescore_at` about 4; `Reason` became a named tuple "
    "because a frozen dataclass spent another 4 µs setting its fields.",
    "",
    "History: a code generator with memos on the rule set reached 55,000–58,000 contacts/s; "
    "it was replaced by this interpreted engine (issue 11) because no user sees the "
    "difference and every change to the generated code had to be written twice.",
]


if __name__ == "__main__":
    main()
