"""The seed's records, its weighted choice and its fast ISO formatter."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

SECOND_MS = 1_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
PORTAL_AGE_DAYS = 3 * 365  # how far back the oldest records go
QUIET_DAYS = 183  # "gone quiet" means no engagement for at least six months
RECENT_DAYS = 14  # "recent" engagement for the deep and back-after-pause stories
CONTACTS_PER_COMPANY = 8
FIRST_CONTACT_ID = 1_001
FIRST_COMPANY_ID = 20_000_000_001

STORIES: tuple[str, ...] = (
    "cold",
    "superficial",
    "nurturing",
    "gone_quiet",
    "back_after_pause",
    "deep",
)
STORY_WEIGHTS: dict[str, float] = {
    "cold": 0.22,
    "superficial": 0.33,
    "nurturing": 0.12,
    "gone_quiet": 0.20,
    "back_after_pause": 0.07,
    "deep": 0.06,
}


@dataclass(frozen=True, slots=True)
class SeedOwner:
    """A portal user who can own records (`GET /crm/v3/owners`)."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    archived: bool
    teams: tuple[str, ...]
    role: str  # "sdr" | "ae" | "manager"


@dataclass(slots=True)
class SeedRecord:
    """A company or contact: HubSpot wire properties plus its timestamps.

    `story` is the contact's engagement story (see the module docstring); None for companies.
    """

    id: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    company_id: str | None = None
    story: str | None = None


@dataclass(slots=True)
class SeedPortal:
    """Everything the sandbox loads at start-up."""

    owners: list[SeedOwner]
    companies: list[SeedRecord]
    contacts: list[SeedRecord]


class Weighted(Generic[T]):
    """A weighted choice that costs one `random()` and one bisect per draw."""

    __slots__ = ("_cum", "_total", "values")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self._cum = list(accumulate(w for _, w in pairs))
        self._total = self._cum[-1]

    def pick(self, rnd: random.Random) -> T:
        """Draw one value."""
        return self.values[bisect(self._cum, rnd.random() * self._total)]


# --- fast wire formatting ------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_MILLIS = [f".{i:03d}Z" for i in range(1000)]


class IsoFormatter:
    """Epoch milliseconds -> "2026-11-20T09:15:00.000Z", with the date part cached per day.

    strftime per value would dominate seeding 100k contacts (~20 datetimes each).
    """

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, ms: int) -> str:
        day, rem = divmod(ms, DAY_MS)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
            self._days[day] = prefix
        sec, milli = divmod(rem, SECOND_MS)
        return prefix + _HMS[sec] + _MILLIS[milli]


def to_datetime(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def between(rnd: random.Random, low: int, high: int) -> int:
    """A uniform instant in [low, high] (low when the range is empty)."""
    return low + int(rnd.random() * (high - low)) if high > low else low


def words(text: str) -> list[str]:
    return text.split()


def phrases(text: str) -> list[str]:
    return [p.strip() for p in text.split("|") if p.strip()]
