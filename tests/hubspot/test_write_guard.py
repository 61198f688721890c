"""The write guard (the lease's fence) runs right before each attempt is sent: after the
limiter's wait and each retry's backoff, so neither can carry a write past a lapsed lease."""

from __future__ import annotations

import pytest

from connector.errors import ConnectorError, RetriableHubSpotError
from connector.hubspot._limiter import Timer
from connector.hubspot.models import RecordUpdate
from connector.hubspot.write_guard import guarding_writes
from connector.sandbox import FaultConfig
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway


class Lapsed(ConnectorError):
    pass


class FakeTime:
    """Time that moves only when the limiter or a retry sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def timer(self) -> Timer:
        return Timer(monotonic=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def _update_calls(sandbox_counts: dict[tuple[str, str, int], int]) -> int:
    return sum(n for (m, path, _), n in sandbox_counts.items() if "/batch/update" in path)


def test_the_check_runs_after_the_limiters_wait_and_stops_the_write(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=5)
    time = FakeTime()
    gateway = make_gateway(sandbox, timer=time.timer(), requests_per_10s=1, ten_secondly_wait=10)
    first, second = sandbox.store.all_ids("contacts")[:2]
    expires_at = time.now + 5  # the lease lapses while the second write waits for the budget
    checked_at: list[float] = []

    def fence() -> None:
        checked_at.append(time.now)
        if time.now >= expires_at:
            raise Lapsed("lease lost")

    with guarding_writes(fence):
        gateway.update_contacts([RecordUpdate(id=first, properties={"hs_lead_status": "OPEN"})])
        before_second = time.now
        with pytest.raises(Lapsed):
            gateway.update_contacts(
                [RecordUpdate(id=second, properties={"hs_lead_status": "OPEN"})]
            )
    # A check before the call (at before_second, under the expiry) would have let it through.
    assert before_second < expires_at <= checked_at[-1]
    assert _update_calls(sandbox.request_counts()) == 1
    assert (sandbox.store.get("contacts", second) or {}).get("hs_lead_status") != "OPEN"


def test_every_retry_is_checked_again_and_a_failed_check_ends_the_retries(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    faults = FaultConfig(cut_rate=1.0, only_paths=("/batch/update",))
    sandbox = make_sandbox(contacts=5, faults=faults)
    gateway = make_gateway(sandbox, read_timeout=0.3, call_time_cap=1.0)
    target = sandbox.store.all_ids("contacts")[0]
    update = [RecordUpdate(id=target, properties={"hs_lead_status": "OPEN"})]
    checks = 0

    def count() -> None:
        nonlocal checks
        checks += 1

    with guarding_writes(count), pytest.raises(RetriableHubSpotError):
        gateway.update_contacts(update)
    attempts = gateway.stats().calls_by_endpoint["contacts.batch_update"]
    assert attempts >= 2 and checks == attempts

    def lapse_after_the_first() -> None:
        nonlocal checks
        checks += 1
        if checks > 1:
            raise Lapsed("lease lost")

    checks = 0
    sent_before = _update_calls(sandbox.request_counts())
    with guarding_writes(lapse_after_the_first), pytest.raises(Lapsed):
        gateway.update_contacts(update)
    assert _update_calls(sandbox.request_counts()) == sent_before + 1  # the retry was not sent


def test_outside_the_block_nothing_is_checked(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=5)
    gateway = make_gateway(sandbox)
    target = sandbox.store.all_ids("contacts")[0]

    def refuse() -> None:
        raise Lapsed("lease lost")

    with guarding_writes(refuse), pytest.raises(Lapsed):
        gateway.read_contacts([target], ["email"])  # inside: every request is checked
    outcome = gateway.update_contacts(
        [RecordUpdate(id=target, properties={"hs_lead_status": "OPEN"})]
    )
    assert outcome.succeeded == (target,)
