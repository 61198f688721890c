"""Score: each pulled contact through the rules core, with its company and its memory.

A contact waits here until its company is read (companies are read 100 at a time across pages),
so the order in which contacts come out is not quite the order they went in; the checkpoint
tracker, not the order, decides when the cursor may pass them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot.models import CrmRecord
from connector.logging import get_logger
from connector.rules import Decision, LeadInput, PriorState, RuleSet, evaluate
from connector.rules.readability import ValueCheck
from connector.state import ContactMemory
from connector.sync.companies import CompanyCache, company_id_of
from connector.sync.ports import SyncState

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Scored:
    """One contact scored: its page's sequence number, the record, the decision, its memory."""

    seq: int
    record: CrmRecord
    decision: Decision
    prior: ContactMemory | None


class ScoreStage:
    def __init__(
        self,
        *,
        store: SyncState,
        rules: RuleSet,
        companies: CompanyCache,
        portal: str,
        now: datetime,
    ) -> None:
        self._store = store
        self._rules = rules
        self._companies = companies
        self._portal = portal
        self._now = now
        self._waiting: list[tuple[int, CrmRecord]] = []
        self._check = ValueCheck.of(rules)
        self.scored = 0
        #: property values the rules could not read as text (scored as missing)
        self.unreadable = 0
        #: property name → values the rules could not read: not text, garbage read as unknown,
        #: cut, or (`associatedcompanyid`) a company HubSpot does not have
        self.unreadable_by_property: Counter[str] = Counter()

    def take(self, seq: int, records: Sequence[CrmRecord]) -> None:
        """Queue a page's contacts; reads their companies once a full batch is wanted."""
        self._waiting.extend((seq, r) for r in records)
        self._companies.want(records)
        self._companies.read_full_batches()

    def score_ready(self, *, final: bool = False) -> list[Scored]:
        """Score every waiting contact whose company is read; `final` reads the rest first."""
        if final:
            self._companies.read_all()
        ready: list[tuple[int, CrmRecord]] = []
        still: list[tuple[int, CrmRecord]] = []
        for seq, record in self._waiting:
            (ready if self._companies.ready(record) else still).append((seq, record))
        self._waiting = still
        if not ready:
            return []
        memory = self._store.get_memory(self._portal, [r.id for _, r in ready])
        scored = []
        for seq, record in ready:
            prior = memory.get(record.id)
            company = self._companies.company_of(record)
            lead = LeadInput(contact_id=record.id, contact=record.properties, company=company)
            decision = evaluate(lead, rules=self._rules, now=self._now, prior=_prior_state(prior))
            self._count_garbage(record, lead, decision)
            if decision.unreadable:
                # Property names only: the values may be PII.
                log.warning(
                    "unreadable_values_scored_as_missing",
                    contact_id=record.id,
                    properties=list(decision.unreadable),
                )
                self.unreadable += len(decision.unreadable)
            scored.append(Scored(seq, record, decision, prior))
        self.scored += len(scored)
        return scored

    def _count_garbage(self, record: CrmRecord, lead: LeadInput, decision: Decision) -> None:
        """Count, by property, the values the rules read as unknown though they were given."""
        names = self._check.unreadable(lead)
        if lead.company is None and company_id_of(record):
            names += ("associatedcompanyid",)  # HubSpot has no such company (deleted, or a typo)
        if names:
            # Names only, and at debug: the values may be PII, and a bad import can make
            # every contact of a run carry one; the run summary has the counts.
            log.debug(
                "garbage_values_scored_as_unknown", contact_id=lead.contact_id, properties=names
            )
        self.unreadable_by_property.update(names)
        self.unreadable_by_property.update(decision.unreadable)

    def counts(self) -> dict[str, object]:
        """What the run summary reports of scoring besides the number scored.

        `unreadable_by_property` is a sorted list of [name, count] pairs, not a mapping: stored
        summaries are redacted like log lines, which would hide a count under the key "email".
        """
        return {
            "unreadable_values": sum(self.unreadable_by_property.values()),
            "unreadable_by_property": sorted(
                [name, n] for name, n in self.unreadable_by_property.items()
            ),
        }


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
