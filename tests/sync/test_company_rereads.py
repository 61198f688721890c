"""Past the company cache's cap, evicted companies are kept packed, not read again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

import connector.sync.companies as companies
from connector.hubspot.models import CrmRecord
from connector.sync.companies import CompanyCache
from tests.conftest import MakeSandbox

NAMES = ("industry", "numberofemployees")


class _Port:
    """Companies 0..n-1; company 13 is gone from HubSpot; counts the ids read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        self.read.extend(ids)
        return [
            CrmRecord(id=i, properties={"industry": f"IND{int(i) % 7}", "numberofemployees": i})
            for i in ids
            if i != "13"
        ]


def _contact(n: int, company: int) -> CrmRecord:
    return CrmRecord(id=str(n), properties={"associatedcompanyid": str(company)})


def _visit(cache: CompanyCache, contacts: list[CrmRecord]) -> list[Any]:
    seen: list[Any] = []
    for start in range(0, len(contacts), 50):
        page = contacts[start : start + 50]
        cache.want(page)
        cache.read_all()
        seen.extend(cache.company_of(c) for c in page)
    return seen


def test_evicted_companies_are_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(companies, "COMPANY_CACHE_MAX", 20)
    port = _Port()
    cache = CompanyCache(port, NAMES)  # type: ignore[arg-type]
    contacts = [_contact(n, (n * 37) % 300) for n in range(3_000)]  # 300 companies, scattered
    seen = _visit(cache, contacts)
    assert sorted(port.read, key=int) == [str(i) for i in range(300)]  # each read once
    assert cache.reads == 300
    for contact, company in zip(contacts, seen, strict=True):
        cid = str(contact.properties["associatedcompanyid"])
        if cid == "13":
            assert company is None
        else:
            assert company == {"industry": f"IND{int(cid) % 7}", "numberofemployees": cid}


def test_the_packed_store_is_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(companies, "COMPANY_CACHE_MAX", 20)
    monkeypatch.setattr(companies, "COMPACT_MAX", 50)
    port = _Port()
    cache = CompanyCache(port, NAMES)  # type: ignore[arg-type]
    _visit(cache, [_contact(n, (n * 37) % 300) for n in range(3_000)])
    assert len(cache._compact) <= 50  # memory stays capped, whatever the portal's size
    assert cache.reads > 300  # what no longer fits is read again when next needed


def test_a_small_cache_reads_each_company_once_in_a_real_run(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(companies, "COMPANY_CACHE_MAX", 50)
    sandbox = make_sandbox(contacts=2_000, seed=5)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    store = connector.store()
    summary = dict(store.recent_runs("default", 1)[0].summary)
    store.close()
    named = set()
    for cid in sandbox.store.all_ids("contacts"):
        company = (sandbox.store.get("contacts", cid) or {}).get("associatedcompanyid")
        if company:
            named.add(company)
    assert summary["written"] == 2_000
    assert summary["companies_read"] <= 1.02 * len(named)
