"""`connector init`: the starting configuration an admin edits, and the packaged defaults.

The package ships the repository's `config/rules.yaml`, `config/sla.yaml` and `.env.example`
(`connector/starter/` links to them, and a build copies their contents), so a `pip install`ed
connector can write them into any folder and `connector demo` can run where none exist.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from connector.errors import EXIT_OK, ConfigError
from connector.settings import Settings


@dataclass(frozen=True, slots=True)
class StarterFile:
    packaged: str  #: name under connector/starter/
    target: str  #: where `init` writes it, relative to the chosen folder
    what: str  #: one line for the admin


STARTER_FILES: tuple[StarterFile, ...] = (
    StarterFile("rules.yaml", "config/rules.yaml", "who qualifies and why (docs/rules.md)"),
    StarterFile(
        "sla.yaml", "config/sla.yaml", "business hours, SDR pool, escalation (docs/handoff.md)"
    ),
    StarterFile("env.example", ".env.example", "every setting with its default"),
)


def packaged_path(name: str) -> Path:
    """The packaged copy of a starter file (a plain file: the package is never zipped)."""
    return Path(str(resources.files("connector").joinpath("starter", name)))


def with_packaged_defaults(settings: Settings) -> tuple[Settings, list[str]]:
    """`settings` with the packaged rules and SLA file where the default paths hold nothing.

    Only paths the admin left at their default are replaced: a CONNECTOR_RULES_FILE that
    points nowhere is still an error. Returns the new settings and the fields replaced.
    """
    replaced: dict[str, Path] = {}
    for field, name in (("rules_file", "rules.yaml"), ("sla_file", "sla.yaml")):
        path: Path = getattr(settings, field)
        if field not in settings.model_fields_set and not path.exists():
            replaced[field] = packaged_path(name)
    if not replaced:
        return settings, []
    return settings.model_copy(update=replaced), sorted(replaced)


def write_starter(folder: Path, *, force: bool) -> list[Path]:
    """Write every starter file under `folder`; all or nothing.

    Raises:
        ConfigError: some target exists and `force` is false (nothing is written then).
    """
    targets = [(folder / f.target, packaged_path(f.packaged)) for f in STARTER_FILES]
    existing = [str(t.relative_to(folder)) for t, _ in targets if t.exists()]
    if existing and not force:
        raise ConfigError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} in "
            f"{folder}; nothing written — pass --force to overwrite"
        )
    for target, source in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return [t for t, _ in targets]


def next_steps(folder: Path) -> list[str]:
    here = [] if folder.resolve() == Path.cwd().resolve() else [f"cd {folder}"]
    return [
        *here,
        "connector demo                try these rules on a local sandbox portal, no account",
        "cp .env.example .env          and set HUBSPOT_ACCESS_TOKEN (its scopes are listed there)",
        "edit config/sla.yaml          name your SDR team or owners as HubSpot shows them",
        "connector setup               create the score properties in your portal",
        "connector sync --dry-run      see what would change, writing nothing",
        "connector run                 sync on a schedule (the Procfile worker)",
    ]


def run_init(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.dir)
    write_starter(folder, force=args.force)
    print(f"Wrote a starting configuration in {folder.resolve()}:")
    for starter in STARTER_FILES:
        print(f"  {starter.target:<19} {starter.what}")
    print("\nNext:")
    for number, step in enumerate(next_steps(folder), start=1):
        print(f"  {number}. {step}")
    return EXIT_OK
