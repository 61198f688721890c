"""Turn a scoring decision into the smallest property write, or none.

Values are compared with what HubSpot returned for the contact in this very run, so a contact
whose score, grade, temperature, reasons, stage and status are unchanged costs no write at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.rules.policy import PROTECTED_STAGES
from connector.sync.properties import ScoreProperties


@dataclass(frozen=True, slots=True)
class Desired:
    """What the rules want a contact to show, independent of its current values."""

    score: int
    grade: str
    temperature: str
    reasons: str
    rules_version: str
    lifecycle_target: str | None
    lifecycle_clear_first: bool
    lead_status_target: str | None


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """The properties to write; `clear_lifecycle_first` asks for a separate clearing request."""

    contact_id: str
    properties: Mapping[str, str]
    clear_lifecycle_first: bool
    previous: Mapping[str, str | None]


def _same_number(current: str | None, wanted: int) -> bool:
    if current is None or current == "":
        return False
    try:
        value = float(current)
    except ValueError:
        return False
    return math.isfinite(value) and round(value) == wanted


def _stage_index(stage: str | None) -> int:
    try:
        return LIFECYCLE_ORDER.index(stage or "")
    except ValueError:
        return -1


def lifecycle_change(
    current: str | None, target: str | None, *, clear_first: bool
) -> tuple[str | None, bool]:
    """The stage to write (or None) and whether to clear first; enforces the safety rules.

    Forward moves are written directly. A backward move is written only when the rules asked for
    recycling (clear_first), because HubSpot silently ignores a backward set. Protected stages
    (opportunity, customer, evangelist, other) are never touched, whatever the rules say.
    """
    if target is None or target == (current or ""):
        return None, False
    if (current or "") in PROTECTED_STAGES or target in PROTECTED_STAGES:
        return None, False
    if _stage_index(target) > _stage_index(current) or not current:
        return target, False
    return (target, True) if clear_first else (None, False)


def plan_write(
    contact_id: str,
    current: Mapping[str, str | None],
    desired: Desired,
    names: ScoreProperties,
    *,
    now: datetime,
) -> PlannedWrite | None:
    """The write needed to make the contact show `desired`, or None when nothing differs."""
    changes: dict[str, str] = {}
    if not _same_number(current.get(names.score), desired.score):
        changes[names.score] = str(desired.score)
    for name, value in (
        (names.grade, desired.grade),
        (names.temperature, desired.temperature),
        (names.reasons, desired.reasons),
        (names.rules_version, desired.rules_version),
    ):
        if (current.get(name) or "") != value:
            changes[name] = value
    if changes:
        # Only stamped alongside a real change, so an unchanged contact stays a no-op.
        changes[names.scored_at] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stage, clear_first = lifecycle_change(
        current.get("lifecyclestage"),
        desired.lifecycle_target,
        clear_first=desired.lifecycle_clear_first,
    )
    if stage is not None:
        changes["lifecyclestage"] = stage
    status = desired.lead_status_target
    if status is not None and (current.get("hs_lead_status") or "") != status:
        changes["hs_lead_status"] = status
    if not changes:
        return None
    return PlannedWrite(
        contact_id=contact_id,
        properties=changes,
        clear_lifecycle_first=clear_first,
        previous={k: current.get(k) for k in changes},
    )
