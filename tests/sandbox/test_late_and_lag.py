"""What the lost-answer and daily-reset tests need from the sandbox.

- a write HubSpot completes after the client timed out (`late_rate`: held, then applied when
  the test releases it) or applies at once while the answer is held (`applied_stall_rate`);
- search lag on task writes, as on every write;
- a daily budget that rolls over at the sandbox clock's day boundary.

The client's read timeout is short and real (0.3 s); nothing else waits on real time: held
requests finish when the test releases them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3
from hubspot.crm.contacts.exceptions import ApiException

from connector.sandbox import FaultConfig, Sandbox
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, client_for

SHORT_READ = (1.0, 0.3)
TASKS_CREATE = ("/crm/v3/objects/tasks/batch/create",)


def _task_input(contact_id: str, subject: str) -> dict[str, Any]:
    return {
        "properties": {
            "hs_task_subject": subject,
            "hs_timestamp": "2026-03-10T10:00:00.000Z",
            "hs_task_status": "NOT_STARTED",
        },
        "associations": [
            {
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
            }
        ],
    }


def _create_task(sb: Sandbox, contact_id: str, subject: str, timeout: Any = TIMEOUT) -> Any:
    return client_for(sb).crm.objects.tasks.batch_api.create(
        {"inputs": [_task_input(contact_id, subject)]}, _request_timeout=timeout
    )


def _tasks_with(sb: Sandbox, subject: str) -> list[str]:
    return [
        tid
        for tid in sb.store.all_ids("tasks")
        if (sb.store.get("tasks", tid) or {}).get("hs_task_subject") == subject
    ]


def test_a_late_write_lands_after_the_client_timed_out_and_only_when_released(
    make_sandbox: MakeSandbox,
) -> None:
    sb = make_sandbox(
        contacts=3, faults=FaultConfig(late_rate=1.0, stall_seconds=30, only_paths=TASKS_CREATE)
    )
    contact = sb.store.all_ids("contacts")[0]
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        _create_task(sb, contact, "late", SHORT_READ)
    assert _tasks_with(sb, "late") == []  # not yet: a lookup now finds nothing
    assert sb.release_late_requests() == 1
    (task,) = _tasks_with(sb, "late")
    assert task in sb.store.associations("contacts", contact, "tasks")


def test_an_applied_stall_writes_at_once_although_the_client_times_out(
    make_sandbox: MakeSandbox,
) -> None:
    sb = make_sandbox(
        contacts=3,
        faults=FaultConfig(applied_stall_rate=1.0, stall_seconds=30, only_paths=TASKS_CREATE),
    )
    contact = sb.store.all_ids("contacts")[0]
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        _create_task(sb, contact, "applied", SHORT_READ)
    assert len(_tasks_with(sb, "applied")) == 1
    assert sb.release_late_requests() == 1


def test_stopping_the_sandbox_releases_held_requests(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(
        contacts=3, faults=FaultConfig(late_rate=1.0, stall_seconds=30, only_paths=TASKS_CREATE)
    )
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        _create_task(sb, sb.store.all_ids("contacts")[0], "stopped", SHORT_READ)
    sb.stop()  # returns promptly: the held request is let go, not waited out


def test_search_lags_task_writes_too(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=3, search_lag_ms=2000)
    _create_task(sb, sb.store.all_ids("contacts")[0], "lagged")
    search = client_for(sb).crm.objects.search_api
    query = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_task_subject", "operator": "EQ", "value": "lagged"}]}
        ]
    }
    assert search.do_search("tasks", query, _request_timeout=TIMEOUT).total == 0
    sb.clock.advance(timedelta(milliseconds=2001))
    assert search.do_search("tasks", query, _request_timeout=TIMEOUT).total == 1


def test_the_daily_budget_rolls_over_at_the_sandbox_clock_day_boundary(
    make_sandbox: MakeSandbox,
) -> None:
    sb = make_sandbox(
        contacts=1, tier="enterprise", daily_limit=2, now=datetime(2026, 3, 10, 23, 59, tzinfo=UTC)
    )
    api = client_for(sb).crm.contacts.basic_api
    for _ in range(2):
        api.get_page(limit=1, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as caught:
        api.get_page(limit=1, _request_timeout=TIMEOUT)
    assert caught.value.status == 429
    sb.clock.advance(timedelta(minutes=1))  # midnight, by the sandbox clock
    _, status, headers = api.get_page_with_http_info(limit=1, _request_timeout=TIMEOUT)
    assert status == 200
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
