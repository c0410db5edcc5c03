"""Every knowledge-base code the Python code names exists, and every entry has a source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from acuback.knowledge.loader import knowledge_base

SRC = Path(__file__).resolve().parents[1] / "src" / "acuback"
CODE_LIKE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
# Strings shaped like codes that name something other than a knowledge-base entry.
NOT_CODES = {"block-end", "utf-8", "demo-back-clinic", "northside-demo-clinic"}
NOT_CODE_PREFIXES = ("startback-", "odi-", "peg-", "rmdq-", "demo-", "northside-", "text/")


def code_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if (
                CODE_LIKE.match(value)
                and value not in NOT_CODES
                and not value.startswith(NOT_CODE_PREFIXES)
            ):
                found.add(value)
    return found


def core_files() -> list[Path]:
    # The web layer is left out: its hyphenated strings are URL names and settings, and it
    # reaches clinical codes only through the engine.
    return [*(SRC / "clinical").rglob("*.py"), *(SRC / "knowledge").rglob("*.py"), SRC / "cli.py"]


def test_every_code_named_in_the_engine_is_defined() -> None:
    kb = knowledge_base()
    defined = kb.all_codes()
    undefined = {
        f"{path.relative_to(SRC)}: {code}"
        for path in core_files()
        for code in code_literals(path)
        if code not in defined
    }
    assert not undefined, "codes used in Python but not in the knowledge base:\n" + "\n".join(
        sorted(undefined)
    )


def test_every_code_the_engine_names_is_defined() -> None:
    from acuback.clinical import codes

    kb = knowledge_base()
    named = {name: value for name, value in vars(codes).items() if name.isupper()}
    assert len(named) > 20
    missing = {name: value for name, value in named.items() if value not in kb.all_codes()}
    assert not missing


def test_the_scan_finds_codes_at_all() -> None:
    # Guards the test above against passing because it matched nothing.
    found = code_literals(SRC / "clinical" / "codes.py")
    assert {"review-results-due", "chronic-low-back-pain"} <= found


def test_every_entry_has_a_source_and_every_source_resolves() -> None:
    kb = knowledge_base()
    for name, entries in kb.collections():
        if name in {"seeds", "literature"}:
            continue
        for code, entry in entries.items():
            assert entry.sources, f"{name}/{code} has no source"
            for source in entry.sources:
                assert source in kb.seeds or source in kb.literature, f"{name}/{code}: {source}"
