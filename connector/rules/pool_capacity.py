"""How much room the SDR pool has today: who is unavailable and why, and how many more
handoffs the available SDRs can take under their caps.

Pure, like `routing`: the shell passes the open handoffs and today's new ones per owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from connector.rules.routing import NO_DAILY_CAP, DailyCap, ResolvedPool, unavailable_reason


def pool_shortfall(
    pool: ResolvedPool, today: date, open_counts: Mapping[str, int], daily: DailyCap = NO_DAILY_CAP
) -> dict[str, int]:
    """How many of the pool's SDRs cannot take a handoff today, by why (absent, at capacity,
    at daily cap, archived); the rest under "available". For the run summary, status and sla."""
    counts = {"available": 0, "absent": 0, "at capacity": 0, "at daily cap": 0, "archived": 0}
    for member in pool.members:
        why = (
            "archived"
            if not pool.is_active(member.owner_id)
            else unavailable_reason(member, today, open_counts, daily)
        )
        counts[why or "available"] += 1
    return counts


def pool_room(
    pool: ResolvedPool, today: date, open_counts: Mapping[str, int], daily: DailyCap = NO_DAILY_CAP
) -> int | None:
    """How many more handoffs the pool's SDRs can take today under their caps (None: no cap
    bounds it). Lets the shell skip reading queued contacts nobody could take."""
    room = 0
    for member in pool.members:
        if not pool.is_active(member.owner_id) or unavailable_reason(
            member, today, open_counts, daily
        ):
            continue
        limits = []
        if member.max_open_handoffs is not None:
            limits.append(member.max_open_handoffs - open_counts.get(member.owner_id, 0))
        if daily.cap is not None:
            limits.append(daily.cap - daily.created_today.get(member.owner_id, 0))
        if not limits:
            return None
        room += max(0, min(limits))
    return room
