"""`connector backlog`: the handoffs that wait, and releasing the backlog to the queue.

Also the capacity lines `status` and `sla` print, and the phrase the run summary adds: the same
words everywhere an admin looks.

Everything comes from the state store: the waiting list (`handoff/backlog.py`) and the last
run's `handoff_capacity`. Releasing takes the portal's lease for a moment, so it never races a
run that would save its own copy of the list over the release.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import EXIT_OK, ConfigError, ConnectorError
from connector.settings import Settings
from connector.state import RunRecord, StateStore
from connector.sync.handoff.backlog import Waiting, WaitingList, WaitKind
from connector.sync.output import table

#: How long `backlog release` may hold the portal's lease: a release is one small write.
RELEASE_LEASE = timedelta(minutes=1)


class PortalBusy(ConnectorError):
    """A run holds the portal: the release would race its save of the waiting list."""


def run_backlog(args: argparse.Namespace, settings: Settings) -> int:
    store = StateStore.connect(settings.state_url)
    try:
        if getattr(args, "backlog_action", None) == "release":
            return _release(args, store, settings.portal)
        waiting = WaitingList(store, settings.portal)
        entries = waiting.entries()
        runs = store.recent_runs(settings.portal, 1)
    finally:
        store.close()
    capacity = last_capacity(runs)
    if args.json:
        print(
            json.dumps(
                {
                    "portal": settings.portal,
                    **waiting.counts(),
                    "entries": [_entry_json(e) for e in entries],
                    "last_run_capacity": capacity,
                }
            )
        )
        return EXIT_OK
    counts = waiting.counts()
    print(
        f"waiting handoffs: {counts['backlog']} in the backlog (released by `connector backlog "
        f"release`), {counts['queued']} queued for room under the caps"
    )
    if entries:
        rows = [
            (
                e.contact_id,
                e.kind.value + (" (released)" if e.released else ""),
                e.score,
                e.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                e.reason,
            )
            for e in entries[: args.limit]
        ]
        print(table(("contact", "waits in", "score", "since (UTC)", "why"), rows))
        if len(entries) > args.limit:
            print(f"… {len(entries) - args.limit} more (use --json for all)")
    return EXIT_OK


def _release(args: argparse.Namespace, store: StateStore, portal: str) -> int:
    ids: Sequence[str] | None = list(args.contact_ids) or None
    limit: int | None = args.release_limit
    if limit is not None and limit < 1:
        raise ConfigError("backlog release --limit: give a whole number of contacts, 1 or more")
    if not args.all and ids is None and limit is None:
        raise ConfigError("backlog release: name contact ids, or use --all or --limit N")
    worker = f"{socket.gethostname()}:{os.getpid()}:backlog-release"
    now = datetime.now(UTC)
    if not store.acquire_lease(portal, worker_id=worker, now=now, ttl=RELEASE_LEASE):
        raise PortalBusy("a sync run holds this portal now; release again when it has finished")
    try:
        waiting = WaitingList(store, portal)
        released = waiting.release(ids, limit=limit)
        waiting.save()
    finally:
        store.release_lease(portal, worker)
    unknown = sorted(set(ids or ()) - set(released))
    print(
        f"released {len(released)} contact(s) from the backlog: the next runs hand them off, "
        "best score first, under the caps"
    )
    if unknown:
        print(f"not in the backlog: {', '.join(unknown)}")
    return EXIT_OK


def _entry_json(entry: Waiting) -> dict[str, Any]:
    return {"contact_id": entry.contact_id, **entry.to_json()}


def last_capacity(runs: Sequence[RunRecord]) -> dict[str, Any] | None:
    """The newest run's capacity summary, if it recorded one."""
    for run in runs:
        capacity = run.summary.get("handoff_capacity")
        if isinstance(capacity, Mapping):
            return dict(capacity)
    return None


def waiting_counts(store: StateStore, portal: str) -> dict[str, int]:
    return WaitingList(store, portal).counts()


def capacity_lines(capacity: Mapping[str, Any] | None, waiting: Mapping[str, int]) -> list[str]:
    """What `status` and `sla` print about handoff capacity: shortfalls first, in words."""
    lines = [
        f"handoffs waiting: {waiting.get(WaitKind.BACKLOG.value, 0)} in the backlog "
        f"(`connector backlog`), {waiting.get(WaitKind.QUEUED.value, 0)} queued for capacity"
    ]
    if not capacity or "sdrs" not in capacity:
        return lines
    sdrs: Mapping[str, int] = capacity.get("sdrs") or {}
    unavailable = ", ".join(f"{n} {why}" for why, n in sdrs.items() if why != "available" and n)
    lines.append(
        f"SDRs in the last run: {sdrs.get('available', 0)} available"
        + (f", {unavailable}" if unavailable else "")
    )
    short = capacity_phrase(capacity)
    if short:
        lines.append(f"last run: {short}")
    return lines


def capacity_phrase(capacity: Mapping[str, Any] | None) -> str:
    """The run's shortfalls in one phrase ("" when there were none), for the run summary."""
    if not capacity:
        return ""
    parts = []
    if capacity.get("no_sdr_available"):
        parts.append(f"{capacity['no_sdr_available']} found no SDR available")
    if capacity.get("run_capped"):
        parts.append(f"{capacity['run_capped']} over the run's cap")
    if capacity.get("backlogged"):
        parts.append(f"{capacity['backlogged']} historic leads to the backlog")
    if not parts:
        return ""
    waiting = (
        f" (backlog {capacity.get('backlog', 0)}, queued {capacity.get('queued', 0)}: "
        "connector backlog)"
    )
    return "handoffs: " + ", ".join(parts) + waiting
