"""Review benchmark (issue 14): API calls, wall time, memory and writes of `connector review`.

Runs two child processes (so each peak memory is its own) against an in-process sandbox at
HubSpot's Professional limits, the whole seeded portal as the period: the review's reads alone
(`PortalReader.read`), then the whole `connector review` (reads, scoring and statistics). It
compares:

- API calls with what the reads it chose need: the list endpoint's pages of 100 or search pages
  of 200 (whichever the rate-limit arithmetic finishes sooner, `plan_reads`), companies by id in
  hundreds, the property definitions once;
- wall time with the lower bound those limits impose on those calls;
- writes: every request that is not a read (there must be none).

Usage: python bench/bench_review.py [--contacts 100000] [--write-docs]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.docs import write_section  # noqa: E402
from bench.processes import peak_rss_mb  # noqa: E402
from connector.demo import rate_limit_floor  # noqa: E402
from connector.hubspot_facts import API_BUDGETS  # noqa: E402
from connector.sandbox import Sandbox, SandboxConfig  # noqa: E402

PRO = API_BUDGETS["professional"]
#: Requests that only read: GETs, searches and batch reads (everything else would write).
_READ_POSTS = ("/search", "/batch/read")
#: The acceptance bounds of issue 14.
MAX_CALL_RATIO = 1.05
MAX_PEAK_MB = 300


def _env(sandbox: Sandbox, state: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUBSPOT_BASE_URL": sandbox.base_url,
        "HUBSPOT_ACCESS_TOKEN": sandbox.token,
        "CONNECTOR_STATE_URL": f"sqlite:///{state}",
        "CONNECTOR_RULES_FILE": str(REPO / "config" / "rules.yaml"),
        "CONNECTOR_SLA_FILE": str(REPO / "config" / "sla.yaml"),
        "CONNECTOR_REQUESTS_PER_10S": str(PRO.per_ten_seconds),
        "CONNECTOR_SEARCH_PER_SECOND": str(PRO.search_per_second),
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }


@dataclass
class Measure:
    code: int
    wall_s: float
    peak_mb: float
    calls: Counter[str]
    writes: int
    stdout: str


def _measure(sandbox: Sandbox, env: dict[str, str], args: list[str], out: Path) -> Measure:
    """One child process: exit code, wall time, peak RSS, and the requests the sandbox saw."""
    sandbox.reset_counts()
    sandbox.reset_rate_limits()
    began = time.monotonic()
    with out.open("w", encoding="utf-8") as stdout:
        proc = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=REPO, stdout=stdout, stderr=subprocess.DEVNULL
        )
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, peak_rss_mb(proc.pid) or 0.0)
            time.sleep(0.05)
    wall = time.monotonic() - began
    calls: Counter[str] = Counter()
    writes = 0
    for (method, path, _status), n in sandbox.request_counts().items():
        calls[f"{method} {path}"] += n
        if method != "GET" and not path.endswith(_READ_POSTS):
            writes += n
    return Measure(proc.returncode, wall, peak, calls, writes, out.read_text(encoding="utf-8"))


def read_only_child(since: str) -> None:
    """The reads of a review alone (`--read-only`): prints what they chose and spent."""
    from connector.hubspot import HubSpotGateway
    from connector.review.dataset import OutcomeSpec
    from connector.review.portal_source import PortalReader
    from connector.rules import load_rules
    from connector.settings import load_settings

    settings = load_settings()
    reader = PortalReader(
        HubSpotGateway.from_settings(settings),
        settings,
        load_rules(settings.rules_file),
        stream=io.StringIO(),
    )
    start = datetime.fromisoformat(since).replace(tzinfo=UTC)
    leads = reader.read(start, datetime.now(UTC), OutcomeSpec())
    assert reader.plan is not None
    print(
        json.dumps(
            {
                "leads": len(leads),
                "converted": sum(lead.converted for lead in leads),
                "by_search": reader.plan.by_search,
                "contact_calls": reader.plan.contact_calls,
                "plan_seconds": reader.plan.seconds,
                "company_calls": reader.company_calls,
            }
        )
    )


def _split(calls: Counter[str]) -> tuple[int, int]:
    search = sum(n for k, n in calls.items() if k.endswith("/search"))
    return search, sum(calls.values()) - search


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--read-only", metavar="SINCE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_only:
        read_only_child(args.read_only)
        return
    # Older than the seeded history (three years): the whole portal is the period.
    since = (datetime.now(UTC) - timedelta(days=4 * 365)).date().isoformat()
    sandbox = Sandbox(
        SandboxConfig(seed=42, contacts=args.contacts, tier="professional", port=0)
    ).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = _env(sandbox, Path(tmp) / "state.sqlite3")
            reads = _measure(
                sandbox, env, [__file__, "--read-only", since], Path(tmp) / "reads.json"
            )
            review = _measure(
                sandbox,
                env,
                ["-m", "connector", "review", "--since", since],
                Path(tmp) / "review.txt",
            )
    finally:
        sandbox.stop()
    assert reads.code == 0 and review.code == 0, f"failed: {reads.code}, {review.code}"
    plan = json.loads(reads.stdout)
    needed_contacts = plan["contact_calls"]
    needed_search = needed_contacts if plan["by_search"] else 0
    needed_other = 1 + plan["company_calls"] + (0 if plan["by_search"] else needed_contacts)
    needed = needed_search + needed_other
    floor = rate_limit_floor(needed_search, needed_other)
    rows = [
        "| measure | reads alone | whole review | needed / bound | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    total_r, total_v = sum(reads.calls.values()), sum(review.calls.values())
    search_r, _ = _split(reads.calls)
    search_v, _ = _split(review.calls)
    rows += [
        f"| API calls | {total_r:,} ({search_r} search), {total_r / needed:.3f}x | {total_v:,} "
        f"({search_v} search), {total_v / needed:.3f}x | {needed:,} | ≤ {MAX_CALL_RATIO}x |",
        f"| wall time | {reads.wall_s:.1f} s | {review.wall_s:.1f} s | ≥ {floor:.1f} s | |",
        f"| peak memory (RSS) | {reads.peak_mb:.0f} MB | {review.peak_mb:.0f} MB | "
        f"| < {MAX_PEAK_MB} MB |",
        f"| writes to HubSpot | {reads.writes} | {review.writes} | | 0 |",
    ]
    search_calls = math.ceil(args.contacts / 200)
    list_calls = math.ceil(args.contacts / 100)
    search_rate = float(PRO.search_per_second or 1)
    burst_rate = (PRO.per_ten_seconds or 10) / 10
    added_mb = review.peak_mb - reads.peak_mb
    added_s = review.wall_s - reads.wall_s
    reads_chosen = "search pages of 200" if plan["by_search"] else "list pages of 100"
    body = "\n".join(
        [
            f"`python bench/bench_review.py` (issue 14): a review of a {args.contacts:,}-contact "
            "sandbox portal at Professional limits (190 calls per 10 s, search 5/s), the whole "
            "portal as the period, as child processes: the reads alone "
            "(`PortalReader.read`: contacts, companies, stage dates), then the whole "
            "`connector review` (the same reads, scoring and statistics, in one peak).",
            "",
            *rows,
            "",
            f"Reads chosen: {reads_chosen}, for {plan['leads']:,} leads ({plan['converted']:,} "
            f"converted). For the whole portal, search would need {search_calls:,} calls "
            f"({search_calls / search_rate:.0f} s at {search_rate:g}/s) and the list endpoint "
            f"{list_calls:,} ({list_calls / burst_rate:.0f} s at {burst_rate:g}/s); a period "
            "holding a small part of the portal is read by search. The calls needed are the "
            f"chosen pages, {plan['company_calls']:,} company reads of 100 and one read of the "
            "property definitions; the calls beyond them are the period's first search page "
            "and the portal count that decide between the two reads.",
            "",
            "Calls of the whole review by endpoint: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(review.calls.items()))
            + ".",
            "",
            f"Memory: the reads alone peak at {reads.peak_mb:.0f} MB (the interpreter and its "
            "libraries, then each lead's properties packed in a tuple against one shared "
            f"layout); scoring and the statistics take the whole review to {review.peak_mb:.0f} "
            f"MB, {added_mb:+.0f} MB ({added_mb * 2**20 / max(plan['leads'], 1):,.0f} B a lead). "
            "Each lead keeps a summary of its rules decision (score, grade, temperature, label, "
            "lifecycle target, handoff, points, the criteria that took points away), not the "
            "decision itself (~2.6 kB with its reasons, BANT and signal memory), and "
            "over-filtering's segments count per-property value codes in arrays rather than "
            f"sets of leads. Wall time: the scoring and statistics add {added_s:.0f} s to the "
            "reads.",
        ]
    )
    print(body)
    print("\n" + review.stdout)
    if args.write_docs:
        write_section("## Review", body)


if __name__ == "__main__":
    main()
