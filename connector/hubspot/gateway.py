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
from datetime import datetime
from typing import Any

from hubspot import HubSpot
from urllib3.util.retry import Retry

from connector.hubspot import _parse, _records
from connector.hubspot._config import GatewayConfig
from connector.hubspot._limiter import Budget, LimiterSnapshot, RateLimiter, Timer
from connector.hubspot._properties import PropertiesClient
from connector.hubspot._search import (
    at_instant_filters,
    between_filters,
    search_body,
    search_filter,
    search_page,
)
from connector.hubspot._stats import CallAccounting
from connector.hubspot._task_search import handoff_tasks_body
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
from connector.hubspot_facts import (
    LIST_PAGE_MAX,
    SEARCH_PAGE_MAX,
)
from connector.logging import register_secret
from connector.settings import Settings

#: Connections kept per pool: more than the connector's threads so none waits for a socket.
POOL_MAXSIZE = 10


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
            daily_reset_zone=config.daily_reset_zone,
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
                unreachable_cap=config.unreachable_cap,
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
        self._contacts_search_fn = crm.contacts.search_api.do_search_with_http_info
        self._companies_batch = crm.companies.batch_api
        self._tasks_batch = crm.objects.tasks.batch_api
        self._tasks_search_fn = crm.objects.tasks.search_api.do_search_with_http_info
        self._owners = crm.owners.owners_api
        self._associations_batch = crm.associations.v4.batch_api
        self._properties = PropertiesClient(
            self._call,
            core_api=crm.properties.core_api,
            groups_api=crm.properties.groups_api,
            batch_api=crm.properties.batch_api,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> HubSpotGateway:
        """A gateway configured from the connector's settings (raises ConfigError with no token)."""
        return cls(GatewayConfig.from_settings(settings))

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    def budget_snapshot(self) -> LimiterSnapshot:
        """How much of each rate-limit budget is in use right now (nothing is reserved)."""
        return self._limiter.snapshot()

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

    def _search(self, body: dict[str, Any]) -> SearchPage:
        return search_page(self._call, "contacts.search", self._contacts_search_fn, body)

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
        filters = between_filters("lastmodifieddate", since, until)
        return self._search(search_body(filters, "lastmodifieddate", properties, after, limit))

    def search_contacts_by_id(
        self,
        *,
        above_id: str | None,
        below_id: str | None,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """Contacts with above_id < hs_object_id < below_id (None: unbounded), highest id first.

        The backfill's search half walks the portal down from the top while the list endpoint
        walks it up from the bottom (connector/sync/backfill.py).
        """
        filters = []
        if above_id is not None:
            filters.append(search_filter("hs_object_id", "GT", above_id))
        if below_id is not None:
            filters.append(search_filter("hs_object_id", "LT", below_id))
        body = search_body(filters, "hs_object_id", properties, after, limit, descending=True)
        return self._search(body)

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
        filters = at_instant_filters("lastmodifieddate", instant, after_id)
        return self._search(search_body(filters, "hs_object_id", properties, after, limit))

    def search_contacts_created(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """Contacts with since <= createdate <= until, sorted by createdate ASC (for reviews).

        The 10,000-result cap applies as for `search_contacts_modified`: move `since` forward
        and drain a crowded millisecond with `search_contacts_created_at`.
        """
        filters = between_filters("createdate", since, until)
        return self._search(search_body(filters, "createdate", properties, after, limit))

    def search_contacts_created_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = SEARCH_PAGE_MAX,
        after: str | None = None,
    ) -> SearchPage:
        """Contacts with createdate == instant and hs_object_id > after_id, sorted by id."""
        filters = at_instant_filters("createdate", instant, after_id)
        return self._search(search_body(filters, "hs_object_id", properties, after, limit))

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
        return _records.batch_read(self._call, "contacts", self._contacts_batch, ids, properties)

    def find_contact_by_email(self, email: str, properties: Sequence[str]) -> CrmRecord | None:
        """The contact with this e-mail address (HubSpot compares it case-insensitively), or None.

        One search, so a contact created in the last moments may not be found yet. The address
        travels in the request body only: no log line or error carries it.
        """
        filters = [search_filter("email", "EQ", email.strip())]
        body = search_body(filters, "hs_object_id", properties, None, 1)
        page = search_page(self._call, "contacts.search", self._contacts_search_fn, body)
        return page.results[0] if page.results else None

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        """Companies by id (missing ids are absent), in the order asked, duplicates once."""
        return _records.batch_read(self._call, "companies", self._companies_batch, ids, properties)

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        """Tasks by id (missing ids are absent), in the order asked, duplicates once."""
        return _records.batch_read(self._call, "tasks", self._tasks_batch, ids, properties)

    # -- batch writes ---------------------------------------------------------------------------

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        """Write properties on contacts: duplicates merged, ≤100 per call, per-record outcome.

        A chunk HubSpot rejects as a whole fails its records with HubSpot's reason; auth, daily
        limit and transient errors that outlived the time cap are raised.
        """
        return _records.batch_update(self._call, "contacts", self._contacts_batch, updates)

    def search_handoff_tasks(
        self, *, key_property: str, created_since: datetime, after: str | None = None
    ) -> SearchPage:
        """One page (≤200, id order) of the connector's tasks (those carrying `key_property`)
        that are open, or were created at or after `created_since`: the SDRs' load."""
        body = handoff_tasks_body(
            key_property=key_property, created_since=created_since, after=after
        )
        return search_page(self._call, "tasks.search", self._tasks_search_fn, body)

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        """Write properties on tasks, as `update_contacts` does."""
        return _records.batch_update(self._call, "tasks", self._tasks_batch, updates)

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        """Create tasks associated with their contact (204) and company (192), ≤100 per call.

        Results are mapped back to inputs by `objectWriteTraceId` (see `_tasks`):
        `created_ids[i]` is the id created for `tasks[i]` or None, and a failed input is reported
        with id ``"input:<i>"``. Creates are not retried after a timeout or a cut connection (the
        tasks may exist): such a chunk raises RetriableHubSpotError for the caller to reconcile.
        """
        return _records.create_tasks(self._call, self._tasks_batch, tasks)

    # -- owners, associations and properties ----------------------------------------------------

    def list_owners(self) -> list[Owner]:
        """Every owner, archived ones included (their `archived` flag set), all pages.

        HubSpot's `archived=true` returns only archived owners, so both lists are read.
        """
        active = _records.owner_pages(self._call, self._owners, archived=False)
        return active + _records.owner_pages(self._call, self._owners, archived=True)

    def contact_task_ids(self, contact_ids: Sequence[str]) -> dict[str, list[str]]:
        """Ids of the tasks associated with each contact (associations v4, consistent reads).

        Every asked id is a key, with an empty list when it has no task or does not exist.
        """
        return _records.associated_ids(
            self._call, self._associations_batch, "contacts", "tasks", contact_ids
        )

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

    def granted_scopes(self) -> frozenset[str] | None:
        """The token's scopes when it is a private app's, else None (HubSpot will not say)."""
        return self._properties.granted_scopes(self._config.access_token)

    def custom_property_usage(self) -> list[CustomPropertyUsage]:
        """Custom properties used and allowed per object type (GET /crm/v3/limits/...)."""
        return self._properties.custom_property_usage()

    # -- accounting -----------------------------------------------------------------------------

    def stats(self) -> CallStats:
        """Calls made since creation or the last `reset_stats`, by endpoint and status."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Start a new accounting period (call at the start of each run); the run tries an
        unreachable HubSpot afresh."""
        self._stats.reset()
        self._runner.reset_reachability()


__all__ = ["GatewayConfig", "HubSpotGateway"]
