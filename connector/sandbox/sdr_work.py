"""The SDRs of the sandbox: they work the open handoff tasks, some within the SLA, some late.

The seed cannot know which contacts the connector will hand off, nor when. This runs after a
sync has created the tasks, on the sandbox clock:
- each task is touched (completed) after a delay drawn per contact, as a share of the time its
  due date allows: about two tasks in three are touched in time;
- a contact touched in time may convert that the seed did not (`converts_when_touched_in_time`
  in `seed/outcomes.py`): it enters sales-qualified lead at the touch and opportunity some days
  later, each stage dated when it is entered (`stage_dates.py`);
- the clock moves forward through these instants, so nothing is dated in the sandbox's future.

Seeded properties are never changed; a contact the seed already converted is left alone. Pure
function of (seed, contact id, the task's dates): a test can recompute any draw.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.sandbox.clock import iso_ms, to_ms
from connector.sandbox.seed.outcomes import converts_when_touched_in_time, stage_date_properties
from connector.sandbox.stage_dates import stage_entry_stamps
from connector.sandbox.store import Store

#: The median touch comes at this share of the time the task's due date allows; the spread is
#: lognormal (sigma in natural-log units): P(in time) = Φ(ln(1/0.7)/0.8) ≈ 0.67.
_MEDIAN_SHARE = 0.7
_SPREAD = 0.8
#: Mean days from the sales-qualified touch to the opportunity.
_MEAN_DAYS_TO_OPPORTUNITY = 4.0
_OPPORTUNITY = "opportunity"
_RANK = {stage: i for i, stage in enumerate(LIFECYCLE_ORDER)}


@dataclass(frozen=True, slots=True)
class SdrWork:
    """What the SDRs did: tasks touched in time and late, and the conversions a timely touch
    added (on top of those the seed drew)."""

    in_time: int
    late: int
    converted_by_touch: int


def touch_delay(seed: int, contact_id: str, allowed: timedelta) -> timedelta:
    """How long after the task's creation its SDR touches it."""
    share = _rng(seed, contact_id, "sdr-touch").lognormvariate(math.log(_MEDIAN_SHARE), _SPREAD)
    return allowed * share


def work_open_tasks(store: Store, seed: int) -> SdrWork:
    """Touch every open task associated with a contact; see the module docstring."""
    events: list[tuple[int, int, Callable[[], None]]] = []  # (instant ms, order, action)
    in_time = late = converted = 0
    with store.lock:
        tasks = [
            (rec.id, rec.created_ms, rec.props.get("hs_timestamp"))
            for rec in store.records("tasks")
            if rec.props.get("hs_task_status") != "COMPLETED"
        ]
    for task_id, created_ms, due_text in tasks:
        contacts = store.associations("tasks", task_id, "contacts")
        due_ms = _ms(due_text)
        if not contacts or due_ms is None:
            continue
        contact_id = min(contacts, key=int)
        allowed = timedelta(milliseconds=max(due_ms - created_ms, 0))
        touch_ms = created_ms + to_ms_delta(touch_delay(seed, contact_id, allowed))
        timely = touch_ms <= due_ms
        in_time += timely
        late += not timely
        events.append((touch_ms, 0, _completer(store, task_id, touch_ms)))
        if timely and _converts(store, seed, contact_id):
            converted += 1
            days = _rng(seed, contact_id, "sdr-deal").expovariate(1 / _MEAN_DAYS_TO_OPPORTUNITY)
            opportunity_ms = touch_ms + int(days * 86_400_000)
            events.append((touch_ms, 1, _stage(store, contact_id, "salesqualifiedlead")))
            events.append((opportunity_ms, 2, _stage(store, contact_id, _OPPORTUNITY)))
    for at_ms, _, action in sorted(events, key=lambda e: (e[0], e[1])):
        lag = at_ms - store.clock.now_ms()
        if lag > 0:
            store.clock.advance(timedelta(milliseconds=lag))
        action()
    return SdrWork(in_time, late, converted)


def to_ms_delta(delta: timedelta) -> int:
    return int(delta / timedelta(milliseconds=1))


def _converts(store: Store, seed: int, contact_id: str) -> bool:
    contact = store.get("contacts", contact_id)
    if contact is None or contact.get(stage_date_properties(_OPPORTUNITY)[0]):
        return False  # converted by the seed already (or gone)
    if _RANK.get(contact.get("lifecyclestage", ""), 0) >= _RANK[_OPPORTUNITY]:
        return False
    company_id = contact.get("associatedcompanyid")
    company = store.get("companies", company_id) if company_id else None
    return converts_when_touched_in_time(seed, contact, company)


def _completer(store: Store, task_id: str, at_ms: int) -> Callable[[], None]:
    def complete() -> None:
        # written by the sandbox itself: the completion date is read-only through the API
        store.update(
            "tasks",
            task_id,
            {"hs_task_status": "COMPLETED", "hs_task_completion_date": iso_ms(at_ms)},
            validate=False,
        )

    return complete


def _stage(store: Store, contact_id: str, stage: str) -> Callable[[], None]:
    def enter() -> None:
        contact = store.get("contacts", contact_id) or {}
        if _RANK.get(contact.get("lifecyclestage", ""), 0) < _RANK[stage]:
            # dated now, as HubSpot dates a stage write (the same stamps a write through the API
            # gets, given here so they do not depend on the path the write takes)
            write = {"lifecyclestage": stage}
            stamps = stage_entry_stamps(contact, write, iso_ms(store.clock.now_ms()))
            store.update("contacts", contact_id, {**write, **stamps}, validate=False)

    return enter


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC))
    except ValueError:
        return None


def _rng(seed: int, contact_id: str, purpose: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{contact_id}:{purpose}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))
