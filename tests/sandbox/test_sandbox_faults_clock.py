"""Fault injection (deterministic by seed), the movable clock and the admin endpoints."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3
from hubspot.crm.contacts import ApiException
from hubspot.crm.objects import ApiException as ObjectsApiException

from connector.sandbox import FaultConfig, Sandbox
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, client_for

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def outcomes(sb: Sandbox, calls: int) -> list[str]:
    """What each of `calls` list calls got: a status code or the transport error's name."""
    api = client_for(sb).crm.contacts.basic_api
    seen = []
    for _ in range(calls):
        try:
            api.get_page(limit=2, _request_timeout=(1.0, 0.5))
            seen.append("200")
        except ApiException as exc:
            seen.append(str(exc.status))
        except urllib3.exceptions.HTTPError as exc:
            seen.append(type(exc).__name__)
    return seen


def test_same_seed_same_fault_sequence(make_sandbox: MakeSandbox) -> None:
    faults = FaultConfig(seed=7, error_rate=0.3, burst_rate=0.05, burst_length=2)
    first = outcomes(make_sandbox(contacts=5, faults=faults), 40)
    second = outcomes(make_sandbox(contacts=5, faults=faults), 40)
    other = outcomes(make_sandbox(contacts=5, faults=FaultConfig(seed=8, error_rate=0.3)), 40)
    assert first == second
    assert first != other
    assert {"500", "502", "503", "504"} & set(first)
    assert "200" in first


def test_gateway_errors_are_html_and_5xx_json(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, faults=FaultConfig(seed=3, error_rate=1.0))
    seen: dict[int, str] = {}
    api = client_for(sb).crm.contacts.basic_api
    for _ in range(30):
        with pytest.raises(ApiException) as caught:
            api.get_page(_request_timeout=TIMEOUT)
        seen[caught.value.status] = caught.value.body
    assert set(seen) == {500, 502, 503, 504}
    assert seen[502].startswith("<html>")
    assert json.loads(seen[500])["category"] == "INTERNAL_ERROR"


def test_cut_response_breaks_the_read_but_the_write_is_applied(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(
        contacts=5, faults=FaultConfig(cut_rate=1.0, only_paths=("/crm/v3/objects/contacts/",))
    )
    cid = sb.store.all_ids("contacts")[0]
    with pytest.raises(urllib3.exceptions.HTTPError):
        client_for(sb).crm.contacts.basic_api.update(
            cid, {"properties": {"jobtitle": "Cut"}}, _request_timeout=TIMEOUT
        )
    assert sb.store.get("contacts", cid)["jobtitle"] == "Cut"  # type: ignore[index]


def test_stall_outlasts_the_client_timeout(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, faults=FaultConfig(stall_rate=1.0, stall_seconds=3.0))
    # urllib3 retries a GET by itself, then wraps the last read timeout.
    with pytest.raises(urllib3.exceptions.MaxRetryError) as caught:
        client_for(sb).crm.contacts.basic_api.get_page(_request_timeout=(1.0, 0.3))
    assert isinstance(caught.value.reason, urllib3.exceptions.ReadTimeoutError)
    sb.faults.clear()
    assert client_for(sb).crm.contacts.basic_api.get_page(_request_timeout=TIMEOUT).results


def test_429_burst_then_recovery(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5)
    sb.faults.configure(FaultConfig(seed=1, burst_rate=1.0, burst_length=3))
    search = client_for(sb).crm.objects.search_api
    with pytest.raises(ObjectsApiException) as caught:
        search.do_search("contacts", {"limit": 1}, _request_timeout=TIMEOUT)
    assert caught.value.status == 429
    assert json.loads(caught.value.body)["policyName"] == "SECONDLY"
    sb.faults.clear()
    assert search.do_search("contacts", {"limit": 1}, _request_timeout=TIMEOUT).total == 5


def test_short_pages_still_carry_after_and_lose_nothing(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=300, faults=FaultConfig(seed=2, short_page_rate=0.5))
    search = client_for(sb).crm.objects.search_api
    ids: list[str] = []
    after = None
    short = 0
    while True:
        body: dict[str, Any] = {
            "limit": 100,
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        }
        if after:
            body["after"] = after
        page = search.do_search("contacts", body, _request_timeout=TIMEOUT)
        ids.extend(r.id for r in page.results)
        if page.paging is None:
            break
        short += len(page.results) < 100
        after = page.paging.next.after
    assert short >= 1
    assert ids == sb.store.all_ids("contacts")


def test_clock_freeze_advance_unfreeze(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, now=T0)
    assert sb.clock.now() == T0
    sb.clock.advance(timedelta(days=2))
    assert sb.clock.now() == T0 + timedelta(days=2)
    cid = sb.store.create("contacts", {"email": "clock@example.com"})
    assert sb.store.get("contacts", cid)["createdate"] == "2026-11-25T10:00:00.000Z"  # type: ignore[index]
    sb.clock.unfreeze()
    later = sb.clock.now()
    assert later >= T0 + timedelta(days=2)
    assert later - (T0 + timedelta(days=2)) < timedelta(seconds=5)


def admin(sb: Sandbox, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{sb.base_url}/_sandbox/{name}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_admin_endpoints(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=20)
    client_for(sb).crm.contacts.basic_api.get_page(_request_timeout=TIMEOUT)
    counts = admin(sb, "GET", "counts")["counts"]
    assert {
        "method": "GET",
        "path": "/crm/v3/objects/contacts",
        "status": 200,
        "count": 1,
    } in counts
    assert admin(sb, "POST", "reset", {})["reset"] is True
    assert sb.request_counts() == {}
    assert admin(sb, "POST", "seed", {"seed": 2, "contacts": 7})["loaded"]["contacts"] == 7
    assert sb.store.count("contacts") == 7
    clock = admin(sb, "POST", "clock", {"freeze": "2026-01-01T00:00:00Z", "advanceMs": 1500})
    assert clock == {"now": "2026-01-01T00:00:01.500Z", "frozen": True}
    faults = admin(sb, "PUT", "faults", {"seed": 4, "error_rate": 1.0})["faults"]
    assert faults["error_rate"] == 1.0
    with pytest.raises(ApiException) as caught:
        client_for(sb).crm.contacts.basic_api.get_page(_request_timeout=TIMEOUT)
    assert caught.value.status >= 500
    admin(sb, "DELETE", "faults")
    assert client_for(sb).crm.contacts.basic_api.get_page(_request_timeout=TIMEOUT).results
