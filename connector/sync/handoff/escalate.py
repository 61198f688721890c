"""Hand off, step three: escalate each breached task, once.

`mark_escalated` is a conditional update, so a restarted run never escalates the same breach
again. A run killed between recording the escalation and creating the manager's task loses that
manager task: at most once, never twice. A create whose answer is lost (a timeout, a 502) is
treated the same way: logged, not retried (it may exist), and the run goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from connector.errors import RetriableHubSpotError
from connector.hubspot.models import CrmRecord, NewTask, RecordUpdate, TaskPriority, TaskType
from connector.hubspot_facts import TASK_SUBJECT_MAX_CHARS
from connector.logging import get_logger
from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import RoundRobinState, plan_escalation
from connector.rules.sla_config import SlaConfig, render_template
from connector.state import HandoffRecord
from connector.sync.handoff.create import TASK_PROPERTIES
from connector.sync.handoff.ledger import RunLedger
from connector.sync.handoff.task_text import ContactCard, due_text, read_cards
from connector.sync.owner_labels import owner_labels
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties

#: State-store document: handoff key → the manager task its escalation created.
ESCALATION_BLOB = "escalation_tasks"
#: A manager task's key property: this prefix and the key of the handoff it escalates.
ESCALATION_KEY_PREFIX = "esc-"

log = get_logger(__name__)


class Escalator:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        ledger: RunLedger,
        sla: SlaConfig,
        calendar: BusinessCalendar,
        names: ScoreProperties,
        portal: str,
        protected: Callable[[str | None], bool],
    ) -> None:
        self._port = port
        self._names = names
        self._protected = protected
        self._store = store
        self._ledger = ledger
        self._sla = sla
        self._calendar = calendar
        self._portal = portal
        # Owner id → name, read once per run at the first manager task (a manager reads names).
        self._owner_names: dict[str, str] | None = None

    def escalate(self, now: datetime) -> int:
        """Escalate the open tasks past their due time; returns how many."""
        overdue = [
            h
            for h in self._store.open_handoffs(self._portal)
            if h.task_id is not None and h.due_at <= now and h.escalated_at is None
        ]
        if not overdue:
            return 0
        tasks = {
            t.id: t
            for t in self._port.read_tasks(
                [h.task_id for h in overdue if h.task_id], TASK_PROPERTIES
            )
        }
        # Who the lead is, for the manager's task (put into the task only), and its stage, read
        # by id, not from a search page: a rep may have just moved the contact to a deal.
        cards = read_cards(self._port, self._names, overdue, also=["lifecyclestage"])
        stages = {cid: scored.get("lifecyclestage") for cid, (_, scored) in cards.items()}
        open_counts = Counter(h.owner_id for h in self._store.open_handoffs(self._portal))
        escalated = 0
        for handoff in overdue:
            task = tasks.get(handoff.task_id or "")
            if task is None or (task.get("hs_task_status") or "") == "COMPLETED":
                self._store.close_handoff(self._portal, handoff.key)
                continue
            if self._protected(stages.get(handoff.contact_id)):
                # Sales took the contact over (an opportunity, a customer): not the SDR's miss.
                log.info(
                    "handoff_closed_at_protected_stage",
                    contact_id=handoff.contact_id,
                    stage=stages.get(handoff.contact_id),
                )
                self._store.close_handoff(self._portal, handoff.key)
                continue
            if not self._store.mark_escalated(
                self._portal, handoff.key, at=now, escalation_task_id=None
            ):
                continue
            self._escalate_one(handoff, task, open_counts, cards[handoff.contact_id], now)
            escalated += 1
        return escalated

    def _escalate_one(
        self,
        handoff: HandoffRecord,
        task: CrmRecord,
        open_counts: Counter[str],
        card: tuple[ContactCard, dict[str, str | None]],
        now: datetime,
    ) -> None:
        state = RoundRobinState.from_mapping(self._store.sdr_round_robin_state(self._portal))
        owner = (task.get("hubspot_owner_id") or handoff.owner_id).strip()
        plan = plan_escalation(
            policy=self._sla.escalation.policy_for(handoff.sla_tier),
            breaching_owner_id=owner,
            pool=self._ledger.pool(),
            state=state,
            today=self._calendar.local_date(now),
            open_counts=open_counts,
        )
        self._store.save_sdr_round_robin_state(self._portal, plan.state.to_mapping())
        if plan.reassign_to is not None:
            owner_change = {"hubspot_owner_id": plan.reassign_to}
            self._port.update_tasks([RecordUpdate(id=task.id, properties=owner_change)])
            self._port.update_contacts(
                [RecordUpdate(id=handoff.contact_id, properties=owner_change)]
            )
            self._store.reassign_handoff(self._portal, handoff.key, owner_id=plan.reassign_to)
        if plan.manager_id is not None:
            self._create_manager_task(handoff, task, plan.manager_id, card, now)
        log.warning(
            "handoff_sla_breached",
            contact_id=handoff.contact_id,
            task_id=handoff.task_id,
            escalation="; ".join(plan.reasons),
        )

    def _create_manager_task(
        self,
        handoff: HandoffRecord,
        task: CrmRecord,
        manager_id: str,
        card: tuple[ContactCard, dict[str, str | None]],
        now: datetime,
    ) -> None:
        settings = self._sla.escalation.manager_task
        overdue = (now - handoff.due_at).total_seconds() / 3600
        contact, scored = card
        breached = task.get("hubspot_owner_id") or handoff.owner_id
        if self._owner_names is None:
            self._owner_names = owner_labels(self._port.list_owners())
        values: dict[str, object] = {
            "contact_id": handoff.contact_id,
            "owner_id": manager_id,
            "tier": handoff.sla_tier,
            "breached_owner_id": breached,
            "breached_owner": self._owner_names.get(breached, f"owner {breached}"),
            "task_id": task.id,
            "overdue_hours": f"{overdue:.1f}",
            "due_local": due_text(handoff.due_at, self._calendar),
            "contact": contact.short,
            "contact_name": contact.name,
            "company": contact.company or "",
            "job_title": contact.title or "",
            "who": contact.long,
            "score": scored.get("score") or "",
            "reasons": scored.get("reasons") or "",
            "why_now": scored.get("reasons") or "",
        }
        templates = self._sla.templates
        manager_task = NewTask(
            subject=render_template(templates.escalation_subject, values)[:TASK_SUBJECT_MAX_CHARS],
            body=render_template(templates.escalation_body, values),
            due_at=self._calendar.add_business_hours(now, settings.response_hours),
            owner_id=manager_id,
            priority=TaskPriority(settings.priority),
            task_type=TaskType(settings.task_type),
            contact_id=handoff.contact_id,
            # Which handoff this escalates, where nobody reads it (the hidden key property).
            extra_properties={self._names.task_key: f"{ESCALATION_KEY_PREFIX}{handoff.key}"},
        )
        try:
            created = self._port.create_tasks([manager_task])
        except RetriableHubSpotError as exc:
            # The escalation is recorded; the task may exist. As after a kill at this point:
            # at most one manager task, never two, and the other escalations still go out.
            log.warning(
                "escalation_task_answer_lost",
                contact_id=handoff.contact_id,
                status=exc.details.status,
                category=exc.details.category,
            )
            return
        if created.created_ids and created.created_ids[0] is not None:
            stored = self._store.get_blob(self._portal, ESCALATION_BLOB) or {}
            stored[handoff.key] = created.created_ids[0]
            self._store.save_blob(self._portal, ESCALATION_BLOB, stored)
