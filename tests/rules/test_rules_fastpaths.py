"""The hot path's shortcuts agree with the general code they bypass.

The engine parses HubSpot's own date format directly, memoises property outcomes by value, by
domain or by presence, and interns BANT answers. None of that may change a decision: these
tests compare the shortcuts with the general path, and decisions taken on warm memos with
decisions taken on cold ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import NOW, build_rules, lead

from connector.rules import LeadInput, evaluate, load_rules
from connector.rules.values import MAX_EPOCH_S, MIN_EPOCH_S, parse_timestamp
from connector.sandbox.seed import generate_portal

REPO = Path(__file__).resolve().parents[2]


def _general(text: str) -> float | None:
    """parse_timestamp's general path: strip, then `datetime.fromisoformat`."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    seconds = parsed.timestamp()
    return seconds if MIN_EPOCH_S <= seconds <= MAX_EPOCH_S else None


_INSTANTS = st.datetimes(
    min_value=datetime(1960, 1, 1), max_value=datetime(2210, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(instant=_INSTANTS, position=st.integers(0, 23), char=st.sampled_from("09-T:.Z x²٣"))
def test_hubspot_dates_parse_like_fromisoformat(
    instant: datetime, position: int, char: str
) -> None:
    text = instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert len(text) == 24
    assert parse_timestamp(text) == _general(text)
    # One character changed: still exactly what the general path says (often None).
    damaged = text[:position] + char + text[position + 1 :]
    assert parse_timestamp(damaged) == _general(damaged)


def test_hubspot_date_boundaries() -> None:
    assert parse_timestamp("1970-01-01T00:00:00.000Z") == 0.0
    assert parse_timestamp("1969-12-31T23:59:59.999Z") is None  # before 1970: garbage
    assert parse_timestamp("2026-02-30T00:00:00.000Z") is None  # no such day
    assert parse_timestamp("2026-11-20T24:00:00.000Z") is None
    assert parse_timestamp(" 2026-11-20T09:15:00.00Z") == _general(" 2026-11-20T09:15:00.00Z")


def test_decisions_do_not_depend_on_what_the_memos_saw_before() -> None:
    """Warm memos (a running worker) and cold ones (a fresh rule set) decide the same."""
    portal = generate_portal(seed=5, contacts=600, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    leads = [
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    ]
    later = NOW + timedelta(days=20)
    warm = load_rules(REPO / "config" / "rules.yaml")
    forward = [evaluate(lead, rules=warm, now=t) for t in (NOW, later) for lead in leads]
    again = [evaluate(lead, rules=warm, now=t) for t in (NOW, later) for lead in leads]
    cold_reversed = load_rules(REPO / "config" / "rules.yaml")
    backward = [
        evaluate(lead, rules=cold_reversed, now=t) for t in (later, NOW) for lead in reversed(leads)
    ]
    backward = backward[len(leads) :][::-1] + backward[: len(leads)][::-1]
    assert forward == again
    assert forward == backward


_DATE_TEXT = st.one_of(
    _INSTANTS.map(lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
    _INSTANTS.map(lambda t: t.isoformat()),
    _INSTANTS.map(lambda t: t.astimezone(timezone(timedelta(hours=-5))).isoformat()),
    _INSTANTS.map(lambda t: t.date().isoformat()),
    _INSTANTS.map(lambda t: t.replace(tzinfo=None).isoformat()),
    _INSTANTS.map(lambda t: str(int(t.timestamp() * 1000))),
    st.text(max_size=30),
)
_ONE_SIGNAL = build_rules(
    engagement={
        "signals": [
            {"name": "s", "stage": "top", "at": "t", "points": 50, "decay": {"half_life_days": 9}}
        ]
    }
)


@settings(max_examples=300, deadline=None)
@given(text=_DATE_TEXT, pad=st.sampled_from(["", " ", "\t"]))
def test_the_kernel_reads_dates_like_parse_timestamp(text: str, pad: str) -> None:
    """The generated code reads aware ISO values itself and hands the rest to the parser."""
    raw = pad + text + pad
    decision = evaluate(lead({"t": raw}), rules=_ONE_SIGNAL, now=NOW)
    at = parse_timestamp(raw)
    if at is None:
        assert decision.engagement_points == 0.0
    else:
        age = max(0.0, NOW.timestamp() - at)
        assert decision.engagement_points == 50.0 * 2.0 ** (-age / (9 * 86_400.0))
