"""Contacts read by id or listed are as current as a fresh read: their plans skip it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from connector.hubspot.models import CrmRecord
from connector.sync.fresh import FreshReads


class _CountingPort:
    def __init__(self) -> None:
        self.reads: list[list[str]] = []

    def read_contacts(self, ids: list[str], properties: list[str]) -> list[CrmRecord]:
        self.reads.append(list(ids))
        return [CrmRecord(id=i, properties={}) for i in ids]


def _handoff_plan(contact_id: str) -> Any:
    """A plan that starts a handoff (sets an owner, creates a task): it needs a fresh read."""
    record = SimpleNamespace(id=contact_id, properties={})
    decision = SimpleNamespace(handoff_condition=True)
    return SimpleNamespace(
        write=None, scored=SimpleNamespace(record=record, decision=decision, prior=None)
    )


def test_only_plans_from_search_pages_wait_for_a_fresh_read() -> None:
    port = _CountingPort()
    fresh = FreshReads(port, batch=2)  # type: ignore[arg-type]
    fresh.trust(["listed-1", "listed-2"])  # a list page, or contacts read back by id

    ready = fresh.take([_handoff_plan("listed-1"), _handoff_plan("searched-1")])
    ready += fresh.take([_handoff_plan("listed-2"), _handoff_plan("searched-2")])

    assert [p.scored.record.id for p in ready] == ["listed-1", "listed-2"]
    checked = fresh.checked(final=True)
    assert port.reads == [["searched-1", "searched-2"]]
    assert [p.scored.record.id for p in checked] == ["searched-1", "searched-2"]
    # Trust is spent by the plan: the same contact met again on a search page is read fresh.
    assert fresh.take([_handoff_plan("listed-1")]) == []


def test_a_listed_page_that_waited_too_long_is_read_fresh_after_all() -> None:
    port = _CountingPort()
    now = [100.0]
    fresh = FreshReads(port, batch=1, clock=lambda: now[0])  # type: ignore[arg-type]
    fresh.trust(["young"], read_at=now[0] - 0.5)  # taken half a second after it was listed
    fresh.trust(["old"], read_at=now[0] - 5.0)  # waited five seconds in the read-ahead buffer

    ready = fresh.take([_handoff_plan("young"), _handoff_plan("old")])

    assert [p.scored.record.id for p in ready] == ["young"]
    assert [p.scored.record.id for p in fresh.checked()] == ["old"]
    assert port.reads == [["old"]]
