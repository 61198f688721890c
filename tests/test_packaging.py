"""Installed with pip into a fresh environment, the connector runs from an empty folder.

Offline and quick: the wheel is built with the dev environment's setuptools (no build
isolation, no index), installed without dependencies, and the fresh environment finds the
dependencies in the dev environment's site-packages through a .pth line (whose own .pth files,
the editable install of this checkout among them, are not processed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", ".env.example", "config", "connector")

pytestmark = pytest.mark.slow


def _copy_sources(target: Path) -> Path:
    """The files a build reads, copied so the build's own files stay out of the checkout."""
    target.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, target / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def _fresh_env(root: Path) -> Path:
    venv.create(root, with_pip=False, symlinks=True)
    python = root / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _clean_env() -> dict[str, str]:
    """No connector settings from the test run: the installed command sees an empty folder."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CONNECTOR_", "HUBSPOT_"))}


def test_pip_install_then_init_and_demo_work_from_an_empty_folder(tmp_path: Path) -> None:
    source = _copy_sources(tmp_path / "src")
    built = _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp_path, source)
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("hubspot_lead_qualifier-*.whl"))
    python = _fresh_env(tmp_path / "env")
    installed = _pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    assert installed.returncode == 0, installed.stderr
    connector = str(tmp_path / "env" / "bin" / "connector")
    empty = tmp_path / "empty"
    empty.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=empty, env=_clean_env(), capture_output=True, text=True, timeout=120
        )

    where = run(str(python), "-c", "import connector; print(connector.__file__)")
    assert where.stdout.startswith(str(tmp_path / "env")), where.stdout + where.stderr

    before_init = run(connector, "demo", "--contacts", "200", "--json")
    assert before_init.returncode == 0, before_init.stderr
    assert "packaged defaults" in before_init.stderr
    assert json.loads(before_init.stdout)["sync"]["scored"] == 200

    init = run(connector, "init")
    assert init.returncode == 0, init.stderr
    assert (empty / "config" / "rules.yaml").read_bytes() == (
        REPO / "config" / "rules.yaml"
    ).read_bytes()
    assert (empty / "config" / "sla.yaml").is_file()
    assert (empty / ".env.example").is_file()

    after_init = run(connector, "demo", "--contacts", "200")
    assert after_init.returncode == 0, after_init.stderr
    assert "packaged defaults" not in after_init.stdout + after_init.stderr
    assert "Top 10 leads" in after_init.stdout


def test_an_editable_install_prints_no_setuptools_banner(tmp_path: Path) -> None:
    source = _copy_sources(tmp_path / "src")
    python = _fresh_env(tmp_path / "env")

    installed = _pip(
        "--python", python, "install", "--no-deps", "--no-build-isolation", "--no-index", "-e",
        source,
    )  # fmt: skip

    assert installed.returncode == 0, installed.stderr
    output = installed.stdout + installed.stderr
    assert "Warning" not in output and "!!" not in output, output
