"""CRM object endpoints through the official SDK: create, read, update, list and batches."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, body_of, client_for

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
T0 = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)


def test_create_stamps_hubspot_fields_and_get_returns_strings(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=10, now=T0)
    client = client_for(sb)
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "new@example.com", "firstname": "Ada", "lifecyclestage": "lead"},
            associations=[],
        ),
        _request_timeout=TIMEOUT,
    )
    assert created.id.isdigit()
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["createdate"] == "2026-11-23T10:00:00.123Z"
    assert created.properties["lastmodifieddate"] == "2026-11-23T10:00:00.123Z"
    fetched = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["email", "lifecyclestage", "jobtitle"], _request_timeout=TIMEOUT
    )
    assert fetched.properties["lifecyclestage"] == "lead"
    assert fetched.properties["jobtitle"] is None  # asked for, known, unset -> null
    assert fetched.created_at == T0


def test_update_moves_lastmodifieddate_with_the_clock(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=10, now=T0)
    client = client_for(sb)
    cid = sb.store.all_ids("contacts")[0]
    sb.clock.advance(timedelta(minutes=5))
    updated = client.crm.contacts.basic_api.update(
        cid, SimplePublicObjectInput(properties={"jobtitle": "CTO"}), _request_timeout=TIMEOUT
    )
    assert updated.properties["lastmodifieddate"] == "2026-11-23T10:05:00.123Z"
    assert sb.store.get("contacts", cid)["jobtitle"] == "CTO"  # type: ignore[index]


def test_get_unknown_id_is_404_with_hubspot_body(client: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_by_id("424242", _request_timeout=TIMEOUT)
    assert caught.value.status == 404
    body = body_of(caught.value)
    assert body["status"] == "error" and body["category"] == "OBJECT_NOT_FOUND"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["correlationId"])


def test_list_pages_with_after_and_caps_limit_at_100(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    api = client.crm.contacts.basic_api
    seen: list[str] = []
    after = None
    while True:
        page = api.get_page(limit=100, after=after, _request_timeout=TIMEOUT)
        seen.extend(r.id for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert seen == sb_ids(sandbox)
    assert all(ISO_MS.match(r.properties["createdate"]) for r in page.results)
    with pytest.raises(ApiException) as caught:
        api.get_page(limit=101, _request_timeout=TIMEOUT)
    assert caught.value.status == 400


def sb_ids(sandbox: Sandbox) -> list[str]:
    return sandbox.store.all_ids("contacts")


def test_batch_read_miss_is_207_object_not_found(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    ids = sb_ids(sandbox)[:3]
    result = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in [*ids, "1"]], properties=["email"]
        ),
        _request_timeout=TIMEOUT,
    )
    assert type(result).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert result.num_errors == 1
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["1"]}
    assert sorted(r.id for r in result.results) == sorted(ids)
    assert set(result.results[0].properties) >= {"email"}


def test_batch_rejects_duplicates_and_more_than_100(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    ids = sb_ids(sandbox)
    api = client.crm.contacts.batch_api
    with pytest.raises(ApiException) as dup:
        api.read({"inputs": [{"id": ids[0]}, {"id": ids[0]}]}, _request_timeout=TIMEOUT)
    assert dup.value.status == 400 and ids[0] in body_of(dup.value)["message"]
    with pytest.raises(ApiException) as dup_update:
        api.update(
            {"inputs": [{"id": ids[0], "properties": {}}, {"id": ids[0], "properties": {}}]},
            _request_timeout=TIMEOUT,
        )
    assert dup_update.value.status == 400
    with pytest.raises(ApiException) as big:
        api.read({"inputs": [{"id": i} for i in ids[:101]]}, _request_timeout=TIMEOUT)
    assert big.value.status == 400
    assert api.read({"inputs": [{"id": i} for i in ids[:100]]}, _request_timeout=TIMEOUT).status
    with pytest.raises(ApiException) as big_create:
        api.create({"inputs": [{"properties": {}}] * 101}, _request_timeout=TIMEOUT)
    assert big_create.value.status == 400


def test_batch_create_and_update(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    created = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[{"properties": {"email": f"b{i}@example.org"}} for i in range(3)]
        ),
        _request_timeout=TIMEOUT,
    )
    assert created.status == "COMPLETE" and len(created.results) == 3
    new_ids = [r.id for r in created.results]
    updated = client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": i, "properties": {"hs_lead_status": "OPEN"}} for i in new_ids]
        ),
        _request_timeout=TIMEOUT,
    )
    assert type(updated).__name__ == "BatchResponseSimplePublicObject"
    assert all(sandbox.store.get("contacts", i)["hs_lead_status"] == "OPEN" for i in new_ids)  # type: ignore[index]


def test_batch_update_invalid_values_are_207_per_record(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    good, bad = sb_ids(sandbox)[:2]
    result = client.crm.contacts.batch_api.update(
        {
            "inputs": [
                {"id": good, "properties": {"hs_lead_status": "CONNECTED"}},
                {"id": bad, "properties": {"hs_lead_status": "not-a-status"}},
                {"id": "77", "properties": {"hs_lead_status": "OPEN"}},
            ]
        },
        _request_timeout=TIMEOUT,
    )
    assert type(result).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    by_category = {e.category: e for e in result.errors}
    assert by_category["VALIDATION_ERROR"].context == {"ids": [bad]}
    assert by_category["OBJECT_NOT_FOUND"].context == {"ids": ["77"]}
    assert [r.id for r in result.results] == [good]
    assert sandbox.store.get("contacts", good)["hs_lead_status"] == "CONNECTED"  # type: ignore[index]
    assert sandbox.store.get("contacts", bad).get("hs_lead_status") != "not-a-status"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("properties", "error"),
    [
        ({"no_such_property": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_lead_status": "open"}, "INVALID_OPTION"),  # enumerations are case-sensitive
        ({"associatedcompanyid": "lots"}, "INVALID_DECIMAL"),
        ({"hs_analytics_num_visits": "3"}, "READ_ONLY_VALUE"),
    ],
)
def test_invalid_writes_are_400_validation_error(
    sandbox: Sandbox, client: hubspot.HubSpot, properties: dict[str, str], error: str
) -> None:
    cid = sb_ids(sandbox)[0]
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.update(
            cid, {"properties": properties}, _request_timeout=TIMEOUT
        )
    assert caught.value.status == 400
    body = body_of(caught.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    details = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert details[0]["error"] == error and details[0]["name"] == next(iter(properties))


def test_lifecycle_moves_forward_only_unless_cleared(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    cid = sb_ids(sandbox)[0]
    api = client.crm.contacts.basic_api

    def stage() -> str | None:
        return (sandbox.store.get("contacts", cid) or {}).get("lifecyclestage")

    api.update(cid, {"properties": {"lifecyclestage": ""}}, _request_timeout=TIMEOUT)
    api.update(
        cid, {"properties": {"lifecyclestage": "salesqualifiedlead"}}, _request_timeout=TIMEOUT
    )
    # Backward: a 200 and the stage stays put (the sandbox's documented default).
    reply = api.update(cid, {"properties": {"lifecyclestage": "lead"}}, _request_timeout=TIMEOUT)
    assert reply.properties["lifecyclestage"] == "salesqualifiedlead"
    assert stage() == "salesqualifiedlead"
    api.update(cid, {"properties": {"lifecyclestage": "opportunity"}}, _request_timeout=TIMEOUT)
    assert stage() == "opportunity"
    api.update(cid, {"properties": {"lifecyclestage": ""}}, _request_timeout=TIMEOUT)
    assert stage() is None
    api.update(cid, {"properties": {"lifecyclestage": "lead"}}, _request_timeout=TIMEOUT)
    assert stage() == "lead"


def test_lifecycle_backward_can_be_configured_to_fail(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, lifecycle_backward="error")
    cid = sb.store.all_ids("contacts")[0]
    sb.store.update("contacts", cid, {"lifecyclestage": ""})
    sb.store.update("contacts", cid, {"lifecyclestage": "customer"})
    with pytest.raises(ApiException) as caught:
        client_for(sb).crm.contacts.basic_api.update(
            cid, {"properties": {"lifecyclestage": "lead"}}, _request_timeout=TIMEOUT
        )
    assert caught.value.status == 400
    assert body_of(caught.value)["category"] == "VALIDATION_ERROR"


def test_duplicate_email_is_409_with_existing_id_in_message(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    cid = sb_ids(sandbox)[0]
    email = sandbox.store.get("contacts", cid)["email"]  # type: ignore[index]
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.create(
            {"properties": {"email": email.upper()}, "associations": []}, _request_timeout=TIMEOUT
        )
    assert caught.value.status == 409
    assert body_of(caught.value)["message"] == f"Contact already exists. Existing ID: {cid}"


def test_task_with_inline_associations_and_engagement_objects(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    cid = next(
        i for i in sb_ids(sandbox) if sandbox.store.get("contacts", i).get("associatedcompanyid")
    )  # type: ignore[union-attr]
    company = sandbox.store.get("contacts", cid)["associatedcompanyid"]  # type: ignore[index]
    task = client.crm.objects.tasks.basic_api.create(
        {
            "properties": {
                "hs_timestamp": "2026-11-24T09:00:00Z",
                "hs_task_subject": "Call back",
                "hs_task_status": "NOT_STARTED",
            },
            "associations": [
                {
                    "to": {"id": cid},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
                },
                {
                    "to": {"id": company},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 192}],
                },
            ],
        },
        _request_timeout=TIMEOUT,
    )
    assert task.properties["hs_timestamp"] == "2026-11-24T09:00:00.000Z"
    assert "hs_lastmodifieddate" in task.properties and "hs_createdate" in task.properties
    assert sandbox.store.associations("contacts", cid, "tasks") == {task.id: {203}}
    assert sandbox.store.associations("tasks", task.id, "companies") == {company: {192}}
    for object_type in ("notes", "calls", "emails", "meetings"):
        created = client.crm.objects.basic_api.create(
            object_type,
            {"properties": {"hs_timestamp": "1700000000000"}, "associations": []},
            _request_timeout=TIMEOUT,
        )
        read = client.crm.objects.basic_api.get_by_id(
            object_type, created.id, _request_timeout=TIMEOUT
        )
        assert read.properties["hs_object_id"] == created.id
    with pytest.raises(Exception) as caught:
        client.crm.objects.tasks.basic_api.create(
            {
                "properties": {},
                "associations": [
                    {
                        "to": {"id": cid},
                        "types": [
                            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 999}
                        ],
                    }
                ],
            },
            _request_timeout=TIMEOUT,
        )
    assert getattr(caught.value, "status", None) == 400


def test_object_type_ids_are_accepted_in_paths(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    cid = sb_ids(sandbox)[0]
    by_id = client.crm.objects.basic_api.get_by_id("0-1", cid, _request_timeout=TIMEOUT)
    assert by_id.id == cid
    page = client.crm.objects.basic_api.get_page("0-2", limit=2, _request_timeout=TIMEOUT)
    assert len(page.results) == 2
