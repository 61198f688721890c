"""HubSpot's JSON shapes: error bodies, batch envelopes and paging blocks.

Every body the sandbox sends is built here so that the shapes stay in one place and match what
the official SDK (hubspot-api-client 12.0.0) deserialises.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connector.sandbox.clock import iso_ms

JsonDict = dict[str, Any]

SCOPES_DOC_URL = "https://developers.hubspot.com/scopes"
AUTH_DOC_URL = "https://developers.hubspot.com/docs/methods/auth/oauth-overview"


class ApiError(Exception):
    """Raised by a handler to answer with HubSpot's error body."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> JsonDict:
        """The error body: `{"status":"error","message":…,"correlationId":…,"category":…}`.

        An empty category is left out (HubSpot's 429 bodies carry `errorType` instead).
        """
        body = error_body(self.category, self.message, **self.extra)
        if not self.category:
            del body["category"]
        return body


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(category: str, message: str, **extra: Any) -> JsonDict:
    """HubSpot's standard error body (hubspot-api.md §3 "Error body")."""
    body: JsonDict = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    body.update(extra)
    return body


def standard_error(
    category: str, message: str, context: Mapping[str, Sequence[str]] | None = None
) -> JsonDict:
    """One entry of a 207 body's `errors[]` (a `StandardError`)."""
    entry: JsonDict = {"status": "error", "category": category, "message": message}
    entry["context"] = {k: list(v) for k, v in (context or {}).items()}
    entry["errors"] = []
    entry["links"] = {}
    return entry


def batch_body(results: Sequence[JsonDict], errors: Sequence[JsonDict], now_ms: int) -> JsonDict:
    """A batch envelope; `numErrors`/`errors` only when something failed (then HTTP 207)."""
    stamp = iso_ms(now_ms)
    body: JsonDict = {
        "status": "COMPLETE",
        "results": list(results),
        "requestedAt": stamp,
        "startedAt": stamp,
        "completedAt": stamp,
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = list(errors)
    return body


def next_paging(after: str, link: str | None = None) -> JsonDict:
    """`{"next": {"after": …, "link": …}}` (a forward paging block)."""
    nxt: JsonDict = {"after": after}
    if link is not None:
        nxt["link"] = link
    return {"next": nxt}


def validation_error(problems: Iterable[Mapping[str, Any]]) -> ApiError:
    """HubSpot's 400 for property values: the details sit JSON-encoded inside the message."""
    details = [dict(p) for p in problems]
    message = "Property values were not valid: " + json.dumps(details, separators=(",", ":"))
    return ApiError(400, "VALIDATION_ERROR", message)


def property_problem(name: str, error: str, message: str) -> JsonDict:
    """One entry of the list inside a VALIDATION_ERROR message."""
    return {
        "isValid": False,
        "message": message,
        "error": error,
        "name": name,
        "localizedErrorMessage": message,
    }


def missing_scopes_error(required: Sequence[str]) -> ApiError:
    """HubSpot's 403 MISSING_SCOPES body, naming the scopes the call needs."""
    listed = ", ".join(required)
    return ApiError(
        403,
        "MISSING_SCOPES",
        "This app hasn't been granted all required scopes to make this call. "
        f"Read more about required scopes here: {SCOPES_DOC_URL}. Required: {listed}",
        extra={
            "errors": [
                {
                    "message": f"One or more of the following scopes are required: {listed}.",
                    "context": {"requiredGranularScopes": list(required)},
                }
            ],
            "context": {"missingScopes": list(required)},
            "links": {"scopes": SCOPES_DOC_URL},
        },
    )


def auth_error() -> ApiError:
    """HubSpot's 401 for a missing or wrong token."""
    return ApiError(
        401,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
        f"you can find more details at {AUTH_DOC_URL}",
    )


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, "OBJECT_NOT_FOUND", message)


def bad_request(message: str, category: str = "VALIDATION_ERROR") -> ApiError:
    return ApiError(400, category, message)
