"""The rules read no clock and open no file, and no float or true division touches money.

import-linter checks what each layer imports; these tests read the code itself (its syntax
tree, so comments and docstrings never count) in every module of the packages, sub-packages
included.
"""

from __future__ import annotations

import ast
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import creditline.domain
import creditline.service

ROOTS = {"creditline.domain": creditline.domain, "creditline.service": creditline.service}

#: Where a true division or a float is not on money, by (module, function or module-level
#: name), with the reason. Anything else that divides or floats fails the test below, so a new
#: `/` on money cannot slip in; an entry that no longer divides fails too, so the list stays
#: true.
NOT_MONEY = {
    ("creditline.domain.risk.rings", "jaccard"): "overlap of two sets of members, a similarity",
    ("creditline.domain.risk.metrics", "RING_MATCH"): "the Jaccard overlap that makes a match",
    ("creditline.domain.risk.metrics", "_ratio"): "precision and recall over event and ring counts",
    ("creditline.domain.risk.features", "return_rate"): "return rate: returned orders / orders",
    ("creditline.domain.risk.features", "_fill_history"): "money back share: a ratio of two sums",
    **{
        ("creditline.domain.risk.flows", name): "identifier weights and link strengths: similarity"
        for name in (
            "KIND_WEIGHTS",
            "STRONG_LINK",
            "WEAK_LINK",
            "identifier_weight",
            "link_strength",
        )
    },
    ("creditline.domain.risk.flows", "CYCLE_SHARE"): "the share of a spend a cycle returns",
    ("creditline.domain.risk.flows", "BURST_SHARE"): "the share of a shop's spends refunded",
    ("creditline.domain.risk.flows", "money_cycles"): "half the horizon, a timedelta",
    ("creditline.domain.risk.scheme_metrics", "RING_MATCH"): "the Jaccard overlap of a match",
    ("creditline.domain.risk.scheme_metrics", "_ratio"): "recall, precision, rates over counts",
}

#: Calls that read a clock or the file system; rules take the time and the data as arguments.
#: (``moment.time()``, the time of day of a datetime, reads nothing.)
CLOCK_AND_FILE_METHODS = frozenset(
    {"now", "today", "utcnow", "open", "read_text", "read_bytes", "write_text", "write_bytes"}
)
TIME_MODULE_CALLS = frozenset({"time", "time_ns", "monotonic", "perf_counter"})


def _modules(package: object) -> dict[str, Path]:
    """Every module of ``package`` and its sub-packages, found by import machinery (so the walk
    below is checked against something other than itself)."""
    path = Path(package.__file__).parent  # type: ignore[attr-defined]
    name = package.__name__  # type: ignore[attr-defined]
    found = {name: path / "__init__.py"}
    for info in pkgutil.walk_packages([str(path)], prefix=f"{name}."):
        rel = info.name.removeprefix(f"{name}.").replace(".", "/")
        found[info.name] = path / rel / "__init__.py" if info.ispkg else path / f"{rel}.py"
    return found


def _walked(package: object) -> dict[str, Path]:
    path = Path(package.__file__).parent  # type: ignore[attr-defined]
    name = package.__name__  # type: ignore[attr-defined]
    out = {}
    for file in sorted(path.rglob("*.py")):
        parts = file.relative_to(path).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        out[".".join((name, *parts))] = file
    return out


def _scoped(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Each node with the name it belongs to: its function (``Class.method``), else the
    module-level name it is assigned to, else ``<module>``."""

    def visit(node: ast.AST, scope: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = child.name if scope == "<module>" else f"{scope}.{child.name}"
            elif scope == "<module>" and isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                inner = names[0] if names else scope
            yield inner, child
            yield from visit(child, inner)

    return visit(tree, "<module>")


def _float_or_division(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div):
        return "true division"
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return f"float literal {node.value!r}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
        return "float()"
    return None


def _offences(modules: dict[str, Path]) -> tuple[list[str], set[tuple[str, str]]]:
    offenders, allowed_seen = [], set()
    for module, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope, node in _scoped(tree):
            what = _float_or_division(node)
            if what is None:
                continue
            if (module, scope) in NOT_MONEY:
                allowed_seen.add((module, scope))
            else:
                offenders.append(f"{module}:{node.lineno} in {scope}: {what}")  # type: ignore[attr-defined]
    return offenders, allowed_seen


@pytest.mark.parametrize("package", ROOTS.values(), ids=ROOTS.keys())
def test_the_walk_sees_every_module_sub_packages_included(package: object) -> None:
    walked = _walked(package)
    assert walked == _modules(package)
    assert any(name.count(".") >= 3 for name in walked)  # e.g. creditline.domain.quota.lines


def test_no_float_and_no_true_division_in_the_rules_or_the_use_cases() -> None:
    """Money is integer minor units: no float() call, no float literal and no `/` in the domain
    or the service layer, except where NOT_MONEY says why it is not money."""
    modules = {m: p for package in ROOTS.values() for m, p in _walked(package).items()}
    offenders, allowed_seen = _offences(modules)
    assert offenders == []
    assert set(NOT_MONEY) - allowed_seen == set(), "stale NOT_MONEY entries: nothing there divides"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("def fee(amount):\n    return amount / 2\n", ["m:2 in fee: true division"]),
        ("def fee(amount):\n    amount /= 2\n    return amount\n", ["m:2 in fee: true division"]),
        (
            "class Fee:\n    def of(self, a):\n        return a * 0.05\n",
            ["m:3 in Fee.of: float literal 0.05"],
        ),
        ("RATE = float('0.0005')\n", ["m:1 in RATE: float()"]),
        ("def fee(amount):\n    return amount // 2\n", []),  # floor division stays in integers
        ("def fee(amount):\n    return amount * 5 // 10_000  # 0.5 / 1000\n", []),
        ('"""Half a fen is 0.5 / 100 of a yuan."""\n', []),
    ],
)
def test_the_money_check_catches_division_and_floats_anywhere(
    tmp_path: Path, source: str, found: list[str]
) -> None:
    file = tmp_path / "m.py"
    file.write_text(source, encoding="utf-8")
    assert _offences({"m": file})[0] == found


def _clock_or_file_calls(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in CLOCK_AND_FILE_METHODS:
            yield f"{path.name}:{node.lineno}: .{func.attr}()"
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "time"
            and func.attr in TIME_MODULE_CALLS
        ):
            yield f"{path.name}:{node.lineno}: time.{func.attr}()"
        elif isinstance(func, ast.Name) and func.id == "open":
            yield f"{path.name}:{node.lineno}: open()"


def test_domain_rules_read_no_clock_and_open_no_file() -> None:
    offenders = [
        found
        for path in _walked(creditline.domain).values()
        for found in _clock_or_file_calls(path)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("def due(d):\n    return datetime.now(UTC) > d  # not .now() in a comment\n", [".now()"]),
        ("def due(d):\n    return time.time() > d\n", ["time.time()"]),
        ("def load(p):\n    return open(p).read()\n", ["open()"]),
        ("def rules(p):\n    return p.read_text()\n", [".read_text()"]),
        ("def in_window(moment):\n    return moment.time() < time(16)\n", []),
    ],
)
def test_the_clock_check_catches_a_rule_that_reads_the_time_or_a_file(
    tmp_path: Path, source: str, found: list[str]
) -> None:
    file = tmp_path / "m.py"
    file.write_text(source, encoding="utf-8")
    assert list(_clock_or_file_calls(file)) == [f"m.py:2: {f}" for f in found]
