"""A run whose end cannot be recorded (the state store went away) is not left "running": the
next start marks it interrupted and says why, and `connector status` shows that reason."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import StateStoreError
from connector.state import StateStore
from tests.conftest import MakeSandbox


def test_a_run_that_lost_the_store_at_its_end_is_marked_interrupted_by_the_next(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=300, seed=3)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0

    real_finish = StateStore.finish_run

    def outage(self: StateStore, run_id: int, **kwargs: Any) -> None:
        raise StateStoreError("the state store at sqlite:///x failed: disk I/O error")

    monkeypatch.setattr(StateStore, "finish_run", outage)
    assert connector.run("sync").code != 0
    store = connector.store()
    (lost,) = store.recent_runs("default", 1)
    assert lost.status == "running"  # nothing could record its end
    store.close()

    monkeypatch.setattr(StateStore, "finish_run", real_finish)
    assert connector.run("sync").code == 0
    store = connector.store()
    runs = {r.id: r for r in store.recent_runs("default", 5)}
    store.close()
    assert runs[lost.id].status == "interrupted"
    assert "state store was unreachable" in runs[lost.id].summary["reason"]
    assert not [r for r in runs.values() if r.status == "running"]

    status = connector.run("status")
    assert status.code == 0
    assert f"run {lost.id} interrupted: the run did not record its end" in status.out
