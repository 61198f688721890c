"""A `connector run` worker (services, metrics, HTTP endpoints) on a sandbox, in-process."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector.ops import OpsServer, WorkerMetrics
from connector.sandbox import Sandbox
from connector.sync.scheduler import Worker, start_ops_server
from connector.sync.services import Services
from tests.sync.conftest import _make_connector, ready_services

#: The CLI fixture of tests/sync, for the tests here that run `connector` in-process.
__all__ = ["_make_connector"]


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def get(port: int, path: str) -> Answer:
    """GET http://127.0.0.1:port/path, whatever its status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return Answer(response.status, response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode("utf-8"))


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page, parsed by prometheus_client's own parser, keyed by name
    and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@dataclass
class RunningWorker:
    services: Services
    worker: Worker
    server: OpsServer
    state: Path

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(name="make_worker")
def _make_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Sandbox], RunningWorker]]:
    made: list[RunningWorker] = []

    def make(sandbox: Sandbox) -> RunningWorker:
        monkeypatch.setenv("CONNECTOR_HTTP_PORT", "0")
        monkeypatch.setenv("CONNECTOR_HTTP_HOST", "127.0.0.1")
        state = tmp_path / "state.sqlite3"
        services = ready_services(sandbox, state, monkeypatch)
        worker = Worker(services, dry_run=False, metrics=WorkerMetrics(), stop=threading.Event())
        worker.seed_metrics()
        server = start_ops_server(services, worker.metrics)
        assert server is not None
        running = RunningWorker(services, worker, server, state)
        made.append(running)
        return running

    yield make
    for running in made:
        running.server.stop()
        running.services.close()
