"""`connector sandbox`: serves a seeded portal and says how to point the connector at it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sandbox_command_serves_and_prints_how_to_connect() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector",
            "sandbox",
            "--port",
            str(port),
            "--contacts",
            "120",
            "--seed",
            "3",
            "--token",
            "tok-123456",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    text = "".join(lines)
    try:
        assert f"export HUBSPOT_BASE_URL=http://127.0.0.1:{port}" in text
        assert "export HUBSPOT_ACCESS_TOKEN=tok-123456" in text
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/crm/v3/objects/contacts?limit=5",
            headers={"Authorization": "Bearer tok-123456"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.load(response)
        assert len(body["results"]) == 5
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
