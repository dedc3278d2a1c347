"""The public surface: every name ``creditline`` promises resolves, to what mypy was told it is,
and importing the package loads nothing heavy."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import creditline

HEAVY = ("sqlalchemy", "alembic", "psycopg", "typer", "rich", "openpyxl", "rule_engine", "networkx")


def _imported_after(code: str) -> list[str]:
    """Modules a fresh interpreter holds after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.split()


def _type_checking_homes() -> dict[str, str]:
    """``name -> module`` as the ``if TYPE_CHECKING:`` imports of ``creditline/__init__.py``
    tell mypy and readers."""
    tree = ast.parse(Path(creditline.__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_public_name_resolves_to_the_object_its_home_module_defines() -> None:
    homes = _type_checking_homes()
    assert sorted(homes) == sorted(creditline.__all__)
    for name in creditline.__all__:
        value = getattr(creditline, name)
        assert value is getattr(importlib.import_module(homes[name]), name), name


def test_the_lazy_table_and_the_names_mypy_sees_agree() -> None:
    assert _type_checking_homes() == creditline._MODULE_OF
    assert len(creditline.__all__) == len(set(creditline.__all__))
    assert set(creditline.__all__) <= set(dir(creditline))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_use_case"):
        _ = creditline.no_such_use_case  # type: ignore[attr-defined]


def test_every_use_case_the_cli_calls_is_public() -> None:
    """The CLI reaches use cases as ``creditline.<name>``; each such name is exported."""
    cli = Path(creditline.__file__).parent / "entrypoints"
    used = {
        node.attr
        for path in cli.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "creditline"
    }
    assert used
    assert used <= set(creditline.__all__)


def test_importing_creditline_loads_no_database_cli_or_rule_library() -> None:
    loaded = _imported_after("import creditline")
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []
    assert [m for m in loaded if m.startswith("creditline.")] == []


def test_the_use_cases_themselves_load_no_database_or_cli_library() -> None:
    """The service layer and the domain stay free of SQL and terminals, so a use case costs
    only its own rules; SQLAlchemy arrives with the adapter a bootstrap opens."""
    loaded = _imported_after(
        "import creditline\nfor name in creditline.__all__: getattr(creditline, name)"
    )
    libraries = {"sqlalchemy", "alembic", "typer", "rich"}
    assert [m for m in loaded if m.split(".")[0] in libraries] == []
