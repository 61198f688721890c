"""Rules in force: when the rules file changes, every contact is re-scored under it.

The version in force and the progress of the re-score live in one state-store document
(`RULES_BLOB`), so the walk survives a kill and spreads over as many runs as it takes:

- At the start of a run, `begin` compares the loaded rules' version with the stored one. A new
  version starts a walk from the first contact (a walk of an older version still under way is
  dropped: its contacts are re-scored under the newer rules anyway). The first run of a portal
  has nothing to walk: its backfill scores every contact under the rules in force.
- After the incremental work of the run, `walk` reads the portal in id order with the list
  endpoint, 100 contacts a page, and hands on the contacts whose `<prefix>rules_version` is not
  the one in force. The caller feeds them to the same score / plan / write / hand-off stages as
  the incremental pull; every few pages the caller finishes their writes, and only then does
  the walk save its position (HubSpot's `after` token of the next page): a kill loses at most
  the pages since, which are re-read, and skipped where the write already stamped the version.
- At most `cap` contacts are read per run, so a re-score never crowds out the incremental
  pull or spends more of the rate budget in one run than the admin allowed
  (`CONNECTOR_RESCORE_PER_RUN`); the next run goes on where this one stopped.

Why the list endpoint and not a search filtered on the version: it needs no new HubSpot call,
is not capped at 10,000 results, and is consistent (search lags writes, list does not), so a
contact the run just re-scored shows its new version when the walk reaches it. The cost is one
list call per 100 contacts on the 10-second budget, besides the writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import LIST_PAGE_MAX
from connector.logging import get_logger
from connector.sync.ports import HubSpotPort, SyncState

log = get_logger(__name__)

#: State-store document holding the rules version in force and the re-score's progress.
RULES_BLOB = "rules_in_force"
#: Contacts a run reads for a rules-change re-score when the caller names no cap.
DEFAULT_RESCORE_PER_RUN = 20_000
#: Pages fed between two saves of the position: enough to fill the company reads and the write
#: batches across pages (a save per page would read a part-filled batch of companies each time),
#: few enough that a kill re-reads little (the re-read contacts are skipped, already stamped).
SETTLE_PAGES = 5
#: Where the portal-size probe starts: before HubSpot existed.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RulesProgress:
    """The rules version in force and how far the re-score under it has come."""

    version: str
    previous: str | None
    started_at: datetime
    #: Contacts in the portal when the change was noticed (None: not counted, e.g. a backfill).
    total: int | None
    #: Contacts read by the walk so far (re-scored, or already showing this version).
    done: int
    #: HubSpot's token for the next page to read; None with `finished_at` unset: the first.
    after: str | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def line(self) -> str:
        """How `status` says it."""
        if self.finished_at is None:
            total = f"{self.total:,}" if self.total is not None else "?"
            return f"re-scoring after a rules change: {self.done:,} / {total}"
        when = self.finished_at.isoformat(timespec="seconds")
        if self.previous is None:
            return f"rules {self.version} in force since {when}"
        return f"rules {self.version} in force: every contact re-scored ({when})"

    def as_blob(self) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "version": self.version,
            "previous": self.previous,
            "started_at": stamp(self.started_at),
            "total": self.total,
            "done": self.done,
            "after": self.after,
            "finished_at": stamp(self.finished_at),
        }

    @classmethod
    def from_blob(cls, blob: Mapping[str, Any] | None) -> RulesProgress | None:
        """None for no document or a damaged one (the next run then starts a fresh walk)."""
        if not blob or not isinstance(blob.get("version"), str):
            return None
        try:
            started = datetime.fromisoformat(str(blob["started_at"]))
            finished_raw = blob.get("finished_at")
            finished = datetime.fromisoformat(str(finished_raw)) if finished_raw else None
            total = blob.get("total")
            return cls(
                version=blob["version"],
                previous=blob.get("previous") if isinstance(blob.get("previous"), str) else None,
                started_at=started,
                total=int(total) if total is not None else None,
                done=int(blob.get("done") or 0),
                after=str(blob["after"]) if blob.get("after") else None,
                finished_at=finished,
            )
        except (KeyError, TypeError, ValueError):
            return None


def stored_progress(store: SyncState, portal: str) -> RulesProgress | None:
    return RulesProgress.from_blob(store.get_blob(portal, RULES_BLOB))


@dataclass(slots=True)
class WalkCounts:
    #: contacts read by this run's walk, handed on to re-score, already showing the version
    read: int = 0
    rescored: int = 0
    current: int = 0
    list_calls: int = 0


class RulesChange:
    """One run's share of re-scoring the portal under the rules in force."""

    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        portal: str,
        version: str,
        version_property: str,
        properties: Sequence[str],
        cap: int,
        stop: threading.Event,
        now: datetime,
    ) -> None:
        self._port = port
        self._store = store
        self._portal = portal
        self._version = version
        self._version_property = version_property
        self._properties = list(properties)
        self._cap = cap
        self._stop = stop
        self._now = now
        self.progress: RulesProgress | None = None
        self.counts = WalkCounts()
        #: this run noticed a new version (and the one in force before it, if any was recorded)
        self.noticed = False
        self.changed_from: str | None = None

    def begin(self, *, first_run: bool) -> None:
        """Notice a new rules version: record it, and start a walk unless a backfill covers it."""
        stored = stored_progress(self._store, self._portal)
        if stored is not None and stored.version == self._version:
            self.progress = stored
            return
        if stored is None and first_run:
            # The backfill scores every contact under these rules: nothing to walk.
            self._save(
                RulesProgress(self._version, None, self._now, None, 0, None, finished_at=self._now)
            )
            return
        # A changed file, or a portal synced before versions were recorded here: walk it all.
        self.noticed = True
        self.changed_from = stored.version if stored is not None else None
        probe = self._port.search_contacts_modified(
            since=_EPOCH, until=self._now, properties=["hs_object_id"], limit=1
        )
        log.info(
            "rules_change_noticed",
            version=self._version,
            previous=self.changed_from,
            contacts=probe.total,
        )
        self._save(
            RulesProgress(
                version=self._version,
                previous=self.changed_from,
                started_at=self._now,
                total=probe.total,
                done=0,
                after=None,
                finished_at=None,
            )
        )

    def walk(
        self,
        feed: Callable[[Sequence[CrmRecord]], None],
        settle: Callable[[], None],
    ) -> None:
        """Hand every contact not yet showing the version to `feed`, a page at a time, up to the
        cap. Every `SETTLE_PAGES` pages (and at the end), `settle` finishes every write fed so
        far; only then is the position saved past those pages.
        """
        progress = self.progress
        if progress is None or progress.finished:
            return
        pending = 0
        while not self._stop.is_set() and self.counts.read < self._cap:
            page = self._port.list_contacts(
                properties=self._properties, after=progress.after, limit=LIST_PAGE_MAX
            )
            self.counts.list_calls += 1
            stale = self._stale(page.results)
            if stale:
                feed(stale)
            self.counts.read += len(page.results)
            self.counts.rescored += len(stale)
            self.counts.current += len(page.results) - len(stale)
            done = progress.done + len(page.results)
            if page.next_after is None:
                settle()
                total = max(done, progress.total or 0)
                progress = replace(
                    progress, done=done, total=total, after=None, finished_at=self._now
                )
                self._save(progress)
                log.info("rules_change_rescored", version=self._version, contacts=done)
                return
            progress = replace(progress, done=done, after=page.next_after)
            pending += 1
            if pending >= SETTLE_PAGES:
                settle()
                self._save(progress)
                pending = 0
        if pending:
            settle()
            self._save(progress)

    def _stale(self, records: Sequence[CrmRecord]) -> list[CrmRecord]:
        """The contacts not yet scored under the version in force: HubSpot and the memory must
        both say they were. HubSpot alone is not enough (a kill between a write and its memory
        leaves the memory's score behind, which handoff detection compares with), and memory
        alone is not either (a dry run's writes, or an admin's edit, never reach HubSpot), save
        for a contact this very run scored (a dry run's memory says so, HubSpot cannot)."""
        memory = self._store.get_memory(self._portal, [r.id for r in records])
        stale = []
        for record in records:
            m = memory.get(record.id)
            if m is not None and m.rules_version == self._version:
                shown = record.properties.get(self._version_property) == self._version
                if shown or m.scored_at >= self._now:
                    continue
            stale.append(record)
        return stale

    def _save(self, progress: RulesProgress) -> None:
        self.progress = progress
        self._store.save_blob(self._portal, RULES_BLOB, progress.as_blob())

    def summary(self) -> dict[str, Any]:
        """The run summary's keys: the version, this run's share, the progress overall."""
        p = self.progress
        out: dict[str, Any] = {"rules_version": self._version}
        if self.noticed:
            out["rules_changed_from"] = self.changed_from
        if self.counts.list_calls:
            out["rules_rescore_read"] = self.counts.read
            out["rules_rescored"] = self.counts.rescored
            out["rules_rescore_already_current"] = self.counts.current
            out["rules_rescore_list_calls"] = self.counts.list_calls
        if p is not None and p.total is not None:
            # A walk, under way or finished (a backfill's version is not counted: no total).
            out["rules_rescore_done"] = p.done
            out["rules_rescore_total"] = p.total
            out["rules_rescore_finished"] = p.finished
        return out


def rescore_line(summary: Mapping[str, Any]) -> str | None:
    """The console's line about a rules-change re-score in a run summary, or None."""
    total = summary.get("rules_rescore_total")
    if total is None:
        return None
    done = int(summary.get("rules_rescore_done") or 0)
    version = summary.get("rules_version", "?")
    this_run = summary.get("rules_rescored")
    share = f" ({this_run:,} re-scored by this run)" if this_run else ""
    if summary.get("rules_rescore_finished"):
        if not summary.get("rules_rescore_read"):
            return None  # finished in an earlier run: nothing new to say
        return f"rules {version}: every contact re-scored, {done:,} / {total:,}{share}"
    return f"re-scoring after a rules change: {done:,} / {total:,}{share} (rules {version})"
