"""The SLA file (config/sla.yaml): business calendar, SDR pool, managers, escalation, templates.

`parse_sla_config(text, source=…)` validates the YAML text into frozen models and
`load_sla_config(path)` reads the file first; both raise one-line `ConfigError`s of the form
``config/sla.yaml:12 sdr_pool.members[1].weight: must be at least 1 — hint: …``.
Owner references (emails or ids) are checked against HubSpot's owners by
`sla_pool.resolve_pool`, which the shell calls with the owners it fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from string import Formatter
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from connector.errors import ConfigError
from connector.hubspot.models import TaskPriority, TaskType
from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import EscalationPolicy
from connector.rules.sla_calendar import AbsenceSettings, CalendarSettings, Strict
from connector.rules.yaml_errors import field_path, load_yaml, plain_message, problem_lines, where

#: Placeholders every task template may use; the shell fills them (missing ones render empty).
#: The contact's name, title and company are read from HubSpot when the task is created and go
#: into the task only. No internal key is a placeholder: it rides in a hidden task property.
HANDOFF_PLACEHOLDERS = frozenset(
    {
        *("contact_id", "owner_id", "routing_reason", "tier", "response_hours"),
        *("score", "label", "grade", "temperature", "reasons", "bant_summary", "due_local"),
        *("action", "contact", "contact_name", "company", "job_title", "who", "why_now"),
        *("bant", "sla"),
    }
)
#: Placeholders of earlier versions that are gone, with what to do instead.
_RETIRED_PLACEHOLDERS = {
    "handoff_key": "the handoff key is no longer shown to reps (it is kept in a hidden task "
    "property); remove {handoff_key} from the template",
}
#: Escalation templates may also say whose task was breached and by how much.
ESCALATION_PLACEHOLDERS = HANDOFF_PLACEHOLDERS | {
    *("breached_owner", "breached_owner_id", "task_id", "overdue_hours"),
}

_DEFAULT_HANDOFF_SUBJECT = "{action} {contact} — {label} lead, {score}"
_DEFAULT_HANDOFF_BODY = (
    "Who: {who}\nWhy now: {why_now}\nBANT: {bant}\nResponse SLA: {sla}.\nDue: {due_local}\n"
    "Assigned: {routing_reason}."
)
_DEFAULT_ESCALATION_SUBJECT = "SLA breached: {contact} — handoff {overdue_hours} h overdue"
_DEFAULT_ESCALATION_BODY = (
    "The handoff task for {who}, owned by {breached_owner}, passed its due time ({due_local}).\n"
    "Why the lead qualified: {reasons}"
)


def _as_text(value: Any) -> Any:
    # YAML reads an unquoted numeric owner id as an int; ids are strings everywhere else.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


OwnerRef = Annotated[str, BeforeValidator(_as_text), Field(min_length=1)]


class SdrSettings(Strict):
    owner: OwnerRef  #: owner email or HubSpot owner id
    weight: int = Field(default=1, ge=1, le=100)
    max_open_handoffs: int | None = Field(default=None, ge=1)  #: None = the pool default
    manager: OwnerRef | None = None  #: None = managers.default
    absences: tuple[AbsenceSettings, ...] = ()


class PoolSettings(Strict):
    max_open_handoffs: int | None = Field(default=None, ge=1)  #: default cap; None = no cap
    teams: tuple[str, ...] = ()  #: HubSpot teams whose active owners are SDRs (weight 1)
    members: tuple[SdrSettings, ...] = ()  #: explicit SDRs, or overrides of team members

    @model_validator(mode="after")
    def _unique(self) -> PoolSettings:
        if not self.members and not self.teams:
            raise ValueError("the pool needs members or teams")
        seen: set[str] = set()
        for member in self.members:
            key = member.owner.strip().lower()
            if key in seen:
                raise ValueError(f"owner {member.owner!r} is listed twice")
            seen.add(key)
        return self


class ManagerSettings(Strict):
    default: OwnerRef | None = None  #: the default escalation manager
    team: str | None = None  #: else the first active owner of this team who is not an SDR


class ManagerTaskSettings(Strict):
    response_hours: float = Field(default=2.0, gt=0, le=1000)  #: business hours until due
    priority: TaskPriority = TaskPriority.HIGH
    task_type: TaskType = TaskType.TODO


class EscalationSettings(Strict):
    policy: EscalationPolicy = EscalationPolicy.MANAGER_TASK
    by_tier: Mapping[str, EscalationPolicy] = Field(default_factory=dict)
    manager_task: ManagerTaskSettings = ManagerTaskSettings()

    def policy_for(self, tier: str | None) -> EscalationPolicy:
        """The policy for a breach of a task created under SLA tier `tier`."""
        return self.by_tier.get(tier, self.policy) if tier else self.policy


class WithdrawAction(StrEnum):
    """What becomes of an open handoff task when its contact no longer qualifies."""

    #: a note saying why is appended to the body, and the subject is marked
    UPDATE = "update"
    #: the same, and the task is completed
    CLOSE = "close"


class HandoffSettings(Strict):
    cooldown_hours: float = Field(default=168.0, ge=0, le=24 * 366)
    #: when a handed-off contact is disqualified or stops qualifying before its task is done
    when_no_longer_qualified: WithdrawAction = WithdrawAction.UPDATE
    #: A contact's first scoring (a backfill) hands off only a crossing backed by activity in
    #: this many days; the rest wait in the backlog. None: every crossing is handed off.
    recent_activity_days: float | None = Field(default=14.0, gt=0, le=3660)
    #: New handoff tasks per run; the rest wait in the queue. None: no cap.
    max_new_per_run: int | None = Field(default=200, ge=1)
    #: New handoff tasks per owner per local day (any owner, the contact's own too). None: no cap.
    max_new_per_sdr_per_day: int | None = Field(default=40, ge=1)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(hours=self.cooldown_hours)

    def may_hand_off_again(self, *, left_condition_at: datetime | None, now: datetime) -> bool:
        """Whether a new handoff episode may start for a contact that had one before.

        Args:
            left_condition_at: when the contact last left the handoff condition; None when it
                never left (the previous episode is still going: no new handoff).
            now: the current instant.
        """
        if left_condition_at is None:
            return False
        # In UTC: subtracting two datetimes of one ZoneInfo would give wall-clock time.
        return now.astimezone(UTC) - left_condition_at.astimezone(UTC) >= self.cooldown


class TemplateSettings(Strict):
    handoff_subject: str = Field(default=_DEFAULT_HANDOFF_SUBJECT, min_length=1, max_length=500)
    handoff_body: str = Field(default=_DEFAULT_HANDOFF_BODY, max_length=60_000)
    escalation_subject: str = Field(
        default=_DEFAULT_ESCALATION_SUBJECT, min_length=1, max_length=500
    )
    escalation_body: str = Field(default=_DEFAULT_ESCALATION_BODY, max_length=60_000)

    @field_validator("handoff_subject", "handoff_body")
    @classmethod
    def _handoff_fields(cls, value: str) -> str:
        return _check_placeholders(value, HANDOFF_PLACEHOLDERS)

    @field_validator("escalation_subject", "escalation_body")
    @classmethod
    def _escalation_fields(cls, value: str) -> str:
        return _check_placeholders(value, ESCALATION_PLACEHOLDERS)


def _check_placeholders(template: str, allowed: frozenset[str]) -> str:
    try:
        parts = list(Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"broken braces ({exc}); write {{{{ and }}}} for literal braces") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name in _RETIRED_PLACEHOLDERS:
            raise ValueError(_RETIRED_PLACEHOLDERS[name])
        if name not in allowed:
            raise ValueError(f"unknown placeholder {{{name}}}; known: {', '.join(sorted(allowed))}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} takes no format spec or conversion")
    return template


def render_template(template: str, values: Mapping[str, object]) -> str:
    """Fill a validated template; placeholders without a value render as an empty string."""
    return template.format_map({name: values.get(name, "") for name in ESCALATION_PLACEHOLDERS})


class SlaConfig(Strict):
    """The validated SLA file."""

    version: int = Field(default=1, ge=1, le=1)
    calendar: CalendarSettings
    sdr_pool: PoolSettings
    managers: ManagerSettings = ManagerSettings()
    escalation: EscalationSettings = EscalationSettings()
    handoff: HandoffSettings = HandoffSettings()
    templates: TemplateSettings = TemplateSettings()
    _source: str = PrivateAttr(default="sla.yaml")

    @property
    def source(self) -> str:
        return self._source

    def build_calendar(self) -> BusinessCalendar:
        return self.calendar.build()

    def check_tiers(self, tier_names: Iterable[str]) -> None:
        """Raise ConfigError when `escalation.by_tier` names a tier the rules file lacks."""
        known = set(tier_names)
        unknown = sorted(set(self.escalation.by_tier) - known)
        if unknown:
            raise ConfigError(
                f"{self.source} escalation.by_tier: unknown SLA tier(s) {', '.join(unknown)} — "
                f"hint: use a tier defined in the rules file ({', '.join(sorted(known)) or 'none'})"
            )


# --- loading: YAML text → SlaConfig, with file:line in every error ---------------------------

_HINTS: dict[str, str] = {
    "timezone": "use an IANA zone name such as Europe/Berlin or America/New_York",
    "working_days": "list weekdays as mon, tue, wed, thu, fri, sat, sun",
    "hours": 'write quoted ranges like "09:00-18:00"; two ranges make a lunch break',
    "country": "use an ISO 3166 code the holidays library knows, e.g. US, GB, DE, FR (quote NO)",
    "subdivision": "use the state or province code, e.g. BY for Bavaria, CA for California",
    "dates": "write dates as YYYY-MM-DD",
    "from": "write dates as YYYY-MM-DD; `to` is optional for a one-day absence",
    "to": "write dates as YYYY-MM-DD, on or after `from`",
    "absences": "write each absence as {from: YYYY-MM-DD, to: YYYY-MM-DD}, to >= from",
    "calendar": "working intervals must not overlap; see the hours list",
    "sdr_pool": "give sdr_pool a members list of {owner: email-or-id}",
    "owner": "use the owner's email as in HubSpot (Settings → Users & Teams) or the owner id",
    "manager": "use the manager's owner email or owner id",
    "default": "use the default manager's owner email or owner id",
    "weight": "use a whole number from 1 to 100; 2 gets twice the handoffs of 1",
    "max_open_handoffs": "use a whole number >= 1, or remove it for no cap",
    "members": "list SDRs under sdr_pool.members or name HubSpot teams under sdr_pool.teams",
    "teams": 'list HubSpot team names, e.g. ["SDR North America"]',
    "policy": "use manager_task, reassign or both",
    "by_tier": "map an SLA tier name to manager_task, reassign or both",
    "cooldown_hours": "hours (wall clock) after the contact left the handoff condition",
    "when_no_longer_qualified": "use update (note and marked subject) or close (also completed)",
    "recent_activity_days": "days of recent activity a first-scored contact needs, e.g. 14",
    "max_new_per_run": "a whole number of new handoff tasks per run, e.g. 200, or null",
    "max_new_per_sdr_per_day": "a whole number of new handoff tasks per owner per day, or null",
    "response_hours": "business hours until the manager's task is due, e.g. 2",
    "priority": "use LOW, MEDIUM or HIGH",
    "task_type": "use CALL, EMAIL or TODO",
    "version": "this connector reads version 1",
}
_TEMPLATE_HINT = "placeholders are {name} from docs/handoff.md; double braces for literal ones"


def _hint_for(loc: Sequence[str | int], error_type: str) -> str:
    if error_type == "extra_forbidden":
        return "remove the key or fix its spelling (see docs/handoff.md for every key)"
    if error_type == "missing":
        return "add it (see config/sla.yaml for an example)"
    for part in reversed(loc):
        if isinstance(part, str) and part in _HINTS:
            return _HINTS[part]
        if isinstance(part, str) and part.endswith(("_subject", "_body")):
            return _TEMPLATE_HINT
    return "see docs/handoff.md"


def parse_sla_config(text: str, *, source: str = "sla.yaml") -> SlaConfig:
    """Validate the SLA file's text.

    Args:
        text: YAML text.
        source: the file name shown in error messages.

    Raises:
        ConfigError: one line per problem: file, line, field path, what is wrong and a hint
            (several problems come after a one-line header).
    """
    hint = "hint: check indentation and quote values that contain ':' or '#'"
    data, root = load_yaml(text, source=source, hint=hint)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping with calendar and sdr_pool — hint: start from "
            "config/sla.yaml"
        )
    try:
        config = SlaConfig.model_validate(data)
    except ValidationError as exc:
        lines: dict[str, None] = {}  # in file order, each once
        for error in exc.errors():
            loc = tuple(error["loc"])
            lines[
                f"{where(source, root, loc)} {field_path(loc)}: {plain_message(error)} — "
                f"hint: {_hint_for(loc, error['type'])}"
            ] = None
        raise ConfigError(problem_lines(source, list(lines))) from None
    config._source = source
    return config


def load_sla_config(path: Path) -> SlaConfig:
    """Read and validate the SLA file at `path` (the one I/O function of the SLA rules)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the SLA file ({exc.strerror}) — hint: run `connector init` to "
            "write a starting configuration, or set CONNECTOR_SLA_FILE"
        ) from None
    return parse_sla_config(text, source=str(path))
