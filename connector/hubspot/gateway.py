"""`HubSpotGateway`: the connector's one door to HubSpot (implements `HubSpotPort`).

The SDK client and every API object are built once and reused: each property access on the SDK
builds a new ApiClient and connection pool (hubspot-api.md §12). The SDK's own urllib3 retries are
off (``Retry(total=0)``) so that every attempt passes through our limiter, retry policy and
accounting (`_transport.CallRunner`). All calls are made with ``_preload_content=False`` and an
explicit ``_request_timeout=(connect, read)``.

Thread safety: one gateway may be shared by all threads of a run; its limiter, accounting and
urllib3 pools are thread-safe.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubspot import HubSpot
from urllib3.util.retry import Retry

from connector.errors import DailyLimitError, FatalHubSpotError
from connector.hubspot import _batch, _parse, _tasks
from connector.hubspot._limiter import Budget, RateLimiter, Timer
from connector.hubspot._properties import PropertiesClient
from connector.hubspot._stats import CallAccounting
from connector.hubspot._transport import CallRunner, RawResponse, RetryPolicy
from connector.hubspot.models import (
    BatchOutcome,
    CallStats,
    CrmRecord,
    CustomPropertyUsage,
    ListPage,
    NewProperty,
    NewTask,
    Owner,
    PropertyDefinition,
    RecordUpdate,
    SearchPage,
)
from connector.logging import get_logger, register_secret
from connector.settings import Settings

log = get_logger(__name__)

#: Search pages hold at most 200 results (hubspot-api.md §2).
SEARCH_PAGE_MAX = 200
#: List (GET objects) pages hold at most 100.
LIST_PAGE_MAX = 100
#: Owners are listed 100 per page (the API's maximum).
OWNERS_PAGE_SIZE = 100
#: Connections kept per pool: more than the connector's threads so none waits for a socket.
POOL_MAXSIZE = 10


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything the gateway needs; `HubSpotGateway.from_settings` fills it from Settings.

    Times are seconds. The last four fields tune retry waits; tests shorten them.
    """

    base_url: str
    access_token: str = field(repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    call_time_cap: float = 120.0
    requests_per_10s: int = 100
    search_per_second: int = 5
    daily_limit: int | None = None
    ten_secondly_wait: float = 10.0
    secondly_wait: float = 1.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0


class HubSpotGateway:
    """Typed, rate-limited, retried access to the HubSpot APIs the connector uses."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        limiter: RateLimiter | None = None,
        timer: Timer | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Build the SDK client and API objects once.

        Args:
            config: endpoint, token, timeouts and budgets.
            limiter: share one per portal when several gateways talk to the same portal.
            timer: clock and sleep for the limiter and retries (tests pass fakes).
            rng: jitter source (tests pass a seeded one).
        """
        register_secret(config.access_token)
        self._config = config
        self._limiter = limiter or RateLimiter(
            requests_per_10s=config.requests_per_10s,
            search_per_second=config.search_per_second,
            daily_limit=config.daily_limit,
            timer=timer,
        )
        self._stats = CallAccounting()
        self._runner = CallRunner(
            limiter=self._limiter,
            policy=RetryPolicy(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                call_time_cap=config.call_time_cap,
                ten_secondly_wait=config.ten_secondly_wait,
                secondly_wait=config.secondly_wait,
                backoff_base=config.backoff_base,
                backoff_max=config.backoff_max,
            ),
            stats=self._stats,
            rng=rng,
        )
        client = HubSpot(
            access_token=config.access_token,
            host=config.base_url,  # generated APIs read `host`
            base_url=config.base_url,  # client.api_request reads `base_url`
            retry=Retry(total=0, redirect=0, raise_on_status=False),
            connection_pool_maxsize=POOL_MAXSIZE,
        )
        crm = client.crm
        self._contacts_basic = crm.contacts.basic_api
        self._contacts_batch = crm.contacts.batch_api
        self._contacts_search = crm.contacts.search_api
        self._companies_batch = crm.companies.batch_api
        self._tasks_batch = crm.objects.tasks.batch_api
        self._tasks_search = crm.objects.tasks.search_api
        self._owners = crm.owners.owners_api
        self._properties = PropertiesClient(
            self._call,
            core_api=crm.properties.core_api,
            groups_api=crm.properties.groups_api,
            batch_api=crm.properties.batch_api,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> HubSpotGateway:
        """A gateway configured from the connector's settings (raises ConfigError with no token)."""
        return cls(
            GatewayConfig(
                base_url=settings.base_url,
                access_token=settings.require_token(),
                connect_timeout=settings.connect_timeout_seconds,
                read_timeout=settings.read_timeout_seconds,
                call_time_cap=settings.call_time_cap_seconds,
                requests_per_10s=settings.requests_per_10s,
                search_per_second=settings.search_per_second,
                daily_limit=settings.daily_limit,
            )
        )

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    # -- plumbing -------------------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        budget: Budget,
        method: Callable[..., Any],
        *args: Any,
        idempotent: bool = True,
        expected_statuses: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> RawResponse:
        def send(timeout: tuple[float, float]) -> Any:
            return method(*args, _request_timeout=timeout, _preload_content=False, **kwargs)

        return self._runner.run(
            endpoint, budget, send, idempotent=idempotent, expected_statuses=expected_statuses
        )

    # -- search ---------------------------------------------------------------------------------

    def search_contacts_modified(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """Contacts with since <= lastmodifieddate <= until, sorted by lastmodifieddate ASC.

        Args:
            since: window start, aware datetime (inclusive).
            until: window end, aware datetime (inclusive).
            properties: contact properties to return.
            after: the page token from the previous page, exactly as HubSpot sent it.
            limit: page size, 1..200.

        Returns:
            One page, with `next_after` None on the last page.
        """
        filters = [
            _filter("lastmodifieddate", "GTE", str(_parse.to_epoch_ms(since))),
            _filter("lastmodifieddate", "LTE", str(_parse.to_epoch_ms(until))),
        ]
        return self._search_contacts(filters, "lastmodifieddate", properties, after, limit)

    def search_contacts_modified_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = SEARCH_PAGE_MAX,
        after: str | None = None,
    ) -> SearchPage:
        """Contacts with lastmodifieddate == instant and hs_object_id > after_id, sorted by id.

        Drains one millisecond holding more than 10,000 contacts: the id filter moves instead of
        the offset (sync-techniques.md §1.1). `after` is HubSpot's page token, for the caller
        that must follow a short page that still says "more".
        """
        filters = [_filter("lastmodifieddate", "EQ", str(_parse.to_epoch_ms(instant)))]
        if after_id is not None:
            filters.append(_filter("hs_object_id", "GT", str(after_id)))
        return self._search_contacts(filters, "hs_object_id", properties, after, limit)

    def _search_contacts(
        self,
        filters: list[dict[str, str]],
        sort_property: str,
        properties: Sequence[str],
        after: str | None,
        limit: int,
    ) -> SearchPage:
        body = _search_body(filters, sort_property, properties, after, limit)
        response = self._call(
            "contacts.search",
            Budget.SEARCH,
            self._contacts_search.do_search_with_http_info,
            public_object_search_request=body,
        )
        return SearchPage(
            results=tuple(_parse.parse_records(response.body)),
            total=int(response.body.get("total") or 0),
            next_after=_parse.next_after(response.body),
        )

    def search_tasks(
        self, *, property_name: str, value: str, properties: Sequence[str]
    ) -> list[CrmRecord]:
        """Tasks whose `property_name` contains the token `value` (CONTAINS_TOKEN), all pages."""
        filters = [_filter(property_name, "CONTAINS_TOKEN", value)]
        found: list[CrmRecord] = []
        after: str | None = None
        seen_tokens: set[str] = set()
        while True:
            body = _search_body(filters, "hs_object_id", properties, after, SEARCH_PAGE_MAX)
            response = self._call(
                "tasks.search",
                Budget.SEARCH,
                self._tasks_search.do_search_with_http_info,
                public_object_search_request=body,
            )
            found.extend(_parse.parse_records(response.body))
            after = _parse.next_after(response.body)
            if after is None:
                return found
            if after in seen_tokens:  # a repeated token would loop forever (singer-sdk guard)
                raise FatalHubSpotError(f"tasks.search: HubSpot repeated the page token {after}")
            seen_tokens.add(after)

    # -- list and batch read --------------------------------------------------------------------

    def list_contacts(
        self, *, properties: Sequence[str], after: str | None = None, limit: int = LIST_PAGE_MAX
    ) -> ListPage:
        """One page of all contacts (GET /crm/v3/objects/contacts), for full resyncs."""
        if not 1 <= limit <= LIST_PAGE_MAX:
            raise ValueError(f"limit must be 1..{LIST_PAGE_MAX}, got {limit}")
        kwargs: dict[str, Any] = {"limit": limit, "properties": list(properties)}
        if after is not None:
            kwargs["after"] = after
        response = self._call(
            "contacts.list", Budget.STANDARD, self._contacts_basic.get_page_with_http_info, **kwargs
        )
        return ListPage(
            results=tuple(_parse.parse_records(response.body)),
            next_after=_parse.next_after(response.body),
        )

    def read_contacts(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        """Contacts by id (missing ids are absent), in the order asked, duplicates once."""
        return self._batch_read("contacts", self._contacts_batch, ids, properties)

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        """Companies by id (missing ids are absent), in the order asked, duplicates once."""
        return self._batch_read("companies", self._companies_batch, ids, properties)

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        """Tasks by id (missing ids are absent), in the order asked, duplicates once."""
        return self._batch_read("tasks", self._tasks_batch, ids, properties)

    def _batch_read(
        self, object_type: str, api: Any, ids: Sequence[str], properties: Sequence[str]
    ) -> list[CrmRecord]:
        wanted = _batch.unique_ids(ids)
        by_id: dict[str, CrmRecord] = {}
        for chunk in _batch.chunked(wanted):
            body = {
                "inputs": [{"id": i} for i in chunk],
                "properties": list(properties),
                "propertiesWithHistory": [],
            }
            response = self._call(
                f"{object_type}.batch_read",
                Budget.STANDARD,
                api.read_with_http_info,
                batch_read_input_simple_public_object_id=body,
                archived=False,
            )
            records, missing = _batch.read_outcome(response.body)
            by_id.update((r.id, r) for r in records)
            if missing:
                log.debug("hubspot_batch_read_missing", object_type=object_type, ids=missing)
        return [by_id[i] for i in wanted if i in by_id]

    # -- batch writes ---------------------------------------------------------------------------

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        """Write properties on contacts; see `_batch_update`."""
        return self._batch_update("contacts", self._contacts_batch, updates)

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        """Write properties on tasks; see `_batch_update`."""
        return self._batch_update("tasks", self._tasks_batch, updates)

    def _batch_update(
        self, object_type: str, api: Any, updates: Sequence[RecordUpdate]
    ) -> BatchOutcome:
        """Merge duplicate ids (later wins), send ≤100 per call, report every record's fate.

        A chunk HubSpot rejects as a whole (400, 404, 409…) fails its records with HubSpot's
        reason and the other chunks still go out. Auth errors, the daily limit and retriable
        errors that outlived the time cap are raised: they concern the run, not the records.
        """
        outcomes: list[BatchOutcome] = []
        for chunk in _batch.chunked(_batch.merge_updates(updates)):
            ids = [u.id for u in chunk]
            body = {"inputs": [{"id": u.id, "properties": dict(u.properties)} for u in chunk]}
            try:
                response = self._call(
                    f"{object_type}.batch_update",
                    Budget.STANDARD,
                    api.update_with_http_info,
                    batch_input_simple_public_object_batch_input=body,
                )
            except FatalHubSpotError as exc:
                if isinstance(exc, DailyLimitError):
                    raise
                outcomes.append(_batch.failed_chunk(ids, exc))
                continue
            outcomes.append(_batch.write_outcome(ids, response.body))
        outcome = _batch.combine(outcomes)
        if outcome.failed:
            log.warning(
                "hubspot_batch_update_partial_failure",
                object_type=object_type,
                succeeded=len(outcome.succeeded),
                failed=len(outcome.failed),
                categories=sorted({f.category for f in outcome.failed}),
            )
        return outcome

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        """Create tasks associated with their contact (204) and company (192), ≤100 per call.

        Results are mapped back to inputs by `objectWriteTraceId` (see `_tasks`):
        `created_ids[i]` is the id created for `tasks[i]` or None, and a failed input is reported
        with id ``"input:<i>"``. Creates are not retried after a timeout or a cut connection (the
        tasks may exist): such a chunk raises RetriableHubSpotError for the caller to reconcile.
        """
        outcomes: list[BatchOutcome] = []
        for start in range(0, len(tasks), _batch.BATCH_MAX_INPUTS):
            chunk = list(tasks[start : start + _batch.BATCH_MAX_INPUTS])
            body = {"inputs": [_tasks.task_input(t, str(i)) for i, t in enumerate(chunk)]}
            try:
                response = self._call(
                    "tasks.batch_create",
                    Budget.STANDARD,
                    self._tasks_batch.create_with_http_info,
                    batch_input_simple_public_object_batch_input_for_create=body,
                    idempotent=False,
                )
            except FatalHubSpotError as exc:
                if isinstance(exc, DailyLimitError):
                    raise
                failed = _batch.failed_chunk(
                    [_tasks.failure_id(start + i) for i in range(len(chunk))], exc
                )
                outcomes.append(failed.model_copy(update={"created_ids": (None,) * len(chunk)}))
                continue
            outcomes.append(_tasks.create_outcome(chunk, start, response.body))
        return _batch.combine(outcomes)

    # -- owners and properties ------------------------------------------------------------------

    def list_owners(self) -> list[Owner]:
        """Every active owner (all pages)."""
        owners: list[Owner] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": OWNERS_PAGE_SIZE, "archived": False}
            if after is not None:
                kwargs["after"] = after
            response = self._call(
                "owners.list", Budget.STANDARD, self._owners.get_page_with_http_info, **kwargs
            )
            owners.extend(
                _parse.parse_owner(o) for o in response.body.get("results") or [] if "id" in o
            )
            next_token = _parse.next_after(response.body)
            if next_token is None or next_token == after:
                return owners
            after = next_token

    def read_property_definitions(self, object_type: str) -> list[PropertyDefinition]:
        """Every property of `object_type` with its options."""
        return self._properties.read_definitions(object_type)

    def create_property_group(self, object_type: str, name: str, label: str) -> None:
        """Create a property group; an existing group (409) is success."""
        self._properties.create_group(object_type, name, label)

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome:
        """Create custom properties; ones that already exist count as succeeded (by name)."""
        return self._properties.create_properties(object_type, properties)

    def custom_property_usage(self) -> list[CustomPropertyUsage]:
        """Custom properties used and allowed per object type (GET /crm/v3/limits/...)."""
        return self._properties.custom_property_usage()

    # -- accounting -----------------------------------------------------------------------------

    def stats(self) -> CallStats:
        """Calls made since creation or the last `reset_stats`, by endpoint and status."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Start a new accounting period (call at the start of each run)."""
        self._stats.reset()


def _filter(name: str, operator: str, value: str) -> dict[str, str]:
    return {"propertyName": name, "operator": operator, "value": value}


def _search_body(
    filters: list[dict[str, str]],
    sort_property: str,
    properties: Sequence[str],
    after: str | None,
    limit: int,
) -> dict[str, Any]:
    if not 1 <= limit <= SEARCH_PAGE_MAX:
        raise ValueError(f"limit must be 1..{SEARCH_PAGE_MAX}, got {limit}")
    body: dict[str, Any] = {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
    }
    if after is not None:
        body["after"] = after
    return body


__all__ = ["GatewayConfig", "HubSpotGateway"]
