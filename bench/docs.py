"""Replace one `## ` section of docs/benchmarks.md, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Put `heading` (e.g. "## State store") and `body` in place of that section, or append."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{heading}\n\n{body.strip()}\n"
    start = text.find(heading + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + block + ("\n" + text[end + 1 :] if end != -1 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
