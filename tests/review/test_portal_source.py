"""`read_portal_leads` against the sandbox over loopback: the period's contacts, their outcomes,
the connector's own record and SLA touches, by the cheapest reads, writing nothing."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import RecordUpdate
from connector.hubspot_facts import SEARCH_PAGE_MAX
from connector.review import portal_paging
from connector.review.dataset import OutcomeSpec, ReviewLead
from connector.review.portal_paging import plan_reads
from connector.review.portal_source import read_portal_leads
from connector.review.scoring import score_leads
from connector.review.stats import auc
from connector.rules import load_rules
from connector.sandbox import Sandbox
from connector.sandbox import search as sandbox_search
from connector.sandbox.seed.outcomes import hidden_propensity
from connector.settings import Settings, load_settings
from connector.state import StateStore
from connector.sync.services import build_run
from tests.conftest import MakeSandbox
from tests.review.conftest import writes_received
from tests.sync.conftest import REPO, ready_services, sandbox_env

ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _settings(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str
) -> Settings:
    for name, value in {**sandbox_env(sandbox, tmp_path / "state.sqlite3"), **env}.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def _read(
    sandbox: Sandbox,
    settings: Settings,
    *,
    period: tuple[datetime, datetime] = ALL_TIME,
    outcome: OutcomeSpec | None = None,
    stream: Any = None,
) -> tuple[list[ReviewLead], HubSpotGateway]:
    gateway = HubSpotGateway.from_settings(settings)
    leads = read_portal_leads(
        settings,
        load_rules(REPO / "config" / "rules.yaml"),
        *period,
        outcome or OutcomeSpec(),
        gateway=gateway,
        stream=stream or io.StringIO(),
    )
    return leads, gateway


def _created(sandbox: Sandbox, contact_id: str) -> datetime:
    text = (sandbox.store.get("contacts", contact_id) or {})["createdate"]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_periods_contacts_with_their_outcomes_and_no_write(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=1200, seed=5)
    settings = _settings(sandbox, tmp_path, monkeypatch)
    ids = sandbox.store.all_ids("contacts")
    created = sorted(_created(sandbox, cid) for cid in ids)
    since, until = created[300], created[900]
    expected = {cid for cid in ids if since <= _created(sandbox, cid) <= until}
    sandbox.reset_counts()

    leads, gateway = _read(sandbox, settings, period=(since, until))

    assert {lead.lead_id for lead in leads} == expected
    assert not (tmp_path / "state.sqlite3").exists()  # no ledger: none is created either
    for lead in leads:
        held = sandbox.store.get("contacts", lead.lead_id) or {}
        assert lead.converted == ("hs_v2_date_entered_opportunity" in held)
        assert lead.created_at == _created(sandbox, lead.lead_id)
        if held.get("lifecyclestage"):
            assert held["lifecyclestage"] in lead.stage_dates
        assert not any(name.startswith("hs_v2_date_entered_") for name in lead.contact)
        company_id = held.get("associatedcompanyid")
        if company_id:
            company = sandbox.store.get("companies", company_id) or {}
            assert lead.company is not None
            assert lead.company.get("industry") == company.get("industry")
    assert writes_received(sandbox) == {}
    stats = gateway.stats().calls_by_endpoint
    # One page per 200 contacts (no portal count below 2,000 contacts), companies in 100s.
    assert stats["contacts.search"] == math.ceil(len(expected) / SEARCH_PAGE_MAX)
    companies = {lead.contact.get("associatedcompanyid") for lead in leads} - {None}
    assert stats["companies.batch_read"] == math.ceil(len(companies) / 100)
    assert stats["properties.read"] == 1


def test_the_review_finds_the_hidden_propensity(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=3000, seed=9)
    settings = _settings(sandbox, tmp_path, monkeypatch)
    leads, _ = _read(sandbox, settings)
    assert len(leads) == 3000
    rules = load_rules(REPO / "config" / "rules.yaml")
    scored = score_leads(leads, rules, now=datetime.now(UTC))
    found = auc([s.decision.score for s in scored], [s.converted for s in scored])
    assert found is not None and found > 0.62

    def propensity(lead: ReviewLead) -> float:
        contact = sandbox.store.get("contacts", lead.lead_id) or {}
        company_id = contact.get("associatedcompanyid")
        company = sandbox.store.get("companies", company_id) if company_id else None
        return hidden_propensity(9, contact, company)

    ranked = sorted(leads, key=propensity)
    fifth = len(ranked) // 5
    low = sum(lead.converted for lead in ranked[:fifth]) / fifth
    high = sum(lead.converted for lead in ranked[-fifth:]) / fifth
    assert high > 5 * low
    # The rules' score ranks by the same hidden propensity, not only by the outcome's noise.
    by_score = auc([propensity(s.lead) for s in scored], [s.decision.score >= 50 for s in scored])
    assert by_score is not None and by_score > 0.6


def test_a_period_past_the_search_cap_and_a_crowded_millisecond_are_read_once(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 400
    monkeypatch.setattr(sandbox_search, "SEARCH_RESULTS_CAP", cap)
    monkeypatch.setattr(portal_paging, "SEARCH_RESULTS_CAP", cap)
    sandbox = make_sandbox(contacts=1500, seed=2)
    ids = sandbox.store.all_ids("contacts")
    crowded = (sandbox.store.get("contacts", ids[700]) or {})["createdate"]
    for cid in ids[700:1150]:  # 450 contacts in one millisecond: more than the cap
        sandbox.store.update("contacts", cid, {"createdate": crowded}, validate=False)
    settings = _settings(sandbox, tmp_path, monkeypatch)
    sandbox.reset_counts()

    leads, gateway = _read(sandbox, settings)

    assert sorted(lead.lead_id for lead in leads) == sorted(ids)
    assert all(status == 200 for (_, _, status) in sandbox.request_counts())
    # Every contact came on one page only: pages are the contacts over 200, plus the restarts'
    # overlap (the last instant read again), plus the portal count.
    assert gateway.stats().calls_by_endpoint["contacts.search"] <= math.ceil(1500 / 200) + 6


def test_the_list_endpoint_when_the_period_is_the_portal_and_search_is_slow(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=2500, seed=4)
    fast_search = _settings(sandbox, tmp_path, monkeypatch)
    searched, _ = _read(sandbox, fast_search)
    slow_search = _settings(
        sandbox,
        tmp_path,
        monkeypatch,
        CONNECTOR_SEARCH_PER_SECOND="1",
        CONNECTOR_REQUESTS_PER_10S="1000",
    )
    listed, gateway = _read(sandbox, slow_search)
    calls = gateway.stats().calls_by_endpoint
    assert calls["contacts.list"] == math.ceil(2500 / 100)
    assert calls["contacts.search"] == 2  # the period's first page and the portal's count

    def seen(leads: list[ReviewLead]) -> list[tuple[Any, ...]]:
        return sorted(
            (x.lead_id, x.converted, dict(x.contact), dict(x.stage_dates), x.company) for x in leads
        )

    assert seen(listed) == seen(searched)


def test_the_read_plan_follows_the_rate_limit_arithmetic() -> None:
    pro = {"requests_per_10s": 190, "search_per_second": 5}
    whole = plan_reads(100_000, 100_000, **pro)
    assert not whole.by_search and whole.contact_calls == 1000  # 53 s of list beats 100 s
    month = plan_reads(3_000, 100_000, **pro)
    assert month.by_search and month.contact_calls == 15
    unknown = plan_reads(1_500, None, **pro)
    assert unknown.by_search and unknown.contact_calls == 8


def test_horizon_and_outcome_stage(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=1000, seed=6)
    settings = _settings(sandbox, tmp_path, monkeypatch)
    anytime, _ = _read(sandbox, settings)
    soon, _ = _read(sandbox, settings, outcome=OutcomeSpec(horizon_days=14))
    customers, _ = _read(sandbox, settings, outcome=OutcomeSpec(stage="customer"))
    n_any = sum(lead.converted for lead in anytime)
    n_soon = sum(lead.converted for lead in soon)
    assert 0 < n_soon < n_any
    for lead in soon:
        if lead.converted:
            start = lead.stage_dates.get("lead") or lead.created_at
            assert start is not None
            assert lead.stage_dates["opportunity"] - start <= timedelta(days=14)
    assert 0 < sum(lead.converted for lead in customers) < n_any
    assert all("customer" in lead.stage_dates for lead in customers if lead.converted)


def test_recorded_decisions_handoffs_and_sla_touches(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    assert result.status == "ok", result.summary
    handoffs = services.store.open_handoffs("default")
    assert len(handoffs) >= 2
    in_time, untouched = handoffs[0], handoffs[1]
    sandbox.store.update("tasks", in_time.task_id or "", {"hs_task_status": "COMPLETED"})
    services.close()
    settings = load_settings()
    after_due = max(h.due_at for h in handoffs) + timedelta(days=1)
    sandbox.reset_counts()
    with StateStore.connect(settings.state_url) as store:
        leads = read_portal_leads(
            settings,
            load_rules(REPO / "config" / "rules.yaml"),
            *ALL_TIME,
            OutcomeSpec(),
            store=store,
            now=after_due,
            stream=io.StringIO(),
        )
    by_id = {lead.lead_id: lead for lead in leads}
    assert writes_received(sandbox) == {}
    scored = [lead for lead in leads if lead.recorded and lead.recorded.score is not None]
    assert len(scored) == 800  # the sync scored every contact and the review read it back
    for lead in scored:
        held = sandbox.store.get("contacts", lead.lead_id) or {}
        assert lead.recorded is not None
        assert str(lead.recorded.score) == held["qualification_score"]
        assert lead.recorded.grade == held["qualification_grade"]
        assert lead.recorded.decided_at is not None
        assert not any(name.startswith("qualification_") for name in lead.contact)
    touched = by_id[in_time.contact_id]
    assert touched.recorded is not None and touched.recorded.handed_off_at == in_time.created_at
    assert touched.touched_within_sla is True
    assert by_id[untouched.contact_id].touched_within_sla is False  # past due, never done
    handed = {h.contact_id for h in handoffs}
    assert all(lead.touched_within_sla is None for lead in leads if lead.lead_id not in handed)


def test_a_stage_written_through_the_api_is_dated_as_hubspot_dates_it(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    sandbox = make_sandbox(contacts=300, seed=8, now=now)
    settings = _settings(sandbox, tmp_path, monkeypatch)
    leads, gateway = _read(sandbox, settings)
    lead = next(x for x in leads if x.contact.get("lifecyclestage") == "lead")
    recycled = next(
        x
        for x in leads
        if "opportunity" in x.stage_dates and x.contact.get("lifecyclestage") == "lead"
    )
    gateway.update_contacts(
        [
            RecordUpdate(id=lead.lead_id, properties={"lifecyclestage": "marketingqualifiedlead"}),
            RecordUpdate(
                id=recycled.lead_id, properties={"lifecyclestage": "marketingqualifiedlead"}
            ),
        ]
    )
    after = {x.lead_id: x for x in _read(sandbox, settings)[0]}
    assert after[lead.lead_id].stage_dates["marketingqualifiedlead"] == now
    assert after[lead.lead_id].stage_dates["lead"] == lead.stage_dates["lead"]  # first entry kept
    # A recycled contact's earlier MQL date stays (v2 keeps the first entry it recorded) and
    # its lost opportunity is still an outcome.
    assert (
        after[recycled.lead_id].stage_dates["marketingqualifiedlead"]
        == recycled.stage_dates["marketingqualifiedlead"]
    )
    assert after[recycled.lead_id].converted
    held = sandbox.store.get("contacts", lead.lead_id) or {}
    assert (
        held["hs_lifecyclestage_marketingqualifiedlead_date"]
        == held["hs_v2_date_entered_marketingqualifiedlead"]
    )
