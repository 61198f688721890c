"""The companies a review's leads name, read by id a hundred at a time, each once.

Reads go out as soon as a hundred new companies are named (as the sync's `CompanyCache` fills its
batches), so the leads waiting for their company stay few while the contacts are still paging.
"""

from __future__ import annotations

from collections.abc import Iterable

from connector.hubspot import HubSpotGateway
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.review.portal_rows import Row, RowLayout


class CompanyReads:
    """Companies by id: `want` names one, `ready` says whether it is read (or needs no read)."""

    def __init__(self, gateway: HubSpotGateway, properties: Iterable[str]) -> None:
        self._gw = gateway
        self._names = sorted(properties)
        self._layout = RowLayout(self._names)
        #: None: HubSpot did not return it (deleted or unreadable); the lead has no company data.
        self._read: dict[str, Row[str] | None] = {}
        self._wanted: dict[str, None] = {}  # insertion-ordered set of ids to read
        self.calls = 0

    def want(self, company_id: str) -> None:
        if company_id and self._names and company_id not in self._read:
            self._wanted[company_id] = None

    def ready(self, company_id: str) -> bool:
        return not company_id or not self._names or company_id in self._read

    def of(self, company_id: str) -> Row[str] | None:
        return self._read.get(company_id) if company_id else None

    def read_full_batches(self) -> bool:
        """Read while a full batch is wanted; whether anything was read."""
        read = False
        while len(self._wanted) >= BATCH_MAX_INPUTS:
            self._read_batch()
            read = True
        return read

    def read_all(self) -> None:
        while self._wanted:
            self._read_batch()

    def _read_batch(self) -> None:
        ids = list(self._wanted)[:BATCH_MAX_INPUTS]
        for company_id in ids:
            del self._wanted[company_id]
            self._read[company_id] = None
        self.calls += 1
        for record in self._gw.read_companies(ids, self._names):
            self._read[record.id] = self._layout.row(record.properties)
