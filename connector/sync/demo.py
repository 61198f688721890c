"""`connector demo`: the whole pipeline on a seeded in-process sandbox, explained on one screen.

No HubSpot account needed: a local portal with realistic B2B contacts, companies and owners is
served on loopback at Professional-tier rate limits, the score properties are created, one sync
runs (score, write back, hand off), and the result is summarised: the top leads with their
reasons, lifecycle and lead-status transitions, the SDR tasks created, and the API calls spent
against what HubSpot's limits allow.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connector.hubspot.models import CallStats, CrmRecord
from connector.logging import configure_logging
from connector.rules import Decision
from connector.sandbox import Sandbox, SandboxConfig
from connector.settings import Settings
from connector.state import ContactMemory
from connector.sync.output import table
from connector.sync.services import Services, WiredRun, build_run
from connector.sync.setup import run_setup_steps

DEMO_TOKEN = "demo-token"
#: Professional tier: 190 calls per 10 s for everything but search; search 5 per second.
PRO_BURST_PER_SECOND = 19.0
PRO_SEARCH_PER_SECOND = 5.0


def rate_limit_floor(search_calls: int, other_calls: int) -> float:
    """Seconds HubSpot's Professional limits force on these calls at the very least.

    The k-th search cannot start before ⌊(k−1)/5⌋ s, the k-th other call before
    ⌊(k−1)/190⌋ × 10 s; the two budgets run in parallel.
    """
    search = (search_calls - 1) // int(PRO_SEARCH_PER_SECOND) if search_calls else 0
    other = (other_calls - 1) // 190 * 10 if other_calls else 0
    return float(max(search, other))


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    config = SandboxConfig(
        seed=args.seed, contacts=args.contacts, token=DEMO_TOKEN, tier="professional", port=0
    )
    # The summary below is the demo's output; per-record events would bury it (warnings stay).
    configure_logging(level="WARNING", fmt=settings.log_format.value)
    print(f"Seeding a demo portal with {args.contacts:,} contacts (seed {args.seed})…")
    with tempfile.TemporaryDirectory(prefix="connector-demo-") as tmp, Sandbox(config) as sandbox:
        print(
            f"Sandbox HubSpot on {sandbox.base_url}: {sandbox.store.count('contacts'):,} contacts, "
            f"{sandbox.store.count('companies'):,} companies, "
            "its owners and engagement history"
        )
        demo_settings = settings.model_copy(
            update={
                "access_token": SecretStr(DEMO_TOKEN),
                "base_url": sandbox.base_url,
                "state_url": f"sqlite:///{Path(tmp) / 'state.sqlite3'}",
                "search_lag_seconds": 0,
                "requests_per_10s": 190,
            }
        )
        return _run(args, demo_settings, sandbox)


def _run(args: argparse.Namespace, settings: Settings, sandbox: Sandbox) -> int:
    # The shipped config/sla.yaml picks SDRs by HubSpot team, and the sandbox seeds those teams.
    services = Services.from_settings(settings)
    try:
        report = run_setup_steps(
            services.gateway,
            rules=services.rules,
            names=services.names,
            group=settings.property_group,
            create=True,
        )
        services.remember_setup()
        print("\nSetup:")
        for line in report.lines():
            print(f"  {line}")
        seen: list[tuple[CrmRecord, Decision]] = []

        def observe(items: Sequence[tuple[CrmRecord, Decision, ContactMemory | None]]) -> None:
            seen.extend((record, decision) for record, decision, _ in items)

        run = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC), observe=observe)
        result = run.execute()
        if result.status != "ok":
            print(f"\nThe sync run {result.status}: {result.summary.get('error')}")
            return 1
        _print_summary(result.summary, seen, run, services.gateway.stats(), args.top)
    finally:
        services.close()
    print(
        "\nNext: `connector demo --serve` keeps this portal up to explore with `connector "
        "explain <contact>` or your own rules; README.md shows how to point at your portal."
    )
    if args.serve:
        print(f"\nServing the sandbox on {sandbox.base_url} (token {DEMO_TOKEN}); Ctrl-C stops.")
        sandbox.serve_forever()
    return 0


def _print_summary(
    summary: dict[str, Any],
    seen: list[tuple[CrmRecord, Decision]],
    run: WiredRun,
    stats: CallStats,
    top: int,
) -> None:
    print(
        f"\nSync: pulled {summary['pulled']:,}, scored {summary['scored']:,}, "
        f"wrote {summary['written']:,} contacts ({summary['unchanged']:,} unchanged, "
        f"{summary['failed']} rejected) in {summary['duration_seconds']} s."
    )
    ranked = sorted(seen, key=lambda item: item[1].score, reverse=True)[:top]
    rows = [
        (
            record.id,
            decision.score,
            decision.label,
            (record.get("jobtitle") or "")[:28],
            f"{record.get('lifecyclestage') or '—'} → {decision.lifecycle_target or '='}",
            decision.compact_reasons,
        )
        for record, decision in ranked
    ]
    print(f"\nTop {len(rows)} leads:")
    print(table(("contact", "score", "label", "job title", "lifecycle", "why"), rows))
    stages = Counter(
        f"{record.get('lifecyclestage') or '(none)'} → {decision.lifecycle_target}"
        for record, decision in seen
        if decision.lifecycle_target and decision.lifecycle_target != record.get("lifecyclestage")
    )
    statuses = Counter(
        f"{record.get('hs_lead_status') or '(none)'} → {decision.lead_status_target}"
        for record, decision in seen
        if decision.lead_status_target
        and decision.lead_status_target != record.get("hs_lead_status")
    )
    labels = Counter(decision.label for _, decision in seen)
    print("\nGrades × temperature: " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    if stages:
        print("Lifecycle transitions: " + ", ".join(f"{k}: {v}" for k, v in stages.most_common()))
    if statuses:
        print("Lead status set: " + ", ".join(f"{k}: {v}" for k, v in statuses.most_common()))
    handoff = run.handoff
    if handoff.created and handoff.first_due is not None:
        print(
            f"SDR tasks created: {handoff.created} (by owner: "
            + ", ".join(f"{o}: {n}" for o, n in handoff.created_by_owner.most_common())
            + f"); first due {handoff.first_due.isoformat(timespec='minutes')}"
        )
    search = sum(n for name, n in stats.calls_by_endpoint.items() if "search" in name)
    other = stats.total_calls - search
    bound = rate_limit_floor(search, other)
    print(
        f"\nAPI calls: {stats.total_calls} ({search} search, {other} other; "
        f"{stats.retries} retries, {stats.rate_limited} rate-limited). At Professional limits "
        f"(190 per 10 s, search 5/s) these need at least {bound:.1f} s; "
        f"the run took {summary['duration_seconds']} s."
    )
    print(
        "Calls by endpoint: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.calls_by_endpoint.items()))
    )
