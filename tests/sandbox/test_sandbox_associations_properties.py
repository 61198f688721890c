"""Associations v4, the properties API, custom-property limits and owners through the SDK."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import hubspot
import pytest
from hubspot.crm.associations.v4 import ApiException as AssocApiException
from hubspot.crm.properties import ApiException as PropsApiException

from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, body_of, client_for


def contact_with_company(sb: Sandbox) -> tuple[str, str]:
    for cid in sb.store.all_ids("contacts"):
        company = (sb.store.get("contacts", cid) or {}).get("associatedcompanyid")
        if company:
            return cid, company
    raise AssertionError("no contact with a company in the seed")


def test_v4_batch_read_contact_to_company(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    cid, company = contact_with_company(sandbox)
    result = client.crm.associations.v4.batch_api.get_page(
        "contacts", "companies", {"inputs": [{"id": cid}, {"id": "5"}]}, _request_timeout=TIMEOUT
    )
    assert type(result).__name__ == "BatchResponsePublicAssociationMultiWithLabelWithErrors"
    assert result.errors[0].context == {"ids": ["5"]}
    (entry,) = result.results
    assert entry._from.id == cid
    assert entry.to[0].to_object_id == company
    types = {(t.type_id, t.label) for t in entry.to[0].association_types}
    assert types == {(1, "Primary"), (279, None)}


def test_v4_batch_read_pages_per_record_and_caps_at_1000(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=60, association_page_size=5)
    client = client_for(sb)
    company = contact_with_company(sb)[1]
    contacts = sb.store.associations("companies", company, "contacts")
    assert len(contacts) > 5
    got: list[str] = []
    after = None
    while True:
        item = {"id": company, **({"after": after} if after else {})}
        page = client.crm.associations.v4.batch_api.get_page(
            "companies", "contacts", {"inputs": [item]}, _request_timeout=TIMEOUT
        )
        got.extend(t.to_object_id for t in page.results[0].to)
        if page.results[0].paging is None:
            break
        after = page.results[0].paging.next.after
    assert sorted(got) == sorted(contacts)
    with pytest.raises(AssocApiException) as caught:
        client.crm.associations.v4.batch_api.get_page(
            "contacts",
            "companies",
            {"inputs": [{"id": str(i)} for i in range(1001)]},
            _request_timeout=TIMEOUT,
        )
    assert caught.value.status == 400


def test_v4_create_labelled_default_and_labels(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    cid = sandbox.store.all_ids("contacts")[0]
    company = sandbox.store.all_ids("companies")[-1]
    basic = client.crm.associations.v4.basic_api
    labelled = basic.create(
        "contacts",
        cid,
        "companies",
        company,
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
        _request_timeout=TIMEOUT,
    )
    assert labelled.labels == ["Primary"]
    assert sandbox.store.get("contacts", cid)["associatedcompanyid"] == company  # type: ignore[index]
    task = sandbox.store.create("tasks", {"hs_timestamp": "1700000000000"})
    default = basic.create_default("tasks", task, "contacts", cid, _request_timeout=TIMEOUT)
    assert default.results[0].association_spec.association_type_id == 204
    assert sandbox.store.associations("contacts", cid, "tasks") == {task: {203}}
    page = basic.get_page("contacts", cid, "tasks", _request_timeout=TIMEOUT)
    assert [r.to_object_id for r in page.results] == [task]
    batch = client.crm.associations.v4.batch_api.create(
        "tasks",
        "companies",
        {
            "inputs": [
                {
                    "from": {"id": task},
                    "to": {"id": company},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 192}],
                }
            ]
        },
        _request_timeout=TIMEOUT,
    )
    assert batch.results[0].to_object_id == company
    with pytest.raises(AssocApiException) as caught:
        basic.create(
            "contacts",
            cid,
            "companies",
            company,
            [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
            _request_timeout=TIMEOUT,
        )
    assert caught.value.status == 400
    labels = client.crm.associations.v4.schema.definitions_api.get_all(
        "contacts", "companies", _request_timeout=TIMEOUT
    )
    assert {(r.type_id, r.label) for r in labels.results} == {(1, "Primary"), (279, None)}


def test_properties_read_with_options(client: hubspot.HubSpot) -> None:
    core = client.crm.properties.core_api
    lifecycle = core.get_by_name("contacts", "lifecyclestage", _request_timeout=TIMEOUT)
    assert [o.value for o in lifecycle.options][:4] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
    ]
    status = core.get_by_name("0-1", "hs_lead_status", _request_timeout=TIMEOUT)
    assert {"NEW", "OPEN", "IN_PROGRESS", "UNQUALIFIED"} <= {o.value for o in status.options}
    industry = core.get_by_name("companies", "industry", _request_timeout=TIMEOUT)
    assert industry.type == "enumeration" and len(industry.options) > 20
    everything = core.get_all("tasks", _request_timeout=TIMEOUT)
    assert {"hs_timestamp", "hs_task_subject", "hs_task_status"} <= {
        p.name for p in everything.results
    }
    with pytest.raises(PropsApiException) as caught:
        core.get_by_name("contacts", "nope", _request_timeout=TIMEOUT)
    assert caught.value.status == 404


def test_create_groups_and_properties_then_write_them(
    sandbox: Sandbox, client: hubspot.HubSpot
) -> None:
    props = client.crm.properties
    group = props.groups_api.create(
        "contacts", {"name": "lead_qualification_x", "label": "Scores"}, _request_timeout=TIMEOUT
    )
    assert group.name == "lead_qualification_x"
    with pytest.raises(PropsApiException) as dup_group:
        props.groups_api.create(
            "contacts",
            {"name": "lead_qualification_x", "label": "Scores"},
            _request_timeout=TIMEOUT,
        )
    assert dup_group.value.status == 409
    created = props.core_api.create(
        "contacts",
        {
            "name": "qualification_score",
            "label": "Score",
            "type": "number",
            "fieldType": "number",
            "groupName": "lead_qualification_x",
        },
        _request_timeout=TIMEOUT,
    )
    assert created.hubspot_defined is False
    batch = props.batch_api.create(
        "contacts",
        {
            "inputs": [
                {
                    "name": "qualification_grade",
                    "label": "Grade",
                    "type": "enumeration",
                    "fieldType": "select",
                    "groupName": "lead_qualification_x",
                    "options": [{"label": "A", "value": "A"}, {"label": "B", "value": "B"}],
                },
                {
                    "name": "qualification_score",
                    "label": "Again",
                    "type": "number",
                    "fieldType": "number",
                    "groupName": "lead_qualification_x",
                },
            ]
        },
        _request_timeout=TIMEOUT,
    )
    assert type(batch).__name__ == "BatchResponsePropertyWithErrors"
    assert [r.name for r in batch.results] == ["qualification_grade"]
    assert batch.errors[0].category == "OBJECT_ALREADY_EXISTS"
    cid = sandbox.store.all_ids("contacts")[0]
    client.crm.contacts.basic_api.update(
        cid,
        {"properties": {"qualification_score": "87.5", "qualification_grade": "A"}},
        _request_timeout=TIMEOUT,
    )
    assert sandbox.store.get("contacts", cid)["qualification_score"] == "87.5"  # type: ignore[index]
    with pytest.raises(Exception) as bad:
        client.crm.contacts.basic_api.update(
            cid, {"properties": {"qualification_grade": "Z"}}, _request_timeout=TIMEOUT
        )
    assert getattr(bad.value, "status", None) == 400


def test_custom_property_limit_and_limits_endpoint(make_sandbox: MakeSandbox) -> None:
    probe = _get(make_sandbox(contacts=1), "/crm/v3/limits/custom-properties")
    seeded = next(r for r in probe["byObjectType"] if r["objectTypeId"] == "0-1")["usage"]
    sb = make_sandbox(contacts=1, custom_property_limit=seeded + 2)
    core = client_for(sb).crm.properties.core_api
    before = _get(sb, "/crm/v3/limits/custom-properties")
    contacts_before = next(r for r in before["byObjectType"] if r["objectTypeId"] == "0-1")
    assert contacts_before["limit"] == seeded + 2
    for i in range(2):
        core.create(
            "contacts",
            {
                "name": f"p{i}",
                "label": "P",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
            },
            _request_timeout=TIMEOUT,
        )
    with pytest.raises(PropsApiException) as caught:
        core.create(
            "contacts",
            {
                "name": "one_too_many",
                "label": "P",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
            },
            _request_timeout=TIMEOUT,
        )
    assert caught.value.status == 400
    after = _get(sb, "/crm/v3/limits/custom-properties")
    assert next(r for r in after["byObjectType"] if r["objectTypeId"] == "0-1") == {
        **contacts_before,
        "usage": seeded + 2,
    }
    assert body_of(caught.value)["category"] == "VALIDATION_ERROR"


def _get(sb: Sandbox, path: str) -> Any:
    request = urllib.request.Request(
        sb.base_url + path, headers={"Authorization": f"Bearer {sb.token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_owners_paging_and_archived(sandbox: Sandbox, client: hubspot.HubSpot) -> None:
    api = client.crm.owners.owners_api
    owners = []
    after = None
    while True:
        page = api.get_page(limit=3, after=after, _request_timeout=TIMEOUT)
        owners.extend(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    active = [o for o in sandbox.store.owners if not o["archived"]]
    assert [o.id for o in owners] == [o["id"] for o in active]
    first = owners[0]
    assert first.email and first.first_name and first.last_name and first.user_id
    assert first.teams and first.teams[0].name
    archived = api.get_page(archived=True, _request_timeout=TIMEOUT).results
    assert all(o.archived for o in archived)
    assert len(archived) == len(sandbox.store.owners) - len(active)
    assert api.get_by_id(first.id, _request_timeout=TIMEOUT).email == first.email
