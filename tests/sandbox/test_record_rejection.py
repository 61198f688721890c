"""Per-record rejections: a 207 naming exactly the rejected ids, the same ids for a seed."""

from __future__ import annotations

from typing import Any

import hubspot
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput

from connector.sandbox import FaultConfig
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, client_for


def _update_all(client: hubspot.HubSpot, ids: list[str]) -> Any:
    return client.crm.contacts.batch_api.update(
        batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": i, "properties": {"jobtitle": "Head of Sales"}} for i in ids]
        ),
        _request_timeout=TIMEOUT,
    )


def test_rejected_records_come_back_in_a_207_with_their_ids(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(contacts=300, faults=FaultConfig(seed=5, reject_record_rate=0.1))
    ids = sandbox.store.all_ids("contacts")[:100]
    expected = {i for i in ids if sandbox.faults.rejects_record(i)}
    assert 0 < len(expected) < 30

    response = _update_all(client_for(sandbox), ids)

    failed = {i for e in response.errors for i in e.context["ids"]}
    assert failed == expected
    assert {e.category for e in response.errors} == {"VALIDATION_ERROR"}
    assert {r.id for r in response.results} == set(ids) - expected
    untouched = next(iter(expected))
    assert sandbox.store.get("contacts", untouched)["jobtitle"] != "Head of Sales"


def test_same_seed_rejects_the_same_records(make_sandbox: MakeSandbox) -> None:
    first = make_sandbox(contacts=200, faults=FaultConfig(seed=9, reject_record_rate=0.2))
    second = make_sandbox(contacts=200, faults=FaultConfig(seed=9, reject_record_rate=0.2))
    ids = first.store.all_ids("contacts")
    assert [first.faults.rejects_record(i) for i in ids] == [
        second.faults.rejects_record(i) for i in ids
    ]
