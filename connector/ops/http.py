"""The worker's HTTP endpoints for platforms and Prometheus: `/healthz`, `/readyz`, `/metrics`.

A threaded WSGI server from the standard library (what prometheus_client's own
`start_http_server` uses) in a daemon thread beside the scheduler: a probe never waits for a run,
and a run never waits for a probe.

- `/healthz`: 200 while the process serves requests (liveness: restart it when this fails).
- `/readyz`: 200 when every readiness check passes, else 503; the body lists the checks as JSON.
- `/metrics`: the worker's registry in Prometheus' text format.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from connector.logging import get_logger
from connector.ops.metrics import WorkerMetrics
from connector.ops.readiness import Readiness

log = get_logger(__name__)

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


class _QuietHandler(WSGIRequestHandler):
    # Probes arrive every few seconds: one access-log line each would drown the run's log.
    def log_message(self, format: str, *args: Any) -> None:
        return


class OpsApp:
    """The WSGI application: routes the three paths, 404 for anything else."""

    def __init__(self, metrics: WorkerMetrics, readiness: Readiness) -> None:
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._readiness = readiness

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body: Iterable[bytes] = self._metrics_app(environ, start_response)
            return body
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "alive"})
        if path == "/readyz":
            checks = self._readiness.checks()
            ready = all(c.ok for c in checks)
            payload = {
                "ready": ready,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
            }
            return _json(start_response, "200 OK" if ready else "503 Service Unavailable", payload)
        return _json(start_response, "404 Not Found", {"error": f"no such path: {path}"})


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode("utf-8")
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


class OpsServer:
    """Serves `OpsApp` on `host:port` in a daemon thread; port 0 binds a free port."""

    def __init__(self, app: OpsApp, *, host: str, port: int) -> None:
        self._server: WSGIServer = make_server(
            host, port, app, server_class=ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ops-http", daemon=True
        )

    @property
    def port(self) -> int:
        """The bound port (the one the OS chose when asked for 0)."""
        return int(self._server.server_port)

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    def start(self) -> OpsServer:
        self._thread.start()
        log.info("ops_http_started", host=self.host, port=self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
