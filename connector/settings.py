"""Every setting the connector reads, in one place, read once at start-up.

Values come from the environment and from a `.env` file in the working directory. Nothing else
in the package reads `os.environ`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.errors import ConfigError
from connector.hubspot_facts import DEFAULT_CALLS_PER_TEN_SECONDS, DEFAULT_SEARCHES_PER_SECOND

DEFAULT_BASE_URL = "https://api.hubapi.com"


class LogFormat(StrEnum):
    AUTO = "auto"  #: JSON lines when stderr is not a terminal, console output when it is
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """The connector's configuration. See `.env.example` for every variable with its default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        populate_by_name=False,
    )

    # HubSpot
    access_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("HUBSPOT_ACCESS_TOKEN")
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL, validation_alias=AliasChoices("HUBSPOT_BASE_URL")
    )
    portal: str = Field(default="default", validation_alias=AliasChoices("CONNECTOR_PORTAL"))

    # Files and state
    state_url: str = Field(
        default="sqlite:///connector_state.sqlite3",
        validation_alias=AliasChoices("CONNECTOR_STATE_URL"),
    )
    rules_file: Path = Field(
        default=Path("config/rules.yaml"), validation_alias=AliasChoices("CONNECTOR_RULES_FILE")
    )
    sla_file: Path = Field(
        default=Path("config/sla.yaml"), validation_alias=AliasChoices("CONNECTOR_SLA_FILE")
    )

    # Schedule and sync
    sync_interval_minutes: int = Field(
        default=15, ge=1, le=1440, validation_alias=AliasChoices("CONNECTOR_SYNC_INTERVAL_MINUTES")
    )
    search_lag_seconds: int = Field(
        default=300, ge=0, le=86_400, validation_alias=AliasChoices("CONNECTOR_SEARCH_LAG_SECONDS")
    )
    property_group: str = Field(
        default="lead_qualification", validation_alias=AliasChoices("CONNECTOR_PROPERTY_GROUP")
    )
    property_prefix: str = Field(
        default="qualification_", validation_alias=AliasChoices("CONNECTOR_PROPERTY_PREFIX")
    )
    write_threads: int = Field(
        default=2, ge=1, le=8, validation_alias=AliasChoices("CONNECTOR_WRITE_THREADS")
    )
    #: After a rules change, at most this many contacts are read (and re-scored) per run: the
    #: re-score spreads over runs instead of crowding out the incremental work of one.
    rescore_per_run: int = Field(
        default=20_000,
        ge=100,
        le=1_000_000,
        validation_alias=AliasChoices("CONNECTOR_RESCORE_PER_RUN"),
    )
    #: How long a worker holds a portal without renewing (it renews at every write and page).
    lease_ttl_seconds: int = Field(
        default=300, ge=1, le=3600, validation_alias=AliasChoices("CONNECTOR_LEASE_TTL_SECONDS")
    )

    # Gateway limits
    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, validation_alias=AliasChoices("CONNECTOR_CONNECT_TIMEOUT")
    )
    read_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, validation_alias=AliasChoices("CONNECTOR_READ_TIMEOUT")
    )
    call_time_cap_seconds: float = Field(
        default=120.0, gt=0, le=3600, validation_alias=AliasChoices("CONNECTOR_CALL_TIME_CAP")
    )
    #: An unreachable HubSpot (refused, DNS, connect timeout) fails the run after this long,
    #: across all its calls; 5xx, 429 and read timeouts keep the per-call cap above.
    unreachable_cap_seconds: float = Field(
        default=20.0, gt=0, le=3600, validation_alias=AliasChoices("CONNECTOR_UNREACHABLE_CAP")
    )
    requests_per_10s: int = Field(
        default=DEFAULT_CALLS_PER_TEN_SECONDS,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("CONNECTOR_REQUESTS_PER_10S"),
    )
    search_per_second: int = Field(
        default=DEFAULT_SEARCHES_PER_SECOND,
        ge=1,
        le=50,
        validation_alias=AliasChoices("CONNECTOR_SEARCH_PER_SECOND"),
    )
    daily_limit: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("CONNECTOR_DAILY_LIMIT")
    )
    #: The portal's time zone (Settings → Account defaults): HubSpot's daily budget resets at
    #: its midnight. Unknown, a spent budget is probed once an hour (docs/gateway.md).
    hubspot_timezone: str | None = Field(
        default=None, validation_alias=AliasChoices("CONNECTOR_HUBSPOT_TIMEZONE")
    )

    # Worker endpoints (`connector run`): /healthz, /readyz, /metrics
    #: Empty or "off" serves nothing; 0 binds a free port (logged as ops_http_started).
    http_port: int | None = Field(
        default=9108, ge=0, le=65535, validation_alias=AliasChoices("CONNECTOR_HTTP_PORT")
    )
    #: 0.0.0.0 so a platform's or container's health check reaches it; 127.0.0.1 on a laptop.
    http_host: str = Field(default="0.0.0.0", validation_alias=AliasChoices("CONNECTOR_HTTP_HOST"))

    # Logging
    log_format: LogFormat = Field(
        default=LogFormat.AUTO, validation_alias=AliasChoices("CONNECTOR_LOG_FORMAT")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("CONNECTOR_LOG_LEVEL"))

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @field_validator("http_port", mode="before")
    @classmethod
    def _port_or_off(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip().lower() in {"", "off"}):
            return None
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("hubspot_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as America/New_York"
            ) from None
        return value.strip()

    @field_validator("state_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    def require_token(self) -> str:
        """The access token, or a ConfigError that says how to provide one."""
        if self.access_token is None or not self.access_token.get_secret_value().strip():
            raise ConfigError(
                "HUBSPOT_ACCESS_TOKEN is not set: create a private app in HubSpot "
                "(Settings → Integrations → Private apps) and put its token in the environment "
                "or .env"
            )
        return self.access_token.get_secret_value().strip()


_FIXES: dict[str, str] = {
    "HUBSPOT_BASE_URL": "use e.g. https://api.hubapi.com or http://127.0.0.1:8090 for the sandbox",
    "CONNECTOR_STATE_URL": "use e.g. sqlite:///connector_state.sqlite3 or "
    "postgresql+psycopg://user@host:5432/db",
    "CONNECTOR_LOG_FORMAT": "use auto, json or console",
    "CONNECTOR_HTTP_PORT": "use a port number (9108 is the default), 0 for any free port, "
    "or leave it empty to serve no health and metrics endpoints",
}


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        return str(first)
    return field_name.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings once; raise ConfigError with one line per the first bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = str(error["loc"][0]) if error["loc"] else "?"
        name = _env_name(loc) if loc in Settings.model_fields else loc
        got = error.get("input")
        shown = "" if name == "HUBSPOT_ACCESS_TOKEN" else f" (got {str(got)[:60]!r})"
        fix = _FIXES.get(name, "correct it in the environment or .env")
        raise ConfigError(f"{name} is invalid: {error['msg']}{shown}; {fix}") from None
