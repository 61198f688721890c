"""structlog set-up: JSON lines for machines, console output for people, no secrets, no PII.

Two processors guard every event:

- `redact_secrets` replaces values under secret-looking keys (token, authorization, password…)
  and scrubs secret-looking substrings (Bearer headers, HubSpot private-app tokens, and any
  token registered with `register_secret`) from every string, however deeply nested;
- `drop_pii` replaces contact PII (email, names, phone numbers) under known keys and scrubs
  e-mail addresses from free text. Logs identify contacts by id only.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(token|authorization|password|passwd|secret|api[_-]?key|cookie|credential)", re.IGNORECASE
)
_PII_KEYS = frozenset(
    {
        "email",
        "emails",
        "firstname",
        "lastname",
        "first_name",
        "last_name",
        "fullname",
        "full_name",
        "phone",
        "mobilephone",
        "mobile_phone",
        "phone_number",
        "address",
    }
)
_SECRET_TEXT = re.compile(
    r"(Bearer\s+[A-Za-z0-9._~+/=-]+|pat-[a-z]{2,4}\d?-[0-9a-f-]{8,}|hapikey=[^&\s]+)",
    re.IGNORECASE,
)
_EMAIL_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

_registered: set[str] = set()


def register_secret(value: str) -> None:
    """Scrub this exact value from every log line from now on (e.g. the access token)."""
    if len(value) >= 6:
        _registered.add(value)


def scrub_text(text: str) -> str:
    """Remove secrets and e-mail addresses from free text."""
    for secret in _registered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _SECRET_TEXT.sub(REDACTED, text)
    return _EMAIL_TEXT.sub("[EMAIL]", text)


def _clean(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: _clean_item(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    if isinstance(value, BaseException):
        return scrub_text(f"{type(value).__name__}: {value}")
    return value


def _clean_item(key: str, value: Any, depth: int) -> Any:
    lowered = key.lower()
    if _SECRET_KEY.search(lowered):
        return REDACTED
    if lowered in _PII_KEYS:
        return "[PII]"
    return _clean(value, depth)


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Processor: remove secrets and PII from every field of the event."""
    cleaned: MutableMapping[str, Any] = {}
    for key, value in event_dict.items():
        cleaned[key] = _clean_item(key, value, 0) if key != "event" else _clean(value)
    return dict(cleaned)


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]


def configure_logging(
    *, level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None
) -> None:
    """Configure structlog once for the process.

    Args:
        level: DEBUG, INFO, WARNING or ERROR.
        fmt: "json", "console", or "auto" (console when the stream is a terminal).
        stream: where to write; standard error by default so command output stays clean.
    """
    out = stream or sys.stderr
    use_console = fmt == "console" or (fmt == "auto" and out.isatty())
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=out.isatty())
        if use_console
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[*_shared_processors(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
