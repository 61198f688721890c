"""End-to-end: the `connector` CLI against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import connector.sync.commands as commands
from connector.hubspot import HubSpotGateway
from connector.sandbox import FaultConfig, Sandbox
from tests.conftest import MakeSandbox
from tests.sync.conftest import Connector

SCORE = "qualification_score"
UPDATE_PATH = "/crm/v3/objects/contacts/batch/update"
#: Enough for a millisecond past the search cap, and a thousand contacts on either side of it.
CONTACTS = 14_000


def last_summary(connector: Connector) -> dict[str, Any]:
    store = connector.store()
    try:
        return dict(store.recent_runs("default", 1)[0].summary)
    finally:
        store.close()


def unscored(sandbox: Sandbox) -> list[str]:
    return [
        cid
        for cid in sandbox.store.all_ids("contacts")
        if not (sandbox.store.get("contacts", cid) or {}).get(SCORE)
    ]


def calls(sandbox: Sandbox, fragment: str) -> int:
    return sum(n for (_, path, _), n in sandbox.request_counts().items() if fragment in path)


@pytest.mark.slow
def test_every_contact_scored_once_across_a_shared_millisecond_short_pages_and_lag(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(
        contacts=CONTACTS,
        search_lag_ms=1_000,
        faults=FaultConfig(seed=11, short_page_rate=0.2, only_paths=("/search",)),
    )
    ids = sandbox.store.all_ids("contacts")
    connector = make_connector(sandbox, lag_seconds=3)
    # One clock for the connector and the sandbox, moved by the test instead of waited for.
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    # Past both lags (the sandbox's search lag, the connector's window lag): every contact the
    # seed stamped is in the first run's window, and only edits made during the run are not.
    sandbox.clock.advance(timedelta(seconds=4))

    edited = ids[-40:]
    edit_at_search_call(monkeypatch, 30, sandbox, edited)  # a user edits during the run
    first = connector.run("sync")  # the backfill, by id, short search pages included

    assert first.code == 0, first.err
    summary = last_summary(connector)
    assert summary["status"] == "ok"
    # Contacts edited before the pull reached them moved past this run's window: the next
    # run owns them. Every other contact is pulled, scored and written exactly once.
    missed = set(unscored(sandbox))
    assert missed <= set(edited)
    assert summary["pulled"] == CONTACTS - len(missed)
    assert summary["scored"] == summary["pulled"]
    assert summary["written"] == summary["pulled"]  # nothing was scored before: each once
    score_batches = -(-summary["pulled"] // 100)
    handoff_batches = 2 * (-(-summary["handoffs_created"] // 100))
    assert score_batches <= calls(sandbox, UPDATE_PATH) <= score_batches + handoff_batches

    store = connector.store()
    cursor_after_first = store.get_cursor("default")
    store.close()
    assert cursor_after_first is not None

    # 12,000 contacts share one millisecond inside the next window: more than the 10,000
    # results a query can page to.
    shared = cursor_after_first.ts + timedelta(seconds=1)
    sandbox.store.set_modified("contacts", ids[1_000:13_000], shared)
    sandbox.clock.advance(timedelta(seconds=4.5))  # past the lag: the edits are in the window
    second = connector.run("sync")
    assert second.code == 0, second.err
    summary = last_summary(connector)
    assert summary["millisecond_drains"] >= 1
    # The first run's own writes moved every contact into this window too: each once.
    assert summary["pulled"] == CONTACTS
    store = connector.store()
    memory = store.get_memory("default", [*ids[1_000:13_000], *edited])
    cursor_after_second = store.get_cursor("default")
    store.close()
    assert cursor_after_second is not None and cursor_after_second.ts > cursor_after_first.ts
    rescored = [cid for cid, m in memory.items() if m.scored_at > cursor_after_first.ts]
    assert len(rescored) == 12_000 + len(edited)
    assert unscored(sandbox) == []
    assert (sandbox.store.get("contacts", edited[0]) or {})["jobtitle"] == "Chief Executive Officer"


def edit_at_search_call(
    monkeypatch: pytest.MonkeyPatch, nth: int, sandbox: Sandbox, ids: list[str]
) -> None:
    """Edit the contacts in HubSpot just before the run's `nth` search request (a window's or
    a backfill's)."""
    seen = 0

    def hooked(name: str) -> Any:
        search = getattr(HubSpotGateway, name)

        def searching(self: HubSpotGateway, **kwargs: Any) -> Any:
            nonlocal seen
            seen += 1
            if seen == nth:
                for cid in ids:
                    sandbox.store.update("contacts", cid, {"jobtitle": "Chief Executive Officer"})
            return search(self, **kwargs)

        return searching

    for name in ("search_contacts_modified", "search_contacts_by_id"):
        monkeypatch.setattr(HubSpotGateway, name, hooked(name))


def test_second_run_with_nothing_changed_costs_at_most_two_calls(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=600)
    hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    sandbox.store.set_modified("contacts", sandbox.store.all_ids("contacts"), hour_ago)
    connector = make_connector(sandbox, lag_seconds=20)
    assert connector.run("setup").code == 0

    first = connector.run("sync")
    assert first.code == 0, first.err
    assert last_summary(connector)["written"] == 600
    sandbox.reset_counts()

    second = connector.run("sync")

    assert second.code == 0, second.err
    summary = last_summary(connector)
    assert summary["api_calls"] <= 2  # the window's search and the count of what waits in lag
    # Besides the run, `connector sync` only checks the configuration against the portal (a
    # worker, `connector run`, does that at its start and then once a day).
    outside_the_run = sum(sandbox.request_counts().values()) - summary["api_calls"]
    assert outside_the_run == sum(
        n
        for (method, path, _), n in sandbox.request_counts().items()
        if path.endswith("access-token-info") or "/properties/" in path or "/owners" in path
    )
    assert summary["written"] == 0


def test_our_own_writes_come_back_once_and_cost_no_write(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=400)
    connector = make_connector(sandbox, lag_seconds=0)
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    sandbox.clock.advance(timedelta(milliseconds=50))  # the writes are behind the next `until`
    echo = connector.run("sync")
    assert echo.code == 0, echo.err
    summary = last_summary(connector)
    assert summary["pulled"] >= 1  # the contacts it wrote were modified by that write
    assert summary["written"] == 0  # and are unchanged, so nothing is sent again


def test_rejected_records_are_dead_lettered_and_do_not_pin_the_cursor(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=3_000, faults=FaultConfig(seed=4, reject_record_rate=0.01))
    ids = sandbox.store.all_ids("contacts")
    rejected = {cid for cid in ids if sandbox.faults.rejects_record(cid)}
    assert 10 <= len(rejected) <= 60
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0

    result = connector.run("sync")

    assert result.code == 0, result.err
    summary = last_summary(connector)
    assert summary["failed"] == len(rejected)
    assert summary["written"] == 3_000 - len(rejected)
    assert set(unscored(sandbox)) == rejected
    store = connector.store()
    letters = {d.contact_id: d for d in store.dead_letters("default", 1_000)}
    cursor = store.get_cursor("default")
    store.close()
    assert set(letters) == rejected
    assert all(d.category == "VALIDATION_ERROR" and d.message for d in letters.values())
    assert cursor is not None and cursor.ts >= datetime.now(UTC) - timedelta(minutes=1)
    status = connector.run("status")
    assert f"dead letters: {len(rejected)}" in status.out


def test_dry_run_writes_nothing_and_shows_the_changes(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=200)
    connector = make_connector(sandbox, lag_seconds=0)

    result = connector.run("sync", "--dry-run", "--format", "csv")

    assert result.code == 0, result.err
    assert calls(sandbox, UPDATE_PATH) == 0
    # It may read the SDRs' open tasks (their load decides who gets a handoff), never write one.
    task_writes = {
        path: n
        for (method, path, _), n in sandbox.request_counts().items()
        if "/tasks" in path and method != "GET" and not path.endswith(("/search", "/batch/read"))
    }
    assert task_writes == {}
    assert len(unscored(sandbox)) == 200
    lines = result.out.strip().splitlines()
    assert lines[0] == "action,id,property,current,would write,owner,due,tier"
    assert (
        sum(1 for line in lines if line.startswith("update contact,") and f",{SCORE}," in line)
        == 200
    )
    store = connector.store()
    assert store.get_cursor("default") is None  # a dry run never moves the cursor
    store.close()


def test_bad_token_is_one_line_exit_2_without_the_token(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50)
    connector = make_connector(sandbox, HUBSPOT_ACCESS_TOKEN="pat-na1-wrong-token-123456")

    result = connector.run("sync")

    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.startswith("connector:")]
    assert len(lines) == 1
    assert "HUBSPOT_ACCESS_TOKEN" in lines[0]
    assert "pat-na1-wrong-token-123456" not in result.err + result.out


def test_bad_rules_file_is_one_line_exit_2(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Any
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nfit: [oops\n")
    sandbox = make_sandbox(contacts=50)
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))

    result = connector.run("sync")

    assert result.code == 2
    assert "rules.yaml" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert calls(sandbox, "/crm/") == 0


def test_sync_before_setup_stops_with_one_line_and_writes_nothing(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=100)
    connector = make_connector(sandbox)

    result = connector.run("sync")

    assert result.code == 2
    assert "connector setup" in result.err
    assert calls(sandbox, UPDATE_PATH) == 0
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    assert unscored(sandbox) == []


def test_explain_prints_the_score_and_every_reason(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=300)
    connector = make_connector(sandbox)
    contact_id = sandbox.store.all_ids("contacts")[0]

    result = connector.run("explain", contact_id)

    assert result.code == 0, result.err
    first = result.out.splitlines()[0]
    assert first.startswith(f"contact {contact_id}: ")
    assert "/100" in first
    assert len(result.out.splitlines()) > 2  # the full reasons follow
    missing = connector.run("explain", "999999999")
    assert missing.code == 2
    assert "999999999" in missing.err
