from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import pytest

from connector.cli import _HANDLERS, build_parser


@pytest.mark.parametrize("command", sorted(_HANDLERS))
def test_every_command_has_a_handler_and_help(command: str) -> None:
    module_name, func_name = _HANDLERS[command].split(":")
    assert callable(getattr(import_module(module_name), func_name))
    parser = build_parser()
    with pytest.raises(SystemExit) as done:
        parser.parse_args([command, "--help"])
    assert done.value.code == 0


def test_python_dash_m_connector_matches_the_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "connector", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert out.stdout.startswith("connector ")
