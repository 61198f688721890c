"""The seed portal: deterministic, valid against the catalogue, coherent in time, realistic mix."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from connector.sandbox.catalogue import parse_datetime_value, value_error
from connector.sandbox.schema import PROPERTIES_BY_NAME
from connector.sandbox.seed import (
    COMPETITOR_DOMAINS,
    FREE_MAIL_DOMAINS,
    QUIET_DAYS,
    RECENT_DAYS,
    STORY_WEIGHTS,
    SeedPortal,
    SeedRecord,
    generate_portal,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONTACTS = 5_000
FUTURE_BY_NATURE = {"notes_next_activity_date"}


@pytest.fixture(scope="module", name="portal")
def fixture_portal() -> SeedPortal:
    return generate_portal(seed=7, contacts=CONTACTS, now=NOW)


def _dt(record: SeedRecord, name: str) -> datetime | None:
    value = record.properties.get(name)
    return parse_datetime_value(value) if value else None


def _num(record: SeedRecord, name: str) -> float:
    return float(record.properties.get(name) or 0)


def _snapshot(portal: SeedPortal) -> list[object]:
    return [
        portal.owners,
        [(r.id, r.properties, r.created_at, r.updated_at) for r in portal.companies],
        [
            (r.id, r.properties, r.created_at, r.updated_at, r.company_id, r.story)
            for r in portal.contacts
        ],
    ]


def test_same_seed_same_portal_and_different_seed_different_portal() -> None:
    first = generate_portal(seed=3, contacts=400, now=NOW)
    again = generate_portal(seed=3, contacts=400, now=NOW)
    other = generate_portal(seed=4, contacts=400, now=NOW)
    assert _snapshot(first) == _snapshot(again)
    assert _snapshot(first) != _snapshot(other)
    emails = lambda p: [c.properties.get("email") for c in p.contacts]  # noqa: E731
    assert emails(first) != emails(other)


def test_rejects_naive_now_and_negative_counts() -> None:
    with pytest.raises(ValueError):
        generate_portal(seed=1, contacts=10, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        generate_portal(seed=1, contacts=-1, now=NOW)


def test_empty_portal_still_has_owners() -> None:
    portal = generate_portal(seed=1, contacts=0, now=NOW)
    assert portal.contacts == [] and portal.companies == []
    assert len(portal.owners) == 11


def test_every_value_is_valid_against_the_catalogue(portal: SeedPortal) -> None:
    owner_ids = {o.id for o in portal.owners}
    company_ids = {c.id for c in portal.companies}
    for object_type, records in (("contacts", portal.contacts), ("companies", portal.companies)):
        catalogue = PROPERTIES_BY_NAME[object_type]
        for record in records:
            for name, value in record.properties.items():
                assert name in catalogue, (object_type, name)
                assert isinstance(value, str) and value != "", (object_type, name)
                spec = catalogue[name]
                assert value_error(spec, value) is None, (object_type, name, value)
                if spec.external_options:
                    assert value in owner_ids
            assert record.properties["hs_object_id"] == record.id
    for contact in portal.contacts:
        assert contact.properties.get("associatedcompanyid") == contact.company_id
        assert contact.company_id is None or contact.company_id in company_ids


def test_ids_are_unique_numeric_and_ascend_with_creation(portal: SeedPortal) -> None:
    for records in (portal.contacts, portal.companies):
        ids = [int(r.id) for r in records]
        assert len(set(ids)) == len(ids)
        by_creation = sorted(records, key=lambda r: (r.created_at, int(r.id)))
        assert [int(r.id) for r in by_creation] == sorted(ids)
    assert not {c.id for c in portal.contacts} & {c.id for c in portal.companies}
    emails = [c.properties["email"] for c in portal.contacts if "email" in c.properties]
    assert len(set(emails)) == len(emails)


def test_record_timestamps_match_their_properties(portal: SeedPortal) -> None:
    for contact in portal.contacts:
        assert contact.created_at == _dt(contact, "createdate")
        assert contact.updated_at == _dt(contact, "lastmodifieddate")
        assert contact.created_at <= contact.updated_at <= NOW
    for company in portal.companies:
        assert company.created_at == _dt(company, "createdate")
        assert company.updated_at == _dt(company, "hs_lastmodifieddate")
        assert company.created_at <= company.updated_at <= NOW


def test_no_event_after_now_or_after_last_modified(portal: SeedPortal) -> None:
    catalogue = PROPERTIES_BY_NAME["contacts"]
    future = 0
    for contact in portal.contacts:
        for name, value in contact.properties.items():
            if catalogue[name].type != "datetime":
                continue
            instant = parse_datetime_value(value)
            assert instant is not None
            if name in FUTURE_BY_NATURE:
                assert instant > NOW
                future += 1
            else:
                assert instant <= contact.updated_at, name
    assert future > 0  # open follow-ups exist


PAIRS = (
    ("hs_analytics_first_visit_timestamp", "hs_analytics_last_visit_timestamp"),
    ("first_conversion_date", "recent_conversion_date"),
    ("hs_email_first_send_date", "hs_email_last_send_date"),
    ("hs_email_first_open_date", "hs_email_last_open_date"),
    ("hs_email_first_click_date", "hs_email_last_click_date"),
    ("hs_email_first_reply_date", "hs_email_last_reply_date"),
    ("hs_email_first_send_date", "hs_email_first_open_date"),
    ("hs_email_first_open_date", "hs_email_first_click_date"),
    ("hs_sa_first_engagement_date", "notes_last_contacted"),
)
COUNT_DATES = (
    ("hs_email_open", "hs_email_first_open_date"),
    ("hs_email_click", "hs_email_first_click_date"),
    ("hs_email_replied", "hs_email_first_reply_date"),
    ("hs_email_delivered", "hs_email_first_send_date"),
    ("num_conversion_events", "first_conversion_date"),
    ("hs_analytics_num_visits", "hs_analytics_first_visit_timestamp"),
)


def test_counts_and_dates_agree(portal: SeedPortal) -> None:
    for c in portal.contacts:
        for first, last in PAIRS:
            a, b = _dt(c, first), _dt(c, last)
            if a and b:
                assert a <= b, (first, last)
        for count, date in COUNT_DATES:
            assert (_num(c, count) > 0) == (date in c.properties), (count, date)
        assert _num(c, "num_unique_conversion_events") <= _num(c, "num_conversion_events")
        assert (
            _num(c, "hs_email_delivered") >= _num(c, "hs_email_open") >= _num(c, "hs_email_click")
        )
        assert _num(c, "hs_email_replied") <= _num(c, "hs_email_open")
        assert _num(c, "hs_analytics_num_page_views") >= _num(c, "hs_analytics_num_visits")
        assert _num(c, "num_notes") >= _num(c, "num_contacted_notes")
        if c.properties.get("first_conversion_event_name") != c.properties.get(
            "recent_conversion_event_name"
        ):
            assert _num(c, "num_unique_conversion_events") >= 2


def test_stories_tell_what_their_names_say(portal: SeedPortal) -> None:
    recent = NOW - timedelta(days=RECENT_DAYS)
    quiet = NOW - timedelta(days=QUIET_DAYS)
    seen = Counter(c.story for c in portal.contacts)
    assert set(seen) == set(STORY_WEIGHTS)
    for c in portal.contacts:
        p = c.properties
        last_visit = _dt(c, "hs_analytics_last_visit_timestamp")
        if c.story == "deep":
            assert "/pricing" in p["hs_analytics_last_url"]
            assert p["recent_conversion_event_name"] == "Demo request"
            assert (_dt(c, "recent_conversion_date") or NOW) >= recent
            assert _num(c, "hs_analytics_num_page_views") >= 6
            assert _num(c, "hs_email_replied") >= 1
        elif c.story == "gone_quiet":
            assert last_visit is not None and last_visit <= quiet
            for name in (
                "hs_email_last_open_date",
                "hs_email_last_click_date",
                "recent_conversion_date",
            ):
                instant = _dt(c, name)
                assert instant is None or instant <= quiet, name
        elif c.story == "back_after_pause":
            first_visit = _dt(c, "hs_analytics_first_visit_timestamp")
            assert first_visit is not None and first_visit <= quiet
            assert last_visit is not None and last_visit >= recent
        elif c.story == "superficial":
            assert _num(c, "hs_analytics_num_visits") <= 2
            assert "/blog/" in p["hs_analytics_last_url"]
        elif c.story == "cold":
            assert "hs_analytics_num_visits" not in p
            assert p["hs_analytics_source"] == "OFFLINE"
    booked = sum(
        1
        for c in portal.contacts
        if c.story == "deep" and "engagements_last_meeting_booked" in c.properties
    )
    assert 0.5 < booked / seen["deep"] < 0.9


def test_story_mix_within_bounds(portal: SeedPortal) -> None:
    seen = Counter(c.story for c in portal.contacts)
    for story, weight in STORY_WEIGHTS.items():
        assert abs(seen[story] / CONTACTS - weight) < 0.03, story


def test_domains_companies_and_geography_look_like_a_b2b_portal(portal: SeedPortal) -> None:
    domains = [c.properties["hs_email_domain"] for c in portal.contacts if "email" in c.properties]
    free = sum(d in FREE_MAIL_DOMAINS for d in domains) / len(domains)
    competitor = sum(d in COMPETITOR_DOMAINS for d in domains) / len(domains)
    assert 0.12 < free < 0.30
    assert 0.005 < competitor < 0.04
    without_company = sum(c.company_id is None for c in portal.contacts) / CONTACTS
    assert 0.10 < without_company < 0.20
    assert 6 <= CONTACTS / len(portal.companies) <= 10
    industries = Counter(c.properties.get("industry") for c in portal.companies)
    assert len(industries) >= 15 and industries.most_common(1)[0][0] == "COMPUTER_SOFTWARE"
    employees = sorted(
        int(c.properties["numberofemployees"])
        for c in portal.companies
        if "numberofemployees" in c.properties
    )
    median, p99 = employees[len(employees) // 2], employees[int(len(employees) * 0.99)]
    assert 20 <= median <= 150 and p99 >= 2_000  # heavy-tailed sizes
    countries = Counter(c.properties.get("country") for c in portal.companies)
    assert countries.most_common(1)[0][0] == "United States" and len(countries) >= 15


def test_revenue_grows_with_company_size(portal: SeedPortal) -> None:
    pairs = [
        (int(c.properties["numberofemployees"]), int(c.properties["annualrevenue"]))
        for c in portal.companies
        if "numberofemployees" in c.properties and "annualrevenue" in c.properties
    ]
    small = [r for e, r in pairs if e < 50]
    large = [r for e, r in pairs if e > 500]
    assert sorted(small)[len(small) // 2] * 10 < sorted(large)[len(large) // 2]


def test_stages_statuses_and_owners(portal: SeedPortal) -> None:
    stages = Counter(c.properties.get("lifecyclestage") for c in portal.contacts)
    assert (stages["subscriber"] + stages["lead"]) / CONTACTS > 0.6
    for stage in ("marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"):
        assert stages[stage] > 0
    statuses = Counter(c.properties.get("hs_lead_status") for c in portal.contacts)
    assert statuses[None] / CONTACTS > 0.6 and len(statuses) >= 7
    roles = Counter((o.role, o.archived) for o in portal.owners)
    assert roles == {("sdr", False): 6, ("ae", False): 3, ("manager", False): 1, ("sdr", True): 1}
    owned = [c for c in portal.contacts if "hubspot_owner_id" in c.properties]
    assert 0.1 < len(owned) / CONTACTS < 0.5
    for c in owned:
        assert c.created_at <= (_dt(c, "hubspot_owner_assigneddate") or NOW)
    ae_ids = {o.id for o in portal.owners if o.role == "ae"}
    opportunities = [c for c in owned if c.properties.get("lifecyclestage") == "opportunity"]
    assert all(c.properties["hs_lead_status"] == "OPEN_DEAL" for c in opportunities)
    assert sum(c.properties["hubspot_owner_id"] in ae_ids for c in opportunities) > 0.9 * len(
        opportunities
    )


def test_bant_answers_are_partial_and_free_text_carries_keywords(portal: SeedPortal) -> None:
    answered = [c for c in portal.contacts if "main_challenge" in c.properties]
    assert 0.1 < len(answered) / CONTACTS < 0.6
    texts = [c.properties["main_challenge"].lower() for c in answered]
    for phrase in (
        "lead routing is manual",
        "better reporting",
        "pipeline visibility",
        "data quality",
    ):
        assert any(phrase in t for t in texts), phrase
    assert any(t in ("asdf", "n/a", "-", "test") for t in texts)  # garbage exists
    budget_only = [c for c in portal.contacts if "budget_range" in c.properties]
    assert any("purchase_timeline" not in c.properties for c in budget_only)  # some skipped
    students = [c for c in portal.contacts if c.properties.get("decision_role") == "student"]
    assert students
