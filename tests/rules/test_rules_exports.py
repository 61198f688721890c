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
        "evaluate_many",
        "load_rules",
        "parse_rules",
        "rules_from_mapping",
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


def test_the_rules_core_holds_no_generated_code() -> None:
    """The scoring code a reader needs is in the repository, not written at run time."""
    import ast
    from pathlib import Path

    for path in Path(rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("exec", "eval", "compile"), (
                    f"{path.name}: {node.func.id}"
                )
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    assert not (isinstance(target, ast.Attribute) and target.attr == "__class__"), (
                        f"{path.name} assigns __class__"
                    )
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
                raise AssertionError(f"{path.name} patches an attribute with setattr()")
