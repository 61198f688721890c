"""CRM search through the SDK: operators, caps and their 400s, paging, the 10k cap, lag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest
from hubspot.crm.objects import ApiException

from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, body_of, client_for

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def run(client: hubspot.HubSpot, object_type: str = "contacts", **body: Any) -> Any:
    return client.crm.objects.search_api.do_search(object_type, body, _request_timeout=TIMEOUT)


def f(name: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"propertyName": name, "operator": op, **extra}
    if value is not None:
        out["value"] = value
    return out


@pytest.fixture(name="small")
def _small(make_sandbox: MakeSandbox) -> Sandbox:
    """An empty portal with five hand-made contacts, clock frozen at T0."""
    sb = make_sandbox(contacts=0, now=T0)
    rows = [
        {
            "email": "ann@acme.io",
            "firstname": "Ann",
            "lifecyclestage": "lead",
            "hs_lead_status": "NEW",
        },
        {"email": "bob@acme.io", "firstname": "Bob", "lifecyclestage": "marketingqualifiedlead"},
        {"email": "cy@globex.com", "firstname": "Cy", "jobtitle": "Head of Data"},
        {"email": "di@globex.com", "firstname": "Di", "lifecyclestage": "customer"},
        {"email": "ed@initech.net", "firstname": "Ed", "hs_lead_status": "OPEN"},
    ]
    for i, row in enumerate(rows):
        sb.clock.advance(timedelta(minutes=1))
        sb.store.create("contacts", {**row, "associatedcompanyid": str(100 + i)})
    return sb


def names(result: Any) -> list[str]:
    return [r.properties["firstname"] for r in result.results]


def test_operators(small: Sandbox) -> None:
    c = client_for(small)
    props = ["firstname"]

    def who(
        *filters: dict[str, Any], groups: list[list[dict[str, Any]]] | None = None
    ) -> list[str]:
        fg = [{"filters": g} for g in groups] if groups else [{"filters": list(filters)}]
        return names(run(c, filterGroups=fg, properties=props))

    assert who(f("email", "EQ", "ANN@ACME.IO")) == ["Ann"]  # strings: case-insensitive
    assert who(f("hs_lead_status", "EQ", "new")) == []  # enumerations: case-sensitive
    assert who(f("lifecyclestage", "NEQ", "lead")) == ["Bob", "Cy", "Di", "Ed"]
    assert who(f("associatedcompanyid", "GT", "102")) == ["Di", "Ed"]
    assert who(f("associatedcompanyid", "LTE", "101")) == ["Ann", "Bob"]
    assert who(f("associatedcompanyid", "BETWEEN", "101", highValue="103")) == ["Bob", "Cy", "Di"]
    assert who(f("lifecyclestage", "IN", values=["lead", "customer"])) == ["Ann", "Di"]
    assert who(f("firstname", "IN", values=["ann", "bob"])) == ["Ann", "Bob"]
    assert who(f("firstname", "IN", values=["Ann"])) == []  # IN on strings wants lowercase
    assert who(f("lifecyclestage", "NOT_IN", values=["lead"])) == ["Bob", "Cy", "Di", "Ed"]
    assert who(f("jobtitle", "HAS_PROPERTY")) == ["Cy"]
    assert who(f("hs_lead_status", "NOT_HAS_PROPERTY")) == ["Bob", "Cy", "Di"]
    assert who(f("jobtitle", "CONTAINS_TOKEN", "data")) == ["Cy"]
    assert who(f("email", "CONTAINS_TOKEN", "*@globex.com")) == ["Cy", "Di"]
    assert who(f("jobtitle", "NOT_CONTAINS_TOKEN", "data")) == ["Ann", "Bob", "Di", "Ed"]
    # Groups are ORed, filters inside a group ANDed.
    assert who(
        groups=[
            [f("firstname", "EQ", "ann")],
            [f("email", "CONTAINS_TOKEN", "*@globex.com"), f("lifecyclestage", "EQ", "customer")],
        ]
    ) == ["Ann", "Di"]
    minute3 = (T0 + timedelta(minutes=3)).isoformat()
    assert who(f("lastmodifieddate", "GTE", minute3)) == ["Cy", "Di", "Ed"]
    epoch_ms = str(int((T0 + timedelta(minutes=4)).timestamp() * 1000))
    assert who(f("createdate", "LT", epoch_ms)) == ["Ann", "Bob", "Cy"]


def test_sort_total_paging_and_properties(small: Sandbox) -> None:
    c = client_for(small)
    first = run(
        c,
        sorts=[{"propertyName": "firstname", "direction": "DESCENDING"}],
        properties=["firstname"],
        limit=2,
    )
    assert first.total == 5 and names(first) == ["Ed", "Di"]
    assert first.paging.next.after == "2"
    assert set(first.results[0].properties) == {
        "firstname",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }
    rest = run(
        c,
        sorts=[{"propertyName": "firstname", "direction": "DESCENDING"}],
        properties=["firstname"],
        limit=10,
        after="2",
    )
    assert names(rest) == ["Cy", "Bob", "Ann"] and rest.paging is None
    default = run(c, limit=1)
    assert set(default.results[0].properties) == {
        "firstname",
        "lastname",
        "email",
        "lastmodifieddate",
        "hs_object_id",
        "createdate",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"filterGroups": [{"filters": [f("email", "HAS_PROPERTY")]}] * 6},
        {"filterGroups": [{"filters": [f("email", "HAS_PROPERTY")] * 7}]},
        {
            "filterGroups": [{"filters": [f("email", "HAS_PROPERTY")] * 6}] * 3
            + [{"filters": [f("email", "HAS_PROPERTY")]}]
        },
        {"sorts": [{"propertyName": "email"}, {"propertyName": "firstname"}]},
        {"limit": 201},
        {"after": "10000"},
        {"filterGroups": [{"filters": [f("email", "SOUNDS_LIKE", "x")]}]},
    ],
    ids=["6-groups", "7-filters", "19-filters", "2-sorts", "limit-201", "after-10000", "operator"],
)
def test_request_caps_answer_400(small: Sandbox, body: dict[str, Any]) -> None:
    with pytest.raises(ApiException) as caught:
        run(client_for(small), **body)
    assert caught.value.status == 400
    assert body_of(caught.value)["category"] == "VALIDATION_ERROR"


def test_caps_at_the_limit_are_accepted(small: Sandbox) -> None:
    groups = [{"filters": [f("email", "HAS_PROPERTY")] * 6}] * 3
    assert run(client_for(small), filterGroups=groups, limit=200).total == 5


def test_ten_thousand_cap(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=0, now=T0)
    for i in range(10_100):
        sb.store.insert("contacts", {"email": f"c{i}@example.com"})
    c = client_for(sb)
    page = run(c, limit=200, after="9800", properties=["email"])
    assert page.total == 10_100
    assert len(page.results) == 200
    assert page.paging.next.after == "10000"
    with pytest.raises(ApiException) as caught:
        run(c, limit=200, after=page.paging.next.after)
    assert caught.value.status == 400
    clipped = run(c, limit=200, after="9900")
    assert len(clipped.results) == 100  # nothing past the 10,000th result is ever returned


def test_search_lag_hides_fresh_writes_until_the_clock_passes_it(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=0, now=T0, search_lag_ms=2_000)
    c = client_for(sb)
    created = c.crm.contacts.basic_api.create(
        {"properties": {"email": "late@example.com", "jobtitle": "CEO"}, "associations": []},
        _request_timeout=TIMEOUT,
    )
    by_email = [{"filters": [f("email", "EQ", "late@example.com")]}]
    assert run(c, filterGroups=by_email).total == 0
    assert c.crm.contacts.basic_api.get_by_id(created.id, _request_timeout=TIMEOUT).id == created.id
    sb.clock.advance(timedelta(milliseconds=2_000))
    assert run(c, filterGroups=by_email).total == 1
    # An update is also invisible to search for the lag: search still sees the old value.
    c.crm.contacts.basic_api.update(
        created.id, {"properties": {"jobtitle": "CFO"}}, _request_timeout=TIMEOUT
    )
    old = run(c, filterGroups=by_email, properties=["jobtitle"])
    assert old.results[0].properties["jobtitle"] == "CEO"
    sb.clock.advance(timedelta(seconds=3))
    assert (
        run(c, filterGroups=by_email, properties=["jobtitle"]).results[0].properties["jobtitle"]
        == "CFO"
    )


def test_set_modified_forces_one_millisecond_for_window_tests(small: Sandbox) -> None:
    ids = small.store.all_ids("contacts")[:3]
    instant = datetime(2026, 1, 1, tzinfo=UTC)
    small.store.set_modified("contacts", ids, instant)
    same = run(
        client_for(small),
        filterGroups=[
            {"filters": [f("lastmodifieddate", "EQ", str(int(instant.timestamp() * 1000)))]}
        ],
        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
    )
    assert [r.id for r in same.results] == ids
    assert {r.properties["lastmodifieddate"] for r in same.results} == {"2026-01-01T00:00:00.000Z"}


def test_sdk_request_model_and_contacts_search_api(small: Sandbox) -> None:
    request = PublicObjectSearchRequest(
        filter_groups=[{"filters": [f("lifecyclestage", "HAS_PROPERTY")]}],
        sorts=["lastmodifieddate"],
        properties=["lifecyclestage"],
        limit=2,
        after="0",
    )
    page = client_for(small).crm.contacts.search_api.do_search(request, _request_timeout=TIMEOUT)
    assert page.total == 3 and len(page.results) == 2 and page.paging.next.after == "2"
