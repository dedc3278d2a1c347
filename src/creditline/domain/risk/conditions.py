"""Conditions of risk rules (风控规则): the safe expression language (``rule-engine``), typed
by the feature catalogue, compiled at load with errors that name the line and column.

A condition is never run as Python (no ``eval``); rule-engine parses and types it against
every feature a rule may name, so an unknown feature or a wrong comparison is refused at load.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import FEATURES


@functools.cache
def _engine() -> Any:
    """The rule-engine module and a context that knows every feature and its type."""
    import rule_engine  # noqa: PLC0415 - imported on first use (start-up time)

    types = {k: getattr(rule_engine.DataType, t) for k, (t, _) in FEATURES.items()}
    context = rule_engine.Context(
        type_resolver=rule_engine.type_resolver_from_dict(types), default_timezone="UTC"
    )
    return rule_engine, context


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def symbols_of(text: str) -> tuple[str, ...]:
    """Every feature name in a condition (a string literal equal to one only adds a key)."""
    return tuple(sorted({w for w in _WORD.findall(text) if w in FEATURES}))


def _expression_position(node: yaml.Node, offset: int) -> str:
    """Line and column in the file of character ``offset`` of a scalar's text."""
    text = str(node.value)
    line = node.start_mark.line + text.count("\n", 0, offset)
    if "\n" in text[:offset]:
        column = offset - text.rfind("\n", 0, offset)
    else:
        quoted = 1 if getattr(node, "style", None) in {'"', "'"} else 0
        column = node.start_mark.column + quoted + offset + 1
    return f"line {line + 1}, column {column}"


def compile_condition(text: str, node: yaml.Node | None = None) -> Any:
    """Compile one condition; errors name the line and column (in the file when known)."""

    def where(offset: int) -> str:
        if node is not None:
            return _expression_position(node, offset)
        line = text.count("\n", 0, offset) + 1
        return f"line {line}, column {offset - text.rfind(chr(10), 0, offset)}"

    rule_engine, context = _engine()
    try:
        compiled = rule_engine.Rule(text, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        found = re.search(rf"\b{re.escape(exc.symbol_name)}\b", text)
        hint = f" (did you mean {exc.suggestion!r}?)" if exc.suggestion else ""
        raise InvalidInput(
            "rules",
            f"{where(found.start() if found else 0)}: unknown feature {exc.symbol_name!r}{hint}",
        ) from None
    except rule_engine.errors.RuleSyntaxError as exc:
        token = exc.token
        offset = len(text.rstrip()) if token is None else int(token.lexpos)
        raise InvalidInput("rules", f"{where(offset)}: syntax error in the condition") from None
    except rule_engine.errors.EngineError as exc:
        raise InvalidInput("rules", f"{where(0)}: {exc.message}") from None
    if compiled.statement.expression.result_type not in {
        rule_engine.DataType.BOOLEAN,
        rule_engine.DataType.UNDEFINED,
    }:
        raise InvalidInput("rules", f"{where(0)}: the condition must be true or false")
    return compiled
