"""Sandbox throughput: batch read and batch update of 100 records, search pages, and seeding.

Run: `.venv/bin/python bench/bench_sandbox.py [--contacts 100000] [--seconds 5]`.
The sandbox must never be what limits the connector's own benchmarks: HubSpot's fastest tier
allows 19 calls per second (190 per 10 s), so anything far above that is enough.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import hubspot
import urllib3

from connector.sandbox import Sandbox, SandboxConfig
from connector.sandbox import search as searching
from connector.sandbox.indexed_search import find_indexed

TIMEOUT = (2.0, 30.0)
BATCH = 100


def _rate(label: str, call: Callable[[], object], seconds: float) -> tuple[str, int, float]:
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        calls += 1
    elapsed = time.perf_counter() - start
    return label, calls, calls / elapsed


@dataclass
class KeysetRun:
    """Latencies of a sync-like walk over every contact, as the connector pages."""

    build_ms: float = 0.0
    window_ms: list[float] = field(default_factory=list)
    drain_ms: list[float] = field(default_factory=list)
    lookup_ms: list[float] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    updates: int = 0
    seen: set[str] = field(default_factory=set)

    def report(self) -> str:
        every = sorted(self.window_ms + self.drain_ms)
        lines = [
            f"keyset sync: {len(self.seen):,} contacts seen in {len(every)} searches "
            f"({len(self.window_ms)} window pages, {len(self.drain_ms)} one-millisecond drains), "
            f"{self.updates} batch updates of {BATCH} random contacts interleaved; "
            f"building the index (first indexed query): {self.build_ms:.0f} ms",
            "| keyset search | n | median ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for label, values in (
            ("window page (HTTP + JSON): GTE t AND LTE until, by lastmodifieddate", self.window_ms),
            ("drain (HTTP + JSON): EQ t AND hs_object_id GT id, by hs_object_id", self.drain_ms),
            ("all keyset pages (HTTP + JSON)", every),
            ("the same queries in-process: index lookup only", self.lookup_ms),
        ):
            if values:
                ordered = sorted(values)
                p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
                lines.append(
                    f"| {label} | {len(ordered)} | {statistics.median(ordered):.2f} "
                    f"| {p95:.2f} | {ordered[-1]:.2f} |"
                )
        return "\n".join(lines)


def _keyset_sync(
    sandbox: Sandbox, update: Callable[[], object], updates_every: int = 5
) -> KeysetRun:
    """Walk every contact as the connector's sync does: a new query per page (no `after`),
    draining a millisecond by id when a page ends inside it, with a batch update of 100
    contacts after every `updates_every` window pages (as the sync writes scores back).

    Searches go over plain HTTP + JSON (no SDK model parsing) to time the sandbox itself.
    """
    run = KeysetRun()
    sandbox.clock.unfreeze()  # writes land after `until`, as while a real sync runs
    until = str(sandbox.clock.now_ms())
    lm = "lastmodifieddate"
    http = urllib3.PoolManager(headers={"Authorization": f"Bearer {sandbox.token}"})
    url = f"{sandbox.base_url}/crm/v3/objects/contacts/search"

    def timed(body: dict[str, Any], into: list[float]) -> list[dict[str, Any]]:
        run.bodies.append(body)
        start = time.perf_counter()
        reply = http.request("POST", url, json=body, timeout=TIMEOUT[1])
        results: list[dict[str, Any]] = json.loads(reply.data)["results"]
        into.append((time.perf_counter() - start) * 1000)
        if reply.status != 200:
            raise RuntimeError(f"search answered {reply.status}: {reply.data[:200]!r}")
        if into is run.window_ms and len(into) % updates_every == 0:
            update()
            run.updates += 1
        return results

    since = "0"
    while True:
        window = [_flt(lm, "GTE", since), _flt(lm, "LTE", until)]
        page = timed(_keyset(window, lm), run.window_ms)
        if not page:
            break
        run.seen.update(r["id"] for r in page)
        stamp = datetime.fromisoformat(page[-1]["properties"][lm])
        instant = str(int(stamp.timestamp() * 1000))
        after_id = page[-1]["id"]
        while len(page) == 200:
            drain = [_flt(lm, "EQ", instant), _flt("hs_object_id", "GT", after_id)]
            page = timed(_keyset(drain, "hs_object_id"), run.drain_ms)
            run.seen.update(r["id"] for r in page)
            if page:
                after_id = page[-1]["id"]
        since = str(int(instant) + 1)
    # Every contact not modified since the walk began must have been seen exactly as HubSpot's
    # keyset paging promises; the ones the batch updates moved past `until` may be missed.
    store = sandbox.store
    for rid in store.all_ids("contacts"):
        props = store.get("contacts", rid) or {}
        modified = int(datetime.fromisoformat(props[lm]).timestamp() * 1000)
        if modified <= int(until) and rid not in run.seen:
            raise AssertionError(f"keyset walk missed contact {rid}")
    with store.lock:
        for body in run.bodies:
            request = searching.parse_request(body, 0)
            start = time.perf_counter()
            hits = find_indexed(store, "contacts", request, sandbox.clock.now_ms())
            run.lookup_ms.append((time.perf_counter() - start) * 1000)
            assert hits is not None
    return run


def _flt(name: str, op: str, value: str) -> dict[str, str]:
    return {"propertyName": name, "operator": op, "value": value}


def _keyset(filters: list[dict[str, str]], sort: str) -> dict[str, Any]:
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": ["lastmodifieddate", "email", "lifecyclestage"],
        "limit": 200,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    start = time.perf_counter()
    sandbox = Sandbox(
        SandboxConfig(contacts=args.contacts, tier="unlimited", now=datetime.now(UTC))
    )
    seed_seconds = time.perf_counter() - start
    with sandbox.store.lock:  # what the first indexed search after seeding pays, once
        start = time.perf_counter()
        sandbox.store.modified_index("contacts", sandbox.clock.now_ms())
        build_ms = (time.perf_counter() - start) * 1000
    with sandbox.start():
        client = hubspot.HubSpot(access_token=sandbox.token, host=sandbox.base_url)
        batch = client.crm.contacts.batch_api  # cached: each access builds a new pool
        search = client.crm.contacts.search_api
        ids = sandbox.store.all_ids("contacts")
        chunks = [ids[i : i + BATCH] for i in range(0, min(len(ids), 20 * BATCH), BATCH)]
        state = {"n": 0}

        def read() -> object:
            state["n"] += 1
            chunk = chunks[state["n"] % len(chunks)]
            return batch.read(
                {"inputs": [{"id": i} for i in chunk], "properties": ["email", "lifecyclestage"]},
                _request_timeout=TIMEOUT,
            )

        def update() -> object:
            state["n"] += 1
            chunk = chunks[state["n"] % len(chunks)]
            inputs = [
                {"id": i, "properties": {"hs_lead_status": "OPEN" if state["n"] % 2 else "NEW"}}
                for i in chunk
            ]
            return batch.update({"inputs": inputs}, _request_timeout=TIMEOUT)

        def search_page() -> object:
            state["n"] += 1
            body = {
                "filterGroups": [
                    {"filters": [{"propertyName": "lastmodifieddate", "operator": "HAS_PROPERTY"}]}
                ],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "limit": 200,
                "after": str((state["n"] % 40) * 200),
            }
            return search.do_search(body, _request_timeout=TIMEOUT)

        def scan_search() -> object:
            # A new query every call with no last-modified bound: a full scan and sort.
            state["n"] += 1
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": "email", "operator": "HAS_PROPERTY"},
                            {"propertyName": "hs_object_id", "operator": "GT", "value": state["n"]},
                        ]
                    }
                ],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "limit": 200,
            }
            return search.do_search(body, _request_timeout=TIMEOUT)

        def fresh_search() -> object:
            # A new query every call, bounded on lastmodifieddate: answered from the index.
            state["n"] += 1
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": "lastmodifieddate",
                                "operator": "GTE",
                                "value": str(state["n"]),
                            }
                        ]
                    }
                ],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "limit": 200,
            }
            return search.do_search(body, _request_timeout=TIMEOUT)

        rows = [
            _rate("batch read, 100 ids", read, args.seconds),
            _rate("batch update, 100 ids", update, args.seconds),
            _rate("search, next page of 200 (same query)", search_page, args.seconds),
            _rate("search, new query on lastmodifieddate (index)", fresh_search, args.seconds),
            _rate("search, new query without it (full scan + sort)", scan_search, args.seconds),
        ]
        everyone = list(ids)
        rnd = random.Random(1)

        def scatter_update() -> object:
            inputs = [
                {"id": i, "properties": {"hs_lead_status": rnd.choice(("OPEN", "NEW"))}}
                for i in rnd.sample(everyone, BATCH)
            ]
            return batch.update({"inputs": inputs}, _request_timeout=TIMEOUT)

        sync = _keyset_sync(sandbox, scatter_update)
        sync.build_ms = build_ms
    print(f"CPython {platform.python_version()}, {platform.machine()}, {args.contacts:,} contacts")
    print(f"seeding: {seed_seconds:.2f} s ({sandbox.loaded})")
    print("| call | calls | calls/s | records/s |")
    print("| --- | ---: | ---: | ---: |")
    for label, calls, rate in rows:
        per = 200 if label.startswith("search") else BATCH
        print(f"| {label} | {calls} | {rate:,.0f} | {rate * per:,.0f} |")
    print(sync.report())


if __name__ == "__main__":
    main()
