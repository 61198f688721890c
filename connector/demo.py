"""`connector demo`: the whole pipeline on a seeded in-process sandbox, explained on one screen.

No HubSpot account needed: a local portal with realistic B2B contacts, companies and owners is
served on loopback at Professional-tier rate limits, the score properties are created, one sync
runs (score, write back, hand off), and the result is summarised: the top leads with their
reasons, lifecycle and lead-status transitions, the SDR tasks created, and the API calls spent
against what HubSpot's limits allow.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connector.errors import EXIT_FAILED, EXIT_OK
from connector.init_config import with_packaged_defaults
from connector.logging import configure_logging
from connector.sandbox import Sandbox, SandboxConfig
from connector.sandbox.sdr_work import work_open_tasks
from connector.settings import Settings
from connector.state import HandoffRecord
from connector.sync.output import table
from connector.sync.owner_labels import owner_labels
from connector.sync.services import Services, build_run

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
    # With --json, stdout carries only the JSON object: progress goes to stderr.
    say = functools.partial(print, file=sys.stderr if args.json else sys.stdout)
    settings, replaced = with_packaged_defaults(settings)
    if replaced:
        files = " and ".join(str(getattr(settings, f).name) for f in replaced)
        say(f"No {files} in ./config: using the packaged defaults (`connector init` copies them).")
    config = SandboxConfig(
        seed=args.seed, contacts=args.contacts, token=DEMO_TOKEN, tier="professional", port=0
    )
    # The summary below is the demo's output; per-record events would bury it (warnings stay).
    configure_logging(level="WARNING", fmt=settings.log_format.value)
    say(f"Seeding a demo portal with {args.contacts:,} contacts (seed {args.seed})…")
    with tempfile.TemporaryDirectory(prefix="connector-demo-") as tmp, Sandbox(config) as sandbox:
        say(
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
        return _run(args, demo_settings, sandbox, say)


def _run(
    args: argparse.Namespace, settings: Settings, sandbox: Sandbox, say: Callable[..., None]
) -> int:
    # The shipped config/sla.yaml picks SDRs by HubSpot team, and the sandbox seeds those teams.
    services = Services.from_settings(settings)
    try:
        report = services.set_up_portal(create=True)
        setup_lines = report.lines()
        if not args.json:
            print("\nSetup:")
            for line in setup_lines:
                print(f"  {line}")
        before = _snapshot(sandbox)
        result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
        if result.status != "ok":
            say(f"\nThe sync run {result.status}: {result.summary.get('error')}")
            return EXIT_FAILED
        handoffs = services.store.open_handoffs(settings.portal)
        summary = _collect(result.summary, before, _snapshot(sandbox), handoffs, services, args.top)
    finally:
        services.close()
    if args.json:
        print(json.dumps({"setup": setup_lines, **summary}, indent=2, default=str))
    else:
        _print_summary(summary)
        from connector.review.portal_demo import print_demo_review  # the review extra: only here

        _work_tasks(sandbox, args.seed)
        print_demo_review(settings, services.rules)
        print(
            "\nNext: `connector demo --serve` keeps this portal up to explore with `connector "
            "explain <contact>` or your own rules; `connector init` writes the configuration "
            "to edit; README.md shows how to point at your portal."
        )
    if args.serve:
        say(f"\nServing the sandbox on {sandbox.base_url} (token {DEMO_TOKEN}); Ctrl-C stops.")
        sandbox.serve_forever()
    return EXIT_OK


def _work_tasks(sandbox: Sandbox, seed: int) -> None:
    """The sandbox's SDRs work the handoff tasks, so that the review has an SLA to judge."""
    work = work_open_tasks(sandbox.store, seed)
    tasks = work.in_time + work.late
    if tasks:
        print(
            f"\nThe sandbox's SDRs then worked the {tasks:,} handoff tasks on its "
            f"clock (now {sandbox.clock.now():%Y-%m-%d}): {work.in_time:,} within the SLA, "
            f"{work.late:,} late; the timely touches won {work.converted_by_touch:,} more "
            "opportunities."
        )


def _snapshot(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    """Every contact's properties as the demo portal holds them (read in-process, no calls)."""
    return {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }


def _collect(
    summary: dict[str, Any],
    before: dict[str, dict[str, str]],
    after: dict[str, dict[str, str]],
    handoffs: Sequence[HandoffRecord],
    services: Services,
    top: int,
) -> dict[str, Any]:
    """What the demo shows, as plain data (printed as text, or as JSON with --json)."""
    names = services.names
    # Counted before the owners are read: the calls shown are the sync's.
    stats = services.gateway.stats()
    owners = owner_labels(services.gateway.list_owners()) if handoffs else {}
    ranked = sorted(after, key=lambda cid: -int(after[cid].get(names.score) or 0))[:top]
    search = sum(n for name, n in stats.calls_by_endpoint.items() if "search" in name)
    other = stats.total_calls - search
    by_owner = Counter(h.owner_id for h in handoffs)
    return {
        "sync": {
            key: summary[key]
            for key in ("pulled", "scored", "written", "unchanged", "failed", "duration_seconds")
        },
        "top_leads": [
            {
                "contact_id": cid,
                "score": int(after[cid].get(names.score) or 0),
                "label": (
                    f"{after[cid].get(names.grade) or ''}-{after[cid].get(names.temperature) or ''}"
                ),
                "job_title": after[cid].get("jobtitle") or "",
                "lifecycle_before": before[cid].get("lifecyclestage") or None,
                "lifecycle_after": after[cid].get("lifecyclestage") or None,
                "reasons": after[cid].get(names.reasons) or "",
            }
            for cid in ranked
        ],
        "labels": dict(
            sorted(
                Counter(
                    f"{p.get(names.grade) or ''}-{p.get(names.temperature) or ''}"
                    for p in after.values()
                ).items()
            )
        ),
        "lifecycle_transitions": dict(_transitions(before, after, "lifecyclestage").most_common()),
        "lead_status_set": dict(_transitions(before, after, "hs_lead_status").most_common()),
        "handoffs": {
            "tasks": len(handoffs),
            "by_owner": [
                {"owner_id": owner_id, "owner": owners.get(owner_id, owner_id), "tasks": n}
                for owner_id, n in by_owner.most_common()
            ],
            "first_due": (
                min(h.due_at for h in handoffs).isoformat(timespec="minutes") if handoffs else None
            ),
        },
        "api_calls": {
            "total": stats.total_calls,
            "search": search,
            "other": other,
            "retries": stats.retries,
            "rate_limited": stats.rate_limited,
            "floor_seconds": rate_limit_floor(search, other),
            "by_endpoint": dict(sorted(stats.calls_by_endpoint.items())),
        },
    }


def _print_summary(report: dict[str, Any]) -> None:
    sync = report["sync"]
    print(
        f"\nSync: pulled {sync['pulled']:,}, scored {sync['scored']:,}, "
        f"wrote {sync['written']:,} contacts ({sync['unchanged']:,} unchanged, "
        f"{sync['failed']} rejected) in {sync['duration_seconds']} s."
    )
    rows = [
        (
            lead["contact_id"],
            lead["score"],
            lead["label"],
            lead["job_title"][:28],
            _stage_change(lead["lifecycle_before"], lead["lifecycle_after"]),
            lead["reasons"],
        )
        for lead in report["top_leads"]
    ]
    print(f"\nTop {len(rows)} leads:")
    print(table(("contact", "score", "label", "job title", "lifecycle", "why"), rows))
    print("\nGrades × temperature: " + ", ".join(f"{k} {v}" for k, v in report["labels"].items()))
    if report["lifecycle_transitions"]:
        print(
            "Lifecycle transitions: "
            + ", ".join(f"{k}: {v}" for k, v in report["lifecycle_transitions"].items())
        )
    if report["lead_status_set"]:
        print(
            "Lead status set: "
            + ", ".join(f"{k}: {v}" for k, v in report["lead_status_set"].items())
        )
    handoffs = report["handoffs"]
    if handoffs["tasks"]:
        print(
            f"SDR tasks created: {handoffs['tasks']} (by owner: "
            + ", ".join(f"{o['owner']}: {o['tasks']}" for o in handoffs["by_owner"])
            + f"); first due {handoffs['first_due']}"
        )
    api = report["api_calls"]
    print(
        f"\nAPI calls: {api['total']} ({api['search']} search, {api['other']} other; "
        f"{api['retries']} retries, {api['rate_limited']} rate-limited). At Professional limits "
        f"(190 per 10 s, search 5/s) these need at least {api['floor_seconds']:.1f} s; "
        f"the run took {sync['duration_seconds']} s."
    )
    print("Calls by endpoint: " + ", ".join(f"{k} {v}" for k, v in api["by_endpoint"].items()))


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
