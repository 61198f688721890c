"""Property definitions, groups, custom properties and their limits (setup-time calls).

Creating what already exists is success: the connector's setup runs at every start and must be
idempotent. HubSpot reports an existing group as 409 and an existing property inside a batch
create as a per-input error whose message says it already exists; an answer we cannot attribute
to a property falls back to creating that property alone, where 409 is unambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connector.errors import DailyLimitError, FatalHubSpotError, HubSpotError
from connector.hubspot._batch import UNCONFIRMED_CATEGORY
from connector.hubspot._limiter import Budget
from connector.hubspot._parse import parse_property, parse_usage
from connector.hubspot._transport import RawResponse
from connector.hubspot.models import (
    BatchOutcome,
    CustomPropertyUsage,
    NewProperty,
    PropertyDefinition,
    RecordFailure,
)
from connector.hubspot_facts import TOKEN_INFO_PATH
from connector.logging import get_logger

log = get_logger(__name__)

CONFLICT_STATUS = 409
#: The limits-tracking endpoint has no API class in hubspot-api-client 12.0.0.
CUSTOM_PROPERTY_LIMITS_PATH = "/crm/v3/limits/custom-properties"
#: How HubSpot answers a token-info request for a token that is not a private app's.
_NOT_A_PRIVATE_APP = frozenset({400, 401, 403, 404})
#: Groups we create go last in HubSpot's UI ordering (-1 = after HubSpot's own groups).
GROUP_DISPLAY_ORDER = -1
_EXISTS_CATEGORIES = frozenset({"OBJECT_ALREADY_EXISTS", "CONFLICT", "DUPLICATE"})
_NAME_CONTEXT_KEYS = ("name", "names", "propertyName", "propertyNames")

Call = Callable[..., RawResponse]


def property_input(prop: NewProperty) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type,
        "fieldType": prop.field_type,
        "groupName": prop.group_name,
        "description": prop.description,
    }
    if prop.hidden:
        body["hidden"] = True
    if prop.options:
        body["options"] = [
            {
                "label": o.label,
                "value": o.value,
                "hidden": o.hidden,
                "displayOrder": o.display_order if o.display_order is not None else i,
            }
            for i, o in enumerate(prop.options)
        ]
    return body


def _says_exists(error: Mapping[str, Any]) -> bool:
    category = str(error.get("category") or "").upper()
    sub = str(error.get("subCategory") or "").upper()
    message = str(error.get("message") or "").lower()
    return category in _EXISTS_CATEGORIES or "EXIST" in sub or "already exist" in message


def _names_in_error(error: Mapping[str, Any], candidates: Sequence[str]) -> list[str]:
    context = error.get("context")
    names: list[str] = []
    if isinstance(context, Mapping):
        for key in _NAME_CONTEXT_KEYS:
            value = context.get(key)
            values = value if isinstance(value, list) else [value] if value is not None else []
            names.extend(str(v) for v in values)
    if names:
        return [n for n in names if n in candidates]
    message = str(error.get("message") or "")
    # Messages quote the property name ("Property named 'x' already exists"): match whole names.
    return [n for n in candidates if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message)]


class PropertiesClient:
    """Calls on the properties API and the limits-tracking API, through the gateway's runner."""

    def __init__(self, call: Call, *, core_api: Any, groups_api: Any, batch_api: Any) -> None:
        self._call = call
        self._core = core_api
        self._groups = groups_api
        self._batch = batch_api

    def read_definitions(self, object_type: str) -> list[PropertyDefinition]:
        response = self._call(
            "properties.read",
            Budget.STANDARD,
            self._core.get_all_with_http_info,
            object_type,
            archived=False,
        )
        results = response.body.get("results") or []
        return [parse_property(r) for r in results if isinstance(r, Mapping) and "name" in r]

    def create_group(self, object_type: str, name: str, label: str) -> None:
        body = {"name": name, "label": label, "displayOrder": GROUP_DISPLAY_ORDER}
        try:
            self._call(
                "properties.group_create",
                Budget.STANDARD,
                self._groups.create_with_http_info,
                object_type,
                property_group_create=body,
                expected_statuses=frozenset({CONFLICT_STATUS}),
            )
        except FatalHubSpotError as exc:
            if exc.status != CONFLICT_STATUS:
                raise
            log.info("hubspot_property_group_exists", object_type=object_type, group=name)

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome:
        unique = list({p.name: p for p in properties}.values())
        if not unique:
            return BatchOutcome()
        names = [p.name for p in unique]
        succeeded: list[str] = []
        failed: dict[str, RecordFailure] = {}
        try:
            response = self._call(
                "properties.batch_create",
                Budget.STANDARD,
                self._batch.create_with_http_info,
                object_type,
                batch_input_property_create={"inputs": [property_input(p) for p in unique]},
            )
        except FatalHubSpotError as exc:
            if isinstance(exc, DailyLimitError):
                raise
            log.info(
                "hubspot_property_batch_rejected",
                object_type=object_type,
                status=exc.status,
                category=exc.details.category,
            )
        else:
            for row in response.body.get("results") or []:
                if isinstance(row, Mapping) and row.get("name") in names:
                    succeeded.append(str(row["name"]))
            for error in response.body.get("errors") or []:
                if not isinstance(error, Mapping):
                    continue
                for name in _names_in_error(error, names):
                    if _says_exists(error):
                        succeeded.append(name)
                    else:
                        failed[name] = RecordFailure(
                            id=name,
                            category=str(error.get("category") or "UNKNOWN"),
                            message=str(error.get("message") or ""),
                        )
        for prop in unique:
            if prop.name not in succeeded and prop.name not in failed:
                outcome = self._create_one(object_type, prop)
                if outcome is None:
                    succeeded.append(prop.name)
                else:
                    failed[prop.name] = outcome
        ordered = [n for n in names if n in set(succeeded)]
        return BatchOutcome(succeeded=tuple(ordered), failed=tuple(failed.values()))

    def _create_one(self, object_type: str, prop: NewProperty) -> RecordFailure | None:
        try:
            self._call(
                "properties.create",
                Budget.STANDARD,
                self._core.create_with_http_info,
                object_type,
                property_create=property_input(prop),
                expected_statuses=frozenset({CONFLICT_STATUS}),
            )
        except FatalHubSpotError as exc:
            if isinstance(exc, DailyLimitError):
                raise
            if exc.status == CONFLICT_STATUS:
                return None
            return RecordFailure(
                id=prop.name,
                category=exc.details.category or UNCONFIRMED_CATEGORY,
                message=exc.details.message or str(exc),
            )
        return None

    def custom_property_usage(self) -> list[CustomPropertyUsage]:
        response = self._call(
            "limits.custom_properties",
            Budget.STANDARD,
            self._generic(CUSTOM_PROPERTY_LIMITS_PATH, "GET", None),
        )
        return parse_usage(response.body)

    def granted_scopes(self, token: str) -> frozenset[str] | None:
        """The scopes of a private app's token, or None when HubSpot will not say.

        HubSpot answers a token that is not a private app's (an OAuth token) with a client
        error; the caller then skips the check and a missing scope shows up on the call that
        needs it, as before.
        """
        try:
            response = self._call(
                "token.info",
                Budget.STANDARD,
                self._generic(TOKEN_INFO_PATH, "POST", {"tokenKey": token}),
                expected_statuses=_NOT_A_PRIVATE_APP,
            )
        except HubSpotError as exc:
            if exc.details.status in _NOT_A_PRIVATE_APP:
                return None
            raise
        scopes = response.body.get("scopes")
        if not isinstance(scopes, list):
            return None
        return frozenset(str(s) for s in scopes)

    def _generic(self, path: str, method: str, body: Any) -> Callable[..., Any]:
        # Endpoints with no API class in hubspot-api-client 12.0.0 go through the properties
        # ApiClient's generic call_api: same urllib3 pool, auth, timeouts, exceptions and retries.
        api_client = self._core.api_client

        def send(**kwargs: Any) -> Any:
            return api_client.call_api(
                path,
                method,
                path_params={},
                query_params=[],
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                post_params=[],
                files={},
                response_types_map={},
                auth_settings=["oauth2"],
                _return_http_data_only=True,
                collection_formats={},
                **kwargs,
            )

        return send
