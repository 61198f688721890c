"""`connector init` and the packaged defaults: one copy of each starter file, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.cli import main
from connector.errors import EXIT_CONFIG
from connector.init_config import STARTER_FILES, packaged_path, with_packaged_defaults
from connector.rules import load_rules
from connector.rules.sla_config import load_sla_config
from connector.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
SOURCES = {
    "rules.yaml": "config/rules.yaml",
    "sla.yaml": "config/sla.yaml",
    "env.example": ".env.example",
}


@pytest.fixture(autouse=True)
def _empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CONNECTOR_RULES_FILE", "CONNECTOR_SLA_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_packaged_file_is_the_repository_file(name: str) -> None:
    assert packaged_path(name).read_bytes() == (REPO / SOURCES[name]).read_bytes()


def test_init_writes_the_starting_configuration_and_says_what_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "portal"]) == 0

    out = capsys.readouterr().out
    for starter in STARTER_FILES:
        written = tmp_path / "portal" / starter.target
        assert written.read_bytes() == (REPO / SOURCES[starter.packaged]).read_bytes()
        assert starter.target in out
    assert "cd portal" in out
    assert "connector setup" in out
    load_rules(tmp_path / "portal" / "config" / "rules.yaml")
    load_sla_config(tmp_path / "portal" / "config" / "sla.yaml")


def test_init_refuses_to_overwrite_and_writes_nothing_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config").mkdir()
    mine = tmp_path / "config" / "sla.yaml"
    mine.write_text("# my SLA\n", encoding="utf-8")

    assert main(["init"]) == EXIT_CONFIG

    err = capsys.readouterr().err
    assert "config/sla.yaml already exists" in err
    assert "--force" in err
    assert mine.read_text(encoding="utf-8") == "# my SLA\n"
    assert not (tmp_path / "config" / "rules.yaml").exists()
    assert not (tmp_path / ".env.example").exists()

    assert main(["init", "--force"]) == 0
    assert mine.read_bytes() == (REPO / "config" / "sla.yaml").read_bytes()
    assert (tmp_path / ".env.example").exists()


def test_packaged_defaults_stand_in_only_for_default_paths_that_hold_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, replaced = with_packaged_defaults(load_settings())
    assert replaced == ["rules_file", "sla_file"]
    assert settings.rules_file == packaged_path("rules.yaml")

    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(tmp_path / "missing.yaml"))
    settings, replaced = with_packaged_defaults(load_settings())
    assert replaced == ["sla_file"]  # a path the admin chose is never swapped
    assert settings.rules_file == tmp_path / "missing.yaml"

    main(["init"])
    monkeypatch.delenv("CONNECTOR_RULES_FILE")
    settings, replaced = with_packaged_defaults(load_settings())
    assert replaced == []
    assert settings.rules_file == Path("config/rules.yaml")
