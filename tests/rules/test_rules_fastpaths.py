"""The hot path's shortcuts agree with the general code they bypass.

The engine parses HubSpot's own date format directly, memoises property outcomes by value, by
domain or by presence, and interns BANT answers. None of that may change a decision: these
tests compare the shortcuts with the general path, and decisions taken on warm memos with
decisions taken on cold ones.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import NOW, build_rules, lead

from connector.rules import Decision, LeadInput, Reason, evaluate, load_rules
from connector.rules.conditions import Facts
from connector.rules.engine import Static, policy_key
from connector.rules.explain import compact_text
from connector.rules.sources import address_tail, domain_key
from connector.rules.values import MAX_EPOCH_S, MAX_TEXT_CHARS, MIN_EPOCH_S, parse_timestamp
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


def _portal_leads(seed: int, contacts: int) -> list[LeadInput]:
    portal = generate_portal(seed=seed, contacts=contacts, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    return [
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    ]


def test_policy_key_is_the_key_the_generated_code_uses() -> None:
    """`engine.policy_key` (rescore's lookups) finds what the generated code memoised."""
    rules = load_rules(REPO / "config" / "rules.yaml")
    for item in _portal_leads(seed=11, contacts=300):
        decision = evaluate(item, rules=rules, now=NOW)
        contact = item.contact
        static = Static(
            decision.fit_points,
            0.0,  # not part of the key
            decision.grade,
            decision.bant.met_count,
            decision.bant.met,
            decision.disqualified is not None,
            contact.get("lifecyclestage"),
            contact.get("hs_lead_status"),
        )
        key = policy_key(
            rules, static, decision.score, decision.temperature, decision.engagement_points, None
        )
        assert key in rules.outputs_memo


@pytest.mark.parametrize(
    "rules_file",
    [
        "config/rules.yaml",
        "config/examples/b2b-marketplace.yaml",
        "config/examples/professional-services.yaml",
    ],
)
def test_scores_with_one_score_key_pass_the_same_policy_tests(rules_file: str) -> None:
    """Policy outcomes are memoised by `RuleSet.score_keys`, not by the score itself."""
    rules = load_rules(REPO / rules_file)
    conditions = [c for _, c in rules.lifecycle.stages]
    conditions += [rules.handoff.when, *(c for _, c in rules.handoff.tiers)]
    relaxes = (0.0, rules.lifecycle.margin, rules.handoff.margin)
    met = frozenset({"budget", "authority", "need", "timeline"})

    def passes(score: int) -> tuple[bool, ...]:
        facts = Facts(score, 50.0, 20.0, "A", "hot", 4, met, False)
        return tuple(c.holds(facts, relax) for c in conditions for relax in relaxes)

    for score in range(101):
        for other in range(101):
            if rules.score_keys[score] == rules.score_keys[other]:
                assert passes(score) == passes(other), (score, other)
    assert len(set(rules.score_keys)) < 101  # it does group scores


def test_decisions_built_through_the_twin_class_are_plain_decisions() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    decision = evaluate(_portal_leads(seed=3, contacts=1)[0], rules=rules, now=NOW)
    assert type(decision) is Decision
    rebuilt = Decision(**{f.name: getattr(decision, f.name) for f in fields(Decision)})
    assert rebuilt == decision
    assert repr(rebuilt) == repr(decision)
    with pytest.raises(FrozenInstanceError):
        decision.score = 1  # type: ignore[misc]


def test_engagement_reasons_are_made_when_read() -> None:
    """`Decision.reasons` holds Reasons once read (engagement ones are made then), in order."""
    rules = load_rules(REPO / "config" / "rules.yaml")
    engagement = 0
    for item in _portal_leads(seed=7, contacts=200):
        decision = evaluate(item, rules=rules, now=NOW)
        reasons = decision.reasons
        assert type(reasons) is tuple
        assert all(type(r) is Reason for r in reasons)
        assert decision.reasons is reasons  # made once, then kept
        assert compact_text(reasons) == decision.compact_reasons
        engagement += sum(r.kind == "engagement" for r in reasons)
    assert engagement > 100


_ADDRESS_PART = st.text(alphabet=st.sampled_from("aZ.-_ @/:wİΣς\t"), max_size=12)


@settings(max_examples=400, deadline=None)
@given(first=_ADDRESS_PART, second=_ADDRESS_PART, tail=_ADDRESS_PART)
def test_addresses_with_the_same_tail_have_the_same_domain(
    first: str, second: str, tail: str
) -> None:
    """What lets the generated code memoise e-mail sources by the raw text after the "@"."""
    tail = tail.replace("@", "")
    one, other = f"{first}@{tail}", f"{second}@{tail}"
    assert address_tail(one) == address_tail(other) == tail
    assert domain_key(one) == domain_key(other)


def test_over_long_or_at_less_values_have_no_tail() -> None:
    assert address_tail("acme.com") is None
    assert address_tail(None) is None
    assert address_tail("a" * MAX_TEXT_CHARS + "@acme.com") is None


_ADDRESS_DOMAINS = ["gmail.com", "GMail.com ", "gmail.com/x", "www.gmail.com", "acme.com", "x"]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.tuples(_ADDRESS_PART, st.sampled_from(_ADDRESS_DOMAINS)).map("@".join),
            st.sampled_from(_ADDRESS_DOMAINS),  # no "@": a website-like value
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_address_memo_decides_as_a_fresh_rule_set(values: list[str]) -> None:
    """Warm address memos (each value seen after the others) decide like cold ones."""
    warm = load_rules(REPO / "config" / "rules.yaml")
    for value in values:
        seen = evaluate(lead({"email": value}), rules=warm, now=NOW)
        fresh = load_rules(REPO / "config" / "rules.yaml")
        assert seen == evaluate(lead({"email": value}), rules=fresh, now=NOW)
