"""The contacts created in a period, by the reads HubSpot's rate limits finish soonest.

- Search by `createdate` (200 a page, from the search budget of 5/s), across the 10,000-result
  cap by moving the window's start to the last date seen; a millisecond holding more than the cap
  is drained by id, as the sync does for `lastmodifieddate` (sync-techniques.md §1.1).
- Or, when the period holds most of the portal, the list endpoint (100 a page, from the burst
  budget of 190 per 10 s at Professional), which reads every contact once and keeps those created
  in the period.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import LIST_PAGE_MAX, SEARCH_PAGE_MAX, SEARCH_RESULTS_CAP
from connector.progress import Progress
from connector.rules.values import parse_timestamp, to_datetime

#: Below this many contacts in the period, search is cheap whatever the portal's size, so the
#: portal is not counted (counting costs a search call).
COUNT_PORTAL_ABOVE = 2_000
#: The first and a last instant any HubSpot record can carry: counts the whole portal.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


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


class CreatedContacts:
    """One period's contact reads; `plan` says which reads were chosen, once they start."""

    def __init__(
        self,
        gateway: HubSpotGateway,
        progress: Progress,
        *,
        requests_per_10s: int,
        search_per_second: int,
    ) -> None:
        self._gw = gateway
        self._progress = progress
        self._requests_per_10s = requests_per_10s
        self._search_per_second = search_per_second
        self.plan: ReadPlan | None = None

    def read(
        self, since: datetime, until: datetime, properties: Sequence[str]
    ) -> Iterator[CrmRecord]:
        """Every contact created in [since, until], each once, by the reads `plan` chose."""
        first = self._gw.search_contacts_created(since=since, until=until, properties=properties)
        portal = None
        if first.total > COUNT_PORTAL_ABOVE:
            portal = self._gw.search_contacts_created(
                since=_EPOCH, until=_END_OF_TIME, properties=["createdate"], limit=1
            ).total
        self.plan = plan_reads(
            first.total,
            portal,
            requests_per_10s=self._requests_per_10s,
            search_per_second=self._search_per_second,
        )
        self._progress.expect(first.total)
        if self.plan.by_search:
            yield from self._searched(first.results, first.next_after, since, until, properties)
        else:
            yield from self._listed(since, until, properties)

    def finish(self) -> None:
        self._progress.finish()

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
                created = created_at(record)
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
        # From the instant's first id: ties of a createdate sort come in no documented order.
        after_id: str | None = None
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
                created = created_at(record)
                if created is not None and since <= created <= until:
                    self._progress.advance(1)
                    yield record
            after = page.next_after
            if after is None:
                return


def created_at(record: CrmRecord) -> datetime | None:
    """The `createdate` property (what search filters on), else the record's `createdAt`."""
    seconds = parse_timestamp(record.get("createdate"))
    return to_datetime(seconds) if seconds is not None else record.created_at
