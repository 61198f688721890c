"""The HTTP server: auth, scopes, rate limits, faults and dispatch to the endpoint handlers."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.hubspot_facts import TOKEN_INFO_PATH
from connector.logging import get_logger
from connector.sandbox import associations_api as assoc
from connector.sandbox import objects, properties_api
from connector.sandbox.admin import ADMIN_PREFIX, handle_admin
from connector.sandbox.config import canonical_object_type
from connector.sandbox.faults import FaultKind
from connector.sandbox.portal import Portal
from connector.sandbox.properties_api import object_type_scope
from connector.sandbox.ratelimit import rate_limit_error
from connector.sandbox.routing import Reply, Request, Route, Router
from connector.sandbox.wire import ApiError, auth_error, error_body, missing_scopes_error, not_found

log = get_logger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "::1"})
OBJECTS = "/crm/v3/objects/{objectType}"
PROPS = "/crm/v3/properties/{objectType}"
V4 = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
V4_RECORD = "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"


def _read(key: str = "objectType") -> Any:
    def rule(params: Any) -> Sequence[Sequence[str]]:
        return [[object_type_scope(params.get(key, ""), "read")]]

    return rule


def _write(key: str = "objectType") -> Any:
    def rule(params: Any) -> Sequence[Sequence[str]]:
        return [[object_type_scope(params.get(key, ""), "write")]]

    return rule


def _pair(from_key: str, to_key: str, verb: str) -> Any:
    def rule(params: Any) -> Sequence[Sequence[str]]:
        first = [object_type_scope(params.get(from_key, ""), verb)]
        second = [object_type_scope(params.get(to_key, ""), "read")]
        return [first, second] if first != second else [first]

    return rule


def _schema(verb: str) -> Any:
    def rule(params: Any) -> Sequence[Sequence[str]]:
        base = object_type_scope(params.get("objectType", ""), "read").split(".")[2]
        schema = f"crm.schemas.{base}.{verb}"
        return [[schema, f"crm.objects.{base}.read"]] if verb == "read" else [[schema]]

    return rule


def _fixed(*scopes: str) -> Any:
    return lambda params: [list(scopes)]


ROUTES: tuple[Route, ...] = (
    Route("POST", f"{OBJECTS}/search", objects.search, _read(), search=True),
    Route("POST", f"{OBJECTS}/batch/read", objects.batch_read, _read()),
    Route("POST", f"{OBJECTS}/batch/create", objects.batch_create, _write()),
    Route("POST", f"{OBJECTS}/batch/update", objects.batch_update, _write()),
    Route("GET", f"{OBJECTS}/{{objectId}}", objects.get_one, _read()),
    Route("PATCH", f"{OBJECTS}/{{objectId}}", objects.update, _write()),
    Route("GET", OBJECTS, objects.list_page, _read()),
    Route("POST", OBJECTS, objects.create, _write()),
    Route(
        "POST",
        f"{V4}/batch/read",
        assoc.batch_read,
        _pair("fromObjectType", "toObjectType", "read"),
    ),
    Route(
        "POST",
        f"{V4}/batch/create",
        assoc.batch_create,
        _pair("fromObjectType", "toObjectType", "write"),
    ),
    Route(
        "POST",
        f"{V4}/batch/associate/default",
        assoc.batch_create_default,
        _pair("fromObjectType", "toObjectType", "write"),
    ),
    Route("GET", f"{V4}/labels", assoc.labels, _pair("fromObjectType", "toObjectType", "read")),
    Route(
        "PUT",
        "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
        assoc.create_default,
        _pair("fromObjectType", "toObjectType", "write"),
    ),
    Route(
        "PUT",
        f"{V4_RECORD}/{{toObjectId}}",
        assoc.create_labelled,
        _pair("objectType", "toObjectType", "write"),
    ),
    Route("GET", V4_RECORD, assoc.record_page, _pair("objectType", "toObjectType", "read")),
    Route(
        "POST", f"{PROPS}/batch/create", properties_api.batch_create_properties, _schema("write")
    ),
    Route("POST", f"{PROPS}/batch/read", properties_api.batch_read_properties, _schema("read")),
    Route("GET", f"{PROPS}/groups", properties_api.list_groups, _schema("read")),
    Route("POST", f"{PROPS}/groups", properties_api.create_group, _schema("write")),
    Route("GET", f"{PROPS}/groups/{{groupName}}", properties_api.get_group, _schema("read")),
    Route("GET", PROPS, properties_api.list_properties, _schema("read")),
    Route("POST", PROPS, properties_api.create_property, _schema("write")),
    Route("GET", f"{PROPS}/{{propertyName}}", properties_api.get_property, _schema("read")),
    Route("PATCH", f"{PROPS}/{{propertyName}}", properties_api.update_property, _schema("write")),
    Route(
        "GET",
        "/crm/v3/limits/custom-properties",
        properties_api.custom_property_limits,
        _fixed("crm.objects.contacts.read", "crm.objects.companies.read"),
    ),
    Route("GET", "/crm/v3/owners", properties_api.list_owners, _fixed("crm.objects.owners.read")),
    Route("POST", TOKEN_INFO_PATH, properties_api.token_info, lambda params: []),
    Route(
        "GET",
        "/crm/v3/owners/{ownerId}",
        properties_api.get_owner,
        _fixed("crm.objects.owners.read"),
    ),
)
ROUTER = Router(ROUTES)


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one portal."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], portal: Portal) -> None:
        self.portal = portal
        super().__init__(address, SandboxHandler)


class SandboxHandler(BaseHTTPRequestHandler):
    """Parses a request, applies HubSpot's cross-cutting rules and writes the reply."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pools expect
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (the counts endpoint replaces it)."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        portal = self.server.portal
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(Reply(400, error_body("VALIDATION_ERROR", "Invalid input JSON.")))
            return
        if path.startswith(ADMIN_PREFIX):
            self._serve_admin(portal, method, path, body)
            return
        matched = ROUTER.match(method, path)
        if matched is None:
            reply = Reply(404, not_found(f"No endpoint {method} {path}").body())
            portal.count(method, "unknown", reply.status)
            self._send(reply)
            return
        route, params = matched
        request = Request(method, path, params, parse_qs(parts.query), body, len(raw))
        reply, cut = self._dispatch(portal, route, request)
        portal.count(method, _endpoint(route.template, params), reply.status)
        self._send(reply, cut=cut)

    def _dispatch(self, portal: Portal, route: Route, request: Request) -> tuple[Reply, bool]:
        extra_headers: dict[str, str] = {}
        cut = False
        try:
            token = self._token()
            scopes = portal.tokens.get(token) if token else None
            if scopes is None:
                raise auth_error()
            for group in route.scopes(request.params):
                if not any(s in scopes for s in group):
                    raise missing_scopes_error(list(group))
            request.fault = portal.faults.decide(request.path, search=route.search)
            kind = request.fault.kind
            extra_headers = portal.limiter.admit(token or "", search=route.search).headers
            if kind is FaultKind.RATE_LIMIT:
                policy = "SECONDLY" if route.search else "TEN_SECONDLY_ROLLING"
                limit_headers = {} if route.search else extra_headers
                message = f"You have reached your {policy.lower()} limit."
                raise rate_limit_error(message, policy, limit_headers)
            if kind is FaultKind.SERVER_ERROR:
                if portal.faults.config.error_after_write:
                    route.handler(portal, request)  # done, but the answer is an error
                return _server_error(request.fault.status), False
            if kind is FaultKind.STALL:
                portal.stop_event.wait(portal.faults.config.stall_seconds)
            cut = kind is FaultKind.CUT
            if kind in (FaultKind.LATE, FaultKind.APPLIED_STALL):
                reply = self._late(
                    portal, route, request, applied_first=kind is FaultKind.APPLIED_STALL
                )
            else:
                reply = route.handler(portal, request)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
        except Exception:
            log.exception("sandbox_handler_failed", path=route.template)
            reply = Reply(500, error_body("INTERNAL_ERROR", "internal error"))
        if not route.search:
            for key, value in extra_headers.items():
                reply.headers.setdefault(key, value)
        return reply, cut

    @staticmethod
    def _late(portal: Portal, route: Route, request: Request, *, applied_first: bool) -> Reply:
        """Apply the request before or after holding it; the client has timed out meanwhile."""
        seconds = portal.faults.config.stall_seconds
        try:
            if applied_first:
                reply = route.handler(portal, request)
                portal.late.hold(seconds, portal.stop_event)
                return reply
            portal.late.hold(seconds, portal.stop_event)
            return route.handler(portal, request)
        finally:
            portal.late.finished()

    def _serve_admin(self, portal: Portal, method: str, path: str, body: Any) -> None:
        if self.client_address[0] not in LOOPBACK:
            self._send(Reply(403, error_body("FORBIDDEN", "admin endpoints are loopback-only")))
            return
        try:
            reply = handle_admin(portal, method, path, body)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body())
        except (TypeError, ValueError) as exc:
            reply = Reply(400, error_body("VALIDATION_ERROR", str(exc)))
        self._send(reply)

    def _token(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("bearer "):
            return header[7:].strip() or None
        return None

    def _send(self, reply: Reply, *, cut: bool = False) -> None:
        if isinstance(reply.body, bytes | str):
            payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = reply.headers.pop("Content-Type", "text/html; charset=utf-8")
        elif reply.body is None:
            payload, content_type = b"", "application/json;charset=utf-8"
        else:
            payload = json.dumps(reply.body, separators=(",", ":")).encode()
            content_type = "application/json;charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if cut:
            # Headers and part of the body, then the connection drops mid-response.
            self.wfile.write(payload[: max(1, len(payload) // 2)])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # The client may have given up (a timeout); that is its business, not an error here.
            self.wfile.write(payload)


def _endpoint(template: str, params: dict[str, str]) -> str:
    """The route template with object types filled in: counts say which object was called."""
    for key in ("objectType", "fromObjectType", "toObjectType"):
        if key in params:
            name = canonical_object_type(params[key]) or params[key]
            template = template.replace("{" + key + "}", name)
    return template


def _server_error(status: int) -> Reply:
    if status in (502, 504):
        # Gateway errors come from HubSpot's edge as HTML, not as HubSpot JSON.
        html = (
            f"<html><head><title>{status}</title></head><body>{status} Gateway error</body></html>"
        )
        return Reply(status, html, {"Content-Type": "text/html; charset=utf-8"})
    message = "internal error" if status == 500 else "Service Unavailable"
    category = "INTERNAL_ERROR" if status == 500 else "SERVICE_UNAVAILABLE"
    return Reply(status, error_body(category, message))
