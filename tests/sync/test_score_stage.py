"""The score stage: every pulled contact through the rules, values it cannot read counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from structlog.testing import capture_logs

from connector.hubspot.models import CrmRecord
from connector.rules import load_rules
from connector.state import ContactMemory
from connector.sync.companies import CompanyCache
from connector.sync.scoring import ScoreStage

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class _NoMemory:
    def get_memory(self, portal: str, ids: Sequence[str]) -> dict[str, ContactMemory]:
        return {}


class _NoCompanies:
    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        raise AssertionError("no contact here has a company")


def test_values_that_are_not_text_are_counted_and_logged_by_name_only() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    stage = ScoreStage(
        store=_NoMemory(),  # type: ignore[arg-type]
        rules=rules,
        companies=CompanyCache(_NoCompanies(), rules.company_properties),  # type: ignore[arg-type]
        portal="p",
        now=NOW,
    )
    # A record built past validation, as a hand-written port or a future parser might hand over.
    odd = CrmRecord.model_construct(
        id="7", properties={"jobtitle": 42, "email": "secret@example.com", "country": None}
    )
    plain = CrmRecord(id="8", properties={"jobtitle": "VP Sales"})
    with capture_logs() as logs:
        stage.take(1, [odd, plain])
        scored = stage.score_ready(final=True)
    assert [s.record.id for s in scored] == ["7", "8"]
    assert scored[0].decision.unreadable == ("jobtitle",)
    assert stage.scored == 2
    assert stage.unreadable == 1
    warnings = [e for e in logs if e["event"] == "unreadable_values_scored_as_missing"]
    assert warnings == [
        {
            "event": "unreadable_values_scored_as_missing",
            "log_level": "warning",
            "contact_id": "7",
            "properties": ["jobtitle"],
        }
    ]
    assert "secret@example.com" not in repr(logs)


class _Companies:
    """HubSpot has company 100; company 999 does not exist (deleted, or a typo in an import)."""

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        known = {"100": CrmRecord(id="100", properties={"numberofemployees": "1e309"})}
        return [known[i] for i in ids if i in known]


def test_garbage_read_as_unknown_is_counted_by_property() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    stage = ScoreStage(
        store=_NoMemory(),  # type: ignore[arg-type]
        rules=rules,
        companies=CompanyCache(_Companies(), rules.company_properties),  # type: ignore[arg-type]
        portal="p",
        now=NOW,
    )
    records = [
        CrmRecord(id="1", properties={"jobtitle": "Head " + "x" * 1_000_000}),
        CrmRecord(id="2", properties={"jobtitle": "VP\x00Sales", "associatedcompanyid": "100"}),
        CrmRecord(id="3", properties={"associatedcompanyid": "999", "jobtitle": "VP Sales"}),
        CrmRecord(id="4", properties={"hs_analytics_last_visit_timestamp": "not a date"}),
        CrmRecord(id="5", properties={"jobtitle": "VP Sales", "numemployees": "100-500"}),
    ]
    stage.take(1, records)
    scored = stage.score_ready(final=True)
    assert len(scored) == 5
    assert stage.counts() == {
        "unreadable_values": 5,
        "unreadable_by_property": [
            ["associatedcompanyid", 1],
            ["company.numberofemployees", 1],
            ["hs_analytics_last_visit_timestamp", 1],
            ["jobtitle", 2],
        ],
    }
