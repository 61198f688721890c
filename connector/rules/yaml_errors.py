"""Where in a YAML file a problem is: the one locator for the rules file and the SLA file.

Both files are validated by pydantic, whose errors name a path of keys and list indexes
(`sdr_pool.members[1].weight`). An admin needs the line too, so the text is also composed into
YAML nodes and the path is followed through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from connector.errors import ConfigError

Loc = Sequence[int | str]


def load_yaml(text: str, *, source: str, hint: str) -> tuple[Any, yaml.Node | None]:
    """The data in `text` and its node tree (for `line_of`).

    Raises:
        ConfigError: the text is not YAML; one line with the file, line, problem and `hint`.
    """
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = " ".join(str(getattr(exc, "problem", None) or "cannot be parsed").split())
        raise ConfigError(f"{where}: invalid YAML: {problem} — {hint}") from None


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest part of `loc` present in the file.

    A key's own line is given (not its value's, which may start on the next one). Parts that are
    not in the file (a missing field, a union member's tag) stop the walk at their parent.
    """
    if root is None:
        return None
    node = root
    line: int = root.start_mark.line + 1
    for part in loc:
        found: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            found = node.value[part]
            line = found.start_mark.line + 1
        if found is None:
            break
        node = found
    return line


def field_path(loc: Loc) -> str:
    """`('sdr_pool', 'members', 1, 'weight')` → `sdr_pool.members[1].weight`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def where(source: str, root: yaml.Node | None, loc: Loc) -> str:
    """`file:line` for a problem at `loc`, or just `file` when the line is unknown."""
    line = line_of(root, loc)
    return source if line is None else f"{source}:{line}"
