"""Hand off, step two: create the reserved tasks, exactly once, and recover interrupted ones.

For each batch of reservations:

1. the proof `<key>|pending|<time>` is written on the contacts (it survives a lost state store);
2. the tasks are created, the key in each body, associated with the contact and its company;
3. the proofs become `<key>|<task id>|<time>`, with the new owner where routing chose one;
4. the ledger entries are confirmed ("created").

A reservation left by an earlier run (killed somewhere in 1–4) is first looked up through its
contact's task associations (consistent reads; search lags): a task carrying the key completes
it, and only when none exists is the task created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from connector.hubspot.models import CrmRecord, NewTask, RecordUpdate, TaskPriority, TaskType
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.logging import get_logger
from connector.rules import RuleSet
from connector.rules.business_time import BusinessCalendar
from connector.rules.sla_config import SlaConfig, render_template
from connector.state import HandoffRecord
from connector.sync.handoff.detect import Reservation
from connector.sync.handoff.proof import Proof
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties

TASK_PROPERTIES = ("hs_task_status", "hs_task_body", "hubspot_owner_id", "hs_timestamp")

log = get_logger(__name__)


class TaskCreator:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        rules: RuleSet,
        sla: SlaConfig,
        calendar: BusinessCalendar,
        names: ScoreProperties,
        portal: str,
    ) -> None:
        self._port = port
        self._store = store
        self._rules = rules
        self._sla = sla
        self._calendar = calendar
        self._names = names
        self._portal = portal
        # Reservations of this run whose task is not created yet, by key; dropped once it is,
        # so what a run holds is bounded by a batch, not by the run.
        self._reserved: dict[str, Reservation] = {}
        self._queue: list[HandoffRecord] = []
        self.created = 0

    def add(self, reservations: Sequence[Reservation]) -> None:
        for reservation in reservations:
            self._reserved[reservation.handoff.key] = reservation
            if not reservation.recovered:
                self._queue.append(reservation.handoff)

    def create_full_batches(self, now: datetime) -> None:
        """Create the tasks of full batches of this run's reservations (as pages are scored).

        Only full batches, so the number of calls stays what one step at the end would make,
        while a big run never holds more than a batch of reservations.
        """
        while len(self._queue) >= BATCH_MAX_INPUTS:
            batch = self._queue[:BATCH_MAX_INPUTS]
            del self._queue[:BATCH_MAX_INPUTS]
            self._create_batch(batch, now)

    def create_pending(self, now: datetime) -> None:
        """Create every task still pending in the ledger: this run's, and earlier runs'."""
        self._queue.clear()  # still open in the ledger, so in `pending` below
        pending = [h for h in self._store.open_handoffs(self._portal) if h.task_id is None]
        fresh = [h for h in pending if self._is_fresh(h.key)]
        earlier = [h for h in pending if not self._is_fresh(h.key)]
        if earlier:
            found = self._tasks_carrying([(h.contact_id, h.key) for h in earlier])
            recovered = [(h, found[h.key]) for h in earlier if h.key in found]
            if recovered:
                self._finish(recovered, self._contacts_for([h for h, _ in recovered]))
            earlier = [h for h in earlier if h.key not in found]
        todo = fresh + earlier
        for start in range(0, len(todo), BATCH_MAX_INPUTS):
            self._create_batch(todo[start : start + BATCH_MAX_INPUTS], now)

    def _is_fresh(self, key: str) -> bool:
        """Reserved new by this run: no task can exist for it yet."""
        reservation = self._reserved.get(key)
        return reservation is not None and not reservation.recovered

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
        outcome = self._port.create_tasks(
            [self._task_for(h, contacts.get(h.contact_id)) for h in batch]
        )
        # The gateway maps each created task back to its input (created_ids[i] is tasks[i]'s).
        done = []
        for handoff, task_id in zip(batch, outcome.created_ids, strict=True):
            if task_id is None:
                log.warning("handoff_task_not_created", contact_id=handoff.contact_id)
            else:
                done.append((handoff, task_id))
        self._finish(done, contacts)

    def _finish(
        self, done: Sequence[tuple[HandoffRecord, str]], contacts: Mapping[str, CrmRecord]
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
            self._reserved.pop(handoff.key, None)
            self.created += 1
            log.info(
                "handoff_created",
                contact_id=handoff.contact_id,
                owner_id=handoff.owner_id,
                task_id=task_id,
                due_at=handoff.due_at.isoformat(),
            )

    def _task_for(self, handoff: HandoffRecord, contact: CrmRecord | None) -> NewTask:
        reservation = self._reserved.get(handoff.key)
        tier = self._rules.sla_tiers[handoff.sla_tier]
        values: dict[str, object] = {
            "contact_id": handoff.contact_id,
            "owner_id": handoff.owner_id,
            "handoff_key": handoff.key,
            "routing_reason": (
                reservation.routing_reason if reservation else "recovered after a restart"
            ),
            "tier": handoff.sla_tier,
            "response_hours": f"{tier.response_hours:g}",
            "due_local": handoff.due_at.astimezone(self._calendar.tz).strftime("%a %d %b %H:%M"),
        }
        if reservation is not None:
            values.update(reservation.task_values)
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

    def _contacts_for(self, batch: Sequence[HandoffRecord]) -> dict[str, CrmRecord]:
        known = {
            h.contact_id: self._reserved[h.key].contact for h in batch if h.key in self._reserved
        }
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
        for start in range(0, len(all_ids), BATCH_MAX_INPUTS):
            chunk = all_ids[start : start + BATCH_MAX_INPUTS]
            for task in self._port.read_tasks(chunk, TASK_PROPERTIES):
                for key in wanted:
                    if key in (task.get("hs_task_body") or ""):
                        found.setdefault(key, task.id)
        return found
