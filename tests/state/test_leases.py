from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from connector.state import StateStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


def test_one_worker_at_a_time_until_expiry(store: StateStore) -> None:
    assert store.acquire_lease("p", worker_id="a", now=T0, ttl=TTL)
    assert not store.acquire_lease("p", worker_id="b", now=T0 + timedelta(seconds=59), ttl=TTL)
    holder = store.lease_holder("p")
    assert holder is not None and (holder.worker_id, holder.expires_at) == ("a", T0 + TTL)
    # At expiry the lease is free for the taking.
    assert store.acquire_lease("p", worker_id="b", now=T0 + TTL, ttl=TTL)
    holder = store.lease_holder("p")
    assert holder is not None and (holder.worker_id, holder.acquired_at) == ("b", T0 + TTL)
    # The old holder learns it lost the lease and must stop.
    assert not store.renew_lease("p", worker_id="a", now=T0 + TTL, ttl=TTL)
    assert not store.release_lease("p", "a")
    assert store.lease_holder("p") is not None


def test_reacquire_and_renew_extend_our_lease(store: StateStore) -> None:
    assert store.acquire_lease("p", worker_id="a", now=T0, ttl=TTL)
    assert store.acquire_lease("p", worker_id="a", now=T0 + timedelta(seconds=30), ttl=TTL)
    assert store.renew_lease("p", worker_id="a", now=T0 + timedelta(seconds=80), ttl=TTL)
    holder = store.lease_holder("p")
    assert holder is not None
    assert (holder.acquired_at, holder.expires_at) == (T0, T0 + timedelta(seconds=140))
    assert not store.acquire_lease("p", worker_id="b", now=T0 + timedelta(seconds=139), ttl=TTL)


def test_renew_fails_once_expired(store: StateStore) -> None:
    assert store.acquire_lease("p", worker_id="a", now=T0, ttl=TTL)
    assert not store.renew_lease("p", worker_id="a", now=T0 + TTL, ttl=TTL)


def test_release_frees_the_portal_at_once(store: StateStore) -> None:
    assert store.acquire_lease("p", worker_id="a", now=T0, ttl=TTL)
    assert store.release_lease("p", "a")
    assert store.lease_holder("p") is None
    assert store.acquire_lease("p", worker_id="b", now=T0 + timedelta(seconds=1), ttl=TTL)


def test_leases_are_per_portal(store: StateStore) -> None:
    assert store.acquire_lease("p", worker_id="a", now=T0, ttl=TTL)
    assert store.acquire_lease("q", worker_id="b", now=T0, ttl=TTL)


def test_ttl_must_be_positive(store: StateStore) -> None:
    with pytest.raises(ValueError):
        store.acquire_lease("p", worker_id="a", now=T0, ttl=timedelta(0))


def _race_for_lease(stores: list[StateStore], now: datetime) -> list[bool]:
    barrier = threading.Barrier(len(stores))
    results = [False] * len(stores)

    def race(index: int) -> None:
        barrier.wait()
        results[index] = stores[index].acquire_lease("p", worker_id=f"w{index}", now=now, ttl=TTL)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_workers_race_for_one_portal(db_url: str) -> None:
    """Each round, two workers with their own connections race; exactly one wins."""
    stores = [StateStore.connect(db_url) for _ in range(2)]
    try:
        for round_ in range(20):
            # Every round starts when the previous round's lease has expired.
            results = _race_for_lease(stores, T0 + round_ * TTL)
            assert sorted(results) == [False, True]
            holder = stores[0].lease_holder("p")
            assert holder is not None and holder.worker_id == f"w{results.index(True)}"
    finally:
        for opened in stores:
            opened.close()
