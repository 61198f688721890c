"""Parsing HubSpot property strings: garbage is unknown (None), never an exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.rules.values import (
    MAX_TEXT_CHARS,
    clean_text,
    email_domain,
    parse_number,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("450", 450.0, id="integer"),
        pytest.param(" 1,200 ", 1200.0, id="thousands-separator"),
        pytest.param("$2,500.50", 2500.5, id="currency"),
        pytest.param("1000+", 1000.0, id="hubspot-bucket-plus"),
        pytest.param("1e3", 1000.0, id="scientific"),
        pytest.param("-5", -5.0, id="negative"),
        pytest.param("NaN", None, id="nan"),
        pytest.param("inf", None, id="infinity"),
        pytest.param("1e999", None, id="overflow"),
        pytest.param("1e16", None, id="absurdly-large"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param(None, None, id="missing"),
        pytest.param("500-1000", None, id="range-bucket"),
        pytest.param("twelve", None, id="words"),
        pytest.param("9" * 100, None, id="too-long"),
        pytest.param("٣", 3.0, id="unicode-digit"),
    ],
)
def test_parse_number(raw: str | None, expected: float | None) -> None:
    assert parse_number(raw) == expected


_INSTANT = datetime(2026, 11, 20, 9, 15, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2026-11-20T09:15:00.000Z", _INSTANT, id="iso-z"),
        pytest.param("2026-11-20T10:15:00+01:00", _INSTANT, id="iso-offset"),
        pytest.param("2026-11-20T09:15:00", _INSTANT, id="iso-naive-is-utc"),
        pytest.param(str(int(_INSTANT * 1000)), _INSTANT, id="epoch-ms"),
        pytest.param(str(int(_INSTANT)), _INSTANT, id="epoch-seconds"),
        pytest.param("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC).timestamp(), id="date"),
        pytest.param("yesterday", None, id="words"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="missing"),
        pytest.param("99999999999999999999", None, id="huge-epoch"),
        pytest.param("-1", None, id="before-1970"),
        pytest.param("9999-12-31T00:00:00Z", None, id="far-future"),
        pytest.param("²", None, id="superscript-digit"),
        pytest.param("١٧٠٠٠٠٠٠٠٠٠٠٠", None, id="arabic-indic-digits"),
        pytest.param("2026-13-45T00:00:00Z", None, id="impossible-date"),
    ],
)
def test_parse_timestamp(raw: str | None, expected: float | None) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Jane.Doe@Example.COM", "example.com", id="email"),
        pytest.param("https://www.acme.io/pricing?x=1", "acme.io", id="url"),
        pytest.param("acme.io", "acme.io", id="bare-domain"),
        pytest.param("www.acme.io:8080", "acme.io", id="port"),
        pytest.param("not an email", None, id="spaces"),
        pytest.param("@", None, id="at-only"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_email_domain(raw: str | None, expected: str | None) -> None:
    assert email_domain(raw) == expected


def test_clean_text_bounds_length_and_trims() -> None:
    assert clean_text("  x  ") == "x"
    assert clean_text("   ") is None
    assert len(clean_text("a" * 10_000) or "") == MAX_TEXT_CHARS


def test_the_last_value_cache_never_answers_for_another_value() -> None:
    """parse_number and email_domain remember their last value; interleaving must not leak."""
    values = ["1,200", "$5", "abc", "1,200", None, "7e3", "7e3"]
    assert [parse_number(v) for v in values] == [1200.0, 5.0, None, 1200.0, None, 7000.0, 7000.0]
    addresses = ["a@Acme.com", "https://www.x.org/p", "a@Acme.com", "", "b@y.io", "b@y.io"]
    assert [email_domain(a) for a in addresses] == [
        "acme.com",
        "x.org",
        "acme.com",
        None,
        "y.io",
        "y.io",
    ]
