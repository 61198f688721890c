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
import sysconfig
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
PAGE = 100  # contacts per search page, as the sync reads them
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
    if n % PAGE:
        parser.error(f"--contacts must be a multiple of {PAGE} (the sync's page)")
    leads = _leads(n * (args.rounds + 1))
    # The generator makes contacts in creation order (older ones have older activity): shuffled,
    # the warm-up and every round draw from the whole portal, as a backfill does, instead of
    # each round scoring a different era (and memos warmed on the oldest contacts only).
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
    _score(rules, pages[:per_round])  # warm the memos on contacts no round will see
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
        f"`{command}` (add `--write` to update this section) on {_interpreter()}, "
        f"{platform.machine()}, {machine}; one process "
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


#: What the numbers mean and where the time goes (callgrind counts, py-spy samples and
#: back-to-back runs of this engine; update with the engine).
NOTES = [
    "How to read it. The VM is small and shared (2 vCPUs on a host whose memory traffic "
    "varies): the same code gives best rounds from about 41,000 to 67,000 contacts/s within "
    "half an hour, with nothing else running on the machine, while a small in-cache loop varies "
    "by 5 %. The best round estimates what the engine does on a quiet core; the median what it "
    "did while the host was busy. So compare code back to back, or by instruction counts under "
    "callgrind, which the load does not change. The input is the sync's: the generated portal "
    "is shuffled (the generator makes contacts in creation order, so unshuffled rounds each "
    "scored a different era and the warm-up saw only the oldest contacts), and each page of "
    "100 is parsed from JSON right before it is scored, as the SDK hands a page to the sync, "
    "with only the scoring timed (scoring pages parsed long before made every contact's first "
    "read a trip to memory: 10–20 % slower back to back). The generated portal is kept out of "
    "the garbage collector's sight (`gc.freeze()`): a worker holds a page, not 60,000 "
    "contacts, and a full collection over them cost one round 70 ms of its 250.",
    "",
    "**Against the 50,000/s target: met.** A decision takes about 17 µs on a quiet core of "
    "this VM. A series of 66 runs of the command above over 30 minutes (2026-11-24, VM "
    "otherwise idle), alternating two builds of CPython 3.11 on the same engine: this VM's "
    "pyenv build (no PGO or LTO, libpython shared) gave best rounds of 40,900–67,500 "
    "contacts/s, median run 57,500, 4 of 33 runs below 50,000; Debian's python3.11 "
    "(libpython linked into the executable) gave 51,400–76,000, median run 66,200, none "
    "below, and was the faster of each pair 30 times in 33 (median ratio 1.17). The runs "
    "below 50,000 came in host-busy spells in which every round of a run was slow (Debian's "
    "runs had round medians down to 34,500 too). Twelve more runs on the pyenv build earlier "
    "that day: best 47,200–61,300, one below. So deploy on an optimised CPython build (a "
    "distribution's or the official Docker image's) rather than a default pyenv build; a "
    "sync is bound by HubSpot's rate limits either way (below).",
    "",
    "Where the instructions go (callgrind, `PYTHONHASHSEED=0`, 3,000 unseen contacts after "
    "10,000 warm ones, parts removed one at a time): scoring takes 114,000 instructions per "
    "unseen contact; rescore_at 20,700 of them (18 %: 27 % of contacts solve, at ~64,000 "
    "instructions each, most of it the Newton search, 3.1 evaluations of 5.9 decay terms; a "
    "lifespan decay still running keeps the search on plain Newton steps, 3–4 evaluations "
    "instead of 2–3); sorting the reasons and joining the compact text 7,800 (7 %). Time "
    "shares (py-spy): the 14 signals ≈ 23 % (dates parsed, decayed credits, their reason "
    "texts); rescore_at ≈ 15 %; the e-mail source ≈ 10 % (a third of it the first read of the "
    "contact's properties, i.e. memory latency); sorting reasons and the compact text ≈ 9 %; "
    "the policy lookup ≈ 8 %; BANT ≈ 7 %; building the `Decision` ≈ 3.5 %; first sightings of "
    "values (memo misses) ≈ 7 % spread over those. What is left is spread thin: nothing else "
    "costs more than 3 %.",
    "",
    "Tried and dropped: solving rescore_at on a model of the curve (one exponential per "
    "half-life, one line per lifespan) cut the curve evaluations from 3.2 to 1.0 per solve but "
    "cost as much as it saved (+0.7 % instructions); scoring a page of contacts in one call of "
    "the generated code was slower (18.8 against 15.4 µs per contact); compiling rescore.py, "
    "engagement.py and scoring.py with mypyc saved about 6 % of the scoring instructions, not "
    "enough to pay for a compiled build step (and compiled modules that shadow edited sources "
    "until rebuilt). Earlier work: 131,700 → 120,800 instructions per unseen contact (−8 %, "
    "session 3: rescore_at's fixed cost per solve, e-mail sources memoised by the raw text "
    "after the '@', source memos looked up by the raw value, `Static` built with plain "
    "stores), every decision of the frozen snapshot unchanged "
    "(tests/rules/test_rules_equivalence.py).",
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
