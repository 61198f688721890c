"""`connector run` as a platform runs it: a child process that reports the port it bound, serves
/metrics that match the run it recorded, and closes the port when SIGTERM stops it."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from connector.state import StateStore
from tests.conftest import MakeSandbox
from tests.ops.conftest import get, samples
from tests.sync.conftest import REPO, Connector, ready_services, sandbox_env

#: Upper bound on waiting for a line from the child; reached only when something is broken.
LINE_TIMEOUT = 120.0


def _lines(stream: IO[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], wanted: str) -> str:
    while True:
        line = lines.get(timeout=LINE_TIMEOUT)
        if wanted in line:
            return line


def test_connector_run_serves_metrics_that_match_its_run_and_stops_on_sigterm(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=300, seed=34)
    state = tmp_path / "state.sqlite3"
    ready_services(sandbox, state, monkeypatch).close()
    env = {
        **os.environ,
        **sandbox_env(sandbox, state),
        "CONNECTOR_HTTP_PORT": "0",
        "CONNECTOR_HTTP_HOST": "127.0.0.1",
        "CONNECTOR_LOG_FORMAT": "json",
        "CONNECTOR_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",  # the run's line arrives when it is printed
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "connector", "run"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        logs, out = _lines(child.stderr), _lines(child.stdout)  # type: ignore[arg-type]
        started = json.loads(_wait_for(logs, '"ops_http_started"'))
        port = int(started["port"])
        assert port > 0
        assert get(port, "/healthz").status == 200

        line = _wait_for(out, "run ")  # printed after the run's metrics are counted
        assert ": ok" in line, line
        store = StateStore.connect(f"sqlite:///{state}")
        (run,) = store.recent_runs("default", 5)
        store.close()
        page = samples(get(port, "/metrics").body)
        assert page[("connector_runs_total", frozenset({("outcome", "ok")}))] == 1
        for metric, key in [
            ("connector_contacts_pulled_total", "pulled"),
            ("connector_contacts_scored_total", "scored"),
            ("connector_contacts_written_total", "written"),
            ("connector_handoffs_created_total", "handoffs_created"),
        ]:
            assert page[(metric, frozenset())] == run.summary[key], metric
        calls = sum(v for (name, _), v in page.items() if name == "connector_hubspot_calls_total")
        assert calls == run.summary["api_calls"] > 0
        ready = get(port, "/readyz")
        assert ready.status == 200, ready.body

        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=LINE_TIMEOUT) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the port is released


def test_a_port_in_use_stops_connector_run_with_one_line_and_exit_2(
    make_sandbox: MakeSandbox, make_connector: Callable[..., Connector]
) -> None:
    sandbox = make_sandbox(contacts=20, seed=35)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        connector = make_connector(
            sandbox, CONNECTOR_HTTP_HOST="127.0.0.1", CONNECTOR_HTTP_PORT=str(port)
        )
        assert connector.run("setup").code == 0
        result = connector.run("run")
    assert result.code == 2
    (line,) = [line for line in result.err.splitlines() if "CONNECTOR_HTTP_PORT" in line]
    assert f"127.0.0.1:{port}" in line
    store = connector.store()
    assert store.recent_runs("default", 5) == []  # stopped before any run
    store.close()
