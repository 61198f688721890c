"""Turning HubSpot's property strings into facts, never into exceptions.

HubSpot sends every property value as a string or null, and form answers are whatever a visitor
typed. Each parser here returns ``None`` ("unknown") for anything it cannot read: empty strings,
garbage, ``NaN``, ``1e999``, absurdly long input. Unknown is a scoring fact, not an error.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

#: Longest text the rules read (characters). Bounds regex and keyword work per value so a
#: pasted essay in a form field cannot slow a run; longer text is cut, not rejected.
MAX_TEXT_CHARS = 512

#: Longest raw value the rules look at (characters): longer values are cut to this before
#: anything (trimming included) walks them, so a 1 MB job title costs what a short one does.
#: Four times `MAX_TEXT_CHARS` leaves room for the leading blanks pasted text often has.
MAX_RAW_CHARS = 4 * MAX_TEXT_CHARS

#: Longest string we try to read as a number or timestamp; real values are far shorter.
_MAX_SCALAR_CHARS = 64

#: Numbers beyond this magnitude are treated as garbage (no company has 10^15 employees or
#: dollars of revenue; such values are typos or overflow artefacts).
MAX_ABS_NUMBER = 1e15

#: Epoch values below this are read as seconds, above as milliseconds. HubSpot uses ms, but
#: integrations sometimes write seconds; 1e11 ms is 1973, 1e11 s is the year 5138.
_EPOCH_SECONDS_BELOW = 100_000_000_000

#: Timestamps outside [1970, 2200] are garbage rather than real activity dates.
_MIN_EPOCH_S = 0.0
_MAX_EPOCH_S = 7_258_118_400.0

_NUMBER_STRIP = str.maketrans("", "", ",_ $€£")


def clean_text(value: str | None) -> str | None:
    """The value trimmed and cut to `MAX_TEXT_CHARS`, or None when empty.

    Args:
        value: a raw property value.

    Returns:
        The trimmed text, or None for a missing or blank value.
    """
    if value is None:
        return None
    text = bounded(value).strip()
    if not text:
        return None
    return text[:MAX_TEXT_CHARS]


def bounded(value: str) -> str:
    """The value cut to `MAX_RAW_CHARS`, before any work that walks the whole string."""
    return value if len(value) <= MAX_RAW_CHARS else value[:MAX_RAW_CHARS]


def parse_number(value: str | None) -> float | None:
    """A finite number from a property string, or None.

    Accepts thousands separators and currency signs ("$1,200"), a trailing "+" ("1000+", as in
    HubSpot's employee buckets) and scientific notation. Rejects NaN, infinities and magnitudes
    above `MAX_ABS_NUMBER`.

    Args:
        value: a raw property value.

    Returns:
        The number, or None when the value is missing or not a sensible number.
    """
    if value is None or len(value) > MAX_RAW_CHARS:
        return None  # cut, it would be a number it never was; and no number is that long
    text = value.strip()
    if not text or len(text) > _MAX_SCALAR_CHARS:
        return None
    text = text.translate(_NUMBER_STRIP)
    if text.endswith("+"):
        text = text[:-1]
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or abs(number) > MAX_ABS_NUMBER:
        return None
    return number


def parse_timestamp(value: str | None) -> float | None:
    """Seconds since the epoch (UTC) from an ISO-8601 string or an epoch string, or None.

    HubSpot sends datetimes both as ISO strings ("2026-11-20T09:15:00.000Z") and as epoch
    milliseconds ("1763630100000"); date properties arrive as midnight UTC. Naive ISO values are
    read as UTC.

    Args:
        value: a raw property value.

    Returns:
        The instant as epoch seconds, or None when missing, unreadable or out of range.
    """
    if value is None or len(value) > MAX_RAW_CHARS:
        return None  # cut, it would be a number it never was; and no number is that long
    text = value.strip()
    if not text or len(text) > _MAX_SCALAR_CHARS:
        return None
    seconds: float
    if text.isascii() and (text.isdigit() or (text[0] == "-" and text[1:].isdigit())):
        raw = int(text)  # ASCII only: "²".isdigit() is True but int("²") fails
        seconds = raw / 1000.0 if abs(raw) >= _EPOCH_SECONDS_BELOW else float(raw)
    else:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            seconds = parsed.timestamp()
        except (OverflowError, OSError, ValueError):
            return None
    if not (_MIN_EPOCH_S <= seconds <= _MAX_EPOCH_S):
        return None
    return seconds


def email_domain(value: str | None) -> str | None:
    """The lower-case domain of an e-mail address or a website/URL, or None.

    "Jane@Example.COM" → "example.com"; "https://www.example.com/path" → "example.com";
    "example.com" → "example.com".

    Args:
        value: an e-mail address, a URL or a bare domain.

    Returns:
        The domain without a leading "www.", or None when there is none.
    """
    text = clean_text(value)
    if text is None:
        return None
    text = text.lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    else:
        if "://" in text:
            text = text.split("://", 1)[1]
        text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
        if text.startswith("www."):
            text = text[4:]
    text = text.strip().strip(".")
    if not text or " " in text:
        return None
    return text


def domain_matches(domain: str, domains: frozenset[str]) -> bool:
    """True when `domain` or a parent domain is in `domains` ("eu.acme.com" → "acme.com")."""
    if domain in domains:
        return True
    parts = domain.split(".")
    return any(".".join(parts[start:]) in domains for start in range(1, len(parts) - 1))


def to_datetime(seconds: float) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)
