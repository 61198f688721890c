"""Error mapping from real SDK exception objects and urllib3 exceptions to connector errors."""

from __future__ import annotations

import pytest
import urllib3.exceptions

from connector.errors import (
    AuthError,
    DailyLimitError,
    FatalHubSpotError,
    RateLimitedError,
    RetriableHubSpotError,
)
from connector.hubspot._errors import (
    error_from_sdk,
    error_from_transport,
    is_sdk_http_error,
    missing_scopes,
    retry_after_seconds,
)
from connector.logging import register_secret
from tests.hubspot.fakes import hubspot_error_body, sdk_error

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def test_every_sdk_package_exception_is_recognised_by_duck_typing() -> None:
    from hubspot.crm.companies.exceptions import ApiException as CompaniesApiException
    from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException

    assert CompaniesApiException is not ContactsApiException  # no shared base to catch
    for cls in (CompaniesApiException, ContactsApiException):
        exc = cls(status=500, reason="boom")
        exc.body, exc.headers = "{}", {}
        assert is_sdk_http_error(exc)
    assert not is_sdk_http_error(ValueError("x"))


def test_401_is_an_auth_error_that_says_how_to_fix_it() -> None:
    body = hubspot_error_body("INVALID_AUTHENTICATION", "Authentication credentials not found.")
    error = error_from_sdk(sdk_error(401, body), endpoint="contacts.search")
    assert isinstance(error, AuthError)
    text = str(error)
    assert "HUBSPOT_ACCESS_TOKEN" in text
    assert "pat-" in text
    assert "contacts.search" in text
    assert error.details.category == "INVALID_AUTHENTICATION"
    assert error.details.correlation_id == body["correlationId"]
    assert error.details.endpoint == "contacts.search"


def test_403_names_the_missing_scopes_from_hubspots_body() -> None:
    body = {
        **hubspot_error_body(
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
        ),
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["crm.objects.owners.read"]},
            }
        ],
    }
    error = error_from_sdk(sdk_error(403, body), endpoint="owners.list")
    assert isinstance(error, AuthError)
    assert error.missing_scopes == ("crm.objects.owners.read",)
    assert "crm.objects.owners.read" in str(error)
    assert error.details.category == "MISSING_SCOPES"


def test_missing_scopes_reads_top_level_context_too() -> None:
    body = {"context": {"missingScopes": ["a.read", "b.write"]}}
    assert missing_scopes(body) == ("a.read", "b.write")


def test_daily_429_is_fatal_and_says_the_run_stops() -> None:
    body = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c033cdaa-0000-4000-8000-000000000000",
        "policyName": "DAILY",
    }
    error = error_from_sdk(sdk_error(429, body), endpoint="contacts.batch_update")
    assert isinstance(error, DailyLimitError)
    assert isinstance(error, FatalHubSpotError)
    assert "daily" in str(error).lower()
    assert error.details.policy_name == "DAILY"


def test_rolling_429_is_retriable_and_carries_policy_and_retry_after() -> None:
    body = {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "x",
        "policyName": "TEN_SECONDLY_ROLLING",
    }
    error = error_from_sdk(sdk_error(429, body, {"Retry-After": "3"}), endpoint="e")
    assert isinstance(error, RateLimitedError)
    assert error.details.policy_name == "TEN_SECONDLY_ROLLING"
    assert error.details.retry_after == 3.0
    assert error.details.category == "RATE_LIMIT"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 423])
def test_server_errors_are_retriable(status: int) -> None:
    error = error_from_sdk(sdk_error(status, "<html>bad gateway</html>"), endpoint="e")
    assert type(error) is RetriableHubSpotError
    assert error.status == status


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_client_errors_are_fatal(status: int) -> None:
    body = hubspot_error_body("VALIDATION_ERROR", "Property values were not valid")
    error = error_from_sdk(sdk_error(status, body), endpoint="e")
    assert type(error) is FatalHubSpotError
    assert error.details.message == "Property values were not valid"


def test_the_token_never_appears_in_an_error_message() -> None:
    register_secret(TOKEN)
    body = hubspot_error_body("INVALID_AUTHENTICATION", f"token {TOKEN} is not valid")
    for status in (400, 401, 403, 500):
        error = error_from_sdk(sdk_error(status, body), endpoint="e")
        assert TOKEN not in str(error)
        assert TOKEN not in (error.details.message or "")


def test_read_timeout_is_a_retriable_timeout() -> None:
    cause = urllib3.exceptions.ReadTimeoutError(None, "/x", "Read timed out. (read timeout=0.5)")
    wrapped = urllib3.exceptions.MaxRetryError(None, "/x", reason=cause)
    for exc in (cause, wrapped):
        error = error_from_transport(exc, endpoint="contacts.search")
        assert isinstance(error, RetriableHubSpotError)
        assert error.details.category == "TIMEOUT"
        assert "timed out" in str(error)


def test_refused_connection_is_marked_as_never_sent() -> None:
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    wrapped = urllib3.exceptions.MaxRetryError(None, "/x", reason=cause)
    assert error_from_transport(wrapped, endpoint="e").details.category == "CONNECT_FAILED"


def test_cut_connection_is_a_connection_error() -> None:
    cause = urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead(10 bytes read)")
    error = error_from_transport(cause, endpoint="e")
    assert error.details.category == "CONNECTION_ERROR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), ("0.5", 0.5), (None, None), ("", None), ("soon", None), ("-3", 0.0)],
)
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 23 Nov 2026 10:00:07 GMT", now=now) == 7.0
