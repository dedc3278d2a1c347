"""The CLI starts fast: ``--help`` lists every command from a table without importing any of
them, the table says what the commands themselves say, and a command imports only its own."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import typer

from creditline.entrypoints.cli.main import COMMANDS, load
from tests.helpers import CLI

MODULES = sorted({entry.module for entry in COMMANDS.values()})


def _words(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _loaded(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return set(done.stdout.split())


def test_the_table_names_every_command_once_with_the_help_it_has() -> None:
    defined = {
        name: module
        for module in MODULES
        for name in typer.main.get_group(
            importlib.import_module(f"creditline.entrypoints.cli.{module}").app
        ).commands
    }
    assert defined == {name: entry.module for name, entry in COMMANDS.items()}
    for name, entry in COMMANDS.items():
        assert _words(load(name).help) == _words(entry.help), name


def test_help_lists_every_command_with_its_help() -> None:
    done = subprocess.run(
        [CLI, "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    # Rows of the rich table, borders dropped, wrapped lines joined: "name its help text".
    listing = _words(done.stdout.replace("│", " "))
    for name, entry in COMMANDS.items():
        assert f" {name} {_words(entry.help)} " in listing, name


def test_help_imports_no_command_module_use_case_or_database_library() -> None:
    loaded = _loaded("from creditline.entrypoints.cli.main import app")
    heavy = {"sqlalchemy", "alembic", "psycopg", "openpyxl", "rule_engine", "networkx", "yaml"}
    assert {m.split(".")[0] for m in loaded} & heavy == set()
    assert {m for m in loaded if m.startswith(("creditline.service", "creditline.adapters"))} == (
        set()
    )
    assert {f"creditline.entrypoints.cli.{m}" for m in MODULES} & loaded == set()


def test_a_json_answer_imports_only_its_own_commands_and_no_rich(tmp_path: Path) -> None:
    loaded = _loaded(
        "from creditline.entrypoints.cli.main import app\n"
        "try:\n"
        f"    app(['--db', 'sqlite:///{tmp_path}/c.db', 'line', 'show', 'L', '--json'])\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert "creditline.entrypoints.cli.line_cmds" in loaded
    others = {f"creditline.entrypoints.cli.{m}" for m in MODULES} - {
        "creditline.entrypoints.cli.line_cmds"
    }
    assert others & loaded == set()
    heavy = {"rich", "alembic", "psycopg", "openpyxl", "rule_engine", "networkx"}
    assert {m.split(".")[0] for m in loaded} & heavy == set()
