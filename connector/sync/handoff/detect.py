"""Hand off, step one: detect the crossings in a scored page and reserve them in the ledger.

A contact is handed off when it *enters* the rules' handoff condition: not on every run while the
condition holds (its memory says it is handed off), not while the ledger holds an open or recent
handoff for it, and not while its proof shows a handoff younger than the cool-down (the state
store may have been lost). The reservation is made while the page is scored, before the cursor
may pass the contact: it is the to-do item a restarted run picks up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.rules import Decision, RuleSet
from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import choose_owner, handoff_key
from connector.rules.sla_config import SlaConfig
from connector.state import HandoffRecord
from connector.sync.handoff.ledger import RunLedger
from connector.sync.handoff.proof import Proof
from connector.sync.ports import SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.scoring import Scored


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
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._rules = rules
        self._sla = sla
        self._calendar = calendar
        self._names = names
        self._portal = portal

    def detect(self, scored: Sequence[Scored], now: datetime) -> Detected:
        found = Detected()
        crossing = [s for s in scored if s.decision.handoff_condition]
        if not crossing:
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
            if not self._reserve(record, decision, now, found):
                found.handed.discard(record.id)
        self._ledger.save_round_robin()
        return found

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
