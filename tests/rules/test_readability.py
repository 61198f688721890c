"""Values the rules read as unknown are named, and absurd sizes cost no more than normal ones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.rules import LeadInput, evaluate, load_rules
from connector.rules.readability import ValueCheck
from connector.rules.values import MAX_RAW_CHARS, MAX_TEXT_CHARS, clean_text, parse_number
from connector.sandbox.seed import generate_portal

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULES = load_rules(REPO / "config" / "rules.yaml")
CHECK = ValueCheck.of(RULES)
GOOD = {
    "jobtitle": "VP of Sales",
    "numemployees": "250",
    "hs_analytics_last_visit_timestamp": "2026-11-19T10:00:00.000Z",
    "hs_analytics_num_page_views": "12",
    "purchase_timeline": "this_quarter",
    "budget_range": "50k-100k",
    "country": "Germany",
}


def _names(contact: dict[str, Any], company: dict[str, Any] | None = None) -> tuple[str, ...]:
    return CHECK.unreadable(LeadInput("1", contact, company))


def test_readable_values_are_not_named() -> None:
    assert _names(GOOD, {"numberofemployees": "1,200", "industry": "COMPUTER_SOFTWARE"}) == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hs_analytics_num_page_views", "NaN"),
        ("hs_analytics_last_visit_timestamp", "2026-02-30T00:00:00Z"),
        ("hs_analytics_last_visit_timestamp", "yesterday"),
        ("jobtitle", "Director " + "x" * 1_000_000),
        ("jobtitle", "Head\x00 of Sales"),
        ("country", "Ger\x01many"),
        ("purchase_timeline", "whenever"),
        ("budget_range", "a few bucks"),
    ],
)
def test_garbage_read_as_unknown_is_named(name: str, value: str) -> None:
    assert _names({**GOOD, name: value}) == (name,)


@pytest.mark.parametrize("value", ["1e309", "lots", "12 or so", "-1e16"])
def test_company_values_are_named_with_their_object(value: str) -> None:
    assert _names(GOOD, {"numberofemployees": value}) == ("company.numberofemployees",)


def test_a_value_outside_an_enumeration_the_rules_test_is_a_plain_non_match() -> None:
    # numemployees is HubSpot's form enumeration, tested with `in`: "lots" just is not listed.
    assert _names({**GOOD, "numemployees": "lots"}) == ()


def test_blank_missing_and_non_text_values_are_not_garbage() -> None:
    # Non-text values are the decision's own `unreadable`; blanks are plain "missing".
    assert _names({"jobtitle": "  ", "numemployees": None, "country": 7}) == ()


def test_naming_changes_no_decision() -> None:
    garbage = {**GOOD, "numemployees": "1e309", "jobtitle": "x" * 5000}
    lead = LeadInput("1", garbage)
    before = evaluate(lead, rules=RULES, now=NOW)
    CHECK.unreadable(lead)
    assert evaluate(lead, rules=RULES, now=NOW) == before


def test_the_sandbox_portal_reads_cleanly() -> None:
    # HubSpot-shaped values (what a real portal sends) are readable: counts mean garbage.
    portal = generate_portal(seed=4, contacts=500, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    flagged = [
        n
        for c in portal.contacts
        for n in CHECK.unreadable(
            LeadInput(
                c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or "")
            )
        )
    ]
    assert len(flagged) <= 5, flagged


class _Probe(str):
    """A value that fails the test when something walks more of it than `MAX_RAW_CHARS`."""

    __slots__ = ()

    def _walked(self) -> None:
        assert len(self) <= MAX_RAW_CHARS, "the whole absurd value was walked"

    def strip(self, chars: str | None = None) -> str:
        self._walked()
        return str.strip(self, chars)

    def lower(self) -> str:
        self._walked()
        return str.lower(self)

    def translate(self, table: Any) -> str:
        self._walked()
        return str.translate(self, table)

    def __contains__(self, key: object) -> bool:
        self._walked()
        return str.__contains__(self, key)  # type: ignore[operator]


@pytest.mark.parametrize("padding", ["x", " ", "7"])
def test_absurd_sizes_are_cut_before_anything_walks_them(padding: str) -> None:
    huge = _Probe(" Director of " + padding * 1_000_000 + " ")
    # Stage and status too: HubSpot validates them, but a hand-built input may not.
    contact: dict[str, str] = {name: huge for name in RULES.contact_properties}
    company = {name: huge for name in RULES.company_properties}
    lead = LeadInput("1", contact, company)
    decision = evaluate(lead, rules=RULES, now=NOW)
    assert decision.unreadable == ()
    assert "jobtitle" in CHECK.unreadable(lead)
    text = clean_text(huge)
    assert text is not None and len(text) == (11 if padding == " " else MAX_TEXT_CHARS)
    assert parse_number(_Probe("7" * 1_000_000)) is None


def test_a_huge_value_is_read_as_its_start() -> None:
    cut = LeadInput("1", {**GOOD, "jobtitle": "Chief Executive Officer " + "x" * 1_000_000})
    short = LeadInput("1", {**GOOD, "jobtitle": "Chief Executive Officer " + "x" * 600})
    assert evaluate(cut, rules=RULES, now=NOW).bant == evaluate(short, rules=RULES, now=NOW).bant
