"""Hand off, step two: create the reserved tasks, exactly once, and recover interrupted ones.

For each batch of reservations:

1. the proof `<key>|pending|<time>` is written on the contacts (it survives a lost state store);
2. the tasks are created, associated with the contact and its company, the key in each task's
   hidden key property (never in the text a rep reads; see `task_text`), the contact's name and
   company read by id just before;
3. the proofs become `<key>|<task id>|<time>`, with the new owner where routing chose one;
4. the ledger entries are confirmed ("created").

A reservation left by an earlier run (killed somewhere in 1–4, or whose create lost its
answer) is first looked up through its contact's task associations: a task carrying the key
(in the hidden property; in the body for tasks made before the key moved there) completes it.
Only when none exists, *and* the last create was sent at least
`RECOVERY_MIN_AGE` ago (the pending proof says when), is the task created again: a create
whose answer was lost (a timeout, a 502) may still land at HubSpot after we gave up, and must
have landed, and be visible, before its absence means anything.

A retriable error on the create itself does not fail the run: the batch is parked (left
pending) for a later run's recovery. An association HubSpot rejects (a deleted company) does not
leave the handoff pending forever: the task is created without the company, and a line in its
body says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from connector.errors import ConfigError, RetriableHubSpotError
from connector.hubspot.models import (
    BatchOutcome,
    CrmRecord,
    NewTask,
    RecordFailure,
    RecordUpdate,
    TaskPriority,
    TaskType,
)
from connector.hubspot_facts import BATCH_MAX_INPUTS, TASK_SUBJECT_MAX_CHARS
from connector.logging import get_logger
from connector.rules import Decision, RuleSet
from connector.rules.business_time import BusinessCalendar
from connector.rules.sla_config import SlaConfig, render_template
from connector.state import HandoffRecord
from connector.sync.handoff.detect import Reservation
from connector.sync.handoff.proof import Proof, tasks_carrying
from connector.sync.handoff.refusals import retry_refused_associations
from connector.sync.handoff.task_text import (
    ContactCard,
    LeadBrief,
    read_cards,
    task_values,
)
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties

TASK_PROPERTIES = ("hs_task_status", "hs_task_body", "hubspot_owner_id", "hs_timestamp")

#: How long after a create was sent recovery waits before creating the task again. It must
#: outlast a create HubSpot completes after we gave up (our read timeout is 30 s and a call's
#: time cap 120 s; HubSpot's own processing is bounded by neither) and the lag before a new
#: object is visible (0.2-2 s observed, "a few moments" documented): minutes, not seconds. A
#: parked handoff's task arrives that much later, which a 4-hour SLA absorbs.
RECOVERY_MIN_AGE = timedelta(minutes=10)

log = get_logger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._port = port
        self._clock = clock
        self._store = store
        self._rules = rules
        self._sla = sla
        self._calendar = calendar
        self._names = names
        self._portal = portal
        # Reservations of this run whose task is not created yet, by key; dropped once it is,
        # so what a run holds is bounded by a batch, not by the run.
        self._reserved: dict[str, Reservation] = {}
        # What each reserved task will say about why, by key; dropped with the reservation.
        self._briefs: dict[str, LeadBrief] = {}
        self._queue: list[HandoffRecord] = []
        # Keys whose create lost its answer in this run: too young to retry before the run ends.
        self._parked: set[str] = set()
        # Contacts read by recovery, reused when their tasks are created in the same step.
        self._recovered_contacts: dict[str, CrmRecord] = {}
        self.created = 0
        #: Handoffs whose create lost its answer in this run (left pending for a later run).
        self.parked = 0
        #: Earlier runs' lost creates still younger than RECOVERY_MIN_AGE (left pending).
        self.waiting = 0
        #: Tasks created without a company association HubSpot rejected.
        self.associations_dropped = 0

    def add(self, reservations: Sequence[Reservation], decisions: Mapping[str, Decision]) -> None:
        """Queue this page's reservations; `decisions` (by contact id) say why, for the task."""
        for reservation in reservations:
            key = reservation.handoff.key
            self._reserved[key] = reservation
            decision = decisions.get(reservation.handoff.contact_id)
            if decision is not None:
                self._briefs[key] = LeadBrief.of(decision)
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
        pending = [
            h
            for h in self._store.open_handoffs(self._portal)
            if h.task_id is None and h.key not in self._parked
        ]
        fresh = [h for h in pending if self._is_fresh(h.key)]
        earlier = [h for h in pending if not self._is_fresh(h.key)]
        todo = fresh + self._recover(earlier, now)
        for start in range(0, len(todo), BATCH_MAX_INPUTS):
            self._create_batch(todo[start : start + BATCH_MAX_INPUTS], now)
        self._recovered_contacts.clear()

    def _is_fresh(self, key: str) -> bool:
        """Reserved new by this run: no task can exist for it yet."""
        reservation = self._reserved.get(key)
        return reservation is not None and not reservation.recovered

    def _instant(self, now: datetime) -> datetime:
        """The time a create is sent, or recovery judges an age.

        The run's `now` is fixed when the run starts, and a long run sends its creates much
        later: stamped with `now`, a create would look older than it is to the next run. The
        wall clock says when the call really leaves; the run's clock wins when it is ahead (a
        test moving time forward).
        """
        return max(now, self._clock())

    def _recover(self, earlier: Sequence[HandoffRecord], now: datetime) -> list[HandoffRecord]:
        """Complete the earlier runs' handoffs whose task exists; return those to create now."""
        if not earlier:
            return []
        contacts = self._read_contacts([h.contact_id for h in earlier])
        self._recovered_contacts.update(contacts)
        found = tasks_carrying(
            self._port, self._names.task_key, [(h.contact_id, h.key) for h in earlier]
        )
        for handoff in earlier:
            proof = Proof.parse(
                (contacts.get(handoff.contact_id) or _NO_CONTACT).get(self._names.handoff)
            )
            if handoff.key not in found and proof and proof.key == handoff.key and proof.task_id:
                found[handoff.key] = proof.task_id  # the final proof was written, not the ledger
        recovered = [(h, found[h.key]) for h in earlier if h.key in found]
        if recovered:
            self._finish(recovered, contacts)
        instant = self._instant(now)
        todo, young = [], []
        for handoff in earlier:
            if handoff.key in found:
                continue
            sent = self._sent_at(handoff, contacts.get(handoff.contact_id))
            if sent is not None and instant - sent < RECOVERY_MIN_AGE:
                young.append(handoff)  # its create may still land, or not be visible yet
            else:
                todo.append(handoff)
        if young:
            self.waiting += len(young)
            log.info(
                "handoff_recovery_waiting",
                count=len(young),
                min_age_minutes=RECOVERY_MIN_AGE.total_seconds() / 60,
                contact_ids=[h.contact_id for h in young[:20]],
            )
        return todo

    def _sent_at(self, handoff: HandoffRecord, contact: CrmRecord | None) -> datetime | None:
        """When this handoff's task create was last sent; None: never (nothing to wait for).

        Every create is preceded by the pending proof naming its key, so a contact whose proof
        names another key (or none) never had one sent. A proof from before the send time was
        recorded carries only the episode's time, the best estimate there is.
        """
        proof = Proof.parse(contact.get(self._names.handoff) if contact else None)
        if proof is None or proof.key != handoff.key:
            return None
        return proof.attempted_at or proof.at

    def _create_batch(self, batch: list[HandoffRecord], now: datetime) -> None:
        contacts = self._contacts_for(batch)
        sent_at = self._instant(now)
        proofs = self._port.update_contacts(
            [
                RecordUpdate(
                    id=h.contact_id,
                    properties={
                        self._names.handoff: Proof(
                            h.key, None, h.created_at, attempted_at=sent_at
                        ).render()
                    },
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
        cards = read_cards(self._port, self._names, batch)
        tasks = [self._task_for(h, contacts.get(h.contact_id), *cards[h.contact_id]) for h in batch]
        outcome = self._send(batch, tasks)
        if outcome is None:
            return
        self._check_key_property(outcome.failed)
        # The gateway maps each created task back to its input (created_ids[i] is tasks[i]'s).
        created = list(outcome.created_ids)
        failures = {f.id: f for f in outcome.failed}
        if outcome.failed:
            created = self._retry_refused_associations(batch, tasks, created, failures)
        done = []
        for handoff, task_id in zip(batch, created, strict=True):
            if task_id is None:
                if handoff.key not in self._parked:
                    log.warning("handoff_task_not_created", contact_id=handoff.contact_id)
            else:
                done.append((handoff, task_id))
        self._finish(done, contacts)

    def _send(
        self, batch: Sequence[HandoffRecord], tasks: Sequence[NewTask]
    ) -> BatchOutcome | None:
        """Create the tasks; None when the answer was lost and the batch is parked.

        A timeout or a 502 says nothing about what HubSpot did: some or all of these tasks may
        exist, or appear later. Failing the run would lose the other contacts' work; retrying
        now could duplicate. The handoffs stay pending, their proofs say when the create went
        out, and a run at least RECOVERY_MIN_AGE later looks for the tasks before creating any.
        """
        try:
            return self._port.create_tasks(tasks)
        except RetriableHubSpotError as exc:
            for handoff in batch:
                self._parked.add(handoff.key)
                self._reserved.pop(handoff.key, None)
                self._briefs.pop(handoff.key, None)
            self.parked += len(batch)
            log.warning(
                "handoff_tasks_parked",
                count=len(batch),
                error=type(exc).__name__,
                status=exc.details.status,
                category=exc.details.category,
                recovery_after_minutes=RECOVERY_MIN_AGE.total_seconds() / 60,
            )
            return None

    def _retry_refused_associations(
        self,
        batch: Sequence[HandoffRecord],
        tasks: Sequence[NewTask],
        created: list[str | None],
        failures: Mapping[str, RecordFailure],
    ) -> list[str | None]:
        created, dropped = retry_refused_associations(
            tasks,
            created,
            failures,
            lambda order, sent: self._send([batch[i] for i in order], sent),
        )
        for i in dropped:
            self.associations_dropped += 1
            log.warning(
                "handoff_company_association_dropped",
                contact_id=batch[i].contact_id,
                company_id=tasks[i].company_id,
            )
        return created

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
            self._briefs.pop(handoff.key, None)
            self.created += 1
            log.info(
                "handoff_created",
                contact_id=handoff.contact_id,
                owner_id=handoff.owner_id,
                task_id=task_id,
                due_at=handoff.due_at.isoformat(),
            )

    def _task_for(
        self,
        handoff: HandoffRecord,
        contact: CrmRecord | None,
        card: ContactCard,
        scored: Mapping[str, str | None],
    ) -> NewTask:
        reservation = self._reserved.get(handoff.key)
        tier = self._rules.sla_tiers[handoff.sla_tier]
        values = task_values(
            contact_id=handoff.contact_id,
            owner_id=handoff.owner_id,
            tier=tier,
            due_at=handoff.due_at,
            calendar=self._calendar,
            routing_reason=(
                reservation.routing_reason if reservation else "recovered after a restart"
            ),
            brief=self._briefs.get(handoff.key),
            card=card,
            scored=scored,
        )
        templates = self._sla.templates
        company = (contact.get("associatedcompanyid") if contact else None) or None
        return NewTask(
            subject=render_template(templates.handoff_subject, values)[:TASK_SUBJECT_MAX_CHARS],
            body=render_template(templates.handoff_body, values),
            due_at=handoff.due_at,
            owner_id=handoff.owner_id,
            priority=TaskPriority(tier.priority),
            task_type=TaskType(tier.task_type),
            contact_id=handoff.contact_id,
            company_id=company,
            # Recovery finds the task by this, where no rep reads it (a hidden property).
            extra_properties={self._names.task_key: handoff.key},
        )

    def _check_key_property(self, failures: Sequence[RecordFailure]) -> None:
        """A portal set up by an earlier version lacks the task key property: say how to fix it
        (the handoffs stay pending, and are recovered after `connector setup`)."""
        if any(self._names.task_key in f.message for f in failures):
            raise ConfigError(
                f"HubSpot has no task property {self._names.task_key}, which holds each handoff "
                "task's key: run `connector setup` (it creates it, hidden), then sync again"
            )

    def _contacts_for(self, batch: Sequence[HandoffRecord]) -> dict[str, CrmRecord]:
        known = {
            h.contact_id: self._reserved[h.key].contact for h in batch if h.key in self._reserved
        }
        known.update(
            (h.contact_id, self._recovered_contacts[h.contact_id])
            for h in batch
            if h.contact_id not in known and h.contact_id in self._recovered_contacts
        )
        known.update(
            self._read_contacts([h.contact_id for h in batch if h.contact_id not in known])
        )
        return known

    def _read_contacts(self, ids: Sequence[str]) -> dict[str, CrmRecord]:
        """Owner, company and proof by id (a batch read is current; search would lag)."""
        found: dict[str, CrmRecord] = {}
        for start in range(0, len(ids), BATCH_MAX_INPUTS):
            chunk = ids[start : start + BATCH_MAX_INPUTS]
            for record in self._port.read_contacts(
                chunk, ["hubspot_owner_id", "associatedcompanyid", self._names.handoff]
            ):
                found[record.id] = record
        return found


_NO_CONTACT = CrmRecord(id="", properties={})
