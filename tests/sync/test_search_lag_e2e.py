"""End-to-end: the contacts a run leaves to the next because search lags writes are counted.

The sandbox's search shows a write 1 s after it is made; the connector's window ends 5 s before
the run. Contacts edited 2 s before a run are visible to search but after the window: the run
summary, the console and `status` say how many, and the next run scores them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

import connector.sync.commands as commands
from connector.sandbox import SandboxConfig
from connector.sandbox.cli import connector_settings
from tests.conftest import MakeSandbox

EDITED = 7


def test_the_contacts_waiting_for_the_search_lag_are_counted_and_scored_next_run(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=300, search_lag_ms=1_000)
    connector = make_connector(sandbox, lag_seconds=5)
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    sandbox.clock.advance(timedelta(seconds=6))  # the seeded contacts are behind the window
    ids = sandbox.store.all_ids("contacts")
    edited = ids[10 : 10 + EDITED]
    for cid in edited:
        sandbox.store.update("contacts", cid, {"jobtitle": "VP of Sales"})
    sandbox.clock.advance(timedelta(seconds=2))  # search shows them; the window does not

    first = connector.run("sync")

    assert first.code == 0, first.err
    store = connector.store()
    summary = dict(store.recent_runs("default", 1)[0].summary)
    memory = store.get_memory("default", edited)
    store.close()
    assert summary["lag_waiting"] == EDITED
    assert summary["lag_window_seconds"] == 5
    assert summary["pulled"] == 300 - EDITED
    assert not memory  # not scored by this run
    line = f"{EDITED} contacts changed in the last 5 s and wait for the next run"
    assert line in first.out
    status = connector.run("status")
    assert line in status.out
    as_json = json.loads(connector.run("status", "--json").out)
    assert as_json["search_lag"]["waiting"] == EDITED
    assert as_json["search_lag"]["window_seconds"] == 5

    sandbox.clock.advance(timedelta(seconds=6))  # past the window: the next run takes them
    second = connector.run("sync")

    assert second.code == 0, second.err
    store = connector.store()
    summary = dict(store.recent_runs("default", 1)[0].summary)
    memory = store.get_memory("default", edited)
    store.close()
    assert set(memory) == set(edited)
    assert summary["lag_waiting"] == 0  # the first run's own writes are inside this window
    assert "no contact waits for the lag" in connector.run("status").out


def test_a_run_without_a_lag_spends_no_call_on_counting(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=100)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    sandbox.reset_counts()
    assert connector.run("sync").code == 0
    searches = sum(
        n
        for (_, path, _), n in sandbox.request_counts().items()
        if path.endswith("contacts/search")
    )
    store = connector.store()
    summary = dict(store.recent_runs("default", 1)[0].summary)
    store.close()
    assert searches == summary["search_calls"]  # the window's own searches, nothing else
    assert summary["lag_waiting"] == 0


@pytest.mark.parametrize(
    ("tier", "lag_ms", "expected"),
    [
        (
            "professional",
            1_500,
            {
                "CONNECTOR_SEARCH_LAG_SECONDS": "2",
                "CONNECTOR_REQUESTS_PER_10S": "190",
                "CONNECTOR_SEARCH_PER_SECOND": "5",
                "CONNECTOR_DAILY_LIMIT": "625000",
            },
        ),
        (
            "unlimited",
            0,
            {
                "CONNECTOR_SEARCH_LAG_SECONDS": "0",
                "CONNECTOR_REQUESTS_PER_10S": "1000",
                "CONNECTOR_SEARCH_PER_SECOND": "50",
            },
        ),
    ],
)
def test_the_sandbox_banner_gives_settings_that_suit_it(
    tier: str, lag_ms: int, expected: dict[str, str]
) -> None:
    config = SandboxConfig(seed=1, contacts=10, token="tok-1", tier=tier, search_lag_ms=lag_ms)

    pairs = dict(connector_settings(config, "http://127.0.0.1:8123"))

    assert pairs == {
        "HUBSPOT_BASE_URL": "http://127.0.0.1:8123",
        "HUBSPOT_ACCESS_TOKEN": "tok-1",
        **expected,
    }
