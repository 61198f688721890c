"""At professional-tier limits, 2,000 mixed calls from 4 threads: < 1% 429s, ≤ 1.15× the floor.

The floor is what the limits allow, computed from the call mix: the sandbox (like HubSpot)
admits 190 non-search calls per rolling 10 s and 5 searches per rolling second, with empty
windows at the start. So the k-th non-search call (k from 0) cannot start before
⌊k / 190⌋ × 10 s and the k-th search before ⌊k / 5⌋ s; the run cannot end before the later of
the last two. The gateway starts from the project's default budget (100 per 10 s) and must learn
the real 190 from HubSpot's headers.

The calls are real HTTP calls to the sandbox, but time is virtual: the gateway's limiter and
retries and the sandbox's rolling windows read one `VirtualClock`, which moves only while every
worker thread waits. The ~90 s the limits impose take no real time, and how busy the machine is
changes nothing in what is measured.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import RecordUpdate
from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway
from tests.hubspot.fakes import VirtualClock

TOTAL_CALLS = 2000
SEARCH_EVERY = 10  # one call in ten is a search
THREADS = 4
PRO_BURST = 190  # per rolling 10 s
PRO_SEARCH = 5  # per rolling second
WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def floor_seconds(standard_calls: int, search_calls: int) -> float:
    """The earliest the last call of the mix can start under the professional limits."""
    standard = ((standard_calls - 1) // PRO_BURST) * 10.0 if standard_calls else 0.0
    search = float((search_calls - 1) // PRO_SEARCH) if search_calls else 0.0
    return max(standard, search)


def _mix(sandbox: Sandbox, gateway: HubSpotGateway) -> list[tuple[bool, Callable[[], Any]]]:
    ids = sandbox.store.all_ids("contacts")
    calls: list[tuple[bool, Callable[[], Any]]] = []
    for i in range(TOTAL_CALLS):
        chunk = ids[(i * 3) % 200 : (i * 3) % 200 + 10]
        if i % SEARCH_EVERY == 0:
            calls.append(
                (
                    True,
                    lambda: gateway.search_contacts_modified(
                        since=WIDE[0], until=WIDE[1], properties=["email"], limit=10
                    ),
                )
            )
        elif i % 3 == 0:
            updates = [RecordUpdate(id=c, properties={"hs_lead_status": "OPEN"}) for c in chunk]
            calls.append((False, lambda updates=updates: gateway.update_contacts(updates)))
        elif i % 3 == 1:
            calls.append((False, lambda chunk=chunk: gateway.read_contacts(chunk, ["email"])))
        else:
            calls.append((False, lambda: gateway.list_contacts(properties=["email"], limit=10)))
    return calls


def test_floor_arithmetic() -> None:
    assert floor_seconds(190, 0) == 0.0  # the first window's worth goes at once
    assert floor_seconds(191, 0) == 10.0
    assert floor_seconds(1800, 200) == 90.0
    assert floor_seconds(10, 200) == 39.0


def _run_on_workers(clock: VirtualClock, calls: list[Callable[[], Any]], threads: int) -> None:
    """Run `calls` from `threads` workers on the virtual clock; re-raise the first failure."""
    pending = iter(calls)
    take = threading.Lock()
    failures: list[BaseException] = []

    def work() -> None:
        with clock.worker():
            while True:
                with take:
                    call = next(pending, None)
                if call is None or failures:
                    return
                try:
                    call()
                except BaseException as exc:
                    failures.append(exc)
                    return

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    if failures:
        raise failures[0]
    assert not any(worker.is_alive() for worker in workers)


def test_burst_of_2000_mixed_calls_stays_polite_and_fast(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    clock = VirtualClock()
    sandbox = make_sandbox(contacts=300, tier="professional", monotonic=clock.monotonic)
    gateway = make_gateway(
        sandbox,
        timer=clock.timer(),
        requests_per_10s=100,  # the settings default; HubSpot's headers say 190
        search_per_second=PRO_SEARCH,
        read_timeout=10.0,
        call_time_cap=120.0,
        ten_secondly_wait=10.0,
        secondly_wait=1.0,
    )
    calls = _mix(sandbox, gateway)
    searches = sum(1 for is_search, _ in calls if is_search)
    allowed = floor_seconds(len(calls) - searches, searches)

    start = clock.monotonic()
    _run_on_workers(clock, [call for _, call in calls], THREADS)
    elapsed = clock.monotonic() - start

    answers = sandbox.request_counts()
    rate_limited = sum(n for (_, _, status), n in answers.items() if status == 429)
    total = sum(answers.values())
    assert total >= TOTAL_CALLS
    assert rate_limited < 0.01 * TOTAL_CALLS, f"{rate_limited} answers were 429"
    assert allowed <= elapsed <= 1.15 * allowed, f"{elapsed:.1f} s for a floor of {allowed:.1f} s"
    assert gateway.limiter.snapshot().burst_capacity == PRO_BURST  # learned from headers
    assert gateway.stats().rate_limited == rate_limited
