"""Hand off, step four: a handed-off contact that no longer qualifies before its task is done.

When a contact whose handoff task is still open is disqualified, or falls out of the handoff
condition (its hysteresis included), the SDR must not call it on the strength of a stale
"score 87". As `handoff.when_no_longer_qualified` says, the task is updated (a note saying why
is appended to its body and its subject is marked) or, in addition, completed. Then the handoff
is closed in the ledger, so it is neither escalated nor withdrawn again.

Once per episode, even across a kill: it happens while the page is planned, before the contact's
memory (which says it was in handoff) is written, so a run killed in between finds the contact
again; the marked subject tells it the note is already there, and only the ledger is closed.
The contact's stage is read by id first: a contact a rep has just moved to a deal is not "no
longer qualified", and its handoff is closed without a word, as escalation does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot.models import CrmRecord, RecordUpdate
from connector.hubspot_facts import BATCH_MAX_INPUTS, TASK_SUBJECT_MAX_CHARS
from connector.logging import get_logger
from connector.rules import Decision
from connector.rules.business_time import BusinessCalendar
from connector.rules.sla_config import SlaConfig, WithdrawAction
from connector.state import HandoffRecord
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.scoring import Scored

#: The start of a withdrawn task's subject, which also tells a rerun it was already marked.
SUBJECT_MARK = "[No longer qualified]"
_WITHDRAW_READ = ("hs_task_status", "hs_task_subject", "hs_task_body")
_DONE = "COMPLETED"

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Candidate:
    handoff: HandoffRecord
    decision: Decision


def no_longer_qualified_note(decision: Decision, day: str) -> str:
    """The line a withdrawn task gets: why, and since when (the SLA calendar's date)."""
    if decision.disqualified is not None:
        why = f"disqualified by '{decision.disqualified.criterion}'"
    else:
        why = f"score now {decision.score} ({decision.label}), below the handoff bar"
    return f"No longer qualified: {why} on {day}."


class Withdrawer:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        sla: SlaConfig,
        calendar: BusinessCalendar,
        portal: str,
        protected: Callable[[str | None], bool],
    ) -> None:
        self._port = port
        self._store = store
        self._action = sla.handoff.when_no_longer_qualified
        self._calendar = calendar
        self._portal = portal
        self._protected = protected
        # Open handoffs with a task, by contact: read once, at the first contact that leaves.
        self._open: dict[str, HandoffRecord] | None = None
        self.withdrawn = 0

    def withdraw(self, scored: Sequence[Scored], now: datetime) -> int:
        """Update or close the open tasks of this page's contacts that no longer qualify."""
        leaving = [
            s
            for s in scored
            if s.prior is not None and s.prior.in_handoff and not s.decision.handoff_condition
        ]
        if not leaving:
            return 0
        if self._open is None:
            self._open = {
                h.contact_id: h for h in self._store.open_handoffs(self._portal) if h.task_id
            }
        candidates = [
            _Candidate(self._open[s.record.id], s.decision)
            for s in leaving
            if s.record.id in self._open
        ]
        done = 0
        for start in range(0, len(candidates), BATCH_MAX_INPUTS):
            done += self._withdraw_batch(candidates[start : start + BATCH_MAX_INPUTS], now)
        self.withdrawn += done
        return done

    def _withdraw_batch(self, batch: Sequence[_Candidate], now: datetime) -> int:
        tasks = {
            t.id: t
            for t in self._port.read_tasks([c.handoff.task_id or "" for c in batch], _WITHDRAW_READ)
        }
        # By id, not from the search page: a rep may have just moved the contact to a deal.
        stages = {
            c.id: c.get("lifecyclestage")
            for c in self._port.read_contacts(
                [c.handoff.contact_id for c in batch], ["lifecyclestage"]
            )
        }
        day = self._calendar.local_date(now).isoformat()
        updates: list[RecordUpdate] = []
        closing: list[_Candidate] = []
        for candidate in batch:
            handoff = candidate.handoff
            task = tasks.get(handoff.task_id or "")
            if (
                task is None
                or task.get("hs_task_status") == _DONE
                or self._protected(stages.get(handoff.contact_id))
            ):
                self._close(handoff)  # done, deleted, or sales took over: nothing to say
                continue
            update = self._update_for(task, no_longer_qualified_note(candidate.decision, day))
            if update is not None:
                updates.append(update)
            closing.append(candidate)
        refused: set[str] = set()
        if updates:
            outcome = self._port.update_tasks(updates)
            refused = {f.id for f in outcome.failed}
        count = 0
        for candidate in closing:
            handoff = candidate.handoff
            if handoff.task_id in refused:
                # Left open in the ledger: its escalation, if it comes, still reaches somebody.
                log.warning(
                    "handoff_withdraw_refused",
                    contact_id=handoff.contact_id,
                    task_id=handoff.task_id,
                )
                continue
            if self._close(handoff):
                count += 1
                log.info(
                    "handoff_withdrawn",
                    contact_id=handoff.contact_id,
                    task_id=handoff.task_id,
                    action=self._action.value,
                    disqualified=candidate.decision.disqualified is not None,
                )
        return count

    def _update_for(self, task: CrmRecord, note: str) -> RecordUpdate | None:
        """The task's new subject and body, or None when an earlier (killed) run marked it."""
        subject = task.get("hs_task_subject") or ""
        properties: dict[str, str] = {}
        if not subject.startswith(SUBJECT_MARK):
            body = task.get("hs_task_body") or ""
            properties["hs_task_subject"] = f"{SUBJECT_MARK} {subject}"[:TASK_SUBJECT_MAX_CHARS]
            properties["hs_task_body"] = f"{body}\n\n{note}" if body else note
        if self._action is WithdrawAction.CLOSE:
            properties["hs_task_status"] = _DONE
        return RecordUpdate(id=task.id, properties=properties) if properties else None

    def _close(self, handoff: HandoffRecord) -> bool:
        if self._open is not None:
            self._open.pop(handoff.contact_id, None)
        return self._store.close_handoff(self._portal, handoff.key)
