"""Turn a scoring decision into the smallest property write, or none.

Values are compared with what HubSpot returned for the contact in this very run, so a contact
whose score, grade, temperature, reasons, stage and status are unchanged costs no write at all.

The lifecycle guard here repeats the rules' own (a protected stage is never written, whatever
a decision says), against the portal's stage order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.rules.policy import DEFAULT_STAGE_ORDER, StageOrder
from connector.sync.properties import ScoreProperties

#: Contact fields that people own: a write to any of them is checked against a fresh read by
#: id first (`fresh.py`), never against a search page, which lags.
PEOPLE_OWNED: tuple[str, ...] = ("lifecyclestage", "hs_lead_status", "hubspot_owner_id")


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
    #: the calibrated probability in percent ("37.5"); "" clears a value left from a
    #: calibration no longer in force
    probability: str = ""


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


def _same_percent(current: str | None, wanted: str) -> bool:
    """HubSpot may give a number back in another spelling ("37.50", "37"): compare values."""
    if not wanted or not current:
        return (current or "") == wanted
    try:
        return abs(float(current) - float(wanted)) < 0.05
    except ValueError:
        return False


def lifecycle_change(
    current: str | None,
    target: str | None,
    *,
    clear_first: bool,
    order: StageOrder = DEFAULT_STAGE_ORDER,
) -> tuple[str | None, bool]:
    """The stage to write (or None) and whether to clear first; enforces the safety rules.

    Forward moves are written directly. A backward move is written only when the rules asked for
    recycling (clear_first), because HubSpot silently ignores a backward set. Protected stages
    (opportunity, customer, evangelist, other, custom ones past SQL in `order`) are never
    touched, whatever the rules say.
    """
    if target is None or target == (current or ""):
        return None, False
    if order.protected(current) or order.protected(target):
        return None, False
    if order.level(target) > order.level(current) or not current:
        return target, False
    return (target, True) if clear_first else (None, False)


def plan_write(
    contact_id: str,
    current: Mapping[str, str | None],
    desired: Desired,
    names: ScoreProperties,
    *,
    now: datetime,
    order: StageOrder = DEFAULT_STAGE_ORDER,
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
    # After the stamp: a recalibration alone changes no score, so it leaves scored_at be.
    if not _same_percent(current.get(names.probability), desired.probability):
        changes[names.probability] = desired.probability
    stage, clear_first = lifecycle_change(
        current.get("lifecyclestage"),
        desired.lifecycle_target,
        clear_first=desired.lifecycle_clear_first,
        order=order,
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


def without_people_owned(plan: PlannedWrite) -> PlannedWrite | None:
    """The write with the fields people own taken out (their basis changed), or None."""
    kept = {k: v for k, v in plan.properties.items() if k not in PEOPLE_OWNED}
    if not kept:
        return None
    return PlannedWrite(
        contact_id=plan.contact_id,
        properties=kept,
        clear_lifecycle_first=False,
        previous={k: v for k, v in plan.previous.items() if k in kept},
    )
