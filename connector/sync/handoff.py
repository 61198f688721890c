"""SDR handoff: exactly one task per handoff episode, the right owner, due in business time.

Exactly once, even across a crash between creating a task and recording it, and even when the
local state store is lost:

1. While a page is being scored (before the cursor may pass it), each contact that *crosses* the
   rules' handoff condition gets a deterministic key (`hq-<contact>-<episode ms>`) reserved in the
   ledger ("pending"). The reservation is the to-do item: a crash after it is retried next run.
2. The contact's proof property is set to `<key>|pending|<time>` in HubSpot.
3. The task is created with the key in its body, associated with the contact (and company).
4. The proof becomes `<key>|<task id>|<time>` (plus the owner when routing assigned one) and the
   ledger entry "created".

A pending entry from an earlier run is first looked up through the contact's task associations
(consistent reads, unlike search, which lags): a task carrying the key completes the entry instead
of creating a second one. With the ledger lost, the proof on the contact prevents a new handoff for
the same episode: a contact whose proof is younger than the cool-down is not handed off again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.hubspot.models import CrmRecord, NewTask, Owner, RecordUpdate, TaskPriority, TaskType
from connector.logging import get_logger
from connector.rules import Decision, RuleSet
from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import (
    ResolvedPool,
    RoundRobinState,
    choose_owner,
    handoff_key,
    plan_escalation,
)
from connector.rules.sla_config import SlaConfig, render_template, resolve_pool
from connector.state import ContactMemory, HandoffRecord, StateStore
from connector.sync.ports import HubSpotPort
from connector.sync.properties import ScoreProperties

log = get_logger(__name__)

BATCH = 100
PENDING = "pending"
ESCALATION_BLOB = "escalation_tasks"
TASK_PROPERTIES = ("hs_task_status", "hs_task_body", "hubspot_owner_id", "hs_timestamp")


@dataclass(frozen=True, slots=True)
class Proof:
    """What the contact's handoff property says about its last handoff."""

    key: str
    task_id: str | None
    at: datetime

    def render(self) -> str:
        stamp = self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{self.key}|{self.task_id or PENDING}|{stamp}"

    @classmethod
    def parse(cls, text: str | None) -> Proof | None:
        parts = (text or "").strip().split("|")
        if len(parts) != 3 or not parts[0].startswith("hq-"):
            return None
        try:
            at = datetime.fromisoformat(parts[2].replace("Z", "+00:00"))
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        return cls(parts[0], None if parts[1] == PENDING else parts[1], at)


@dataclass(slots=True)
class _Candidate:
    record: CrmRecord
    decision: Decision


class HandoffService:
    """Detects crossings during scoring, then creates and escalates tasks after the writes."""

    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: StateStore,
        rules: RuleSet,
        sla: SlaConfig,
        names: ScoreProperties,
        portal: str,
        dry_run: bool,
    ) -> None:
        self._port = port
        self._store = store
        self._rules = rules
        self._sla = sla
        self._calendar: BusinessCalendar = sla.build_calendar()
        self._names = names
        self._portal = portal
        self._dry_run = dry_run
        self._pool: ResolvedPool | None = None
        self._owners: list[Owner] | None = None
        self.planned = 0
        # Counts, not records: a run over a big portal creates thousands of tasks.
        self.created_by_owner: Counter[str] = Counter()
        self.first_due: datetime | None = None
        self.escalated: list[str] = []
        self.unassigned: list[tuple[str, str]] = []
        # What this run knows about the handoffs it reserved: the contact, the decision and why
        # the owner was chosen (handoffs recovered from earlier runs have none of it).
        # Kept slim (owner, company, the task text's values): a big run has thousands.
        # Dropped once the task exists, so what the run holds is bounded by a batch, not the run.
        self._context: dict[str, tuple[CrmRecord, dict[str, object], str]] = {}
        self._fresh: set[str] = set()  # keys reserved new in this run: no task can exist yet
        self._ready: list[HandoffRecord] = []  # fresh reservations whose task is not created yet
        # The ledger as this run sees it, loaded once (the portal's lease makes this run its only
        # writer): open handoffs per owner, contacts with an open or recent handoff, and the
        # round-robin state. Per-crossing queries would grow with the ledger, per page.
        self._open_counts: Counter[str] | None = None
        self._busy: set[str] = set()
        self._rr_state = RoundRobinState()
        self._rr_dirty = False

    @property
    def created(self) -> int:
        """Handoff tasks this run created."""
        return self.created_by_owner.total()

    # -- during scoring --------------------------------------------------------------------------

    def on_decisions(
        self,
        items: Sequence[tuple[CrmRecord, Decision, ContactMemory | None]],
        now: datetime,
    ) -> set[str]:
        """Reserve a handoff for every crossing; return the ids now considered handed off."""
        handed: set[str] = set()
        if any(decision.handoff_condition for _, decision, _ in items):
            self._load_ledger(now)
        for record, decision, prior in items:
            if not decision.handoff_condition:
                continue
            if prior is not None and prior.in_handoff:
                handed.add(record.id)  # the same episode, already handed off
                continue
            proof = Proof.parse(record.get(self._names.handoff))
            if proof is not None and proof.task_id is None:
                # A handoff was under way when a run died (and the ledger may be gone too):
                # finish that episode under its own key instead of starting a new one.
                self._recover_from_proof(record, decision, proof)
                handed.add(record.id)
                continue
            if self._open_in_ledger(record.id, now):
                # Reserved by a run that died before recording anything on the contact.
                handed.add(record.id)
                continue
            if proof is not None and now - proof.at < self._sla.handoff.cooldown:
                # Handed off recently (the state store may have been lost): same episode.
                handed.add(record.id)
                continue
            if self._reserve(record, decision, now):
                handed.add(record.id)
        if self._rr_dirty and not self._dry_run:
            self._store.save_sdr_round_robin_state(self._portal, self._rr_state.to_mapping())
            self._rr_dirty = False
        return handed

    def _load_ledger(self, now: datetime) -> None:
        if self._open_counts is not None:
            return
        open_ = self._store.open_handoffs(self._portal)
        recent = self._store.handoffs_between(
            self._portal, now - self._sla.handoff.cooldown, now + timedelta(milliseconds=1)
        )
        self._open_counts = Counter(h.owner_id for h in open_)
        self._busy = {h.contact_id for h in (*open_, *recent)}
        self._rr_state = RoundRobinState.from_mapping(
            self._store.sdr_round_robin_state(self._portal)
        )

    def _open_in_ledger(self, contact_id: str, now: datetime) -> bool:
        """An open handoff, or one younger than the cool-down, exists for the contact."""
        return contact_id in self._busy

    def _recover_from_proof(self, record: CrmRecord, decision: Decision, proof: Proof) -> None:
        if self._dry_run or self._store.get_handoff(self._portal, proof.key) is not None:
            return  # the ledger has it: after_writes finishes it
        self._reserve(record, decision, proof.at, key=proof.key, recovered=True)

    def _reserve(
        self,
        record: CrmRecord,
        decision: Decision,
        now: datetime,
        *,
        key: str | None = None,
        recovered: bool = False,
    ) -> bool:
        tier_name = decision.sla_tier or next(iter(self._rules.sla_tiers), None)
        if tier_name is None:
            return False
        tier = self._rules.sla_tiers[tier_name]
        pool = self._resolved_pool()
        local_today = self._calendar.local_date(now)
        assert self._open_counts is not None  # loaded by on_decisions
        assignment = choose_owner(
            contact_owner_id=(record.get("hubspot_owner_id") or "").strip() or None,
            pool=pool,
            state=self._rr_state,
            today=local_today,
            open_counts=self._open_counts,
        )
        if assignment.owner_id is None:
            # Reported once per run (see after_writes); retried when the contact is re-scored.
            self.unassigned.append((record.id, assignment.reason))
            return False
        record_ = HandoffRecord(
            key=key or handoff_key(record.id, now),
            contact_id=record.id,
            owner_id=assignment.owner_id,
            task_id=None,
            sla_tier=tier_name,
            created_at=now,
            due_at=self._calendar.add_business_hours(now, tier.response_hours).astimezone(UTC),
        )
        self.planned += 1
        if self._dry_run:
            return True
        if not self._store.reserve_handoff(self._portal, record_):
            return True
        self._rr_state, self._rr_dirty = assignment.state, True
        self._open_counts[assignment.owner_id] += 1
        self._busy.add(record.id)
        slim = CrmRecord(
            id=record.id,
            properties={
                "hubspot_owner_id": record.get("hubspot_owner_id"),
                "associatedcompanyid": record.get("associatedcompanyid"),
            },
        )
        self._context[record_.key] = (slim, _task_values(decision), assignment.reason)
        if not recovered:
            # Recovered handoffs are looked up through the contact's tasks before any creation.
            self._fresh.add(record_.key)
            self._ready.append(record_)
        return True

    def create_ready(self, now: datetime) -> None:
        """Create the tasks of full batches of this run's new reservations (between pages).

        Safe at any point after the reservation: the ledger entry exists, and `_create_batch`
        puts the proof on the contact before the task. Doing it as batches fill, not once at the
        end, keeps a big run from holding every handoff's context until then; only full batches,
        so the number of calls stays what the end-of-run step would make.
        """
        while len(self._ready) >= BATCH:
            batch = self._ready[:BATCH]
            del self._ready[:BATCH]
            self._create_batch(batch, now)

    # -- after the writes ------------------------------------------------------------------------

    def after_writes(self, now: datetime) -> Mapping[str, int]:
        """Create the reserved tasks and escalate breaches; returns counts for the summary."""
        if not self._dry_run:
            self._ready.clear()  # still open in the ledger, so in `pending` below
            pending = [h for h in self._store.open_handoffs(self._portal) if h.task_id is None]
            if pending:
                self._create_tasks(pending, now)
            self._escalate_breaches(now)
        if self.unassigned:
            log.warning(
                "handoffs_unassigned",
                count=len(self.unassigned),
                reason=self.unassigned[0][1],
                contact_ids=[cid for cid, _ in self.unassigned[:20]],
            )
        return {
            "handoffs_unassigned": len(self.unassigned),
            "handoffs_planned": self.planned,
            "handoffs_created": self.created,
            "handoffs_escalated": len(self.escalated),
        }

    def _create_tasks(self, pending: list[HandoffRecord], now: datetime) -> None:
        fresh = [h for h in pending if h.key in self._fresh]
        earlier = [h for h in pending if h.key not in self._fresh]
        if earlier:
            found = self._tasks_carrying([(h.contact_id, h.key) for h in earlier])
            recovered = [(h, found[h.key]) for h in earlier if h.key in found]
            if recovered:
                self._finish(recovered, self._contacts_for([h for h, _ in recovered]), now)
            earlier = [h for h in earlier if h.key not in found]
        todo = fresh + earlier
        for start in range(0, len(todo), BATCH):
            self._create_batch(todo[start : start + BATCH], now)

    def _create_batch(self, batch: list[HandoffRecord], now: datetime) -> None:
        contacts = self._contacts_for(batch)
        proofs = self._port.update_contacts(
            [
                RecordUpdate(
                    id=h.contact_id,
                    properties={self._names.handoff: Proof(h.key, None, h.created_at).render()},
                )
                for h in batch
            ]
        )
        refused = {f.id for f in proofs.failed}
        for failure in proofs.failed:
            # Without the proof on the contact a lost state store could hand it off twice;
            # the ledger keeps the reservation and a later run tries again.
            log.warning("handoff_proof_refused", contact_id=failure.id, reason=failure.message)
        batch = [h for h in batch if h.contact_id not in refused]
        if not batch:
            return
        tasks = [self._task_for(h, contacts.get(h.contact_id), now) for h in batch]
        outcome = self._port.create_tasks(tasks)
        # The gateway maps each created task back to its input (created_ids[i] is tasks[i]'s).
        done = []
        for handoff, task_id in zip(batch, outcome.created_ids, strict=True):
            if task_id is None:
                log.warning("handoff_task_not_created", contact_id=handoff.contact_id)
            else:
                done.append((handoff, task_id))
        self._finish(done, contacts, now)

    def _finish(
        self,
        done: Sequence[tuple[HandoffRecord, str]],
        contacts: Mapping[str, CrmRecord],
        now: datetime,
    ) -> None:
        """Write the final proofs (and new owners) in one batch, then confirm in the ledger."""
        updates = []
        for handoff, task_id in done:
            properties = {
                self._names.handoff: Proof(handoff.key, task_id, handoff.created_at).render()
            }
            contact = contacts.get(handoff.contact_id)
            if contact is None or (contact.get("hubspot_owner_id") or "") != handoff.owner_id:
                properties["hubspot_owner_id"] = handoff.owner_id
            updates.append(RecordUpdate(id=handoff.contact_id, properties=properties))
        if updates:
            self._port.update_contacts(updates)
        for handoff, task_id in done:
            self._store.complete_handoff(self._portal, handoff.key, task_id)
            self._context.pop(handoff.key, None)
            self._fresh.discard(handoff.key)
            self.created_by_owner[handoff.owner_id] += 1
            if self.first_due is None or handoff.due_at < self.first_due:
                self.first_due = handoff.due_at
            log.info(
                "handoff_created",
                contact_id=handoff.contact_id,
                owner_id=handoff.owner_id,
                task_id=task_id,
                due_at=handoff.due_at.isoformat(),
            )

    def _task_for(
        self, handoff: HandoffRecord, contact: CrmRecord | None, now: datetime
    ) -> NewTask:
        context = self._context.get(handoff.key)
        tier = self._rules.sla_tiers[handoff.sla_tier]
        values: dict[str, object] = {
            "contact_id": handoff.contact_id,
            "owner_id": handoff.owner_id,
            "handoff_key": handoff.key,
            "routing_reason": context[2] if context else "recovered after a restart",
            "tier": handoff.sla_tier,
            "response_hours": f"{tier.response_hours:g}",
            "due_local": handoff.due_at.astimezone(self._calendar.tz).strftime("%a %d %b %H:%M"),
        }
        if context is not None:
            values.update(context[1])
        templates = self._sla.templates
        company = (contact.get("associatedcompanyid") if contact else None) or None
        body = render_template(templates.handoff_body, values)
        if handoff.key not in body:
            body = f"{body}\nHandoff key: {handoff.key}"  # recovery finds tasks by this key
        return NewTask(
            subject=render_template(templates.handoff_subject, values)[:500],
            body=body,
            due_at=handoff.due_at,
            owner_id=handoff.owner_id,
            priority=TaskPriority(tier.priority),
            task_type=TaskType(tier.task_type),
            contact_id=handoff.contact_id,
            company_id=company,
        )

    # -- breaches ----------------------------------------------------------------------------------

    def _escalate_breaches(self, now: datetime) -> None:
        overdue = [
            h
            for h in self._store.open_handoffs(self._portal)
            if h.task_id is not None and h.due_at <= now and h.escalated_at is None
        ]
        if not overdue:
            return
        tasks = {
            t.id: t
            for t in self._port.read_tasks(
                [h.task_id for h in overdue if h.task_id], TASK_PROPERTIES
            )
        }
        pool = self._resolved_pool()
        today = self._calendar.local_date(now)
        open_counts = Counter(h.owner_id for h in self._store.open_handoffs(self._portal))
        for handoff in overdue:
            task = tasks.get(handoff.task_id or "")
            if task is None or (task.get("hs_task_status") or "") == "COMPLETED":
                self._store.close_handoff(self._portal, handoff.key)
                continue
            if not self._store.mark_escalated(
                self._portal, handoff.key, at=now, escalation_task_id=None
            ):
                continue
            state = RoundRobinState.from_mapping(self._store.sdr_round_robin_state(self._portal))
            owner = (task.get("hubspot_owner_id") or handoff.owner_id).strip()
            plan = plan_escalation(
                policy=self._sla.escalation.policy_for(handoff.sla_tier),
                breaching_owner_id=owner,
                pool=pool,
                state=state,
                today=today,
                open_counts=open_counts,
            )
            self._store.save_sdr_round_robin_state(self._portal, plan.state.to_mapping())
            if plan.reassign_to is not None:
                self._port.update_tasks(
                    [RecordUpdate(id=task.id, properties={"hubspot_owner_id": plan.reassign_to})]
                )
                self._port.update_contacts(
                    [
                        RecordUpdate(
                            id=handoff.contact_id,
                            properties={"hubspot_owner_id": plan.reassign_to},
                        )
                    ]
                )
                self._store.reassign_handoff(self._portal, handoff.key, owner_id=plan.reassign_to)
            if plan.manager_id is not None:
                self._create_escalation_task(handoff, task, plan.manager_id, now)
            self.escalated.append(handoff.key)
            log.warning(
                "handoff_sla_breached",
                contact_id=handoff.contact_id,
                task_id=handoff.task_id,
                escalation="; ".join(plan.reasons),
            )

    def _create_escalation_task(
        self, handoff: HandoffRecord, task: CrmRecord, manager_id: str, now: datetime
    ) -> None:
        settings = self._sla.escalation.manager_task
        overdue = (now - handoff.due_at).total_seconds() / 3600
        values: dict[str, object] = {
            "contact_id": handoff.contact_id,
            "owner_id": manager_id,
            "handoff_key": handoff.key,
            "tier": handoff.sla_tier,
            "breached_owner_id": task.get("hubspot_owner_id") or handoff.owner_id,
            "task_id": task.id,
            "overdue_hours": f"{overdue:.1f}",
            "due_local": handoff.due_at.astimezone(self._calendar.tz).strftime("%a %d %b %H:%M"),
        }
        templates = self._sla.templates
        created = self._port.create_tasks(
            [
                NewTask(
                    subject=render_template(templates.escalation_subject, values)[:500],
                    body=render_template(templates.escalation_body, values)
                    + f"\nEscalation key: esc-{handoff.key}",
                    due_at=self._calendar.add_business_hours(now, settings.response_hours),
                    owner_id=manager_id,
                    priority=TaskPriority(settings.priority),
                    task_type=TaskType(settings.task_type),
                    contact_id=handoff.contact_id,
                )
            ]
        )
        if created.created_ids and created.created_ids[0] is not None:
            stored = self._store.get_blob(self._portal, ESCALATION_BLOB) or {}
            stored[handoff.key] = created.created_ids[0]
            self._store.save_blob(self._portal, ESCALATION_BLOB, stored)

    # -- helpers -----------------------------------------------------------------------------------

    def _resolved_pool(self) -> ResolvedPool:
        if self._pool is None:
            self._owners = self._port.list_owners()
            self._pool = resolve_pool(self._sla, self._owners)
        return self._pool

    def _contacts_for(self, batch: Sequence[HandoffRecord]) -> dict[str, CrmRecord]:
        known = {h.contact_id: self._context[h.key][0] for h in batch if h.key in self._context}
        missing = [h.contact_id for h in batch if h.contact_id not in known]
        if missing:
            for record in self._port.read_contacts(
                missing, ["hubspot_owner_id", "associatedcompanyid", self._names.handoff]
            ):
                known[record.id] = record
        return known

    def _tasks_carrying(self, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Task id per handoff key, for tasks already associated with the contact."""
        task_ids = self._port.contact_task_ids([contact for contact, _ in pairs])
        wanted = {key for _, key in pairs}
        all_ids = sorted({t for ids in task_ids.values() for t in ids})
        found: dict[str, str] = {}
        for start in range(0, len(all_ids), BATCH):
            for task in self._port.read_tasks(all_ids[start : start + BATCH], TASK_PROPERTIES):
                for key in wanted:
                    if key in (task.get("hs_task_body") or ""):
                        found.setdefault(key, task.id)
        return found


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
