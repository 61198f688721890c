"""SDR handoff as a stage of the run: exactly one task per handoff episode, even across kills.

Three steps, each in its own module:

- `detect`: find the contacts that cross the handoff condition and reserve them in the ledger,
  while their page is scored (before the cursor can pass them);
- `create`: create the tasks proof-first, for every full batch of reservations as pages go by
  and for the rest at the end, recovering reservations an earlier run left unfinished;
- `escalate`: escalate tasks past their SLA deadline, once each.

`docs/handoff.md` explains the guarantees and how the tests check them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.logging import get_logger
from connector.rules import RuleSet
from connector.rules.policy import StageOrder
from connector.rules.sla_config import SlaConfig
from connector.sync.handoff.create import TaskCreator
from connector.sync.handoff.detect import HandoffDetector
from connector.sync.handoff.escalate import Escalator
from connector.sync.handoff.ledger import RunLedger
from connector.sync.handoff.proof import Proof
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.scoring import Scored

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
        ledger = RunLedger(port=port, store=store, sla=sla, portal=portal)
        self._detector = HandoffDetector(
            store=store,
            ledger=ledger,
            rules=rules,
            sla=sla,
            calendar=calendar,
            names=names,
            portal=portal,
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
        self._creator.add(found.reserved)
        self._creator.create_full_batches(now)
        return found.handed

    def finish(self, now: datetime) -> None:
        """After the last page: create every pending task, then escalate breaches."""
        self._creator.create_pending(now)
        self._escalated += self._escalator.escalate(now)
        if self._unassigned:
            # Once per run, not per contact; they are retried when scored again.
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
        )
