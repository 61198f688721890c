"""The connector's errors, arranged by what the caller should do about them.

::

    ConnectorError                  root; never raised directly
    ├── ConfigError                 fix the configuration (exit code 2)
    ├── StateStoreError             the state database is unreachable or broken (exit code 2)
    └── HubSpotError                carries HubSpot's category, message and correlationId
        ├── RetriableHubSpotError   try again later: 5xx, timeouts, dropped connections
        │   └── RateLimitedError    429; `policy_name` says which budget ran out
        ├── FatalHubSpotError       do not retry: 400, 404, 409 and other client errors
        │   └── DailyLimitError     the portal's daily budget is spent: stop the run
        └── AuthError               fix the token (401) or its scopes (403)

Records a batch call rejected (HTTP 207) are not errors: the gateway returns them in its
`BatchOutcome`, and the sync dead-letters them.

No message ever contains the access token: the gateway builds messages from HubSpot's error
body and the endpoint name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The command line's exit codes, the one place they are defined.
EXIT_OK: Final = 0
#: The run failed: HubSpot or data trouble; details in the log.
EXIT_FAILED: Final = 1
#: Bad configuration: settings, rules file, token or scopes, state store.
EXIT_CONFIG: Final = 2
#: Ctrl-C, as shells report a SIGINT (128 + 2).
EXIT_INTERRUPTED: Final = 130


class ConnectorError(Exception):
    """Root of every error the connector raises on purpose."""


class ConfigError(ConnectorError):
    """A setting, the rules file or another piece of configuration is wrong.

    The message is one line that names what is wrong and how to fix it.
    """


class StateStoreError(ConnectorError):
    """The state store cannot be reached or its schema cannot be brought up to date."""


@dataclass(frozen=True, slots=True)
class HubSpotErrorDetails:
    """What HubSpot said about a failed call (every field is optional in HubSpot's docs)."""

    status: int | None = None
    category: str | None = None
    message: str | None = None
    correlation_id: str | None = None
    endpoint: str | None = None
    missing_scopes: tuple[str, ...] = ()
    policy_name: str | None = None
    retry_after: float | None = None


class HubSpotError(ConnectorError):
    """A call to HubSpot failed. `details` holds what HubSpot said."""

    def __init__(self, message: str, details: HubSpotErrorDetails | None = None) -> None:
        super().__init__(message)
        self.details = details or HubSpotErrorDetails()

    @property
    def status(self) -> int | None:
        return self.details.status


class RetriableHubSpotError(HubSpotError):
    """Transient: a 5xx, a timeout or a dropped connection. Retrying may succeed."""


class RateLimitedError(RetriableHubSpotError):
    """HubSpot answered 429 for a rolling (ten-secondly or secondly) budget."""


class FatalHubSpotError(HubSpotError):
    """HubSpot rejected the request itself; retrying the same request cannot succeed."""


class DailyLimitError(FatalHubSpotError):
    """The portal's daily API budget is spent; calls resume after midnight portal time."""


class AuthError(HubSpotError):
    """The token is wrong or expired (401), or lacks scopes (403: see `missing_scopes`)."""

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        return self.details.missing_scopes


def exit_code(error: ConnectorError) -> int:
    """The exit code for an error that ends a command."""
    if isinstance(error, ConfigError | StateStoreError | AuthError):
        return EXIT_CONFIG
    return EXIT_FAILED
