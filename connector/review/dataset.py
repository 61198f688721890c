"""What a review judges: one lead, what was known about it, what became of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RecordedDecision:
    """What the connector decided at the time (from its own properties and state store)."""

    score: int | None
    grade: str | None
    label: str | None
    handed_off_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewLead:
    lead_id: str
    contact: Mapping[str, str]  # property name -> raw text, as HubSpot or the CSV gives it
    company: Mapping[str, str] | None  # company properties, when known
    created_at: datetime | None
    converted: bool  # the configured outcome was reached within the horizon
    stage_dates: Mapping[str, datetime] = field(default_factory=dict)  # stage -> first entered
    recorded: RecordedDecision | None = None
    touched_within_sla: bool | None = None  # for handed-off leads, when known


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    """Which stage counts as converted, within how many days of becoming a lead."""

    stage: str = "opportunity"
    horizon_days: int | None = None
