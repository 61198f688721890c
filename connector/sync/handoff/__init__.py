"""SDR handoff as a stage of the run: exactly one task per handoff episode, even across kills.

Three steps, each in its own module:

- `detect`: find the contacts that cross the handoff condition and reserve them in the ledger,
  while their page is scored (before the cursor can pass them);
- `create`: create the tasks proof-first, for every full batch of reservations as pages go by
  and for the rest at the end, recovering reservations an earlier run left unfinished;
- `escalate`: escalate tasks past their SLA deadline, once each;
- `withdraw`: update or close the open task of a contact that no longer qualifies, once each.

What the task says (`task_text`) is built from the decision and the contact's name and company,
read at create time and never logged or stored.

`docs/handoff.md` explains the guarantees and how the tests check them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.logging import get_logger
from connector.rules import RuleSet
from connector.rules.policy import StageOrder
from connector.rules.pool_capacity import pool_room
from connector.rules.sla_config import SlaConfig
from connector.sync.handoff.backlog import WaitingList, drain
from connector.sync.handoff.capacity import shortfall_summary
from connector.sync.handoff.create import TaskCreator
from connector.sync.handoff.detect import HandoffDetector
from connector.sync.handoff.escalate import Escalator
from connector.sync.handoff.ledger import RunLedger
from connector.sync.handoff.proof import Proof
from connector.sync.handoff.withdraw import Withdrawer
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.scoring import Scored
from connector.sync.sources import Page

__all__ = ["HandoffCounts", "HandoffStage", "Proof"]

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class HandoffCounts:
    """What a run's hand-off stage did, for the run summary."""

    planned: int
    created: int
    escalated: int
    unassigned: int
    #: task creates whose answer was lost: their handoffs wait for a later run to recover them
    parked: int
    #: handoffs whose lost create is too recent to re-create safely (search may not see it yet)
    waiting: int
    #: tasks created without a company association HubSpot refused
    associations_dropped: int
    #: open tasks updated or closed because their contact no longer qualifies
    withdrawn: int = 0


class HandoffStage:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        rules: RuleSet,
        sla: SlaConfig,
        names: ScoreProperties,
        portal: str,
    ) -> None:
        calendar = sla.build_calendar()
        ledger = RunLedger(
            port=port,
            store=store,
            sla=sla,
            portal=portal,
            key_property=names.task_key,
            calendar=calendar,
        )
        self._ledger, self._calendar, self._sla = ledger, calendar, sla
        self._port, self._store, self._portal = port, store, portal
        self._waiting = WaitingList(store, portal)
        # Sets: a queued contact read back and met again in the window counts once.
        self._backlogged: set[str] = set()
        self._capped: set[str] = set()
        self._detector = HandoffDetector(
            store=store,
            ledger=ledger,
            rules=rules,
            sla=sla,
            calendar=calendar,
            names=names,
            portal=portal,
            waiting=self._waiting,
        )
        self._creator = TaskCreator(
            port=port,
            store=store,
            rules=rules,
            sla=sla,
            calendar=calendar,
            names=names,
            portal=portal,
        )
        self._escalator = Escalator(
            port=port,
            store=store,
            ledger=ledger,
            sla=sla,
            calendar=calendar,
            names=names,
            portal=portal,
            protected=lambda stage: self.stage_order.protected(stage),
        )
        self._withdrawer = Withdrawer(
            port=port,
            store=store,
            sla=sla,
            calendar=calendar,
            portal=portal,
            protected=lambda stage: self.stage_order.protected(stage),
        )
        #: the portal's lifecycle stages, once the run knows them (`use_stage_order`)
        self.stage_order = rules.stage_order
        self._planned = 0
        self._escalated = 0
        self._unassigned: list[tuple[str, str]] = []

    def use_stage_order(self, order: StageOrder) -> None:
        """The portal's own stage order, read by the run before its first contact is scored."""
        self.stage_order = order

    def hand_off(self, scored: Sequence[Scored], now: datetime) -> set[str]:
        """Reserve this page's crossings, create full batches of tasks; returns the contacts
        now in handoff (their memory records it)."""
        found = self._detector.detect(scored, now)
        self._planned += found.planned
        self._unassigned += found.unassigned
        self._backlogged.update(found.backlogged)
        self._capped.update(found.capped)
        reserved = {r.handoff.contact_id for r in found.reserved}
        self._creator.add(
            found.reserved, {s.record.id: s.decision for s in scored if s.record.id in reserved}
        )
        self._creator.create_full_batches(now)
        self._withdrawer.withdraw(scored, now)
        return found.handed

    def drain(self, properties: Sequence[str], now: datetime) -> Iterator[Page]:
        """The queue's contacts (best first, as many as the run's cap), read back to be scored
        and handed off again."""
        if not self._waiting.counts()["queued"]:
            return
        self._ledger.load(now)  # the owners' load: is there room for anyone?
        room = pool_room(
            self._ledger.pool(),
            self._calendar.local_date(now),
            self._ledger.open_counts,
            self._ledger.daily_cap(),
        )
        yield from drain(
            self._port,
            self._store,
            self._waiting,
            portal=self._portal,
            properties=properties,
            limit=self._sla.handoff.max_new_per_run,
            pool_room=room,
            now=now,
        )

    def capacity(self, now: datetime) -> dict[str, Any]:
        """Capacity shortfalls for the run summary (the SDRs' state only once a crossing made
        the run read the load)."""
        waiting = self._waiting.counts()
        load = self._ledger.load_read
        if load is None:
            return {"backlog": waiting["backlog"], "queued": waiting["queued"]}
        return shortfall_summary(
            pool=self._ledger.pool(),
            today=self._calendar.local_date(now),
            load=load,
            daily=self._ledger.daily_cap(),
            # A queued contact read back and then met again in the window counts once.
            unassigned=len({cid for cid, _ in self._unassigned}),
            capped=len(self._capped),
            backlogged=len(self._backlogged),
            waiting=waiting,
        )

    def finish(self, now: datetime) -> None:
        """After the last page: create every pending task, then escalate breaches."""
        self._creator.create_pending(now)
        self._escalated += self._escalator.escalate(now)
        if self._unassigned:
            # Once per run, not per contact; they wait in the queue later runs drain.
            _, first_reason = self._unassigned[0]
            log.warning(
                "handoffs_unassigned",
                count=len(self._unassigned),
                reason=first_reason,
                contact_ids=[cid for cid, _ in self._unassigned[:20]],
            )

    def counts(self) -> HandoffCounts:
        return HandoffCounts(
            planned=self._planned,
            created=self._creator.created,
            escalated=self._escalated,
            unassigned=len(self._unassigned),
            parked=self._creator.parked,
            waiting=self._creator.waiting,
            associations_dropped=self._creator.associations_dropped,
            withdrawn=self._withdrawer.withdrawn,
        )
