"""Gateway benchmarks against the sandbox: overhead, politeness at the limits, faults.

Run: `.venv/bin/python bench/bench_gateway.py [--calls 2000] [--threads 4] [--seconds 4]`.

1. Overhead on the unlimited tier: batch read of 100 contacts through the gateway (limiter,
   retry wrapper, our JSON parsing) against the bare SDK call (its model deserialisation).
2. Professional tier (190 per 10 s, 5 searches/s): a burst of mixed calls from several threads,
   compared with the floor the limits allow for that mix, and the share of 429 answers.
3. 10% injected faults (5xx, stalls past the read timeout, cut connections, 429 bursts): how
   many calls succeed, which errors surface, and the longest call against its time cap.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import hubspot

from connector.hubspot import GatewayConfig, HubSpotGateway
from connector.hubspot.models import RecordUpdate
from connector.sandbox import FaultConfig, Sandbox, SandboxConfig

WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
PRO_BURST, PRO_SEARCH = 190, 5
SEARCH_EVERY = 10


def _gateway(sandbox: Sandbox, **overrides: Any) -> HubSpotGateway:
    settings: dict[str, Any] = {"base_url": sandbox.base_url, "access_token": sandbox.token}
    settings.update(overrides)
    return HubSpotGateway(GatewayConfig(**settings))


def _rate(call: Callable[[], object], seconds: float) -> float:
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        calls += 1
    return calls / (time.perf_counter() - start)


def overhead(seconds: float) -> tuple[float, float]:
    with Sandbox(SandboxConfig(contacts=2000, tier="unlimited")).start() as sandbox:
        ids = sandbox.store.all_ids("contacts")[:100]
        props = ["email", "lifecyclestage", "hs_lead_status", "jobtitle"]
        gateway = _gateway(sandbox, requests_per_10s=1000, search_per_second=50)
        sdk = hubspot.HubSpot(access_token=sandbox.token, host=sandbox.base_url)
        batch = sdk.crm.contacts.batch_api
        body = {"inputs": [{"id": i} for i in ids], "properties": props}
        bare = _rate(lambda: batch.read(body, _request_timeout=(2.0, 30.0)), seconds)
        ours = _rate(lambda: gateway.read_contacts(ids, props), seconds)
        return bare, ours


def _mixed(sandbox: Sandbox, gateway: HubSpotGateway, n: int) -> list[Callable[[], Any]]:
    ids = sandbox.store.all_ids("contacts")
    calls: list[Callable[[], Any]] = []
    for i in range(n):
        chunk = ids[(i * 3) % 200 : (i * 3) % 200 + 10]
        if i % SEARCH_EVERY == 0:
            calls.append(
                lambda: gateway.search_contacts_modified(
                    since=WIDE[0], until=WIDE[1], properties=["email"], limit=10
                )
            )
        elif i % 3 == 0:
            updates = [RecordUpdate(id=c, properties={"hs_lead_status": "OPEN"}) for c in chunk]
            calls.append(lambda updates=updates: gateway.update_contacts(updates))
        elif i % 3 == 1:
            calls.append(lambda chunk=chunk: gateway.read_contacts(chunk, ["email"]))
        else:
            calls.append(lambda: gateway.list_contacts(properties=["email"], limit=10))
    return calls


def burst(calls: int, threads: int) -> dict[str, float]:
    with Sandbox(SandboxConfig(contacts=300, tier="professional")).start() as sandbox:
        gateway = _gateway(sandbox)  # settings defaults: 100 per 10 s until headers say 190
        mix = _mixed(sandbox, gateway, calls)
        searches = (calls + SEARCH_EVERY - 1) // SEARCH_EVERY
        standard = calls - searches
        floor = max(((standard - 1) // PRO_BURST) * 10.0, float((searches - 1) // PRO_SEARCH))
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(call) for call in mix]:
                future.result()
        elapsed = time.perf_counter() - start
        counts = sandbox.request_counts()
        limited = sum(n for (_, _, status), n in counts.items() if status == 429)
        return {
            "elapsed": elapsed,
            "floor": floor,
            "answers": float(sum(counts.values())),
            "limited": float(limited),
        }


def faults(calls: int, threads: int) -> tuple[int, Counter[str], float, float]:
    config = FaultConfig(
        seed=7,
        error_rate=0.04,
        stall_rate=0.02,
        stall_seconds=1.0,
        cut_rate=0.02,
        burst_rate=0.01,
        burst_length=3,
    )
    cap = 2.5
    with Sandbox(SandboxConfig(contacts=300, faults=config)).start() as sandbox:
        gateway = _gateway(
            sandbox,
            connect_timeout=0.5,
            read_timeout=0.3,
            call_time_cap=cap,
            requests_per_10s=1000,
            search_per_second=50,
            ten_secondly_wait=0.2,
            secondly_wait=0.2,
            backoff_base=0.05,
            backoff_max=0.4,
        )

        def timed(call: Callable[[], Any]) -> tuple[float, str | None]:
            start = time.perf_counter()
            try:
                call()
            except Exception as exc:
                return time.perf_counter() - start, type(exc).__name__
            return time.perf_counter() - start, None

        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(timed, _mixed(sandbox, gateway, calls)))
        errors = Counter(name for _, name in results if name)
        ok = sum(1 for _, name in results if name is None)
        return ok, errors, max(t for t, _ in results), cap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--skip-burst", action="store_true", help="skip the ~90 s burst")
    args = parser.parse_args()
    print(f"CPython {platform.python_version()}, {platform.machine()}")

    bare, ours = overhead(args.seconds)
    print(f"batch read of 100: bare SDK {bare:.0f} calls/s, gateway {ours:.0f} calls/s")

    ok, errors, longest, cap = faults(500, args.threads)
    print(
        f"10% faults, 500 calls: {ok} succeeded, errors {dict(errors)}, "
        f"longest call {longest:.2f} s (cap {cap} s)"
    )

    if not args.skip_burst:
        result = burst(args.calls, args.threads)
        print(
            f"professional tier, {args.calls} mixed calls, {args.threads} threads: "
            f"{result['elapsed']:.1f} s for a floor of {result['floor']:.0f} s "
            f"({result['elapsed'] / result['floor']:.3f}x); "
            f"{result['limited']:.0f} of {result['answers']:.0f} answers were 429"
        )


if __name__ == "__main__":
    main()
