"""The deployment files say what docs/operations.md says: the image's health check really asks
/healthz (run here against a live worker endpoint), it runs as non-root, and compose and the
Procfile start `connector run`."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import socket
import subprocess
import sys
from typing import Any

import yaml

from tests.conftest import MakeSandbox
from tests.ops.conftest import RunningWorker
from tests.sync.conftest import REPO


def _instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _healthcheck_command() -> list[str]:
    (check,) = [args for op, args in _instructions() if op == "HEALTHCHECK"]
    command: list[str] = json.loads(check.split(" CMD ", 1)[1])
    return command


def _run_healthcheck(port: int) -> int:
    command = _healthcheck_command()
    assert command[0] == "python"
    env = {**os.environ, "CONNECTOR_HTTP_PORT": str(port)}
    return subprocess.run([sys.executable, *command[1:]], env=env, timeout=30).returncode


def test_the_image_health_check_passes_on_a_live_worker_and_fails_without_one(
    make_sandbox: MakeSandbox, make_worker: Any
) -> None:
    running: RunningWorker = make_worker(make_sandbox(contacts=10, seed=37))
    assert _run_healthcheck(running.port) == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert _run_healthcheck(closed) != 0


def test_the_image_runs_connector_run_as_a_non_root_user() -> None:
    ops = _instructions()
    assert ops[0] == ("FROM", "python:3.11-slim")
    users = [args for op, args in ops if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert [args for op, args in ops if op == "CMD"] == ['["connector", "run"]']
    assert any(op == "RUN" and "pip install ." in args for op, args in ops)
    port = [args for op, args in ops if op == "EXPOSE"]
    assert port == ["9108"]


def test_compose_runs_the_worker_on_postgresql_once_it_is_healthy() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    worker, database = compose["services"]["connector"], compose["services"]["postgres"]
    assert worker["build"] == "."
    assert worker["environment"]["CONNECTOR_STATE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in worker["environment"]["CONNECTOR_STATE_URL"]
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])


def test_the_procfile_worker_is_connector_run() -> None:
    entries = dict(
        re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line).groups()  # type: ignore[union-attr]
        for line in (REPO / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert entries == {"worker": "connector run"}


def _ignored(path: str, patterns: list[str]) -> bool:
    # .dockerignore semantics for the simple patterns used there: the last match wins.
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").removeprefix("**/")
        if fnmatch.fnmatch(path, bare) or path.startswith(bare.rstrip("/") + "/"):
            ignored = not negated
    return ignored


def test_every_file_the_package_links_to_is_in_the_image_before_pip_install() -> None:
    copied: list[str] = []
    for op, args in _instructions():
        if op == "RUN" and "pip install ." in args:
            break
        if op == "COPY":
            copied += args.split()[:-1]
    ignore = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for link in (REPO / "connector").rglob("*"):
        if not link.is_symlink():
            continue
        target = link.resolve().relative_to(REPO).as_posix()
        assert any(target == c or target.startswith(c.rstrip("/") + "/") for c in copied), target
        assert not _ignored(target, ignore), target
