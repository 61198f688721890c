"""Hand off, step one: detect the crossings in a scored page and reserve them in the ledger.

A contact is handed off when it *enters* the rules' handoff condition: not on every run while the
condition holds (its memory says it is handed off), not while the ledger holds an open or recent
handoff for it, and not while its proof shows a handoff younger than the cool-down (the state
store may have been lost). The reservation is made while the page is scored, before the cursor
may pass the contact: it is the to-do item a restarted run picks up.

Not every crossing is reserved at once (`backlog`): a crossing found by a contact's first
scoring, or by a re-score after a rules change, without recent activity goes to the backlog;
one past the run's cap, or with every eligible owner at a cap, waits in the queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.rules import Decision, RuleSet
from connector.rules.business_time import BusinessCalendar
from connector.rules.capacity_bar import bar_came_down
from connector.rules.recent_activity import activity_properties, has_recent_activity
from connector.rules.routing import choose_owner, handoff_key
from connector.rules.sla_config import SlaConfig
from connector.state import ContactMemory, HandoffRecord
from connector.sync.capacity_bar import CAPACITY_BAR_BLOB, Moves, moves_from
from connector.sync.handoff.backlog import Waiting, WaitingList, WaitKind
from connector.sync.handoff.ledger import RunLedger
from connector.sync.handoff.proof import Proof
from connector.sync.ports import SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.scoring import Scored

#: Why a contact the capacity bar came down to waits in the backlog (`_bar_came_down`).
BAR_CAME_DOWN = "the capacity bar came down to it (it did not cross the bar)"


@dataclass(frozen=True, slots=True)
class Reservation:
    """A handoff reserved by this run, with what its task needs and nothing more.

    `contact` keeps only the owner and company: a big run reserves thousands of handoffs.
    """

    handoff: HandoffRecord
    contact: CrmRecord
    task_values: Mapping[str, object]
    routing_reason: str
    #: Reserved under the key of a pending proof: its task may exist, so it is looked up first.
    recovered: bool = False


@dataclass(slots=True)
class Detected:
    """What one page's detection found."""

    #: Contacts in the handoff condition that are (now) handed off: their memory says so.
    handed: set[str] = field(default_factory=set)
    #: Reservations made now, whose tasks are still to create.
    reserved: list[Reservation] = field(default_factory=list)
    #: Handoffs routed to an owner (reserved now, or found reserved already).
    planned: int = 0
    #: Contacts whose crossing found no SDR available, with the reason.
    unassigned: list[tuple[str, str]] = field(default_factory=list)
    #: Contacts whose crossing went to the backlog (historic, no recent activity).
    backlogged: list[str] = field(default_factory=list)
    #: Contacts whose crossing was queued because the run's cap was reached.
    capped: list[str] = field(default_factory=list)


class HandoffDetector:
    def __init__(
        self,
        *,
        store: SyncState,
        ledger: RunLedger,
        rules: RuleSet,
        sla: SlaConfig,
        calendar: BusinessCalendar,
        names: ScoreProperties,
        portal: str,
        waiting: WaitingList | None = None,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._rules = rules
        self._sla = sla
        self._calendar = calendar
        self._names = names
        self._portal = portal
        self._waiting = waiting or WaitingList(store, portal)
        self._activity = activity_properties(rules)
        #: New handoffs reserved by this run, against `handoff.max_new_per_run`.
        self.new_this_run = 0
        #: The capacity bar's moves, read once a run when first needed.
        self._bar_moves: Moves | None = None

    def detect(self, scored: Sequence[Scored], now: datetime) -> Detected:
        found = Detected()
        crossing = [s for s in scored if s.decision.handoff_condition]
        # A waiting contact that no longer qualifies leaves the backlog and the queue.
        self._waiting.drop(s.record.id for s in scored if not s.decision.handoff_condition)
        if not crossing:
            self._waiting.save()
            return found
        self._ledger.load(now)
        for item in crossing:
            record, decision, prior = item.record, item.decision, item.prior
            found.handed.add(record.id)
            if prior is not None and prior.in_handoff:
                continue  # the same episode, already handed off
            proof = Proof.parse(record.get(self._names.handoff))
            if proof is not None and proof.task_id is None:
                # A handoff was under way when a run died (and the ledger may be gone too):
                # finish that episode under its own key instead of starting a new one. The
                # create step looks for its task before creating one.
                if self._store.get_handoff(self._portal, proof.key) is None:
                    self._reserve(record, decision, proof.at, found, key=proof.key)
                continue
            if self._ledger.busy(record.id):
                continue  # reserved by a run that died before recording it on the contact
            if proof is not None and now - proof.at < self._sla.handoff.cooldown:
                continue  # handed off recently (the state store may have been lost)
            wait = self._must_wait(record, decision, prior, now)
            if wait is not None:
                # Not handed off: its memory says so, and it crosses again when next scored.
                found.handed.discard(record.id)
                self._waiting.put(wait)
                if wait.kind is WaitKind.BACKLOG:
                    found.backlogged.append(record.id)
                else:
                    found.capped.append(record.id)
                continue
            before = len(found.unassigned)
            if self._reserve(record, decision, now, found):
                self._waiting.drop([record.id])
            else:
                found.handed.discard(record.id)
                if len(found.unassigned) > before:  # nobody to hand off to: wait for room
                    reason = found.unassigned[-1][1]
                    self._waiting.put(self._entry(record, decision, WaitKind.QUEUED, reason, now))
        self._ledger.save_round_robin()
        self._waiting.save()
        return found

    def _must_wait(
        self, record: CrmRecord, decision: Decision, prior: ContactMemory | None, now: datetime
    ) -> Waiting | None:
        """The backlog or queue entry for a crossing that must not be handed off now."""
        handoff = self._sla.handoff
        days = handoff.recent_activity_days
        entry = self._waiting.get(record.id)
        # Stock the bar came down to stays in the backlog until released (`backlog release`).
        stock = (
            entry is not None and entry.kind is WaitKind.BACKLOG and entry.reason == BAR_CAME_DOWN
        )
        if stock or (entry is None and self._bar_came_down(prior)):
            return self._entry(record, decision, WaitKind.BACKLOG, BAR_CAME_DOWN, now)
        recent = has_recent_activity(record.properties, self._activity, now=now, days=days)
        # A first scoring, or a re-score after a rules change, finds old qualifiers too.
        historic = prior is None or prior.rules_version != self._rules.version
        if not recent and (
            (entry is not None and entry.kind is WaitKind.BACKLOG) or (entry is None and historic)
        ):
            reason = f"no activity in the last {days:g} days" if days is not None else ""
            return self._entry(record, decision, WaitKind.BACKLOG, reason, now)
        cap = handoff.max_new_per_run
        if cap is not None and self.new_this_run >= cap:
            reason = f"run cap of {cap} new handoffs reached"
            return self._entry(record, decision, WaitKind.QUEUED, reason, now)
        return None

    def _bar_came_down(self, prior: ContactMemory | None) -> bool:
        """With `handoff.capacity`: the contact already had a score at the bar in force when
        last scored, yet was below the bar of that time, so the bar moved down to it. That
        stock goes to the backlog (`connector backlog`) instead of on top of the week's
        capacity."""
        handoff = self._rules.handoff
        bar = handoff.when.min_score
        if handoff.capacity is None or bar is None or prior is None:
            return False
        if self._bar_moves is None:
            self._bar_moves = moves_from(self._store.get_blob(self._portal, CAPACITY_BAR_BLOB))
        return bar_came_down(prior.score, bar, self._bar_moves, prior.scored_at)

    @staticmethod
    def _entry(
        record: CrmRecord, decision: Decision, kind: WaitKind, reason: str, now: datetime
    ) -> Waiting:
        return Waiting(record.id, kind, decision.score, now, reason)

    def _reserve(
        self,
        record: CrmRecord,
        decision: Decision,
        now: datetime,
        found: Detected,
        *,
        key: str | None = None,
    ) -> bool:
        """Reserve the handoff (under `key` when recovering one); False: nobody to hand off to."""
        tier_name = decision.sla_tier or next(iter(self._rules.sla_tiers), None)
        if tier_name is None:
            return False
        tier = self._rules.sla_tiers[tier_name]
        assignment = choose_owner(
            contact_owner_id=(record.get("hubspot_owner_id") or "").strip() or None,
            pool=self._ledger.pool(),
            state=self._ledger.round_robin,
            today=self._calendar.local_date(now),
            open_counts=self._ledger.open_counts,
            daily=self._ledger.daily_cap(),
        )
        if assignment.owner_id is None:
            # Reported once per run; retried when the contact is scored again.
            found.unassigned.append((record.id, assignment.reason))
            return False
        handoff = HandoffRecord(
            key=key or handoff_key(record.id, now),
            contact_id=record.id,
            owner_id=assignment.owner_id,
            task_id=None,
            sla_tier=tier_name,
            created_at=now,
            due_at=self._calendar.add_business_hours(now, tier.response_hours).astimezone(UTC),
        )
        found.planned += 1
        if not self._store.reserve_handoff(self._portal, handoff):
            return True  # another run has this key: it is that run's to finish
        if key is None:
            self.new_this_run += 1
        self._ledger.reserved(record.id, assignment.owner_id, assignment.state)
        slim = CrmRecord(
            id=record.id,
            properties={
                "hubspot_owner_id": record.get("hubspot_owner_id"),
                "associatedcompanyid": record.get("associatedcompanyid"),
            },
        )
        found.reserved.append(
            Reservation(
                handoff, slim, _task_values(decision), assignment.reason, recovered=key is not None
            )
        )
        return True


def _task_values(decision: Decision) -> dict[str, object]:
    """What the task's subject and body need from the decision."""
    return {
        "score": decision.score,
        "label": decision.label,
        "grade": decision.grade,
        "temperature": decision.temperature,
        "reasons": decision.compact_reasons,
        "bant_summary": decision.bant.summary,
    }
