"""The public surface of connector.rules, which the sync and handoff code import."""

from __future__ import annotations

import connector.rules as rules


def test_exported_members() -> None:
    assert sorted(rules.__all__) == [
        "BantDimensionResult",
        "BantResult",
        "Decision",
        "LeadInput",
        "PriorState",
        "Reason",
        "RuleSet",
        "SlaTier",
        "evaluate",
        "load_rules",
        "parse_rules",
    ]
    for name in rules.__all__:
        assert getattr(rules, name) is not None


def test_the_pure_core_imports_no_io_or_clock_libraries() -> None:
    from pathlib import Path

    source = Path(rules.__file__).parent
    own = ("business_time.py", "routing.py", "sla_config.py")
    for path in source.glob("*.py"):
        if path.name in own:
            continue
        text = path.read_text(encoding="utf-8")
        for banned in ("import hubspot", "sqlalchemy", "os.environ", "datetime.now", "time.time("):
            assert banned not in text, f"{path.name} uses {banned}"
        if path.name != "loader.py":
            assert "read_text" not in text and "open(" not in text, path.name
