"""Who gets a handoff, who gets an escalation, and the handoff's idempotency key.

Pure: the shell passes in the resolved SDR pool, the round-robin state it persisted last time, the
open handoff-task counts per owner and the local date; it gets back a decision and the new state
to persist. The same inputs always give the same answer.

Round robin is *smooth weighted round robin* (the nginx upstream algorithm): each pick adds every
eligible SDR's weight to its running credit, picks the highest credit (ties go to the SDR listed
first) and takes the total eligible weight off the winner. With all SDRs eligible, after n picks
each SDR has within one pick of n × weight / total weights, and picks are interleaved rather than
bunched (weights 2:1 give A B A A B A, not A A B). SDRs who are skipped (absent, at capacity,
archived) keep their credit unchanged, so they neither pile up a backlog nor lose their turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

HANDOFF_KEY_PREFIX = "hq"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_KEY_PATTERN = re.compile(rf"^{HANDOFF_KEY_PREFIX}-(?P<contact>[0-9A-Za-z_]+)-(?P<ms>-?[0-9]+)$")
_CONTACT_ID = re.compile(r"^[0-9A-Za-z_]+$")


class EscalationPolicy(StrEnum):
    """What happens once when a handoff task is past due."""

    #: a task for the SDR's manager (or the default manager), linked to the same contact
    MANAGER_TASK = "manager_task"
    #: the contact and its task move to the next available SDR
    REASSIGN = "reassign"
    #: both of the above
    BOTH = "both"


class AssignmentKind(StrEnum):
    CONTACT_OWNER = "contact_owner"  #: the contact's current owner keeps it
    ROUND_ROBIN = "round_robin"  #: picked from the SDR pool
    UNASSIGNED = "unassigned"  #: nobody is available; the shell retries on a later run


@dataclass(frozen=True, slots=True)
class Absence:
    """An SDR's absence: local dates in the calendar's zone, both ends included."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(f"absence ends ({self.last_day}) before it starts ({self.first_day})")

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class SdrMember:
    """One SDR of the pool, with owner references already resolved to HubSpot owner ids."""

    owner_id: str
    weight: int = 1
    max_open_handoffs: int | None = None  #: None = no cap
    absences: tuple[Absence, ...] = ()
    manager_id: str | None = None  #: None = the pool's default manager

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise ValueError(f"SDR {self.owner_id} weight must be >= 1 (got {self.weight})")
        if self.max_open_handoffs is not None and self.max_open_handoffs < 1:
            raise ValueError(f"SDR {self.owner_id} max_open_handoffs must be >= 1 or None")

    def is_absent(self, day: date) -> bool:
        return any(absence.covers(day) for absence in self.absences)

    def at_capacity(self, open_counts: Mapping[str, int]) -> bool:
        cap = self.max_open_handoffs
        return cap is not None and open_counts.get(self.owner_id, 0) >= cap


@dataclass(frozen=True, slots=True)
class ResolvedPool:
    """The SDR pool after owner references were checked against HubSpot's owners.

    Args:
        members: SDRs in configuration order (the order breaks round-robin ties).
        active_owner_ids: ids of every non-archived owner in the portal.
        archived_owner_ids: ids of archived owners (to say *why* a contact owner was skipped).
        default_manager_id: escalation target for SDRs without their own manager.
    """

    members: tuple[SdrMember, ...]
    active_owner_ids: frozenset[str]
    archived_owner_ids: frozenset[str] = frozenset()
    default_manager_id: str | None = None
    _by_id: Mapping[str, SdrMember] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {member.owner_id: member for member in self.members}
        if len(by_id) != len(self.members):
            raise ValueError("an owner appears twice in the SDR pool")
        object.__setattr__(self, "_by_id", by_id)

    def member(self, owner_id: str) -> SdrMember | None:
        return self._by_id.get(owner_id)

    def is_active(self, owner_id: str) -> bool:
        return owner_id in self.active_owner_ids and owner_id not in self.archived_owner_ids


@dataclass(frozen=True, slots=True)
class RoundRobinState:
    """Running credit per SDR owner id; persist it with `to_mapping` between runs."""

    credits: tuple[tuple[str, int], ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object] | None) -> RoundRobinState:
        """Rebuild from what the shell stored; unreadable entries are dropped (fresh credit 0).

        A lost or corrupt state only costs a little short-term fairness, never a failure.
        """
        if not raw:
            return cls()
        kept: list[tuple[str, int]] = []
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if value != value or abs(value) > 1e12:  # NaN or absurd: treat as lost
                continue
            kept.append((str(key), round(value)))
        return cls(tuple(sorted(kept)))

    def to_mapping(self) -> dict[str, int]:
        return dict(self.credits)


@dataclass(frozen=True, slots=True)
class DailyCap:
    """New handoffs per owner per local day: what each owner got today, and the cap."""

    created_today: Mapping[str, int]
    cap: int | None = None  #: None = no cap

    def reached(self, owner_id: str) -> bool:
        return self.cap is not None and self.created_today.get(owner_id, 0) >= self.cap


NO_DAILY_CAP = DailyCap({})
#: How an unassigned handoff's reason starts.
NO_SDR_AVAILABLE = "no SDR available"


@dataclass(frozen=True, slots=True)
class Assignment:
    """The owner chosen for a handoff (None when nobody is available) and why."""

    owner_id: str | None
    kind: AssignmentKind
    reason: str
    state: RoundRobinState


@dataclass(frozen=True, slots=True)
class Escalation:
    """What to do about one breached handoff task."""

    manager_id: str | None  #: create a task for this owner (None = no manager task)
    reassign_to: str | None  #: move the contact and its task to this owner (None = keep)
    reasons: tuple[str, ...]
    state: RoundRobinState


def unavailable_reason(
    member: SdrMember, today: date, open_counts: Mapping[str, int], daily: DailyCap
) -> str:
    """Why an SDR cannot take a handoff today ("absent", "at capacity", "at daily cap"), or ""."""
    if member.is_absent(today):
        return "absent"
    if member.at_capacity(open_counts):
        return "at capacity"
    if daily.reached(member.owner_id):
        return "at daily cap"
    return ""


def _round_robin(
    pool: ResolvedPool,
    state: RoundRobinState,
    today: date,
    open_counts: Mapping[str, int],
    exclude: frozenset[str] = frozenset(),
    daily: DailyCap = NO_DAILY_CAP,
) -> tuple[SdrMember | None, RoundRobinState, str]:
    """One smooth-WRR pick among eligible members; returns the pick, new state, skip summary."""
    eligible: list[SdrMember] = []
    skipped: dict[str, int] = {}
    for member in pool.members:
        if member.owner_id in exclude:
            continue
        why = (
            "archived"
            if not pool.is_active(member.owner_id)
            else unavailable_reason(member, today, open_counts, daily)
        )
        if why:
            skipped[why] = skipped.get(why, 0) + 1
        else:
            eligible.append(member)
    summary = ", ".join(f"{count} {why}" for why, count in sorted(skipped.items()))
    pool_ids = {member.owner_id for member in pool.members}
    credits = {key: value for key, value in state.credits if key in pool_ids}
    if not eligible:
        return None, RoundRobinState(tuple(sorted(credits.items()))), summary
    total = sum(member.weight for member in eligible)
    best: SdrMember | None = None
    for member in eligible:
        credits[member.owner_id] = credits.get(member.owner_id, 0) + member.weight
        if best is None or credits[member.owner_id] > credits[best.owner_id]:
            best = member
    assert best is not None
    credits[best.owner_id] -= total
    return best, RoundRobinState(tuple(sorted(credits.items()))), summary


def _owner_problem(
    owner_id: str | None,
    pool: ResolvedPool,
    today: date,
    open_counts: Mapping[str, int],
    daily: DailyCap,
) -> str:
    """Why the contact's owner cannot take the handoff, or "" when they can."""
    if not owner_id:
        return "contact has no owner"
    if owner_id in pool.archived_owner_ids:
        return "owner archived"
    if owner_id not in pool.active_owner_ids:
        return "owner unknown"
    member = pool.member(owner_id)
    if member is None:
        # Not an SDR: no open cap, but the daily cap holds for every owner (no flood).
        return "owner at daily cap" if daily.reached(owner_id) else ""
    why = unavailable_reason(member, today, open_counts, daily)
    return f"owner {why}" if why else ""


def choose_owner(
    *,
    contact_owner_id: str | None,
    pool: ResolvedPool,
    state: RoundRobinState,
    today: date,
    open_counts: Mapping[str, int],
    daily: DailyCap = NO_DAILY_CAP,
) -> Assignment:
    """Pick the owner of a new handoff.

    The contact's owner keeps it when active: a non-archived owner and, if they are an SDR of the
    pool, neither absent today nor at their cap of open handoff tasks. Otherwise the next SDR by
    weighted round robin, skipping archived, absent and at-capacity SDRs.

    Args:
        contact_owner_id: the contact's `hubspot_owner_id` (None or "" when unowned).
        pool: the resolved SDR pool.
        state: the round-robin state persisted after the previous pick.
        today: the handoff's local date in the business calendar's zone.
        open_counts: open handoff tasks per owner id (missing = 0).
        daily: new handoffs per owner today and the daily cap; an owner who reached it is
            passed over like one at capacity ("at daily cap").

    Returns:
        The assignment; `owner_id` is None when nobody is available. Persist `state`.
    """
    problem = _owner_problem(contact_owner_id, pool, today, open_counts, daily)
    if not problem and contact_owner_id:
        return Assignment(contact_owner_id, AssignmentKind.CONTACT_OWNER, "contact owner", state)
    picked, new_state, skipped = _round_robin(pool, state, today, open_counts, daily=daily)
    if picked is None:
        detail = f"{problem}; SDRs: {skipped}" if skipped else f"{problem}; SDR pool is empty"
        return Assignment(None, AssignmentKind.UNASSIGNED, f"{NO_SDR_AVAILABLE} ({detail})", state)
    return Assignment(
        picked.owner_id, AssignmentKind.ROUND_ROBIN, f"round robin ({problem})", new_state
    )


def manager_for(pool: ResolvedPool, owner_id: str) -> str | None:
    """The escalation manager of `owner_id`: their own, else the default; None if inactive."""
    member = pool.member(owner_id)
    candidate = member.manager_id if member and member.manager_id else pool.default_manager_id
    if candidate is None or candidate == owner_id or not pool.is_active(candidate):
        return None
    return candidate


def plan_escalation(
    *,
    policy: EscalationPolicy,
    breaching_owner_id: str,
    pool: ResolvedPool,
    state: RoundRobinState,
    today: date,
    open_counts: Mapping[str, int],
) -> Escalation:
    """Decide the escalation of one breached handoff task.

    "manager_task" falls back to reassignment when the SDR has no active manager, and
    "reassign" falls back to a manager task when no other SDR is available, so a breach always
    reaches somebody when anybody is there.

    Args:
        policy: the configured policy for this breach.
        breaching_owner_id: the owner of the overdue task.
        pool: the resolved SDR pool.
        state: the round-robin state (reassignment consumes a pick).
        today: the local date in the business calendar's zone.
        open_counts: open handoff tasks per owner id.

    Returns:
        The manager to task and/or the SDR to reassign to, with reasons and the new state.
    """
    want_manager = policy in (EscalationPolicy.MANAGER_TASK, EscalationPolicy.BOTH)
    want_reassign = policy in (EscalationPolicy.REASSIGN, EscalationPolicy.BOTH)
    manager = manager_for(pool, breaching_owner_id)
    reasons: list[str] = []
    reassign_to: str | None = None
    new_state = state
    if want_reassign or manager is None:
        picked, picked_state, skipped = _round_robin(
            pool, state, today, open_counts, exclude=frozenset({breaching_owner_id})
        )
        if picked is not None:
            reassign_to, new_state = picked.owner_id, picked_state
            fallback = "" if want_reassign else ", no active manager"
            reasons.append(f"reassigned from {breaching_owner_id} (SLA breach{fallback})")
        elif want_reassign:
            reasons.append(f"no other SDR available ({skipped or 'pool is empty'})")
    manager_id: str | None = None
    if manager is not None and (want_manager or reassign_to is None):
        manager_id = manager
        fallback = "" if want_manager else ", nobody to reassign to"
        reasons.append(f"manager task for {manager} (SLA breach by {breaching_owner_id}{fallback})")
    if manager_id is None and reassign_to is None:
        reasons.append("no escalation target: no active manager and no other SDR available")
    return Escalation(manager_id, reassign_to, tuple(reasons), new_state)


def handoff_key(contact_id: str, episode_start: datetime) -> str:
    """The idempotency key of one handoff episode, e.g. "hq-1234-1733391000000".

    Deterministic and process-independent: the contact id and the episode start in epoch
    milliseconds (integer arithmetic, no float rounding), so a re-run after a crash, or another
    worker, derives the same key and finds the task it may already have created.

    Raises:
        ValueError: `episode_start` is naive or `contact_id` is not a plain id.
    """
    if not _CONTACT_ID.match(contact_id):
        raise ValueError("contact_id must be a non-empty id of letters, digits or underscores")
    if episode_start.tzinfo is None or episode_start.utcoffset() is None:
        raise ValueError("episode_start must be timezone-aware")
    epoch_ms = (episode_start - _EPOCH) // _ONE_MS
    return f"{HANDOFF_KEY_PREFIX}-{contact_id}-{epoch_ms}"


def parse_handoff_key(key: str) -> tuple[str, datetime] | None:
    """The contact id and episode start (UTC) inside a handoff key, or None if it is not one."""
    match = _KEY_PATTERN.match(key.strip())
    if match is None:
        return None
    return match["contact"], _EPOCH + int(match["ms"]) * _ONE_MS


def eligible_sdrs(
    pool: ResolvedPool,
    today: date,
    open_counts: Mapping[str, int],
    daily: DailyCap = NO_DAILY_CAP,
) -> Sequence[str]:
    """Owner ids of the SDRs who could take a handoff today (for `connector sla` and logs)."""
    return tuple(
        member.owner_id
        for member in pool.members
        if pool.is_active(member.owner_id)
        and not unavailable_reason(member, today, open_counts, daily)
    )
