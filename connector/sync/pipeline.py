"""Score pulled contacts and write back what changed, with writes overlapping the pull.

The pull runs on the caller's thread (search has its own 5/s budget); writes go to a small thread
pool (they spend the 10-second budget), so a run is bounded by the slower of the two budgets rather
than their sum. Company reads and batch writes are filled to 100 across pages: a page of 200
contacts rarely has 100 new companies or 100 changed contacts, and half-empty batches would spend
calls the API does not require.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from connector.hubspot.models import BatchOutcome, CrmRecord, RecordUpdate
from connector.logging import get_logger
from connector.rules import Decision, LeadInput, PriorState, RuleSet, evaluate
from connector.state import ContactMemory, StateStore
from connector.sync.checkpoints import CheckpointTracker
from connector.sync.diff import Desired, PlannedWrite, plan_write
from connector.sync.ports import HubSpotPort
from connector.sync.properties import ScoreProperties

#: HubSpot's batch endpoints take at most 100 inputs.
BATCH_MAX = 100
#: Companies kept per run: enough for most portals' working set of accounts. Each holds only
#: the properties the rules read, as shared strings (~300 bytes), so a full cache is ~6 MB.
COMPANY_CACHE_MAX = 20_000
#: Distinct company property values shared between cached companies (industries, countries and
#: size bands repeat; revenues and the like mostly do not, and stop being shared past this).
SHARED_VALUES_MAX = 20_000
#: Pages of contacts allowed to wait for writes before the pull pauses (keeps memory flat).
MAX_WRITES_IN_FLIGHT = 8

log = get_logger(__name__)


@dataclass(slots=True)
class RunCounters:
    pulled: int = 0
    scored: int = 0
    changed: int = 0
    written: int = 0
    failed: int = 0
    unchanged: int = 0
    companies_read: int = 0


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One property change, for dry-run output and the demo."""

    contact_id: str
    property: str
    old: str | None
    new: str


@dataclass(slots=True)
class _Scored:
    seq: int
    record: CrmRecord
    plan: PlannedWrite | None
    memory: ContactMemory


@dataclass(slots=True)
class _WriteJob:
    items: list[_Scored]
    future: Future[tuple[BatchOutcome, BatchOutcome | None]] = field(init=False)


#: Called with each scored group before its cursor position can be committed; returns the ids
#: of contacts that are (now) handed off, so their memory says so.
DecisionHook = Callable[
    [Sequence[tuple[CrmRecord, Decision, ContactMemory | None]], datetime], set[str]
]


class Pipeline:
    """Feed pages of contacts; it scores, diffs, batches, writes, and tracks the safe cursor."""

    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: StateStore,
        rules: RuleSet,
        names: ScoreProperties,
        portal: str,
        now: datetime,
        dry_run: bool,
        write_threads: int,
        on_decisions: DecisionHook | None = None,
        dead_letters_exist: bool = True,
    ) -> None:
        self._port = port
        self._store = store
        self._rules = rules
        self._names = names
        self._portal = portal
        self._now = now
        self._dry_run = dry_run
        self._on_decisions = on_decisions
        # Resolving dead letters after every batch costs a transaction; skip it when none exist.
        self._dead_letters_exist = dead_letters_exist
        self._pool = ThreadPoolExecutor(max_workers=write_threads, thread_name_prefix="writer")
        # Companies read this run, least recently used first; None = gone from HubSpot.
        self._companies: OrderedDict[str, Mapping[str, str | None] | None] = OrderedDict()
        self._company_names = sorted(rules.company_properties)
        self._shared_values: dict[str, str] = {}
        self._waiting: list[tuple[int, CrmRecord]] = []
        self._uncached: dict[str, None] = {}  # insertion-ordered set
        self._buffer: list[_Scored] = []
        self._jobs: list[_WriteJob] = []
        self.tracker = CheckpointTracker()
        self.counters = RunCounters()
        self.changes: list[ChangeRow] = []
        self.changed_ids: set[str] = set()  # dry runs only: memory is not saved there

    # -- feeding -----------------------------------------------------------------------------

    def feed(self, records: Sequence[CrmRecord], checkpoint: datetime | None) -> None:
        """Take one page of contacts (each contact at most once per run)."""
        seq = self.tracker.open_page(checkpoint)
        # The pull yields each contact once; the revisit step skips what this run scored (see
        # SyncRun._revisit), so no per-run set of ids is kept: memory stays flat at any size.
        fresh = list(records)
        self.counters.pulled += len(fresh)
        if not fresh:
            return
        self.tracker.hold(seq, len(fresh))
        for record in fresh:
            company_id = (record.get("associatedcompanyid") or "").strip()
            if company_id and company_id not in self._companies:
                self._uncached[company_id] = None
            self._waiting.append((seq, record))
        while len(self._uncached) >= BATCH_MAX:
            self._read_companies(BATCH_MAX)
        self._score_ready()
        self._collect_finished(block=len(self._jobs) >= MAX_WRITES_IN_FLIGHT)

    def flush(self) -> None:
        """Read the remaining companies, write the remaining buffer, wait for every write."""
        while self._uncached:
            self._read_companies(BATCH_MAX)
        self._score_ready()
        self._submit_buffer()
        while self._jobs:
            self._collect_finished(block=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # -- companies and scoring ---------------------------------------------------------------

    def _read_companies(self, count: int) -> None:
        ids = list(self._uncached)[:count]
        for company in self._port.read_companies(ids, self._company_names):
            self._companies[company.id] = self._slim(company.properties)
        for company_id in ids:
            self._companies.setdefault(company_id, None)  # deleted or unreadable: fit data missing
            del self._uncached[company_id]
        # Bounded, so memory does not grow with the portal; an evicted company is read again.
        while len(self._companies) > COMPANY_CACHE_MAX:
            self._companies.popitem(last=False)
        self.counters.companies_read += len(ids)

    def _slim(self, properties: Mapping[str, str | None]) -> dict[str, str | None]:
        """Only what the rules read (HubSpot adds its own timestamps), values shared."""
        shared = self._shared_values
        slim: dict[str, str | None] = {}
        for name in self._company_names:
            value = properties.get(name)
            if value is None:
                continue
            known = shared.get(value)
            if known is None:
                if len(shared) < SHARED_VALUES_MAX:
                    shared[value] = value
                known = value
            slim[name] = known
        return slim

    def _score_ready(self) -> None:
        ready: list[tuple[int, CrmRecord]] = []
        still: list[tuple[int, CrmRecord]] = []
        for seq, record in self._waiting:
            company_id = (record.get("associatedcompanyid") or "").strip()
            (ready if not company_id or company_id in self._companies else still).append(
                (seq, record)
            )
        self._waiting = still
        if not ready:
            return
        memory = self._store.get_memory(self._portal, [r.id for _, r in ready])
        evaluated: list[tuple[int, CrmRecord, Decision, ContactMemory | None]] = []
        for seq, record in ready:
            company_id = (record.get("associatedcompanyid") or "").strip()
            company = self._companies.get(company_id) if company_id else None
            if company_id:
                self._companies.move_to_end(company_id)
            prior = memory.get(record.id)
            decision = evaluate(
                LeadInput(
                    contact_id=record.id,
                    contact=record.properties,
                    company=company,
                ),
                rules=self._rules,
                now=self._now,
                prior=_prior_state(prior),
            )
            evaluated.append((seq, record, decision, prior))
        handed: set[str] = set()
        if self._on_decisions is not None:
            handed = self._on_decisions([(r, d, p) for _, r, d, p in evaluated], self._now)
        scored: list[_Scored] = []
        for seq, record, decision, prior in evaluated:
            plan = plan_write(
                record.id, record.properties, _desired(decision), self._names, now=self._now
            )
            # Without handoff configured, "in handoff" just mirrors the condition.
            in_handoff = decision.handoff_condition and (
                self._on_decisions is None
                or record.id in handed
                or (prior is not None and prior.in_handoff)
            )
            memory_row = _memory_row(record.id, decision, plan, prior, self._now, in_handoff)
            scored.append(_Scored(seq, record, plan, memory_row))
        self.counters.scored += len(scored)
        unchanged = [s for s in scored if s.plan is None]
        self.counters.unchanged += len(unchanged)
        if unchanged and not self._dry_run:
            self._store.save_memory(self._portal, [s.memory for s in unchanged])
        for item in unchanged:
            self.tracker.release(item.seq)
        for item in scored:
            if item.plan is None:
                continue
            self.counters.changed += 1
            if self._dry_run:
                self.changed_ids.add(item.record.id)
                self._record_changes(item.plan)
                self.tracker.release(item.seq)
                continue
            self._buffer.append(item)
            if len(self._buffer) >= BATCH_MAX:
                self._submit_buffer()

    def _record_changes(self, plan: PlannedWrite) -> None:
        for name, value in plan.properties.items():
            self.changes.append(ChangeRow(plan.contact_id, name, plan.previous.get(name), value))

    # -- writing -----------------------------------------------------------------------------

    def _submit_buffer(self) -> None:
        if not self._buffer:
            return
        items, self._buffer = self._buffer[:BATCH_MAX], self._buffer[BATCH_MAX:]
        job = _WriteJob(items)
        job.future = self._pool.submit(self._write, [i.plan for i in items if i.plan is not None])
        self._jobs.append(job)
        if self._buffer:
            self._submit_buffer()

    def _write(self, plans: list[PlannedWrite]) -> tuple[BatchOutcome, BatchOutcome | None]:
        clears = [
            RecordUpdate(id=p.contact_id, properties={"lifecyclestage": ""})
            for p in plans
            if p.clear_lifecycle_first
        ]
        # HubSpot moves a stage backwards only after it was cleared, and does not promise order
        # inside one batch: the clear must be its own, earlier request.
        cleared = self._port.update_contacts(clears) if clears else None
        failed_clear = {f.id for f in cleared.failed} if cleared else set()
        updates = [
            RecordUpdate(id=p.contact_id, properties=dict(p.properties))
            for p in plans
            if p.contact_id not in failed_clear
        ]
        return self._port.update_contacts(updates), cleared

    def _collect_finished(self, *, block: bool) -> None:
        while self._jobs and (block or self._jobs[0].future.done()):
            job = self._jobs.pop(0)
            outcome, cleared = job.future.result()  # a failed batch call fails the run here
            self._apply_outcome(job.items, outcome, cleared)
            block = False

    def _apply_outcome(
        self, items: list[_Scored], outcome: BatchOutcome, cleared: BatchOutcome | None
    ) -> None:
        failures = {f.id: f for f in outcome.failed}
        if cleared is not None:
            failures.update({f.id: f for f in cleared.failed})
        ok = [i for i in items if i.record.id not in failures]
        self.counters.written += len(ok)
        self.counters.failed += len(failures)
        if ok:
            self._store.save_memory(self._portal, [i.memory for i in ok])
            if self._dead_letters_exist:
                self._store.resolve_dead_letters(self._portal, [i.record.id for i in ok])
        if failures:
            self._dead_letters_exist = True
            self._store.add_dead_letters(
                self._portal,
                [(f.id, f.category, f.message) for f in failures.values()],
                now=self._now,
            )
            log.warning(
                "batch_update_partial_failure",
                failed=len(failures),
                contact_ids=sorted(failures)[:20],
            )
        for item in items:
            self.tracker.release(item.seq)


def _desired(decision: Decision) -> Desired:
    return Desired(
        score=decision.score,
        grade=decision.grade,
        temperature=decision.temperature,
        reasons=decision.compact_reasons,
        rules_version=decision.rules_version,
        lifecycle_target=decision.lifecycle_target,
        lifecycle_clear_first=decision.lifecycle_clear_first,
        lead_status_target=decision.lead_status_target,
    )


def _prior_state(memory: ContactMemory | None) -> PriorState | None:
    if memory is None:
        return None
    return PriorState(
        score=memory.score,
        label=memory.label,
        below_bar_since=memory.below_bar_since,
        last_written_lead_status=memory.lead_status_written,
        in_handoff=memory.in_handoff,
        signal_memory=memory.signal_memory,
    )


def _memory_row(
    contact_id: str,
    decision: Decision,
    plan: PlannedWrite | None,
    prior: ContactMemory | None,
    now: datetime,
    in_handoff: bool,
) -> ContactMemory:
    written = plan.properties if plan is not None else {}
    return ContactMemory(
        contact_id=contact_id,
        score=decision.score,
        label=decision.label,
        lead_status_written=written.get(
            "hs_lead_status", prior.lead_status_written if prior else None
        ),
        lifecycle_written=written.get("lifecyclestage", prior.lifecycle_written if prior else None),
        below_bar_since=decision.below_bar_since,
        in_handoff=in_handoff,
        rescore_at=decision.rescore_at,
        scored_at=now,
        rules_version=decision.rules_version,
        signal_memory=decision.signal_memory,
    )
