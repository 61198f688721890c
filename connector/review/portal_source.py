"""`read_portal_leads`: the contacts created in a period, what became of them, and what the
connector decided about them, read from HubSpot without writing anything.

Reads, cheapest first by HubSpot's rate-limit arithmetic (`plan_reads`):
- search by `createdate` (200 a page, from the search budget of 5/s), across the 10,000-result
  cap by moving the window's start to the last date seen (a millisecond holding more than a page
  is drained by id, as the sync does for `lastmodifieddate`);
- or, when the period holds most of the portal, the list endpoint (100 a page, from the burst
  budget of 190 per 10 s at Professional), which then reads every contact once and keeps those
  created in the period;
- companies by id in batches of 100, each once; the handoff tasks of the ledger in batches of 100.

The connector's own record comes from its score properties on each contact and from the handoff
ledger in the state store (with the contact's handoff proof when the ledger has lost it).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import (
    BATCH_MAX_INPUTS,
    LIST_PAGE_MAX,
    SEARCH_PAGE_MAX,
    SEARCH_RESULTS_CAP,
)
from connector.review.dataset import OutcomeSpec, RecordedDecision, ReviewLead
from connector.review.portal_progress import ReadProgress
from connector.review.portal_rows import Row, RowLayout
from connector.review.portal_stages import StageCatalogue
from connector.rules import RuleSet
from connector.rules.values import parse_number, parse_timestamp, to_datetime
from connector.settings import Settings
from connector.state import HandoffRecord, StateStore
from connector.sync.handoff.proof import Proof
from connector.sync.properties import ScoreProperties
from connector.sync.sla_report import TASK_PROPERTIES, touch_time

#: Below this many contacts in the period, search is cheap whatever the portal's size, so the
#: portal is not counted (counting costs a search call).
COUNT_PORTAL_ABOVE = 2_000
#: The first instant any HubSpot record can carry: counts the whole portal in one search.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Handoffs of the period's leads may come any time after the period: the ledger is read to here.
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
_SQLITE_FILE = "sqlite:///"
#: Read besides the rules' properties so the review can find over-filtered segments among
#: them (`build_review(segment_by=…)`): where leads came from, which rules rarely read.
SEGMENT_PROPERTIES: tuple[str, ...] = ("hs_analytics_source",)


@dataclass(frozen=True, slots=True)
class _Read:
    """A lead as read, before its company is known (companies are read in hundreds after)."""

    lead_id: str
    contact: Row
    company_id: str
    created_at: datetime | None
    converted: bool
    stage_dates: dict[str, datetime]
    recorded: RecordedDecision | None


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How the contacts will be read and what that needs, in calls and seconds."""

    by_search: bool
    period_contacts: int
    portal_contacts: int | None
    contact_calls: int
    seconds: float


def plan_reads(
    period: int,
    portal: int | None,
    *,
    requests_per_10s: int,
    search_per_second: int,
) -> ReadPlan:
    """Search pages or list pages, whichever HubSpot's budgets let finish sooner.

    Search reads 200 contacts a call at `search_per_second`; the list endpoint 100 a call at
    `requests_per_10s / 10`, but every contact of the portal, not only the period's.
    """
    search_calls = max(1, math.ceil(period / SEARCH_PAGE_MAX))
    search_seconds = search_calls / search_per_second
    if portal is None:
        return ReadPlan(True, period, None, search_calls, search_seconds)
    list_calls = max(1, math.ceil(portal / LIST_PAGE_MAX))
    list_seconds = list_calls / (requests_per_10s / 10)
    if list_seconds < search_seconds:
        return ReadPlan(False, period, portal, list_calls, list_seconds)
    return ReadPlan(True, period, portal, search_calls, search_seconds)


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
    """
    gw = gateway or HubSpotGateway.from_settings(settings)
    reader = PortalReader(gw, settings, rules, stream=stream)
    leads = reader.read(since, until, outcome)
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
        self._progress = ReadProgress(label="Reading contacts", stream=stream or sys.stderr)
        self.plan: ReadPlan | None = None
        self.company_calls = 0
        self.task_calls = 0

    def read(self, since: datetime, until: datetime, outcome: OutcomeSpec) -> list[ReviewLead]:
        catalogue = StageCatalogue.from_definitions(self._gw.read_property_definitions("contacts"))
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
        read: list[_Read] = []
        company_ids: dict[str, None] = {}
        for record in self._contacts(since, until, properties):
            props = record.properties
            created = _instant(props.get("createdate")) or record.created_at
            company_id = (props.get("associatedcompanyid") or "").strip()
            if company_id:
                company_ids[company_id] = None
            entered = catalogue.entered(props)
            read.append(
                _Read(
                    lead_id=record.id,
                    contact=layout.row(props),
                    company_id=company_id,
                    created_at=created,
                    converted=catalogue.converted(entered, created, outcome),
                    stage_dates=entered,
                    recorded=self._recorded(props),
                )
            )
        self._progress.finish()
        companies = self._companies(list(company_ids))
        leads = [
            ReviewLead(
                lead_id=r.lead_id,
                contact=r.contact,
                company=companies.get(r.company_id),
                created_at=r.created_at,
                converted=r.converted,
                stage_dates=r.stage_dates,
                recorded=r.recorded,
            )
            for r in read
        ]
        read.clear()
        return leads

    # -- contacts -------------------------------------------------------------------------------

    def _contacts(
        self, since: datetime, until: datetime, properties: Sequence[str]
    ) -> Iterator[CrmRecord]:
        first = self._gw.search_contacts_created(since=since, until=until, properties=properties)
        portal = None
        if first.total > COUNT_PORTAL_ABOVE:
            portal = self._gw.search_contacts_created(
                since=_EPOCH, until=_END_OF_TIME, properties=["createdate"], limit=1
            ).total
        self.plan = plan_reads(
            first.total,
            portal,
            requests_per_10s=self._settings.requests_per_10s,
            search_per_second=self._settings.search_per_second,
        )
        self._progress.expect(first.total)
        if self.plan.by_search:
            yield from self._searched(first.results, first.next_after, since, until, properties)
        else:
            yield from self._listed(since, until, properties)

    def _searched(
        self,
        results: Sequence[CrmRecord],
        after: str | None,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
    ) -> Iterator[CrmRecord]:
        """Every page of the createdate window, restarting it before the 10,000-result cap."""
        seen_at_last: set[str] = set()  # ids already given at the latest createdate
        last: datetime | None = None
        offset = 0
        while True:
            fresh = [r for r in results if r.id not in seen_at_last]
            self._progress.advance(len(fresh))
            for record in fresh:
                created = _instant(record.get("createdate")) or record.created_at
                if created != last:
                    last, seen_at_last = created, set()
                seen_at_last.add(record.id)
                yield record
            offset += len(results)
            if after is None:
                return
            if offset + SEARCH_PAGE_MAX <= SEARCH_RESULTS_CAP:
                page = self._gw.search_contacts_created(
                    since=since, until=until, properties=properties, after=after
                )
            else:
                if last is None or last == since:
                    yield from self._drain_instant(since, seen_at_last, properties)
                    since = since + timedelta(milliseconds=1)
                    seen_at_last = set()
                else:
                    since = last
                offset = 0
                page = self._gw.search_contacts_created(
                    since=since, until=until, properties=properties
                )
            results, after = page.results, page.next_after

    def _drain_instant(
        self, instant: datetime, seen: set[str], properties: Sequence[str]
    ) -> Iterator[CrmRecord]:
        """A millisecond holding more contacts than the cap lets one window page through."""
        after_id = max(seen, key=int) if seen else None
        while True:
            page = self._gw.search_contacts_created_at(
                instant=instant, after_id=after_id, properties=properties
            )
            fresh = [r for r in page.results if r.id not in seen]
            self._progress.advance(len(fresh))
            yield from fresh
            if not page.results:
                return
            after_id = page.results[-1].id
            if page.next_after is None:
                return

    def _listed(
        self, since: datetime, until: datetime, properties: Sequence[str]
    ) -> Iterator[CrmRecord]:
        after: str | None = None
        while True:
            page = self._gw.list_contacts(properties=properties, after=after)
            for record in page.results:
                created = _instant(record.get("createdate")) or record.created_at
                if created is not None and since <= created <= until:
                    self._progress.advance(1)
                    yield record
            after = page.next_after
            if after is None:
                return

    # -- companies, decisions and handoffs ------------------------------------------------------

    def _companies(self, ids: Sequence[str]) -> dict[str, Mapping[str, str]]:
        names = sorted(self._rules.company_properties)
        out: dict[str, Mapping[str, str]] = {}
        if not names:
            return out
        layout = RowLayout(names)
        for start in range(0, len(ids), BATCH_MAX_INPUTS):
            self.company_calls += 1
            for record in self._gw.read_companies(ids[start : start + BATCH_MAX_INPUTS], names):
                out[record.id] = layout.row(record.properties)
        return out

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
