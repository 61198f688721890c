"""Faults against the sandbox: every call succeeds or raises the right class within its cap."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from connector.errors import (
    DailyLimitError,
    HubSpotError,
    RateLimitedError,
    RetriableHubSpotError,
)
from connector.hubspot import HubSpotGateway
from connector.hubspot.models import NewTask, RecordUpdate
from connector.sandbox import FaultConfig, Sandbox
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway

CAP = 2.5  # s: the per-call time cap used here
SLACK = 0.6  # s: scheduling noise on a loaded 2-core runner
TIMEOUTS = {"connect_timeout": 0.5, "read_timeout": 0.3, "call_time_cap": CAP}
WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
STATUSES = ("OPEN", "IN_PROGRESS", "NEW", "CONNECTED")


def _timed(call: Callable[[], Any]) -> tuple[float, Any, BaseException | None]:
    start = time.monotonic()
    try:
        result = call()
    except Exception as exc:
        return time.monotonic() - start, None, exc
    return time.monotonic() - start, result, None


def _mixed_calls(sandbox: Sandbox, gateway: HubSpotGateway, n: int) -> list[Callable[[], Any]]:
    ids = sandbox.store.all_ids("contacts")
    calls: list[Callable[[], Any]] = []
    for i in range(n):
        chunk = ids[(i * 7) % 150 : (i * 7) % 150 + 10]
        kind = i % 5
        if kind == 0:
            calls.append(
                lambda: gateway.search_contacts_modified(
                    since=WIDE[0], until=WIDE[1], properties=["email"], limit=20
                )
            )
        elif kind == 1:
            calls.append(lambda chunk=chunk: gateway.read_contacts(chunk, ["email"]))
        elif kind == 2:
            status = STATUSES[i % len(STATUSES)]
            updates = [RecordUpdate(id=c, properties={"hs_lead_status": status}) for c in chunk]
            calls.append(lambda updates=updates: gateway.update_contacts(updates))
        elif kind == 3:
            calls.append(lambda: gateway.list_contacts(properties=["email"], limit=10))
        else:
            task = NewTask(
                subject=f"t{i}", body="b", due_at=WIDE[1], owner_id=None, contact_id=chunk[0]
            )
            calls.append(lambda task=task: gateway.create_tasks([task]))
    return calls


@pytest.mark.slow
def test_ten_percent_faults_every_call_ends_right_within_its_cap(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    faults = FaultConfig(
        seed=7,
        error_rate=0.04,
        stall_rate=0.02,
        stall_seconds=1.0,
        cut_rate=0.02,
        burst_rate=0.01,
        burst_length=3,
        short_page_rate=0.01,
    )
    sandbox = make_sandbox(contacts=200, faults=faults)
    gateway = make_gateway(sandbox, **TIMEOUTS)
    calls = _mixed_calls(sandbox, gateway, 250)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(_timed, call) for call in calls]
        outcomes = [f.result(timeout=120) for f in futures]  # nothing hangs

    errors = Counter(type(exc).__name__ for _, _, exc in outcomes if exc is not None)
    for elapsed, _, exc in outcomes:
        assert elapsed <= CAP + SLACK
        if exc is not None:
            # Only transient classes may surface: never a raw SDK/urllib3 exception, never a
            # fatal or auth error for a request that was valid.
            assert isinstance(exc, RetriableHubSpotError), repr(exc)
    succeeded = sum(1 for _, _, exc in outcomes if exc is None)
    assert succeeded >= 0.95 * len(calls), errors

    kinds = Counter(kind for _, kind, _ in sandbox.faults.history)
    assert {"server_error", "stall", "cut", "rate_limit"} <= set(kinds)
    stats = gateway.stats()
    assert stats.retries > 0
    assert stats.rate_limited >= 1
    assert stats.calls_by_status.get("timeout", 0) >= 1
    assert stats.calls_by_status.get("connection_error", 0) >= 1


@pytest.mark.parametrize(
    ("faults", "error_class", "category"),
    [
        pytest.param(
            FaultConfig(stall_rate=1.0, stall_seconds=1.0),
            RetriableHubSpotError,
            "TIMEOUT",
            id="stall",
        ),
        pytest.param(FaultConfig(error_rate=1.0), RetriableHubSpotError, None, id="5xx"),
        pytest.param(
            FaultConfig(cut_rate=1.0), RetriableHubSpotError, "CONNECTION_ERROR", id="cut"
        ),
        pytest.param(
            FaultConfig(burst_rate=1.0, burst_length=1000), RateLimitedError, "RATE_LIMIT", id="429"
        ),
    ],
)
def test_persistent_faults_surface_the_last_error_at_the_cap(
    make_sandbox: MakeSandbox,
    make_gateway: MakeGateway,
    faults: FaultConfig,
    error_class: type[HubSpotError],
    category: str | None,
) -> None:
    sandbox = make_sandbox(contacts=20, faults=faults)
    gateway = make_gateway(sandbox, **{**TIMEOUTS, "call_time_cap": 1.5})
    ids = sandbox.store.all_ids("contacts")[:3]
    elapsed, _, exc = _timed(lambda: gateway.read_contacts(ids, ["email"]))
    assert isinstance(exc, error_class), repr(exc)
    assert exc.details.endpoint == "contacts.batch_read"
    if category is not None:
        assert exc.details.category == category
    else:
        assert exc.status in (500, 502, 503, 504)
    assert elapsed <= 1.5 + SLACK
    assert gateway.stats().retries >= 1  # it did try again before giving up


def test_cut_writes_are_retried_because_updates_are_idempotent(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    faults = FaultConfig(cut_rate=1.0, only_paths=("/batch/update",))
    sandbox = make_sandbox(contacts=20, faults=faults)
    gateway = make_gateway(sandbox, **{**TIMEOUTS, "call_time_cap": 1.0})
    target = sandbox.store.all_ids("contacts")[0]
    with pytest.raises(RetriableHubSpotError):
        gateway.update_contacts([RecordUpdate(id=target, properties={"hs_lead_status": "OPEN"})])
    # The sandbox applied every attempt; the client never saw an answer and tried again.
    assert gateway.stats().calls_by_endpoint["contacts.batch_update"] >= 2
    assert sandbox.store.get("contacts", target)["hs_lead_status"] == "OPEN"  # type: ignore[index]
    sandbox.faults.clear()
    outcome = gateway.update_contacts(
        [RecordUpdate(id=target, properties={"hs_lead_status": "CONNECTED"})]
    )
    assert outcome.succeeded == (target,)


def test_ambiguous_task_create_is_not_retried(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=5, faults=FaultConfig(cut_rate=1.0))
    gateway = make_gateway(sandbox, **TIMEOUTS)
    contact = sandbox.store.all_ids("contacts")[0]
    before = sandbox.store.count("tasks")
    task = NewTask(subject="s", body="b", due_at=WIDE[1], owner_id=None, contact_id=contact)
    with pytest.raises(RetriableHubSpotError) as info:
        gateway.create_tasks([task])
    assert info.value.details.category == "CONNECTION_ERROR"
    # HubSpot (the sandbox) created it once; a blind retry would have made a duplicate.
    assert sandbox.store.count("tasks") == before + 1
    assert gateway.stats().calls_by_endpoint == {"tasks.batch_create": 1}


def test_daily_budget_stops_the_run_at_once(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=20, tier="professional", daily_limit=4)
    gateway = make_gateway(sandbox)
    for _ in range(4):  # search answers carry no headers: the limiter cannot see the budget
        gateway.search_contacts_modified(since=WIDE[0], until=WIDE[1], properties=[], limit=1)
    start = time.monotonic()
    with pytest.raises(DailyLimitError) as info:
        gateway.search_contacts_modified(since=WIDE[0], until=WIDE[1], properties=[], limit=1)
    assert time.monotonic() - start < 0.5  # no retry, no wait
    assert info.value.details.policy_name == "DAILY"
    assert "daily" in str(info.value).lower()
    with pytest.raises(DailyLimitError):  # refused locally: HubSpot is not asked again
        gateway.list_contacts(properties=["email"], limit=1)
    assert sum(sandbox.request_counts().values()) == 5
    assert gateway.stats().calls_by_status == {"200": 4, "429": 1}


def test_daily_remaining_header_stops_calls_before_hubspot_refuses(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=20, tier="professional", daily_limit=3)
    gateway = make_gateway(sandbox)
    for _ in range(3):
        gateway.list_contacts(properties=["email"], limit=1)
    with pytest.raises(DailyLimitError):
        gateway.list_contacts(properties=["email"], limit=1)
    assert sum(sandbox.request_counts().values()) == 3  # the 4th never left
