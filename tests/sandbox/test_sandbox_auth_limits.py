"""Auth (401/403 bodies) and rate limits (headers, 429 bodies by policy) through the SDK."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import ApiClient, ApiException, BasicApi, Configuration
from hubspot.crm.objects import ApiException as ObjectsApiException
from hubspot.crm.owners import ApiException as OwnersApiException

from connector.sandbox import ALL_SCOPES
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, body_of, client_for


def test_wrong_token_is_401(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5)
    with pytest.raises(ApiException) as caught:
        client_for(sb, token="wrong-token").crm.contacts.basic_api.get_page(
            _request_timeout=TIMEOUT
        )
    assert caught.value.status == 401
    body = body_of(caught.value)
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["status"] == "error" and body["correlationId"]
    assert sb.request_counts() == {("GET", "/crm/v3/objects/contacts", 401): 1}


def test_missing_token_is_401(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5)
    api = BasicApi(ApiClient(Configuration(host=sb.base_url)))  # no access token at all
    with pytest.raises(ApiException) as caught:
        api.get_page(_request_timeout=TIMEOUT)
    assert caught.value.status == 401
    assert body_of(caught.value)["category"] == "INVALID_AUTHENTICATION"


def test_missing_scope_is_403_naming_it(make_sandbox: MakeSandbox) -> None:
    readonly = frozenset({"crm.objects.contacts.read"})
    sb = make_sandbox(contacts=5, extra_tokens={"readonly": readonly})
    client = client_for(sb, token="readonly")
    assert client.crm.contacts.basic_api.get_page(_request_timeout=TIMEOUT).results
    cid = sb.store.all_ids("contacts")[0]
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.update(
            cid, {"properties": {"jobtitle": "x"}}, _request_timeout=TIMEOUT
        )
    assert caught.value.status == 403
    body = body_of(caught.value)
    assert body["category"] == "MISSING_SCOPES"
    assert "crm.objects.contacts.write" in body["message"]
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.write"]
    with pytest.raises(OwnersApiException) as owners:
        client.crm.owners.owners_api.get_page(_request_timeout=TIMEOUT)
    assert owners.value.status == 403
    assert body_of(owners.value)["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.owners.read"
    ]
    assert "crm.objects.owners.read" in ALL_SCOPES


def test_free_tier_headers_then_ten_secondly_429(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, tier="free", retry_after_share=1.0)
    api = client_for(sb).crm.contacts.basic_api
    for _ in range(100):
        _, status, headers = api.get_page_with_http_info(limit=1, _request_timeout=TIMEOUT)
        assert status == 200
    assert headers["X-HubSpot-RateLimit-Max"] == "100"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert headers["X-HubSpot-RateLimit-Daily"] == "250000"
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == str(250_000 - 100)
    # A POST: urllib3 would sleep out Retry-After and retry a GET by itself.
    with pytest.raises(ApiException) as caught:
        client_for(sb).crm.contacts.batch_api.read({"inputs": []}, _request_timeout=TIMEOUT)
    assert caught.value.status == 429
    body = body_of(caught.value)
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["status"] == "error" and body["correlationId"]
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 10
    counts = sb.request_counts()
    assert counts[("GET", "/crm/v3/objects/contacts", 200)] == 100
    assert counts[("POST", "/crm/v3/objects/contacts/batch/read", 429)] == 1


def test_professional_tier_allows_190(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=1, tier="professional")
    api = client_for(sb).crm.contacts.basic_api
    _, _, headers = api.get_page_with_http_info(limit=1, _request_timeout=TIMEOUT)
    assert headers["X-HubSpot-RateLimit-Max"] == "190"
    assert headers["X-HubSpot-RateLimit-Daily"] == "625000"


def test_search_is_5_per_second_without_headers(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=5, tier="starter", retry_after_share=0.0)
    search = client_for(sb).crm.objects.search_api
    for _ in range(5):
        _, status, headers = search.do_search_with_http_info(
            "contacts", {"limit": 1}, _request_timeout=TIMEOUT
        )
        assert status == 200
        assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]
    with pytest.raises(ObjectsApiException) as caught:
        search.do_search("contacts", {"limit": 1}, _request_timeout=TIMEOUT)
    assert caught.value.status == 429
    assert body_of(caught.value)["policyName"] == "SECONDLY"
    assert body_of(caught.value)["message"] == "You have reached your secondly limit."
    assert "Retry-After" not in caught.value.headers
    assert not [h for h in caught.value.headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_daily_budget_429(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=1, tier="enterprise", daily_limit=3)
    api = client_for(sb).crm.contacts.basic_api
    for _ in range(3):
        api.get_page(limit=1, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as caught:
        api.get_page(limit=1, _request_timeout=TIMEOUT)
    assert caught.value.status == 429
    body = body_of(caught.value)
    assert body["policyName"] == "DAILY" and body["message"] == "You have reached your daily limit."
    assert caught.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


def test_unlimited_tier_never_limits_nor_sends_headers(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(contacts=1)
    api = client_for(sb).crm.contacts.basic_api
    for _ in range(250):
        _, status, headers = api.get_page_with_http_info(limit=1, _request_timeout=TIMEOUT)
    assert status == 200
    assert "X-HubSpot-RateLimit-Max" not in headers
