"""The handoff task's text from its parts: the card, the brief, the SLA and the due time."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.rules.model import BantResult, Decision, Reason, SlaTier
from connector.rules.sla_config import parse_sla_config, render_template
from connector.sync.handoff.proof import task_key
from connector.sync.handoff.task_text import ContactCard, LeadBrief, due_text, task_values
from connector.sync.handoff.withdraw import no_longer_qualified_note

SLA = parse_sla_config(
    "calendar:\n  timezone: Europe/Berlin\nsdr_pool:\n  members:\n    - owner: a@x.io\n"
)
TIER = SlaTier(name="priority", response_hours=4, task_type="CALL", priority="HIGH")
BRIEF = LeadBrief(
    score=87,
    label="A-hot",
    grade="A",
    temperature="hot",
    why_now=("Demo request (3 days ago)", "200–999 employees"),
    bant="Budget: confirmed · Authority: decision maker · Need: not answered · Timeline: this "
    "quarter",
    reasons="+25 demo request 3 days ago · +20 200–999 employees",
    bant_summary="BANT 3/4: budget ✓ authority ✓ need ? timeline ✓",
)


def card(**props: str) -> ContactCard:
    return ContactCard.of("42", CrmRecord(id="42", properties=dict(props)), None)


def render(brief: LeadBrief | None, contact: ContactCard, **scored: str) -> tuple[str, str]:
    values = task_values(
        contact_id="42",
        owner_id="7",
        tier=TIER,
        due_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC),
        calendar=SLA.build_calendar(),
        routing_reason="contact owner",
        brief=brief,
        card=contact,
        scored=scored,
    )
    templates = SLA.templates
    return (
        render_template(templates.handoff_subject, values),
        render_template(templates.handoff_body, values),
    )


def test_the_default_task_reads_like_the_issue_asks() -> None:
    jane = card(firstname="Jane", lastname="Doe", jobtitle="VP Sales", company="Acme GmbH")

    subject, body = render(BRIEF, jane)

    assert subject == "Call Jane Doe (Acme GmbH) — A-hot lead, 87"
    assert body.splitlines() == [
        "Who: Jane Doe, VP Sales at Acme GmbH",
        "Why now: Demo request (3 days ago); 200–999 employees",
        "BANT: Budget: confirmed · Authority: decision maker · Need: not answered · "
        "Timeline: this quarter",
        "Response SLA: “priority” tier — first response within 4 business hours.",
        "Due: Mon 07 Dec 14:00 CET (Europe/Berlin)",
        "Assigned: contact owner.",
    ]


def test_a_card_falls_back_to_the_company_record_and_then_to_the_contact_id() -> None:
    assert ContactCard.of("9", None, "Beta AG").short == "contact 9 (Beta AG)"
    bare = card(firstname="  Ana ", lastname="")
    assert (bare.short, bare.long) == ("Ana", "Ana")
    assert card(firstname="Bo", company="Co").long == "Bo, Co"


def test_a_recovered_handoff_reads_its_score_from_the_contact() -> None:
    subject, body = render(
        None,
        card(firstname="Jo"),
        score="70",
        grade="B",
        temperature="warm",
        reasons="+30 demo request",
    )

    assert subject == "Call Jo — B-warm lead, 70"
    assert "Why now: +30 demo request" in body


def test_the_due_time_names_summer_time_too() -> None:
    calendar = SLA.build_calendar()
    assert due_text(datetime(2026, 7, 6, 12, 0, tzinfo=UTC), calendar) == (
        "Mon 06 Jul 14:00 CEST (Europe/Berlin)"
    )


def _decision(*, score: int, label: str, disqualified: Reason | None) -> Decision:
    return Decision(
        contact_id="42",
        score=score,
        fit_points=0,
        engagement_points=0,
        grade=label[0],
        temperature=label[2:],
        label=label,
        disqualified=disqualified,
        bant=BantResult(()),
        reasons=(),
        compact_reasons="",
        lifecycle_target=None,
        lifecycle_clear_first=False,
        lead_status_target=None,
        handoff_condition=False,
        sla_tier=None,
        rescore_at=None,
        below_bar_since=None,
        rules_version="v",
    )


def test_the_withdrawal_note_says_why_the_lead_no_longer_qualifies_and_since_when() -> None:
    competitor = Reason("disqualifier", "competitor domain", "hubspot.com", 0)

    assert no_longer_qualified_note(
        _decision(score=0, label="D-cold", disqualified=competitor), "2026-12-05"
    ) == ("No longer qualified: disqualified by 'competitor domain' on 2026-12-05.")
    assert no_longer_qualified_note(
        _decision(score=42, label="B-cold", disqualified=None), "2026-12-05"
    ) == ("No longer qualified: score now 42 (B-cold), below the handoff bar on 2026-12-05.")


def test_recovery_reads_the_key_from_the_hidden_property_or_a_legacy_body_line() -> None:
    key_property = "qualification_handoff_key"
    hidden = CrmRecord(id="1", properties={key_property: "hq-42-1", "hs_task_body": "Who: Jo"})
    legacy = CrmRecord(id="2", properties={"hs_task_body": "Why now: x\nHandoff key: hq-42-7"})
    neither = CrmRecord(id="3", properties={"hs_task_body": "Call about hq-42-9"})

    assert task_key(hidden, key_property) == "hq-42-1"
    assert task_key(legacy, key_property) == "hq-42-7"
    assert task_key(neither, key_property) is None
