"""The seeded portal's outcomes: stage histories in both date families, drawn from a hidden
propensity a test can recompute, added without changing any property the generator drew."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.sandbox.catalogue import parse_datetime_value
from connector.sandbox.schema import PROPERTIES_BY_NAME
from connector.sandbox.seed import SeedPortal, SeedRecord, contacts, generate_portal
from connector.sandbox.seed.outcomes import hidden_propensity, stage_date_properties

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SEED = 11
CONTACTS = 6_000
OPPORTUNITY_V2, OPPORTUNITY_LEGACY = stage_date_properties("opportunity")


@pytest.fixture(scope="module", name="portal")
def fixture_portal() -> SeedPortal:
    return generate_portal(seed=SEED, contacts=CONTACTS, now=NOW)


def _propensity(portal: SeedPortal, contact: SeedRecord) -> float:
    companies = {c.id: c.properties for c in portal.companies}
    company = companies.get(contact.company_id) if contact.company_id else None
    return hidden_propensity(SEED, contact.properties, company)


def _converted(contact: SeedRecord) -> bool:
    return OPPORTUNITY_V2 in contact.properties


def test_outcomes_only_add_properties(monkeypatch: pytest.MonkeyPatch) -> None:
    with_outcomes = generate_portal(seed=SEED, contacts=800, now=NOW)
    monkeypatch.setattr(contacts, "add_outcomes", lambda *_args: None)
    without = generate_portal(seed=SEED, contacts=800, now=NOW)
    added = 0
    for a, b in zip(with_outcomes.contacts, without.contacts, strict=True):
        assert a.id == b.id and a.created_at == b.created_at and a.updated_at == b.updated_at
        extra = set(a.properties) - set(b.properties)
        assert {k: a.properties[k] for k in b.properties} == b.properties
        assert all(k.startswith(("hs_v2_date_entered_", "hs_lifecyclestage_")) for k in extra)
        added += len(extra)
    assert added > 800  # most contacts gained a history
    assert [c.properties for c in with_outcomes.companies] == [
        c.properties for c in without.companies
    ]


def test_stage_dates_are_known_properties_within_the_records_lifetime(portal: SeedPortal) -> None:
    catalogue = PROPERTIES_BY_NAME["contacts"]
    for stage in LIFECYCLE_ORDER:
        for name in stage_date_properties(stage):
            assert catalogue[name].type == "datetime" and catalogue[name].read_only
    for contact in portal.contacts:
        present = contact.properties.get("lifecyclestage")
        v2: dict[str, datetime] = {}
        for s in LIFECYCLE_ORDER:
            text = contact.properties.get(stage_date_properties(s)[0])
            at = parse_datetime_value(text) if text else None
            if at is not None:
                v2[s] = at
        assert bool(v2) == bool(present)
        if present:
            assert present in v2  # the present stage was entered
        for at in v2.values():
            assert contact.created_at <= at <= contact.updated_at
        funnel = [v2[s] for s in LIFECYCLE_ORDER[1:5] if s in v2]
        assert funnel == sorted(funnel)  # entered in funnel order


def test_opportunities_and_customers_reached_opportunity_in_both_families(
    portal: SeedPortal,
) -> None:
    beyond = [
        c
        for c in portal.contacts
        if c.properties.get("lifecyclestage") in ("opportunity", "customer")
    ]
    assert len(beyond) > 100
    for contact in beyond:
        assert _propensity(portal, contact) == 1.0
        assert OPPORTUNITY_V2 in contact.properties
        assert OPPORTUNITY_LEGACY in contact.properties


def test_a_lost_deal_keeps_its_v2_date_but_not_the_cleared_became_date(
    portal: SeedPortal,
) -> None:
    recycled = [
        c
        for c in portal.contacts
        if _converted(c)
        and c.properties.get("lifecyclestage") in ("lead", "marketingqualifiedlead")
    ]
    assert len(recycled) > 50
    for contact in recycled:
        assert OPPORTUNITY_LEGACY not in contact.properties
        stage = contact.properties["lifecyclestage"]
        assert stage_date_properties(stage)[1] in contact.properties


def test_conversion_follows_the_hidden_propensity(portal: SeedPortal) -> None:
    drawn = sorted(
        (_propensity(portal, c), _converted(c))
        for c in portal.contacts
        if c.properties.get("lifecyclestage") not in ("opportunity", "customer", "evangelist")
    )
    fifths = [drawn[i * len(drawn) // 5 : (i + 1) * len(drawn) // 5] for i in range(5)]
    rates = [sum(conv for _, conv in part) / len(part) for part in fifths]
    assert rates == sorted(rates) and rates[-1] > 5 * rates[0]
    for part, rate in zip(fifths, rates, strict=True):
        expected = sum(p for p, _ in part) / len(part)
        # The draw is Bernoulli(propensity), less the few whose history would not fit before
        # their last modification: within sampling noise of the mean propensity.
        assert abs(rate - expected) < 0.03 + 0.15 * expected
    overall = sum(conv for _, conv in drawn) / len(drawn)
    assert 0.03 < overall < 0.2  # a realistic share of leads becomes an opportunity


def test_propensity_rises_with_fit_bant_and_engagement() -> None:
    base = {"hs_object_id": "5", "lifecyclestage": "lead"}
    company = {"numberofemployees": "200"}
    plain = hidden_propensity(1, base, company)
    assert hidden_propensity(1, {**base, "purchase_timeline": "this_quarter"}, company) > plain
    assert hidden_propensity(1, {**base, "decision_role": "decision_maker"}, company) > plain
    assert hidden_propensity(1, {**base, "hs_analytics_num_page_views": "40"}, company) > plain
    assert hidden_propensity(1, {**base, "hs_analytics_source": "REFERRALS"}, company) > plain
    assert hidden_propensity(1, base, {"numberofemployees": "3"}) < plain
    assert hidden_propensity(1, {**base, "hs_email_domain": "salesforce.com"}, company) < plain
    assert hidden_propensity(2, base, company) != plain  # latent quality differs by seed
