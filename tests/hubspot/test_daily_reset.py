"""The daily budget comes back at HubSpot's daily boundary inside a long-running process.

HubSpot resets it at midnight in the account's time zone (hubspot-api.md §1). The limiter reads
wall-clock time from its `Timer`, so these tests move a fake clock instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.errors import DailyLimitError
from connector.hubspot._limiter import Budget, RateLimiter, Timer
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway
from tests.hubspot.fakes import FakeClock


class WallClock:
    """Wall-clock time that only moves when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def _limiter(wall: WallClock, **kwargs: object) -> RateLimiter:
    fake = FakeClock()
    timer = Timer(monotonic=fake.monotonic, sleep=fake.sleep, now=wall.now)
    return RateLimiter(requests_per_10s=100, search_per_second=5, timer=timer, **kwargs)  # type: ignore[arg-type]


def _call(limiter: RateLimiter, remaining: int | None = None) -> None:
    limiter.acquire(Budget.STANDARD)
    headers = {} if remaining is None else {"X-HubSpot-RateLimit-Daily-Remaining": str(remaining)}
    limiter.release(Budget.STANDARD, headers=headers)


def test_a_spent_budget_is_probed_at_the_next_hour_when_the_zone_is_unknown() -> None:
    wall = WallClock(datetime(2026, 3, 10, 22, 40, tzinfo=UTC))
    limiter = _limiter(wall)
    _call(limiter, remaining=0)
    with pytest.raises(DailyLimitError, match="23:00:00"):
        limiter.acquire(Budget.STANDARD)
    wall.advance(timedelta(minutes=19))
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)
    wall.advance(timedelta(minutes=1))  # 23:00: midnight somewhere (UTC+1, for one)
    _call(limiter, remaining=624_999)
    assert limiter.snapshot().daily_remaining == 624_999
    assert limiter.snapshot().daily_blocked_until is None


def test_a_probe_refused_by_hubspot_blocks_until_the_following_hour() -> None:
    wall = WallClock(datetime(2026, 3, 10, 22, 40, tzinfo=UTC))
    limiter = _limiter(wall)
    limiter.daily_exhausted()
    wall.advance(timedelta(minutes=30))
    limiter.acquire(Budget.STANDARD)  # the probe goes out...
    limiter.release(Budget.STANDARD)
    limiter.daily_exhausted()  # ...and HubSpot's day has not turned yet (a DAILY 429)
    assert limiter.snapshot().daily_blocked_until == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)


def test_with_the_portal_zone_known_calls_resume_at_its_midnight_and_not_before() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    wall = WallClock(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))  # 14:00 in Berlin (CEST)
    limiter = _limiter(wall, daily_reset_zone=berlin)
    limiter.daily_exhausted()
    midnight = datetime(2026, 7, 2, 0, 0, tzinfo=berlin)
    assert limiter.snapshot().daily_blocked_until == midnight.astimezone(UTC)
    wall.at = midnight.astimezone(UTC) - timedelta(seconds=1)
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)
    wall.at = midnight.astimezone(UTC)
    _call(limiter, remaining=1_000_000)
    assert limiter.snapshot().daily_remaining == 1_000_000


def test_our_own_daily_ceiling_comes_back_at_midnight_not_every_hour() -> None:
    wall = WallClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    limiter = _limiter(wall, daily_limit=2)
    _call(limiter)
    _call(limiter)
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)
    wall.advance(timedelta(hours=5))
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)
    wall.at = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    _call(limiter)
    _call(limiter)  # the whole ceiling again, for the new day
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)


def test_the_gateway_resumes_when_the_sandbox_day_turns(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(
        contacts=5,
        tier="professional",
        daily_limit=3,
        now=datetime(2026, 3, 10, 23, 30, tzinfo=UTC),
    )
    gateway = make_gateway(sandbox, timer=Timer(now=sandbox.clock.now))
    for _ in range(3):
        gateway.list_contacts(properties=["email"], limit=1)
    with pytest.raises(DailyLimitError):
        gateway.list_contacts(properties=["email"], limit=1)
    sent = sum(sandbox.request_counts().values())
    sandbox.clock.advance(timedelta(minutes=31))  # the sandbox's day (UTC) turns at midnight
    page = gateway.list_contacts(properties=["email"], limit=1)
    assert page.results
    assert sum(sandbox.request_counts().values()) == sent + 1
    assert gateway.limiter.snapshot().daily_remaining == 2
