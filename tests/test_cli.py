from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from connector.cli import _HANDLERS, build_parser, main


def _commands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every command by name, sub-commands too ("backlog release")."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in (parser or build_parser())._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                found[name] = command
                found.update({f"{name} {k}": v for k, v in _commands(command).items()})
    return found


@pytest.mark.parametrize("command", sorted(_HANDLERS))
def test_every_command_has_a_handler_and_help(command: str) -> None:
    module_name, func_name = _HANDLERS[command].split(":")
    assert callable(getattr(import_module(module_name), func_name))
    parser = build_parser()
    with pytest.raises(SystemExit) as done:
        parser.parse_args([command, "--help"])
    assert done.value.code == 0


def test_every_command_is_in_the_parser_and_every_parser_command_has_a_handler() -> None:
    assert {name for name in _commands() if " " not in name} == set(_HANDLERS)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_has_help_text_and_its_help_shows_the_default(command: str) -> None:
    parser = _commands()[command]
    shown = " ".join(parser.format_help().split())  # argparse wraps lines anywhere
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue  # sub-commands are checked on their own
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"{command} {name} has no help text"
        default = action.default
        if default in (None, [], argparse.SUPPRESS) or isinstance(default, bool):
            continue  # a flag, or an option whose help says what its absence means
        assert f"(default: {default})" in shown, f"{command} {name} does not show its default"


def test_sandbox_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 8090)" in out
    assert "(default: professional)" in out
    assert "HubSpot tier whose API rate limits it enforces" in out


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_print_completion_writes_a_static_script_naming_the_commands(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--print-completion", shell])
    assert done.value.code == 0
    script = capsys.readouterr().out
    assert "connector" in script
    for command in ("init", "explain", "sla"):
        assert command in script


def test_python_dash_m_connector_matches_the_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "connector", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert out.stdout.startswith("connector ")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`connector status | head -1`: the pipe closes before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every write fails
    try:
        child = subprocess.run(
            [sys.executable, "-m", "connector", "status"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={
                **os.environ,
                "CONNECTOR_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
                "CONNECTOR_LOG_LEVEL": "WARNING",
            },
        )
    finally:
        os.close(write_end)
    assert child.returncode == 0
    assert "Traceback" not in child.stderr and "BrokenPipe" not in child.stderr
