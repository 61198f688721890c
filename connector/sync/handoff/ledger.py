"""The handoff ledger as one run sees it, and the SDR pool it routes to.

Loaded once per run, at the first crossing: the portal's lease makes this run the ledger's only
writer, so what it holds stays true while the run keeps it up to date. Per-crossing queries
would grow with the ledger, page after page. The owners' load (open handoff tasks, new ones
today) is read from HubSpot at the same moment (`capacity`), so the caps hold after the state
store is lost.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import DailyCap, ResolvedPool, RoundRobinState
from connector.rules.sla_config import SlaConfig
from connector.rules.sla_pool import resolve_pool
from connector.sync.handoff.capacity import OwnerLoad, ledger_load, read_owner_load
from connector.sync.ports import HubSpotPort, SyncState


class RunLedger:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        sla: SlaConfig,
        portal: str,
        key_property: str | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        """`key_property` None: the load is the ledger's alone (HubSpot is not asked)."""
        self._port = port
        self._store = store
        self._sla = sla
        self._portal = portal
        self._key_property = key_property
        self._calendar = calendar or sla.build_calendar()
        self._pool: ResolvedPool | None = None
        self._loaded = False
        #: Open handoffs per owner, for the SDRs' caps.
        self.open_counts: Counter[str] = Counter()
        #: New handoffs per owner since the local midnight, for the daily cap.
        self.created_today: Counter[str] = Counter()
        #: The search that read the load (None until loaded).
        self.load_read: OwnerLoad | None = None
        #: Contacts with an open handoff, or one younger than the cool-down.
        self._busy: set[str] = set()
        self.round_robin = RoundRobinState()
        self._round_robin_changed = False

    def load(self, now: datetime) -> None:
        if self._loaded:
            return
        open_ = self._store.open_handoffs(self._portal)
        recent = self._store.handoffs_between(
            self._portal, now - self._sla.handoff.cooldown, now + timedelta(milliseconds=1)
        )
        day_start = self.day_start(now)
        today = [h for h in recent if h.created_at >= day_start]
        if day_start < now - self._sla.handoff.cooldown:
            today = self._store.handoffs_between(
                self._portal, day_start, now + timedelta(milliseconds=1)
            )
        ledger = [*open_, *today]
        self.load_read = (
            read_owner_load(
                self._port, ledger, key_property=self._key_property, day_start=day_start, now=now
            )
            if self._key_property is not None
            else ledger_load(ledger, day_start)
        )
        self.open_counts = self.load_read.open_counts
        self.created_today = self.load_read.created_today
        self._busy = {h.contact_id for h in (*open_, *recent)}
        self.round_robin = RoundRobinState.from_mapping(
            self._store.sdr_round_robin_state(self._portal)
        )
        self._loaded = True

    def day_start(self, now: datetime) -> datetime:
        """The local midnight of `now`'s day in the SLA calendar's zone, in UTC."""
        day = self._calendar.local_date(now)
        return datetime.combine(day, time(), tzinfo=self._calendar.tz).astimezone(UTC)

    def daily_cap(self) -> DailyCap:
        return DailyCap(self.created_today, self._sla.handoff.max_new_per_sdr_per_day)

    def busy(self, contact_id: str) -> bool:
        return contact_id in self._busy

    def reserved(self, contact_id: str, owner_id: str, state: RoundRobinState) -> None:
        """Keep this view true after a reservation the store accepted."""
        self.round_robin, self._round_robin_changed = state, True
        self.open_counts[owner_id] += 1
        self.created_today[owner_id] += 1
        self._busy.add(contact_id)

    def save_round_robin(self) -> None:
        if self._round_robin_changed:
            self._store.save_sdr_round_robin_state(self._portal, self.round_robin.to_mapping())
            self._round_robin_changed = False

    def pool(self) -> ResolvedPool:
        """The SDR pool resolved against HubSpot's owners, read once per run."""
        if self._pool is None:
            self._pool = resolve_pool(self._sla, self._port.list_owners())
        return self._pool
