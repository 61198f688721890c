"""`read_portal_leads`: the contacts created in a period, what became of them, and what the
connector decided about them, read from HubSpot without writing anything.

Reads: the period's contacts by search or the list endpoint, whichever HubSpot's rate limits
finish soonest (`portal_paging`); companies by id in batches of 100, each once; the handoff
tasks of the ledger in batches of 100.

The connector's own record comes from its score properties on each contact and from the handoff
ledger in the state store (with the contact's handoff proof when the ledger has lost it).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import (
    BATCH_MAX_INPUTS,
)
from connector.progress import Progress
from connector.review.dataset import OutcomeSpec, RecordedDecision, ReviewLead
from connector.review.portal_companies import CompanyReads
from connector.review.portal_paging import CreatedContacts, ReadPlan, created_at
from connector.review.portal_rows import Row, RowLayout
from connector.review.portal_stages import StageCatalogue
from connector.rules import RuleSet
from connector.rules.values import parse_number, parse_timestamp, to_datetime
from connector.settings import Settings
from connector.state import HandoffRecord, StateStore
from connector.sync.handoff.proof import Proof
from connector.sync.properties import ScoreProperties
from connector.sync.sla_report import TASK_PROPERTIES, touch_time

#: Handoffs of the period's leads may come any time after the period: the ledger is read to here.
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
_SQLITE_FILE = "sqlite:///"
#: Read besides the rules' properties so the review can find over-filtered segments among
#: them (`build_review(segment_by=…)`): where leads came from, which rules rarely read.
SEGMENT_PROPERTIES: tuple[str, ...] = ("hs_analytics_source",)


@dataclass(frozen=True, slots=True)
class _Read:
    """A lead as read, until its company is (companies are read a hundred at a time)."""

    lead_id: str
    contact: Row[str]
    company_id: str
    created_at: datetime | None
    converted: bool
    stage_dates: Row[datetime]
    recorded: RecordedDecision | None

    def lead(self, company: Mapping[str, str] | None) -> ReviewLead:
        return ReviewLead(
            lead_id=self.lead_id,
            contact=self.contact,
            company=company,
            created_at=self.created_at,
            converted=self.converted,
            stage_dates=self.stage_dates,
            recorded=self.recorded,
        )


def _resolve(waiting: list[_Read], companies: CompanyReads, leads: list[ReviewLead]) -> list[_Read]:
    """Move the waiting leads whose company is now read to `leads`; return the others."""
    still: list[_Read] = []
    for read in waiting:
        if companies.ready(read.company_id):
            leads.append(read.lead(companies.of(read.company_id)))
        else:
            still.append(read)
    return still


def read_portal_leads(
    settings: Settings,
    rules: RuleSet,
    since: datetime,
    until: datetime,
    outcome: OutcomeSpec,
    *,
    gateway: HubSpotGateway | None = None,
    store: StateStore | None = None,
    now: datetime | None = None,
    stream: TextIO | None = None,
    labels: dict[str, str] | None = None,
) -> list[ReviewLead]:
    """The contacts created in [since, until] as review leads (read-only: writes nothing).

    Args:
        settings: the portal, token, rate limits, state store and property prefix.
        rules: the rules whose properties are read.
        since: the period's start (aware, inclusive).
        until: the period's end (aware, inclusive).
        outcome: which stage counts as converted, within which horizon.
        gateway: an open gateway to reuse (its limiter and accounting), else one is built.
        store: the state store holding the handoff ledger, else `settings.state_url` is opened.
        now: the instant SLA deadlines are judged at (defaults to the wall clock).
        stream: where progress goes (stderr by default).
        labels: filled with each contact property's label (name → label), for the report.
    """
    gw = gateway or HubSpotGateway.from_settings(settings)
    reader = PortalReader(gw, settings, rules, stream=stream)
    leads = reader.read(since, until, outcome)
    if labels is not None:
        labels.update(reader.labels)
    handoffs = _ledger(settings, store, since)
    return reader.attach_handoffs(leads, handoffs, now=now or datetime.now(UTC))


def _ledger(settings: Settings, store: StateStore | None, since: datetime) -> list[HandoffRecord]:
    """The handoffs recorded since the period began, oldest first.

    A SQLite state file that does not exist means the connector never ran here: the review
    reads no ledger rather than creating a state store.
    """
    if store is not None:
        return store.handoffs_between(settings.portal, since, _END_OF_TIME)
    url = settings.state_url
    if url.startswith(_SQLITE_FILE) and not Path(url.removeprefix(_SQLITE_FILE)).exists():
        return []
    with StateStore.connect(url) as opened:
        return opened.handoffs_between(settings.portal, since, _END_OF_TIME)


class PortalReader:
    """One review's reads; `plan` says which reads it chose."""

    def __init__(
        self,
        gateway: HubSpotGateway,
        settings: Settings,
        rules: RuleSet,
        *,
        stream: TextIO | None = None,
    ) -> None:
        self._gw = gateway
        self._settings = settings
        self._rules = rules
        self._names = ScoreProperties.with_prefix(settings.property_prefix)
        self._pages = CreatedContacts(
            gateway,
            Progress(counter_lines=True, label="Reading contacts", stream=stream or sys.stderr),
            requests_per_10s=settings.requests_per_10s,
            search_per_second=settings.search_per_second,
        )
        self.company_calls = 0
        self.task_calls = 0
        #: contact property name → its label in HubSpot, from the definitions `read` reads
        self.labels: dict[str, str] = {}

    @property
    def plan(self) -> ReadPlan | None:
        return self._pages.plan

    def read(self, since: datetime, until: datetime, outcome: OutcomeSpec) -> list[ReviewLead]:
        definitions = self._gw.read_property_definitions("contacts")
        self.labels = {d.name: d.label for d in definitions if d.label}
        catalogue = StageCatalogue.from_definitions(definitions)
        names = self._names
        own = (names.score, names.grade, names.temperature, names.scored_at, names.handoff)
        properties = sorted(
            set(self._rules.contact_properties)
            | {"createdate", "associatedcompanyid", *SEGMENT_PROPERTIES}
            | set(own)
            | set(catalogue.properties())
        )
        layout = RowLayout(
            sorted(
                set(self._rules.contact_properties) | {"associatedcompanyid", *SEGMENT_PROPERTIES}
            )
        )
        stages = RowLayout(catalogue.order())
        companies = CompanyReads(self._gw, self._rules.company_properties)
        leads: list[ReviewLead] = []
        waiting: list[_Read] = []  # contacts whose company is not read yet
        for record in self._pages.read(since, until, properties):
            props = record.properties
            created = created_at(record)
            entered = catalogue.entered(props)
            read = _Read(
                lead_id=record.id,
                contact=layout.row(props),
                company_id=(props.get("associatedcompanyid") or "").strip(),
                created_at=created,
                converted=catalogue.converted(entered, created, outcome),
                stage_dates=stages.pack(entered),
                recorded=self._recorded(props),
            )
            companies.want(read.company_id)
            if companies.ready(read.company_id):
                leads.append(read.lead(companies.of(read.company_id)))
            else:
                waiting.append(read)
            if companies.read_full_batches():
                waiting = _resolve(waiting, companies, leads)
        self._pages.finish()
        companies.read_all()
        _resolve(waiting, companies, leads)
        self.company_calls = companies.calls
        return leads

    # -- companies, decisions and handoffs ------------------------------------------------------

    def _recorded(self, props: Mapping[str, str | None]) -> RecordedDecision | None:
        names = self._names
        score = parse_number(props.get(names.score))
        grade = props.get(names.grade)
        temperature = props.get(names.temperature)
        if score is None and grade is None:
            return None
        proof = Proof.parse(props.get(names.handoff))
        return RecordedDecision(
            score=round(score) if score is not None else None,
            grade=grade,
            label=f"{grade or ''}-{temperature or ''}" if grade or temperature else None,
            handed_off_at=proof.at if proof else None,
            decided_at=_instant(props.get(names.scored_at)),
        )

    def attach_handoffs(
        self, leads: list[ReviewLead], handoffs: Sequence[HandoffRecord], *, now: datetime
    ) -> list[ReviewLead]:
        """Handoff times from the ledger, and whether each handoff task was done within its SLA."""
        first: dict[str, HandoffRecord] = {}
        for handoff in handoffs:  # oldest first: a lead's first handoff is the one judged
            first.setdefault(handoff.contact_id, handoff)
        task_ids = [h.task_id for h in first.values() if h.task_id]
        tasks: dict[str, CrmRecord] = {}
        for start in range(0, len(task_ids), BATCH_MAX_INPUTS):
            self.task_calls += 1
            for task in self._gw.read_tasks(
                task_ids[start : start + BATCH_MAX_INPUTS], TASK_PROPERTIES
            ):
                tasks[task.id] = task
        out: list[ReviewLead] = []
        for lead in leads:
            found = first.get(lead.lead_id)
            if found is None:
                out.append(lead)
                continue
            handoff = found
            recorded = lead.recorded or RecordedDecision(None, None, None, None, None)
            out.append(
                ReviewLead(
                    lead_id=lead.lead_id,
                    contact=lead.contact,
                    company=lead.company,
                    created_at=lead.created_at,
                    converted=lead.converted,
                    stage_dates=lead.stage_dates,
                    recorded=RecordedDecision(
                        score=recorded.score,
                        grade=recorded.grade,
                        label=recorded.label,
                        handed_off_at=handoff.created_at,
                        decided_at=recorded.decided_at,
                    ),
                    touched_within_sla=_within_sla(handoff, tasks, now),
                )
            )
        return out


def _within_sla(
    handoff: HandoffRecord, tasks: Mapping[str, CrmRecord], now: datetime
) -> bool | None:
    """True when touched by the deadline, False when touched late or still untouched past it."""
    touched = touch_time(tasks.get(handoff.task_id or ""))
    if touched is not None:
        return touched <= handoff.due_at
    return False if now > handoff.due_at else None


def _instant(value: str | None) -> datetime | None:
    seconds = parse_timestamp(value)
    return to_datetime(seconds) if seconds is not None else None
