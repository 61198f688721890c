"""One HubSpot call, done politely: limiter slot, explicit timeouts, retries by error class, cap.

Every gateway method hands `CallRunner.run` a `send(timeout)` function that performs one SDK call
with ``_preload_content=False`` (so the raw status, headers and JSON come back whatever the status
code: the SDK silently returns None for a 2xx it has no model for, hubspot-api.md §12). The runner:

1. takes a slot from the shared `RateLimiter` (waiting at most until the call's deadline);
2. sends with ``(connect, read)`` timeouts, shrunk so the attempt cannot outlive the deadline;
3. maps failures to connector errors (`_errors`), counts the attempt (`_stats`), gives the slot
   back with the response headers so the limiter learns HubSpot's real budget;
4. retries `RetriableHubSpotError` with tenacity: 429 waits for Retry-After or by policy
   (SECONDLY/search ≈1 s, TEN_SECONDLY_ROLLING ≈10 s); 5xx, timeouts and dropped connections back
   off exponentially with jitter. A retry whose wait would cross the deadline is not attempted:
   the last error surfaces instead, so no call outlives its time cap.
5. fails fast when HubSpot cannot be reached at all (connection refused, DNS, connect timeout):
   from the first such failure, the runner keeps trying for at most `unreachable_cap` seconds
   *across calls*; after that every call fails at once with the last connect error, until a
   connection succeeds again or `reset_reachability` starts a new run. So an unreachable HubSpot
   fails a run in about `unreachable_cap` seconds, not one time cap per call. 5xx, 429 and read
   timeouts (HubSpot is there, but slow or busy) keep the per-call cap.

Non-idempotent calls (batch create of tasks) are only retried when HubSpot certainly did not act
on the request: a 429, a 503, or a connection that was never established. A timeout or cut
connection after sending could have created the records, and a blind retry would duplicate them.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception

from connector.errors import (
    DailyLimitError,
    HubSpotError,
    HubSpotErrorDetails,
    RateLimitedError,
    RetriableHubSpotError,
)
from connector.hubspot._errors import (
    LOCKED_STATUS,
    error_from_sdk,
    error_from_transport,
    header_map,
    is_sdk_http_error,
    is_transport_error,
)
from connector.hubspot._limiter import Budget, RateLimiter
from connector.hubspot._stats import CONNECTION_ERROR_KEY, TIMEOUT_KEY, CallAccounting
from connector.hubspot.write_guard import check_before_sending
from connector.hubspot_facts import BURST_WINDOW_SECONDS, SEARCH_WINDOW_SECONDS
from connector.logging import get_logger

log = get_logger(__name__)

#: Shortest timeout an attempt gets (s): below this a call cannot complete even on loopback.
MIN_ATTEMPT_SECONDS = 0.05
#: HubSpot asks for at least 2 s after a 423 Locked (usage guidelines).
LOCKED_MIN_WAIT_SECONDS = 2.0
#: Extra random wait on 429s, as a share of the wait, so threads do not retry in lock-step.
RATE_LIMIT_JITTER_SHARE = 0.1
#: 5xx HubSpot answers without having acted on the request.
NOT_PROCESSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait before retrying, by error class (all seconds)."""

    connect_timeout: float
    read_timeout: float
    call_time_cap: float
    ten_secondly_wait: float = BURST_WINDOW_SECONDS
    secondly_wait: float = SEARCH_WINDOW_SECONDS
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: How long HubSpot may stay unreachable (connect failures only), across calls, before
    #: every call fails at once.
    unreachable_cap: float = 20.0


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A 2xx answer: status, lower-cased headers and the parsed JSON body ({} if none)."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]


Send = Callable[[tuple[float, float]], Any]


class CallRunner:
    """Runs calls through the limiter with retries, timeouts, a time cap and accounting."""

    def __init__(
        self,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        stats: CallAccounting,
        rng: random.Random | None = None,
    ) -> None:
        self._limiter = limiter
        self._timer = limiter.timer
        self._policy = policy
        self._stats = stats
        self._rng = rng or random.Random()
        self._reach_lock = threading.Lock()
        #: When the current streak of connect failures began (monotonic), and its last error.
        self._unreachable_since: float | None = None
        self._unreachable_error: HubSpotError | None = None
        self._unreachable_last = 0.0  # when the streak's last connect failure happened
        self._unreachable_spent = False  # no retry fits in the cap any more

    def reset_reachability(self) -> None:
        """Forget a streak of connect failures (a new run tries HubSpot again)."""
        with self._reach_lock:
            self._end_streak()

    def _end_streak(self) -> None:
        # The caller holds `_reach_lock`.
        self._unreachable_since = None
        self._unreachable_error = None
        self._unreachable_spent = False

    def _unreachable_deadline(self) -> float | None:
        with self._reach_lock:
            if self._unreachable_since is None:
                return None
            return self._unreachable_since + self._policy.unreachable_cap

    def _note_reach(self, error: HubSpotError | None, *, started: float) -> None:
        """Record an attempt's outcome: a connect failure extends the streak (which began when
        its first attempt did), anything else (HubSpot answered, even with an error) ends it."""
        with self._reach_lock:
            if error is not None and _connect_failed(error):
                if self._unreachable_since is None:
                    self._unreachable_since = started
                self._unreachable_error = error
                self._unreachable_last = self._timer.monotonic()
            else:
                self._end_streak()

    def run(
        self,
        endpoint: str,
        budget: Budget,
        send: Send,
        *,
        idempotent: bool = True,
        expected_statuses: frozenset[int] = frozenset(),
    ) -> RawResponse:
        """Perform one logical call; retried attempts share one time cap.

        Args:
            endpoint: our name for the call (``contacts.search``), used in errors, logs, stats.
            budget: the limiter window it spends.
            send: performs one attempt given ``(connect, read)`` timeouts and returns the urllib3
                response (the SDK called with ``_preload_content=False``).
            idempotent: False when a blind retry could duplicate side effects.
            expected_statuses: error statuses the caller handles (e.g. 409 on an idempotent
                create): still raised, but logged at debug rather than as a failure.

        Returns:
            The 2xx answer.

        Raises:
            HubSpotError: the mapped error of the last attempt (see connector/errors.py).
        """
        deadline = self._timer.monotonic() + self._policy.call_time_cap
        # tenacity versions differ on whether `wait` or `stop` runs first after a failure;
        # whichever does computes the (jittered) wait once per attempt and both share it.
        planned: dict[int, float] = {}

        def planned_wait(state: RetryCallState) -> float:
            if state.attempt_number not in planned:
                exc = state.outcome.exception() if state.outcome else None
                planned[state.attempt_number] = (
                    self._wait_for(exc, state.attempt_number, budget)
                    if isinstance(exc, HubSpotError)
                    else 0.0
                )
            return planned[state.attempt_number]

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, RetriableHubSpotError):
                return False
            if exc.details.category == "LOCAL_RATE_LIMIT":
                return False  # the limiter already waited until the deadline
            return idempotent or _certainly_not_processed(exc)

        def stop(state: RetryCallState) -> bool:
            wait = planned_wait(state)
            resume = self._timer.monotonic() + wait + MIN_ATTEMPT_SECONDS
            if resume >= deadline:
                return True
            exc = state.outcome.exception() if state.outcome else None
            unreachable = self._unreachable_deadline()
            if not (isinstance(exc, HubSpotError) and _connect_failed(exc)) or unreachable is None:
                return False
            if resume < unreachable:
                return False
            with self._reach_lock:
                self._unreachable_spent = True  # the run's later calls fail at once
            return True

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            details = exc.details if isinstance(exc, HubSpotError) else HubSpotErrorDetails()
            self._stats.record_retry(endpoint)
            log.info(
                "hubspot_call_retrying",
                endpoint=endpoint,
                attempt=state.attempt_number,
                status=details.status,
                category=details.category,
                correlation_id=details.correlation_id,
                wait_s=round(planned_wait(state), 3),
            )

        retrying = Retrying(
            retry=retry_if_exception(should_retry),
            stop=stop,
            wait=planned_wait,
            sleep=self._timer.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        last_hubspot_error: list[HubSpotError] = []

        def attempt() -> RawResponse:
            try:
                self._fail_if_unreachable(endpoint)
                return self._attempt(endpoint, budget, send, deadline)
            except HubSpotError as exc:
                if exc.details.category == "LOCAL_RATE_LIMIT" and last_hubspot_error:
                    # Our limiter gave up before the cap: what HubSpot said last is the news.
                    raise last_hubspot_error[-1] from None
                last_hubspot_error.append(exc)
                raise

        try:
            result: RawResponse = retrying(attempt)
        except HubSpotError as exc:
            expected = exc.details.status in expected_statuses
            (log.debug if expected else log.warning)(
                "hubspot_call_failed",
                endpoint=endpoint,
                error=type(exc).__name__,
                status=exc.details.status,
                category=exc.details.category,
                correlation_id=exc.details.correlation_id,
            )
            raise
        return result

    def _fail_if_unreachable(self, endpoint: str) -> None:
        """Fail at once while HubSpot has been unreachable for longer than the cap.

        A streak whose last failure is older than the cap is stale (the next scheduled run,
        minutes later): it is forgotten and HubSpot is tried again.
        """
        cap = self._policy.unreachable_cap
        now = self._timer.monotonic()
        with self._reach_lock:
            since, last = self._unreachable_since, self._unreachable_error
            spent = self._unreachable_spent
            if since is not None and now - self._unreachable_last >= cap:
                self._end_streak()
                return
        if since is None or last is None or not (spent or now >= since + cap):
            return
        raise RetriableHubSpotError(
            f"{endpoint}: HubSpot has been unreachable for "
            f"{self._policy.unreachable_cap:g} s (CONNECTOR_UNREACHABLE_CAP); last: {last}",
            replace(last.details, endpoint=endpoint),
        )

    def _attempt(self, endpoint: str, budget: Budget, send: Send, deadline: float) -> RawResponse:
        try:
            self._limiter.acquire(budget, deadline=deadline)
        except HubSpotError as exc:
            raise type(exc)(f"{endpoint}: {exc}", replace(exc.details, endpoint=endpoint)) from None
        check_before_sending()
        headers: dict[str, str] | None = None
        rate_limited = False
        try:
            now = self._timer.monotonic()
            remaining = max(MIN_ATTEMPT_SECONDS, deadline - now)
            # No connect attempt outlives the unreachable cap, counted from the streak's start.
            unreachable = self._unreachable_deadline() or now + self._policy.unreachable_cap
            connect_left = max(MIN_ATTEMPT_SECONDS, min(remaining, unreachable - now))
            timeout = (
                min(self._policy.connect_timeout, connect_left),
                min(self._policy.read_timeout, remaining),
            )
            try:
                response = send(timeout)
                try:
                    status = int(response.status)
                    headers = header_map(response.headers)
                    data = response.data
                finally:
                    response.release_conn()
            except Exception as exc:
                error = self._map_failure(exc, endpoint)
                if error is None:
                    raise
                if is_sdk_http_error(exc):
                    headers = header_map(getattr(exc, "headers", None))
                rate_limited = isinstance(error, RateLimitedError)
                if isinstance(error, DailyLimitError):
                    self._limiter.daily_exhausted()
                self._note_reach(error, started=now)
                raise error from None
            self._note_reach(None, started=now)
            try:
                body = _json_body(data)
            except ValueError:
                # A 2xx whose body is cut short without a Content-Length to betray it.
                self._stats.record_attempt(endpoint, CONNECTION_ERROR_KEY)
                raise RetriableHubSpotError(
                    f"{endpoint}: HubSpot answered {status} with a truncated or non-JSON body",
                    HubSpotErrorDetails(
                        status=status, category="CONNECTION_ERROR", endpoint=endpoint
                    ),
                ) from None
            self._stats.record_attempt(endpoint, str(status))
            return RawResponse(status=status, headers=headers, body=body)
        finally:
            self._limiter.release(budget, headers=headers, rate_limited=rate_limited)

    def _map_failure(self, exc: Exception, endpoint: str) -> HubSpotError | None:
        if is_sdk_http_error(exc):
            error = error_from_sdk(exc, endpoint=endpoint)
            key = str(error.details.status) if error.details.status else CONNECTION_ERROR_KEY
        elif is_transport_error(exc):
            error = error_from_transport(exc, endpoint=endpoint)
            key = TIMEOUT_KEY if error.details.category == "TIMEOUT" else CONNECTION_ERROR_KEY
        else:
            return None
        self._stats.record_attempt(endpoint, key)
        return error

    def _wait_for(self, exc: HubSpotError, attempt: int, budget: Budget) -> float:
        details = exc.details
        if isinstance(exc, RateLimitedError):
            if details.retry_after is not None:
                base = details.retry_after
            elif _is_secondly(details) or budget is Budget.SEARCH:
                base = self._policy.secondly_wait
            else:
                base = self._policy.ten_secondly_wait
            return base * (1.0 + self._rng.uniform(0.0, RATE_LIMIT_JITTER_SHARE))
        if details.retry_after is not None:
            return float(details.retry_after)
        ceiling = min(self._policy.backoff_max, self._policy.backoff_base * 2.0 ** (attempt - 1))
        # "Equal jitter": at least half the exponential step, so waits still grow.
        wait = ceiling / 2 + self._rng.uniform(0.0, ceiling / 2)
        if details.status == LOCKED_STATUS:
            wait = max(wait, LOCKED_MIN_WAIT_SECONDS)
        return wait


def _is_secondly(details: HubSpotErrorDetails) -> bool:
    policy = (details.policy_name or "").upper()
    if policy:
        return policy == "SECONDLY"
    return (
        "secondly limit" in (details.message or "").lower()
        and "ten_secondly" not in (details.message or "").lower()
    )


def _connect_failed(exc: HubSpotError) -> bool:
    """HubSpot was not reached at all: refused, DNS, or no connection within the timeout."""
    return exc.details.status is None and exc.details.category == "CONNECT_FAILED"


def _certainly_not_processed(exc: RetriableHubSpotError) -> bool:
    if exc.details.status in NOT_PROCESSED_STATUSES:
        return True
    return exc.details.category == "CONNECT_FAILED"


def _json_body(data: object) -> dict[str, Any]:
    if not data:
        return {}
    if isinstance(data, bytes | bytearray):
        data = data.decode("utf-8", errors="replace")
    if not isinstance(data, str):
        return {}
    parsed = json.loads(data)
    return parsed if isinstance(parsed, dict) else {"results": parsed}
