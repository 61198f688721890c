"""Per object type: search-visible records ordered by (last-modified value, numeric id), and
the queue of writes waiting for the search lag to pass.

The connector pages through contacts with a new search per page (`lastmodifieddate` range,
sorted by it). Without an index every such page scans and sorts all records; with it a page is
a bisect plus `limit` lookups. The keys reflect what search sees (`Record.indexed`), not the
latest write, so the search lag is honoured: the store re-keys a record when its visible version
changes (a write with no lag, the lag passing, `set_modified`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from connector.sandbox.sorted_keys import SortedKeys

Key = tuple[str, int]  # (visible last-modified value as stored: ISO-8601 ms, numeric id)
ID_PROPERTY = "hs_object_id"


class ModifiedIndex:
    """The (last-modified, id) order of one object type's search-visible records.

    The sorted keys are built on first use (so seeding 100k records pays nothing for them) and
    kept up to date by `update` afterwards. The due queue is kept from the start: it decides
    when a write becomes visible, index or not.
    """

    def __init__(self, prop: str) -> None:
        self.prop = prop
        self.keys: SortedKeys | None = None
        self._key_of: dict[str, Key] = {}
        # Records whose visible hs_object_id is not their id (only possible by writing the
        # read-only property in-process): while any exist, id order is not hs_object_id order.
        self.odd_ids: set[str] = set()
        self._due: list[tuple[int, str]] = []

    @property
    def built(self) -> bool:
        return self.keys is not None

    def build(self, visible: Iterable[tuple[str, dict[str, str] | None]]) -> None:
        """Index every (record id, visible properties) pair at once."""
        self._key_of.clear()
        self.odd_ids.clear()
        for rid, props in visible:
            key = self._key(rid, props)
            if key is not None:
                self._key_of[rid] = key
        self.keys = SortedKeys(self._key_of.values())

    def update(self, rid: str, props: dict[str, str] | None) -> None:
        """Re-key one record after its visible version may have changed (no-op before build)."""
        keys = self.keys
        if keys is None:
            return
        new = self._key(rid, props)
        old = self._key_of.get(rid)
        if old == new:
            return
        if old is not None:
            keys.remove(old)
            del self._key_of[rid]
        if new is not None:
            keys.add(new)
            self._key_of[rid] = new

    def _key(self, rid: str, props: dict[str, str] | None) -> Key | None:
        if props is None:
            self.odd_ids.discard(rid)
            return None
        if props.get(ID_PROPERTY) != rid:
            self.odd_ids.add(rid)
        else:
            self.odd_ids.discard(rid)
        value = props.get(self.prop)
        # Search treats an empty value as missing: such records never match a range filter.
        return (value, int(rid)) if value else None

    def schedule(self, rid: str, due_ms: int) -> None:
        """Remember that `rid` has a write that becomes visible to search at `due_ms`."""
        heapq.heappush(self._due, (due_ms, rid))

    def due(self, now_ms: int) -> Iterator[str]:
        """Pop the ids whose scheduled visibility time has come (may include stale entries)."""
        queue = self._due
        while queue and queue[0][0] <= now_ms:
            yield heapq.heappop(queue)[1]

    def clear(self) -> None:
        self.keys = None
        self._key_of.clear()
        self.odd_ids.clear()
        self._due.clear()
