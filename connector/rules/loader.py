"""The one place the rules engine touches the file system: reading the rules file."""

from __future__ import annotations

from pathlib import Path

from connector.errors import ConfigError
from connector.rules.parse import parse_rules
from connector.rules.ruleset import RuleSet


def load_rules(path: str | Path) -> RuleSet:
    """Read, validate and compile a rules file.

    Args:
        path: the YAML file (e.g. `config/rules.yaml`).

    Returns:
        The compiled rule set.

    Raises:
        ConfigError: the file cannot be read or is invalid (one line naming the file, the line,
            the field, what is wrong and a hint).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: rules file not found — run `connector init` to write a starting "
            "configuration, or set CONNECTOR_RULES_FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the rules file ({exc}) — check the path") from None
    return parse_rules(text, source=str(file))
