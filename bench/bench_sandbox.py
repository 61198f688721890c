"""Sandbox throughput: batch read and batch update of 100 records, search pages, and seeding.

Run: `.venv/bin/python bench/bench_sandbox.py [--contacts 100000] [--seconds 5]`.
The sandbox must never be what limits the connector's own benchmarks: HubSpot's fastest tier
allows 19 calls per second (190 per 10 s), so anything far above that is enough.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime

import hubspot

from connector.sandbox import Sandbox, SandboxConfig

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

        def fresh_search() -> object:
            # A new query every call: a full scan and sort of every contact (no cache).
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
            _rate("search, new query (full scan + sort)", fresh_search, args.seconds),
        ]
    print(f"CPython {platform.python_version()}, {platform.machine()}, {args.contacts:,} contacts")
    print(f"seeding: {seed_seconds:.2f} s ({sandbox.loaded})")
    print("| call | calls | calls/s | records/s |")
    print("| --- | ---: | ---: | ---: |")
    for label, calls, rate in rows:
        per = 200 if label.startswith("search") else BATCH
        print(f"| {label} | {calls} | {rate:,.0f} | {rate * per:,.0f} |")


if __name__ == "__main__":
    main()
