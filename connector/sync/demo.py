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

from connector.errors import EXIT_FAILED, EXIT_OK
from connector.logging import configure_logging
from connector.sandbox import Sandbox, SandboxConfig
from connector.settings import Settings
from connector.state import HandoffRecord
from connector.sync.output import table
from connector.sync.services import Services, build_run
from connector.sync.setup import run_setup_steps

DEMO_TOKEN = "demo-token"
#: Professional tier: 190 calls per 10 s for everything but search; search 5 per second.
PRO_CALLS_PER_WINDOW = 190
PRO_WINDOW_SECONDS = 10
PRO_SEARCH_PER_SECOND = 5


def rate_limit_floor(search_calls: int, other_calls: int) -> float:
    """Seconds HubSpot's Professional limits force on these calls at the very least.

    The k-th search cannot start before ⌊(k−1)/5⌋ s, the k-th other call before
    ⌊(k−1)/190⌋ × 10 s; the two budgets run in parallel.
    """
    search = (search_calls - 1) // PRO_SEARCH_PER_SECOND if search_calls else 0
    other = (other_calls - 1) // PRO_CALLS_PER_WINDOW * PRO_WINDOW_SECONDS if other_calls else 0
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
        print("\nSetup:")
        for line in report.lines():
            print(f"  {line}")
        before = _snapshot(sandbox)
        result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
        if result.status != "ok":
            print(f"\nThe sync run {result.status}: {result.summary.get('error')}")
            return EXIT_FAILED
        handoffs = services.store.open_handoffs(settings.portal)
        _print_summary(result.summary, before, _snapshot(sandbox), handoffs, services, args.top)
    finally:
        services.close()
    print(
        "\nNext: `connector demo --serve` keeps this portal up to explore with `connector "
        "explain <contact>` or your own rules; README.md shows how to point at your portal."
    )
    if args.serve:
        print(f"\nServing the sandbox on {sandbox.base_url} (token {DEMO_TOKEN}); Ctrl-C stops.")
        sandbox.serve_forever()
    return EXIT_OK


def _snapshot(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    """Every contact's properties as the demo portal holds them (read in-process, no calls)."""
    return {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }


def _print_summary(
    summary: dict[str, Any],
    before: dict[str, dict[str, str]],
    after: dict[str, dict[str, str]],
    handoffs: Sequence[HandoffRecord],
    services: Services,
    top: int,
) -> None:
    names = services.names
    print(
        f"\nSync: pulled {summary['pulled']:,}, scored {summary['scored']:,}, "
        f"wrote {summary['written']:,} contacts ({summary['unchanged']:,} unchanged, "
        f"{summary['failed']} rejected) in {summary['duration_seconds']} s."
    )
    ranked = sorted(after, key=lambda cid: -int(after[cid].get(names.score) or 0))[:top]
    rows = [
        (
            cid,
            after[cid].get(names.score),
            f"{after[cid].get(names.grade) or ''}-{after[cid].get(names.temperature) or ''}",
            (after[cid].get("jobtitle") or "")[:28],
            _stage_change(before[cid].get("lifecyclestage"), after[cid].get("lifecyclestage")),
            after[cid].get(names.reasons),
        )
        for cid in ranked
    ]
    print(f"\nTop {len(rows)} leads:")
    print(table(("contact", "score", "label", "job title", "lifecycle", "why"), rows))
    stages = _transitions(before, after, "lifecyclestage")
    statuses = _transitions(before, after, "hs_lead_status")
    labels = Counter(
        f"{p.get(names.grade) or ''}-{p.get(names.temperature) or ''}" for p in after.values()
    )
    print("\nGrades × temperature: " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    if stages:
        print("Lifecycle transitions: " + ", ".join(f"{k}: {v}" for k, v in stages.most_common()))
    if statuses:
        print("Lead status set: " + ", ".join(f"{k}: {v}" for k, v in statuses.most_common()))
    if handoffs:
        by_owner = Counter(h.owner_id for h in handoffs)
        first_due = min(h.due_at for h in handoffs)
        print(
            f"SDR tasks created: {len(handoffs)} (by owner: "
            + ", ".join(f"{o}: {n}" for o, n in by_owner.most_common())
            + f"); first due {first_due.isoformat(timespec='minutes')}"
        )
    stats = services.gateway.stats()
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


def _stage_change(before: str | None, after: str | None) -> str:
    return f"{before or '—'} → {'=' if after == before else after}"


def _transitions(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]], name: str
) -> Counter[str]:
    return Counter(
        f"{before[cid].get(name) or '(none)'} → {after[cid].get(name)}"
        for cid in after
        if cid in before and (after[cid].get(name) or "") != (before[cid].get(name) or "")
    )
