"""Turn what the SDK and urllib3 raise into the connector's errors (connector/errors.py).

The SDK defines one exception family per sub-package (``hubspot.crm.contacts.exceptions.
ApiException`` is not ``hubspot.crm.companies.exceptions.ApiException``) with no shared base, so
HTTP errors are recognised by duck typing: an int ``status`` plus ``body`` and ``headers``
attributes (hubspot-api.md §12). Transport failures reach us as urllib3 exceptions, wrapped in
``MaxRetryError`` because the SDK's own retries are off.

Messages are built from HubSpot's error body and the endpoint name only, then scrubbed, so the
access token cannot leak into them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3.exceptions

from connector.errors import (
    AuthError,
    DailyLimitError,
    FatalHubSpotError,
    HubSpotError,
    HubSpotErrorDetails,
    RateLimitedError,
    RetriableHubSpotError,
)
from connector.logging import scrub_text

#: HubSpot's "Locked" answer asks for a pause of at least 2 s (usage guidelines).
LOCKED_STATUS = 423
#: "Migration in progress": retriable, with a Retry-After that may be long.
MIGRATION_STATUS = 477
#: Longest HubSpot message text kept in an error (characters); bodies can echo whole payloads.
MAX_MESSAGE_CHARS = 500

AUTH_FIX = (
    "the access token was rejected: check HUBSPOT_ACCESS_TOKEN; private-app tokens start with "
    "pat-… (HubSpot → Settings → Integrations → Private apps → your app → Auth → Access token)"
)

_SCOPE_KEYS = ("missingScopes", "requiredGranularScopes", "requiredScopes", "scopes")


def is_sdk_http_error(exc: BaseException) -> bool:
    """True for any sub-package's ApiException that carries an HTTP answer."""
    return (
        isinstance(getattr(exc, "status", None), int)
        and hasattr(exc, "body")
        and hasattr(exc, "headers")
    )


def parse_body(raw: object) -> dict[str, Any]:
    """HubSpot's JSON error body as a dict ({} when absent or not JSON)."""
    if raw is None:
        return {}
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8", errors="replace")
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def header_map(headers: object) -> dict[str, str]:
    """Response headers with lower-cased names (urllib3's HTTPHeaderDict or a plain mapping)."""
    if headers is None:
        return {}
    items: Iterable[tuple[Any, Any]]
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        items = headers.items()
    else:
        return {}
    return {str(k).lower(): str(v) for k, v in items}


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def missing_scopes(body: Mapping[str, Any]) -> tuple[str, ...]:
    """Scopes named in a 403 body: in `context` or in any `errors[].context`."""
    found: list[str] = []
    contexts: list[Any] = [body.get("context")]
    errors = body.get("errors")
    if isinstance(errors, list):
        contexts.extend(e.get("context") for e in errors if isinstance(e, Mapping))
    for context in contexts:
        if not isinstance(context, Mapping):
            continue
        for key in _SCOPE_KEYS:
            values = context.get(key)
            if isinstance(values, str):
                values = [values]
            if isinstance(values, list):
                found.extend(str(v) for v in values if str(v) not in found)
    return tuple(found)


def _details(
    *, status: int | None, body: Mapping[str, Any], endpoint: str, headers: Mapping[str, str]
) -> HubSpotErrorDetails:
    message = body.get("message")
    category = body.get("category") or body.get("errorType")
    correlation_id = body.get("correlationId")
    policy = body.get("policyName")
    return HubSpotErrorDetails(
        status=status,
        category=str(category) if category is not None else None,
        message=_clean(str(message)) if message is not None else None,
        correlation_id=str(correlation_id) if correlation_id is not None else None,
        endpoint=endpoint,
        missing_scopes=missing_scopes(body) if status == 403 else (),
        policy_name=str(policy) if policy is not None else None,
        retry_after=retry_after_seconds(headers.get("retry-after")),
    )


def _clean(text: str) -> str:
    text = scrub_text(text)
    if len(text) > MAX_MESSAGE_CHARS:
        return text[:MAX_MESSAGE_CHARS] + "…"
    return text


def _summary(details: HubSpotErrorDetails) -> str:
    parts = [f"{details.endpoint}: HubSpot answered {details.status}"]
    if details.category:
        parts.append(f" {details.category}")
    if details.message:
        parts.append(f": {details.message}")
    if details.correlation_id:
        parts.append(f" (correlationId {details.correlation_id})")
    return "".join(parts)


def error_from_response(
    status: int, raw_body: object, raw_headers: object, *, endpoint: str
) -> HubSpotError:
    """The connector error for a non-2xx HubSpot answer.

    Args:
        status: the HTTP status.
        raw_body: the body as str/bytes/dict (HubSpot's error JSON, if any).
        raw_headers: the response headers.
        endpoint: our name for the call, e.g. ``contacts.batch_update``.

    Returns:
        AuthError (401, 403), DailyLimitError (429 DAILY), RateLimitedError (other 429),
        RetriableHubSpotError (5xx, 423, 477), FatalHubSpotError (any other status).
    """
    body = parse_body(raw_body)
    headers = header_map(raw_headers)
    details = _details(status=status, body=body, endpoint=endpoint, headers=headers)
    summary = _summary(details)
    if status == 401:
        return AuthError(f"{endpoint}: {AUTH_FIX} ({_summary(details)})", details)
    if status == 403:
        scopes = ", ".join(details.missing_scopes) or "unknown (HubSpot did not name them)"
        return AuthError(
            f"{summary}; the access token lacks the scopes this call needs: {scopes} "
            "(add them to the private app and use its new token)",
            details,
        )
    if status == 429:
        if (details.policy_name or "").upper() == "DAILY":
            return DailyLimitError(
                f"{summary}; HubSpot's daily API budget for this portal is spent: the run stops "
                "and calls resume after midnight in the portal's time zone",
                details,
            )
        return RateLimitedError(summary, details)
    if status >= 500 or status in (LOCKED_STATUS, MIGRATION_STATUS):
        return RetriableHubSpotError(summary, details)
    return FatalHubSpotError(summary, details)


def error_from_sdk(exc: BaseException, *, endpoint: str) -> HubSpotError:
    """Map an SDK ApiException (any sub-package) to a connector error.

    An ApiException with status 0 is the SDK's wrapping of an SSL failure: treated as a
    connection error (retriable; a broken certificate surfaces when the time cap is reached).
    """
    status = int(getattr(exc, "status", 0) or 0)
    if status == 0:
        reason = str(getattr(exc, "reason", "") or type(exc).__name__)
        return RetriableHubSpotError(
            f"{endpoint}: connection failed: {_clean(reason.splitlines()[0])}",
            HubSpotErrorDetails(category="CONNECTION_ERROR", endpoint=endpoint),
        )
    return error_from_response(
        status, getattr(exc, "body", None), getattr(exc, "headers", None), endpoint=endpoint
    )


def is_transport_error(exc: BaseException) -> bool:
    """urllib3/socket failures: timeouts, refused or dropped connections, truncated bodies."""
    return isinstance(exc, urllib3.exceptions.HTTPError | OSError)


def error_from_transport(exc: BaseException, *, endpoint: str) -> RetriableHubSpotError:
    """A timeout or dropped connection, as a retriable error naming what happened."""
    cause: BaseException = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        cause = exc.reason
    if isinstance(cause, urllib3.exceptions.ConnectTimeoutError | ConnectionRefusedError):
        # NewConnectionError is a ConnectTimeoutError too: the request was never sent.
        category, what = "CONNECT_FAILED", "could not connect"
    elif isinstance(cause, urllib3.exceptions.TimeoutError | TimeoutError) or "timed out" in str(
        cause
    ):
        category, what = "TIMEOUT", "timed out"
    else:
        category, what = "CONNECTION_ERROR", "lost the connection"
    return RetriableHubSpotError(
        f"{endpoint}: {what} ({type(cause).__name__}: {_clean(str(cause))})",
        HubSpotErrorDetails(category=category, endpoint=endpoint),
    )
