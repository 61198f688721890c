"""The stages of one run, built afresh for it; `run.py` calls them in order.

Each holds only this run's state. Writes to HubSpot go through a `FencedPort` (nothing is
written once the lease is lost); reads go to the port as given.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot.models import CrmRecord
from connector.rules import RuleSet
from connector.rules.policy import DEFAULT_STAGE_ORDER, StageOrder
from connector.rules.ruleset import with_stage_order
from connector.rules.sla_config import SlaConfig
from connector.sync.capacity_bar import CapacityBar
from connector.sync.checkpoints import CheckpointTracker
from connector.sync.companies import CompanyCache
from connector.sync.fence import Fence, FencedPort
from connector.sync.fresh import FreshReads
from connector.sync.handoff import HandoffStage
from connector.sync.planning import ContactPlan, plan_writes
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.rules_change import DEFAULT_RESCORE_PER_RUN, RulesChange
from connector.sync.scoring import Scored, ScoreStage
from connector.sync.search_lag import LagCount
from connector.sync.sources import Pull
from connector.sync.stage_order import (
    mark_stage_order_stale,
    read_stage_order,
    save_stage_order,
    stored_stage_order,
    unknown_stages,
)
from connector.sync.writer import BatchedWriter, WriteItem


@dataclass(frozen=True, slots=True)
class StageSettings:
    """What the stages need of the run's options."""

    portal: str
    names: ScoreProperties
    write_threads: int
    #: contacts a rules-change re-score reads per run
    rescore_per_run: int = DEFAULT_RESCORE_PER_RUN


@dataclass(slots=True)
class Stages:
    """Pull, score, plan, read people-owned fields fresh, hand off, write."""

    names: ScoreProperties
    tracker: CheckpointTracker
    pull: Pull
    companies: CompanyCache
    score: ScoreStage
    fresh: FreshReads
    handoff: HandoffStage
    writer: BatchedWriter
    rules_change: RulesChange
    port: HubSpotPort
    store: SyncState
    rules: RuleSet
    portal: str
    now: datetime
    order: StageOrder = DEFAULT_STAGE_ORDER
    #: the order is settled for this run / it was read from HubSpot (or marked stale) in it
    order_settled: bool = False
    order_read: bool = False
    pulled: int = 0
    #: contacts changed inside the search-lag window, left to the next run
    lag: LagCount | None = None
    #: the contact properties a run reads (the handoff queue's contacts are read back by id)
    properties: tuple[str, ...] = ()
    #: the handoff's score bar from capacity (`handoff.capacity`), and the arrivals it counts
    capacity_bar: CapacityBar | None = None

    @classmethod
    def build(
        cls,
        port: HubSpotPort,
        store: SyncState,
        rules: RuleSet,
        sla: SlaConfig,
        opt: StageSettings,
        now: datetime,
        stop: threading.Event,
        fence: Fence,
    ) -> Stages:
        capacity_bar = CapacityBar(store, opt.portal, rules, now)
        rules = capacity_bar.rules  # with the bar in force, when it comes from capacity
        properties = sorted(set(rules.contact_properties) | set(opt.names.read()))
        companies = CompanyCache(port, rules.company_properties)
        tracker = CheckpointTracker()
        fenced = FencedPort(port, fence)
        return cls(
            names=opt.names,
            tracker=tracker,
            pull=Pull(port=port, store=store, portal=opt.portal, properties=properties, stop=stop),
            companies=companies,
            score=ScoreStage(
                store=store, rules=rules, companies=companies, portal=opt.portal, now=now
            ),
            fresh=FreshReads(port),
            handoff=HandoffStage(
                port=fenced, store=store, rules=rules, sla=sla, names=opt.names, portal=opt.portal
            ),
            writer=BatchedWriter(
                port=fenced,
                store=store,
                tracker=tracker,
                portal=opt.portal,
                now=now,
                threads=opt.write_threads,
                dead_letters_exist=store.count_dead_letters(opt.portal) > 0,
            ),
            rules_change=RulesChange(
                port=port,
                store=store,
                portal=opt.portal,
                version=rules.version,
                version_property=opt.names.rules_version,
                properties=properties,
                cap=opt.rescore_per_run,
                stop=stop,
                now=now,
            ),
            port=port,
            store=store,
            rules=rules,
            portal=opt.portal,
            now=now,
            properties=tuple(properties),
            capacity_bar=capacity_bar,
        )

    def know_stage_order(self, records: Sequence[CrmRecord]) -> None:
        """The portal's stage order, settled before the run's first contact is scored: the
        stored one, or read afresh when it is a day old or this first page shows a stage it
        does not know (an idle run never gets here, so it spends no call on it).

        A stage unknown to the order only on a later page is protected meanwhile (unknown
        stages are), and the stored order is marked stale so the next run reads it again.
        """
        if self.order_settled:
            if not self.order_read and unknown_stages(self.order, records):
                self.order_read = True  # once a run is enough to say so
                mark_stage_order_stale(self.store, self.portal, self.order)
            return
        self.order_settled = True
        stored = stored_stage_order(self.store, self.portal, self.now)
        if stored is not None and not unknown_stages(stored, records):
            order = stored
        else:
            order = read_stage_order(self.port)
            save_stage_order(self.store, self.portal, order, self.now)
            self.order_read = True
        if order == self.order:
            return
        self.order = order
        self.handoff.use_stage_order(order)
        # Nothing is scored yet, so the score stage is simply built again with the order.
        self.score = ScoreStage(
            store=self.store,
            rules=with_stage_order(self.rules, order),
            companies=self.companies,
            portal=self.portal,
            now=self.now,
        )

    def process(self, scored: list[Scored], now: datetime, *, final: bool = False) -> None:
        """Plan writes, read what people own afresh (in batches of 100 across pages), hand
        off, write: what follows scoring for every page."""
        if self.capacity_bar is not None:
            self.capacity_bar.observe(scored)
        plans = self.fresh.take(plan_writes(scored, self.names, now=now, order=self.order))
        plans += self.fresh.checked(final=final)
        if plans:
            self._hand_off_and_write(plans, now)

    def _hand_off_and_write(self, plans: list[ContactPlan], now: datetime) -> None:
        handed = self.handoff.hand_off([p.scored for p in plans], now)
        self.writer.write(
            [
                WriteItem(
                    seq=p.scored.seq,
                    write=p.write,
                    memory=p.memory(in_handoff=p.scored.record.id in handed, now=now),
                )
                for p in plans
            ]
        )

    def flush(self, now: datetime) -> None:
        """Score the contacts still waiting for their company, check the fresh reads still
        waiting, then finish every write."""
        self.process(self.score.score_ready(final=True), now, final=True)
        self.writer.flush()
        if self.capacity_bar is not None:
            self.capacity_bar.save()
