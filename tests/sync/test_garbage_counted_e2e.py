"""Garbage in a portal is scored, and counted by property in the summary and `status`."""

from __future__ import annotations

from typing import Any

from tests.conftest import MakeSandbox


def test_garbage_values_are_counted_in_the_summary_and_status(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=200, seed=8)
    ids = sorted(sandbox.store.all_ids("contacts"), key=int)[:4]
    garbage = [
        {"jobtitle": "Director " + "x" * 1_000_000},
        {"jobtitle": "VP\x00 of Sales"},
        {"associatedcompanyid": "987654321"},
        {"hs_analytics_last_visit_timestamp": "last tuesday"},
    ]
    for cid, values in zip(ids, garbage, strict=True):
        sandbox.store.update("contacts", cid, values, validate=False)
    company = sorted(sandbox.store.all_ids("companies"), key=int)[0]
    sandbox.store.update("companies", company, {"numberofemployees": "1e309"}, validate=False)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    result = connector.run("sync")
    assert result.code == 0
    assert "unreadable values scored as unknown" in result.out
    store = connector.store()
    (run,) = store.recent_runs("default", 1)
    store.close()
    counts = dict(run.summary["unreadable_by_property"])
    assert run.summary["scored"] == 200
    assert counts["jobtitle"] == 2
    assert counts["associatedcompanyid"] == 1
    assert counts["hs_analytics_last_visit_timestamp"] == 1
    linked = 0
    for cid in sandbox.store.all_ids("contacts"):
        props = sandbox.store.get("contacts", cid) or {}
        linked += props.get("associatedcompanyid") == company
    assert counts.get("company.numberofemployees", 0) == linked
    status = connector.run("status")
    assert "unreadable values in run" in status.out and "jobtitle 2" in status.out
