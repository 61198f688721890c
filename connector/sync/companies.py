"""The companies a run has read, so each contact is scored with its company's fit data.

A contact names its primary company in `associatedcompanyid` (no association call). Company
reads are filled to HubSpot's batch of 100 across pages: a page of 200 contacts rarely names 100
new companies, and half-empty reads would spend calls the API does not require.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.sync.ports import HubSpotPort

#: Companies kept per run: enough for most portals' working set of accounts. Each holds only
#: the properties the rules read, as shared strings (~300 bytes), so a full cache is ~6 MB.
COMPANY_CACHE_MAX = 20_000
#: Companies kept compactly once evicted from the cache above: only the values the rules read,
#: packed into one string (~150 bytes with its key), so a portal of 150,000 companies is read
#: once each (~22 MB) instead of re-reading the evicted ones, and no portal costs more than
#: about 40 MB here; past this many, evicted companies are read again when next needed.
COMPACT_MAX = 250_000
#: Separates packed values; HubSpot property values never hold it (a control character), and
#: a value that does is kept unpacked in the cache only, read again if evicted.
_SEP = "\x1f"
#: A packed company HubSpot did not return (deleted or unreadable).
_GONE = "\x1e"
#: Distinct company property values shared between cached companies (industries, countries and
#: size bands repeat; revenues and the like mostly do not, and stop being shared past this).
SHARED_VALUES_MAX = 20_000

Company = Mapping[str, str | None]


def company_id_of(record: CrmRecord) -> str:
    """The contact's primary company id, or "" without one."""
    return (record.get("associatedcompanyid") or "").strip()


class CompanyCache:
    """Bounded, least recently used first; a company evicted is read again when next needed."""

    def __init__(self, port: HubSpotPort, properties: Iterable[str]) -> None:
        self._port = port
        self._names = sorted(properties)
        # None = gone from HubSpot (deleted or unreadable): the contact's fit data is missing.
        self._cache: OrderedDict[str, Company | None] = OrderedDict()
        # Evicted companies, packed: id → the rules' values joined by _SEP (see COMPACT_MAX).
        self._compact: dict[str, str] = {}
        self._wanted: dict[str, None] = {}  # insertion-ordered set of ids to read
        self._shared: dict[str, str] = {}
        self.reads = 0  # companies requested from HubSpot this run

    def want(self, records: Iterable[CrmRecord]) -> None:
        """Note the companies these contacts need that the cache does not hold."""
        for record in records:
            company_id = company_id_of(record)
            if company_id and company_id not in self._cache and company_id not in self._compact:
                self._wanted[company_id] = None

    def read_full_batches(self) -> None:
        while len(self._wanted) >= BATCH_MAX_INPUTS:
            self._read(BATCH_MAX_INPUTS)

    def read_all(self) -> None:
        while self._wanted:
            self._read(BATCH_MAX_INPUTS)

    def ready(self, record: CrmRecord) -> bool:
        """Whether the contact can be scored now (it has no company, or its company is read)."""
        company_id = company_id_of(record)
        return not company_id or company_id in self._cache or company_id in self._compact

    def company_of(self, record: CrmRecord) -> Company | None:
        company_id = company_id_of(record)
        if not company_id:
            return None
        if company_id not in self._cache:
            packed = self._compact.pop(company_id, None)
            if packed is None:
                return None  # unreachable while `ready` is checked just before scoring
            self._cache[company_id] = self._unpack(packed)
            self._evict()
        self._cache.move_to_end(company_id)
        return self._cache[company_id]

    def _read(self, count: int) -> None:
        ids = list(self._wanted)[:count]
        for company in self._port.read_companies(ids, self._names):
            self._cache[company.id] = self._slim(company.properties)
        for company_id in ids:
            self._cache.setdefault(company_id, None)
            del self._wanted[company_id]
        self._evict()
        self.reads += len(ids)

    def _evict(self) -> None:
        """Past the cache's cap, the least recently used companies move to the packed store."""
        while len(self._cache) > COMPANY_CACHE_MAX:
            company_id, company = self._cache.popitem(last=False)
            if len(self._compact) < COMPACT_MAX:
                packed = self._pack(company)
                if packed is not None:
                    self._compact[company_id] = packed

    def _pack(self, company: Company | None) -> str | None:
        if company is None:
            return _GONE
        values = [company.get(name) or "" for name in self._names]
        if any(_SEP in v or v == _GONE for v in values):
            return None
        # "" and a missing value read the same to the rules (blank is unknown).
        return _SEP.join(values)

    def _unpack(self, packed: str) -> Company | None:
        if packed == _GONE:
            return None
        if not self._names:
            return {}
        values = zip(self._names, packed.split(_SEP), strict=True)
        return self._slim({name: value for name, value in values if value})

    def _slim(self, properties: Company) -> dict[str, str | None]:
        """Only what the rules read (HubSpot adds its own timestamps), repeated values shared."""
        slim: dict[str, str | None] = {}
        for name in self._names:
            value = properties.get(name)
            if value is None:
                continue
            known = self._shared.get(value)
            if known is None:
                if len(self._shared) < SHARED_VALUES_MAX:
                    self._shared[value] = value
                known = value
            slim[name] = known
        return slim
