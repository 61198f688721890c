"""The contacts a run leaves to the next one because HubSpot's search lags writes.

A run pulls contacts modified up to `until` = now minus `CONNECTOR_SEARCH_LAG_SECONDS`: search
shows a write only 0.2–2 s (sometimes more) after it is made, so a contact modified later may not
be visible yet, and the cursor must not pass it. Those contacts are scored by the next run. One
search with `lastmodifieddate` after `until`, `limit=1`, reads their number from `total`, so the
summary and `status` can say how many wait, and why.

It is counted when the run starts, before the run's own writes stamp a new `lastmodifieddate` on
the contacts it scores (those come back to the next run too, as echoes, but nothing waits for
them). Contacts modified so recently that search does not show them yet are not counted: the
number is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector.sync.ports import HubSpotPort

ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class LagCount:
    """How many contacts changed after the run's `until`, within the lag window."""

    waiting: int
    lag_seconds: float
    #: whether a search call was spent on it (none with a lag of zero: nothing can wait)
    counted: bool

    def summary(self) -> dict[str, Any]:
        return {"lag_waiting": self.waiting, "lag_window_seconds": self.lag_seconds}


def count_waiting(port: HubSpotPort, *, until: datetime, now: datetime) -> LagCount:
    """One search call at most: contacts with until < lastmodifieddate <= now."""
    lag = (now - until).total_seconds()
    if until >= now:
        return LagCount(waiting=0, lag_seconds=max(lag, 0.0), counted=False)
    page = port.search_contacts_modified(
        since=until + ONE_MS, until=now, properties=["hs_object_id"], limit=1
    )
    return LagCount(waiting=page.total, lag_seconds=lag, counted=True)


def lag_line(summary: dict[str, Any]) -> str | None:
    """How the console and `status` say it, or None when nothing waits."""
    waiting = summary.get("lag_waiting")
    if not waiting:
        return None
    seconds = summary.get("lag_window_seconds") or 0
    noun = "contact" if waiting == 1 else "contacts"
    return (
        f"{waiting} {noun} changed in the last {seconds:g} s and wait for the next run "
        "(HubSpot's search shows changes late; CONNECTOR_SEARCH_LAG_SECONDS)"
    )
