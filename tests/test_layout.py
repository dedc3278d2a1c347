"""The house rules of the tree: one name means one thing, small modules, and an architecture
document that names every room that exists."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import creditline

PACKAGE = Path(creditline.__file__).parent
DOCS = PACKAGE.parent.parent / "docs" / "architecture.md"
LAYERS = ("domain", "service", "adapters", "entrypoints")
MAX_LINES = 400
#: A module may pass MAX_LINES only if its docstring says why, with this phrase.
REASON = "over 400 lines because"


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts and p.name != "__init__.py"
    )


def test_one_name_means_one_thing_across_the_tree():
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        by_name[path.stem].append(str(path.relative_to(PACKAGE)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}


def test_no_module_is_over_400_lines_without_a_reason_at_its_top():
    too_long = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if text.count("\n") > MAX_LINES and REASON not in doc:
            too_long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
    assert too_long == []


def test_every_module_starts_with_a_docstring_saying_what_it_owns():
    missing = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert missing == []


def test_the_architecture_document_names_every_context_folder():
    text = DOCS.read_text(encoding="utf-8")
    folders = sorted(
        f"{layer}/{child.name}/"
        for layer in LAYERS
        for child in (PACKAGE / layer).iterdir()
        if child.is_dir() and (child / "__init__.py").exists() and child.name != "migrations"
    )
    assert folders
    assert [f for f in folders if f not in text] == []
