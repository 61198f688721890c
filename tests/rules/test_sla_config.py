"""The SLA file: the shipped config, validation errors with file:line, owners, templates."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.hubspot.models import Owner, TaskPriority
from connector.rules.routing import EscalationPolicy, RoundRobinState, choose_owner
from connector.rules.sla_config import (
    ESCALATION_PLACEHOLDERS,
    load_sla_config,
    parse_sla_config,
    render_template,
)
from connector.rules.sla_pool import resolve_pool
from connector.sandbox.seed import generate_portal

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "sla.yaml"

MINIMAL = """\
calendar:
  timezone: Europe/Berlin
sdr_pool:
  members:
    - owner: a@example.com
"""

OWNERS = [
    Owner(id="101", email="sdr1@example.com"),
    Owner(id="102", email="SDR2@Example.com"),
    Owner(id="103", email="sdr3@example.com"),
    Owner(id="900", email="manager@example.com"),
    Owner(id="555", email="former@example.com", archived=True),
]


EXPLICIT = """\
calendar:
  timezone: America/New_York
  hours: ["09:00-12:30", "13:30-18:00"]
  holidays: {country: US, dates: [2025-12-24]}
sdr_pool:
  max_open_handoffs: 25
  members:
    - owner: sdr1@example.com
      weight: 2
      manager: manager@example.com
    - owner: sdr2@example.com
      max_open_handoffs: 15
      absences:
        - {from: 2025-08-04, to: 2025-08-15}
        - {from: 2025-11-28}
    - owner: 103
managers:
  default: manager@example.com
escalation:
  policy: manager_task
  by_tier: {hot: both}
"""


def test_shipped_config_loads_with_documented_values() -> None:
    config = load_sla_config(SHIPPED)
    calendar = config.build_calendar()
    assert config.source == str(SHIPPED)
    assert calendar.intervals == ((time(9), time(12, 30)), (time(13, 30), time(18)))
    assert calendar.holiday_country == "US"
    assert config.sdr_pool.teams == ("SDR North America", "SDR EMEA")
    assert config.escalation.policy_for("hot") is EscalationPolicy.BOTH
    assert config.escalation.policy_for("warm") is EscalationPolicy.MANAGER_TASK
    assert config.escalation.policy_for(None) is EscalationPolicy.MANAGER_TASK
    assert config.escalation.manager_task.priority is TaskPriority.HIGH
    assert config.handoff.cooldown == timedelta(days=7)
    # Christmas Eve is a configured company holiday; the 25th a US public holiday.
    assert calendar.is_holiday(date(2025, 12, 24)) and calendar.is_holiday(date(2025, 12, 25))


def test_shipped_config_resolves_against_the_sandbox_portal_owners() -> None:
    portal = generate_portal(seed=7, contacts=5, now=datetime(2025, 6, 2, tzinfo=UTC))
    owners = [
        Owner(id=o.id, email=o.email, archived=o.archived, teams=o.teams) for o in portal.owners
    ]
    pool = resolve_pool(load_sla_config(SHIPPED), owners)
    sdrs = {o.id for o in portal.owners if o.role == "sdr" and not o.archived}
    managers = {o.id for o in portal.owners if o.role == "manager"}
    assert {m.owner_id for m in pool.members} == sdrs
    assert pool.default_manager_id in managers
    assert all(m.max_open_handoffs == 25 for m in pool.members)


def test_explicit_members_resolve_with_weights_caps_absences_and_managers() -> None:
    config = parse_sla_config(EXPLICIT)
    pool = resolve_pool(config, OWNERS)
    assert [m.owner_id for m in pool.members] == ["101", "102", "103"]
    assert [m.weight for m in pool.members] == [2, 1, 1]
    assert [m.max_open_handoffs for m in pool.members] == [25, 15, 25]
    assert pool.members[0].manager_id == "900"
    assert pool.default_manager_id == "900"
    assert pool.members[1].is_absent(date(2025, 8, 10))
    assert pool.members[1].is_absent(date(2025, 11, 28))
    assert not pool.members[1].is_absent(date(2025, 11, 29))
    assignment = choose_owner(
        contact_owner_id="555",
        pool=pool,
        state=RoundRobinState(),
        today=date(2025, 8, 10),
        open_counts={},
    )
    assert assignment.owner_id == "101"
    assert assignment.reason == "round robin (owner archived)"


TEAM_OWNERS = [
    Owner(id="20", email="x@example.com", teams=("SDR",)),
    Owner(id="3", email="y@example.com", teams=("SDR", "Other")),
    Owner(id="4", email="z@example.com", teams=("SDR",), archived=True),
    Owner(id="7", email="boss@example.com", teams=("Leads", "SDR")),
    Owner(id="8", email="boss2@example.com", teams=("Leads",)),
]


def test_teams_add_their_active_owners_and_explicit_entries_override() -> None:
    text = (
        "calendar: {timezone: UTC}\n"
        "sdr_pool:\n  teams: [SDR]\n  members:\n    - {owner: x@example.com, weight: 3}\n"
        "managers: {team: Leads}\n"
    )
    pool = resolve_pool(parse_sla_config(text), TEAM_OWNERS)
    assert [(m.owner_id, m.weight) for m in pool.members] == [("20", 3), ("3", 1), ("7", 1)]
    assert pool.default_manager_id == "8"  # 7 is in the SDR team, so not the manager


@pytest.mark.parametrize(
    ("pool_teams", "manager_team", "message"),
    [
        pytest.param(
            "[Nope]",
            "Leads",
            "'Nope' is not a team in HubSpot (sdr_pool.teams)",
            id="unknown-team",
        ),
        pytest.param(
            "[SDRs]",
            "Leads",
            "'SDRs' is not a team in HubSpot (sdr_pool.teams) — did you mean 'SDR'?",
            id="team-typo",
        ),
        pytest.param(
            "[SDR, Leads]",
            "Leads",
            "'Leads' (managers.team): every active owner is an SDR",
            id="manager-team-all-sdrs",
        ),
    ],
)
def test_team_problems_are_config_errors(pool_teams: str, manager_team: str, message: str) -> None:
    text = (
        f"calendar: {{timezone: UTC}}\nsdr_pool: {{teams: {pool_teams}}}\n"
        f"managers: {{team: {manager_team}}}\n"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_pool(parse_sla_config(text), TEAM_OWNERS)


def test_minimal_config_gets_documented_defaults() -> None:
    config = parse_sla_config(MINIMAL)
    calendar = config.build_calendar()
    assert calendar.working_days == frozenset(range(5))
    assert calendar.intervals == ((time(9), time(18)),)
    assert config.escalation.policy is EscalationPolicy.MANAGER_TASK
    assert config.sdr_pool.members[0].weight == 1
    friday = datetime(2025, 6, 6, 17, 30, tzinfo=calendar.tz)
    assert calendar.add_business_hours(friday, 4) == datetime(
        2025, 6, 9, 12, 30, tzinfo=calendar.tz
    )


def _with(extra: str) -> str:
    return MINIMAL + textwrap.dedent(extra)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            MINIMAL.replace("Europe/Berlin", "Mars/Olympus"),
            "sla.yaml:2 calendar.timezone: unknown time zone 'Mars/Olympus' — hint: use an IANA",
            id="bad-timezone",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", 'timezone: UTC\n  hours: ["9-18"]'),
            "sla.yaml:3 calendar.hours: '9-18' is not a time range",
            id="bad-hours",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", 'timezone: UTC\n  hours: ["18:00-09:00"]'),
            "must start before it ends (no overnight ranges)",
            id="overnight",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", 'timezone: UTC\n  hours: ["25:00-26:00"]'),
            "impossible time of day",
            id="impossible-time",
        ),
        pytest.param(
            MINIMAL.replace(
                "timezone: Europe/Berlin",
                'timezone: UTC\n  hours: ["09:00-13:00", "12:00-18:00"]',
            ),
            "sla.yaml:1 calendar: working intervals overlap",
            id="overlap",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", "timezone: UTC\n  working_days: [mon, fry]"),
            "calendar.working_days: not weekdays: ['fry'] — hint: list weekdays",
            id="bad-weekday",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", "timezone: UTC\n  holidays: {country: XX}"),
            "calendar.holidays: unknown holiday country 'XX'",
            id="bad-country",
        ),
        pytest.param(
            MINIMAL.replace(
                "timezone: Europe/Berlin",
                "timezone: UTC\n  holidays: {country: DE, subdivision: ZZ}",
            ),
            "unknown subdivision 'ZZ'",
            id="bad-subdivision",
        ),
        pytest.param(
            MINIMAL.replace("timezone: Europe/Berlin", "timezone: UTC\n  holidays: {country: NO}"),
            "calendar.holidays.country: must be text (quote it) — hint: use an ISO 3166 "
            "code the holidays library knows, e.g. US, GB, DE, FR (quote NO)",
            id="yaml-norway-is-false",
        ),
        pytest.param(
            MINIMAL + "      wieght: 2\n",
            "sla.yaml:6 sdr_pool.members[0].wieght: unknown field — hint: "
            "remove the key or fix its spelling",
            id="typo-key",
        ),
        pytest.param(
            MINIMAL + "      weight: 0\n",
            "sla.yaml:6 sdr_pool.members[0].weight: must be at least 1 "
            "— hint: use a whole number from 1 to 100",
            id="zero-weight",
        ),
        pytest.param(
            MINIMAL + "      absences: [{from: 2025-08-15, to: 2025-08-04}]\n",
            "sla.yaml:6 sdr_pool.members[0].absences[0]: absence ends (2025-08-04) before it "
            "starts (2025-08-15) — hint: write each absence",
            id="backwards-absence",
        ),
        pytest.param(
            MINIMAL + "    - owner: A@example.com\n",
            "sdr_pool: owner 'A@example.com' is listed twice",
            id="duplicate-owner",
        ),
        pytest.param(
            "calendar:\n  timezone: UTC\nsdr_pool:\n  members: []\n",
            "sla.yaml:3 sdr_pool: the pool needs members or teams — hint: give sdr_pool",
            id="empty-pool",
        ),
        pytest.param(
            "sdr_pool:\n  members: [{owner: a@example.com}]\n",
            "sla.yaml:1 calendar: required field is missing — hint: add it",
            id="missing-calendar",
        ),
        pytest.param(
            _with("escalation:\n  policy: page_the_ceo\n"),
            "sla.yaml:7 escalation.policy: must be 'manager_task', 'reassign' or 'both'",
            id="bad-policy",
        ),
        pytest.param(
            _with("templates:\n  handoff_subject: 'Call {firstname} now'\n"),
            "sla.yaml:7 templates.handoff_subject: unknown placeholder {firstname}",
            id="unknown-placeholder",
        ),
        pytest.param(
            _with("templates:\n  handoff_body: 'Score {score:>5}'\n"),
            "placeholder {score} takes no format spec",
            id="format-spec",
        ),
        pytest.param(
            _with("templates:\n  handoff_body: 'broken {score'\n"),
            "broken braces",
            id="broken-braces",
        ),
        pytest.param(
            _with("templates:\n  handoff_subject: 'Overdue by {overdue_hours} h'\n"),
            "unknown placeholder {overdue_hours}",
            id="escalation-only-placeholder-in-handoff",
        ),
        pytest.param(
            _with("handoff:\n  cooldown_hours: -1\n"),
            "handoff.cooldown_hours: must be at least 0",
            id="negative-cooldown",
        ),
        pytest.param(
            "calendar: [\n", "sla.yaml:2: invalid YAML: expected the node content", id="yaml"
        ),
        pytest.param("", "sla.yaml: expected a mapping with calendar and sdr_pool", id="empty"),
        pytest.param(_with("version: 2\n"), "version: must be at most 1", id="version"),
    ],
)
def test_errors_name_line_path_problem_and_hint(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sla_config(text)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith("sla.yaml")
    assert "hint: " in message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the SLA file .* CONNECTOR_SLA_FILE"):
        load_sla_config(tmp_path / "missing.yaml")


def test_numeric_owner_ids_and_mixed_case_emails_resolve() -> None:
    text = MINIMAL.replace("a@example.com", "101") + (
        "    - owner: SDR3@EXAMPLE.COM\n      manager: 900\n"
        "managers:\n  default: Manager@example.com\n"
    )
    pool = resolve_pool(parse_sla_config(text), OWNERS)
    assert [m.owner_id for m in pool.members] == ["101", "103"]
    assert pool.members[1].manager_id == "900"
    assert pool.default_manager_id == "900"
    assert pool.is_active("102") and not pool.is_active("555")


def test_unknown_and_archived_owners_are_named_with_their_place() -> None:
    text = MINIMAL.replace("a@example.com", "former@example.com") + (
        "    - owner: nobody@example.com\n    - owner: sdr1@example.com\n      manager: 404\n"
    )
    with pytest.raises(ConfigError) as caught:
        resolve_pool(parse_sla_config(text, source="config/sla.yaml"), OWNERS)
    message = str(caught.value)
    assert message.startswith("config/sla.yaml: unknown owner(s) ")
    assert "nobody@example.com (sdr_pool.members[1].owner)" in message
    assert "404 (sdr_pool.members[2].manager)" in message
    assert "archived owner(s) former@example.com (sdr_pool.members[0].owner)" in message
    assert "hint: " in message


def test_an_email_reused_by_a_new_active_owner_resolves_to_the_active_one() -> None:
    owners = [
        Owner(id="1", email="a@example.com", archived=True),
        Owner(id="2", email="a@example.com"),
    ]
    pool = resolve_pool(parse_sla_config(MINIMAL), owners)
    assert pool.members[0].owner_id == "2"


def test_same_owner_by_email_and_by_id_is_rejected() -> None:
    text = MINIMAL.replace("a@example.com", "sdr1@example.com") + "    - owner: 101\n"
    with pytest.raises(ConfigError, match="an owner appears twice in the SDR pool"):
        resolve_pool(parse_sla_config(text), OWNERS)


def test_unknown_tier_overrides_are_reported_against_the_rules_tiers() -> None:
    config = parse_sla_config(_with("escalation:\n  by_tier: {scorching: both}\n"))
    config.check_tiers(["scorching", "warm"])
    with pytest.raises(ConfigError, match=r"unknown SLA tier\(s\) scorching .*\(hot, warm\)"):
        config.check_tiers(["hot", "warm"])


@pytest.mark.parametrize(
    ("left_at", "now", "expected"),
    [
        pytest.param(None, datetime(2025, 6, 9, tzinfo=UTC), False, id="never-left"),
        pytest.param(
            datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 8, tzinfo=UTC), True, id="7-days"
        ),
        pytest.param(
            datetime(2025, 6, 1, tzinfo=UTC),
            datetime(2025, 6, 7, 23, 59, tzinfo=UTC),
            False,
            id="just-short",
        ),
    ],
)
def test_cooldown_before_a_new_handoff(
    left_at: datetime | None, now: datetime, expected: bool
) -> None:
    handoff = parse_sla_config(MINIMAL).handoff
    assert handoff.may_hand_off_again(left_condition_at=left_at, now=now) is expected


def test_cooldown_counts_real_hours_across_a_dst_change() -> None:
    config = parse_sla_config(_with("handoff:\n  cooldown_hours: 24\n"))
    berlin = config.build_calendar().tz
    left = datetime(2025, 3, 29, 12, 0, tzinfo=berlin)  # the night before spring-forward
    # 24 wall-clock hours later is only 23 real hours: the cool-down has not passed.
    assert not config.handoff.may_hand_off_again(
        left_condition_at=left, now=datetime(2025, 3, 30, 12, 0, tzinfo=berlin)
    )
    assert config.handoff.may_hand_off_again(
        left_condition_at=left, now=datetime(2025, 3, 30, 13, 0, tzinfo=berlin)
    )


def test_default_templates_render_every_placeholder() -> None:
    templates = parse_sla_config(MINIMAL).templates
    values = {name: f"<{name}>" for name in ESCALATION_PLACEHOLDERS}
    subject = render_template(templates.handoff_subject, values)
    body = render_template(templates.handoff_body, values)
    assert subject == "<action> <contact> — <label> lead, <score>"
    assert "Who: <who>" in body and "Why now: <why_now>" in body and "BANT: <bant>" in body
    assert "Response SLA: <sla>" in body and "Due: <due_local>" in body
    assert "key" not in (subject + body).lower()  # no internal key in what a rep reads
    escalation = render_template(templates.escalation_body, values)
    assert "<who>" in escalation and "<breached_owner>" in escalation  # names, not ids
    assert "<contact>" in render_template(templates.escalation_subject, values)
    assert "{" not in subject + body + escalation


def test_missing_values_render_empty_and_literal_braces_survive() -> None:
    config = parse_sla_config(_with("templates:\n  handoff_body: '{{json}} {score}/{label}'\n"))
    assert render_template(config.templates.handoff_body, {"score": 87}) == "{json} 87/"


def test_the_retired_handoff_key_placeholder_says_why_and_what_to_do() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sla_config(_with("templates:\n  handoff_body: 'Key: {handoff_key}'\n"))
    assert "no longer shown to reps" in str(caught.value)
    assert "remove {handoff_key}" in str(caught.value)


def test_when_no_longer_qualified_defaults_to_update_and_accepts_close() -> None:
    assert parse_sla_config(MINIMAL).handoff.when_no_longer_qualified == "update"
    closing = parse_sla_config(_with("handoff:\n  when_no_longer_qualified: close\n"))
    assert closing.handoff.when_no_longer_qualified == "close"
    with pytest.raises(ConfigError) as caught:
        parse_sla_config(_with("handoff:\n  when_no_longer_qualified: delete\n"))
    assert "use update" in str(caught.value)
