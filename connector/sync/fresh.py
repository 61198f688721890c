"""Read before writing what people own: a fresh read by id decides, never a search page.

A search page lags writes (0.2–2 s on HubSpot): a status a rep set a second ago, or a contact a
rep just moved to opportunity, still shows its old value there. So a contact about to receive
a write of a field people own (`hs_lead_status`, a lifecycle move that clears the stage first,
or a handoff, which sets `hubspot_owner_id` and creates an SDR task) is read again by id (a
batch read, which is current) just before the write is queued, 100 contacts a call, filled
across pages. When any of `lifecyclestage`, `hs_lead_status` or `hubspot_owner_id` differs
from what the decision assumed, the contact keeps its score write and loses everything else
for this run: no status, no lifecycle move, no owner, no task. Its edit makes it modified, so a
later run decides again from the new values.

Not read again: contacts that were themselves just read by id or through the list endpoint
(a backfill's list half, contacts due for a re-score, the handoff queue, a rules-change walk):
those reads are as current as a fresh one. Nor the score properties (only the connector writes
them), and a lifecycle move forward only. HubSpot itself refuses to move a stage backwards
without a clear, so a forward write cannot undo a rep's forward move (to opportunity, to
customer); and a rep's backward move would be undone by the next run's identical decision
anyway. Leaving those out is what keeps the fresh reads under 5 % of a first run's calls
(`docs/sync.md`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.logging import get_logger
from connector.sync.diff import PEOPLE_OWNED, without_people_owned
from connector.sync.planning import ContactPlan
from connector.sync.ports import HubSpotPort

log = get_logger(__name__)

#: How old a listed page may be when the run takes it and still stand for a fresh read: about
#: the time a fresh read itself waits for its write batch to go out.
LISTED_FRESH_SECONDS = 1.0

#: Written only together with a fresh read of the contact (see the module docstring).
_CHECKED_WRITES = frozenset({"hs_lead_status", "hubspot_owner_id"})


def needs_fresh_read(plan: ContactPlan) -> bool:
    """Whether the plan writes a field people own in a way HubSpot would not refuse by itself,
    or starts a handoff (a task and, maybe, a new owner)."""
    write = plan.write
    if write is not None and (
        write.clear_lifecycle_first or not _CHECKED_WRITES.isdisjoint(write.properties)
    ):
        return True
    prior = plan.scored.prior
    return plan.scored.decision.handoff_condition and not (prior is not None and prior.in_handoff)


def basis_changed(assumed: Mapping[str, str | None], fresh: Mapping[str, str | None]) -> bool:
    """True when a people-owned field reads differently now than when the decision was taken."""
    return any(
        (assumed.get(name) or "").strip() != (fresh.get(name) or "").strip()
        for name in PEOPLE_OWNED
    )


class FreshReads:
    """Holds the plans that need a fresh read until a batch of 100 is full (or the run flushes).

    What it holds is bounded by a batch; their pages stay held in the checkpoint tracker until
    they are written, so the cursor never passes a contact waiting here.
    """

    def __init__(
        self,
        port: HubSpotPort,
        *,
        batch: int = BATCH_MAX_INPUTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._batch = batch
        self._clock = clock
        self._waiting: list[ContactPlan] = []
        #: contacts read by id or through the list endpoint and not planned yet: their values
        #: are as current as a fresh read would make them
        self._current: set[str] = set()
        #: batch-read calls made, contacts read, contacts whose people-owned writes were dropped
        self.calls = 0
        self.read = 0
        self.skipped = 0

    def trust(self, contact_ids: Iterable[str], *, read_at: float | None = None) -> None:
        """These contacts were read by id or listed, not found on a search page. A page that
        waited in the read-ahead buffer longer than `LISTED_FRESH_SECONDS` is not trusted:
        a rep may have edited it meanwhile, so its plans get the fresh read after all."""
        if read_at is None or self._clock() - read_at <= LISTED_FRESH_SECONDS:
            self._current.update(contact_ids)

    def take(self, plans: Sequence[ContactPlan]) -> list[ContactPlan]:
        """The plans that need no read; the others wait for their batch."""
        ready: list[ContactPlan] = []
        for plan in plans:
            read_current = plan.scored.record.id in self._current
            self._current.discard(plan.scored.record.id)
            (self._waiting if needs_fresh_read(plan) and not read_current else ready).append(plan)
        return ready

    def checked(self, *, final: bool = False) -> list[ContactPlan]:
        """Read full batches (every waiting plan when `final`) and return them checked."""
        out: list[ContactPlan] = []
        while len(self._waiting) >= self._batch or (final and self._waiting):
            batch = self._waiting[: self._batch]
            del self._waiting[: self._batch]
            out.extend(self._check(batch))
        return out

    def _check(self, batch: list[ContactPlan]) -> list[ContactPlan]:
        ids = [p.scored.record.id for p in batch]
        fresh = {r.id: r.properties for r in self._port.read_contacts(ids, PEOPLE_OWNED)}
        self.calls += 1
        self.read += len(batch)
        out = []
        changed: list[str] = []
        for plan in batch:
            record = plan.scored.record
            now = fresh.get(record.id)  # missing: deleted or merged since the search
            if now is not None and not basis_changed(record.properties, now):
                out.append(plan)
                continue
            changed.append(record.id)
            out.append(_score_only(plan))
        if changed:
            self.skipped += len(changed)
            log.info(
                "people_owned_writes_skipped",
                reason="changed since the search page",
                count=len(changed),
                contact_ids=changed[:20],
            )
        return out

    def counts(self) -> dict[str, int]:
        """What the run summary reports of the fresh reads."""
        return {
            "fresh_read_calls": self.calls,
            "fresh_read_contacts": self.read,
            "people_writes_skipped": self.skipped,
        }


def _score_only(plan: ContactPlan) -> ContactPlan:
    """The plan without its people-owned writes and without a new handoff."""
    scored = plan.scored
    write = None if plan.write is None else without_people_owned(plan.write)
    prior = scored.prior
    if scored.decision.handoff_condition and not (prior is not None and prior.in_handoff):
        decision = replace(scored.decision, handoff_condition=False, sla_tier=None)
        scored = replace(scored, decision=decision)
    return ContactPlan(scored, write)
