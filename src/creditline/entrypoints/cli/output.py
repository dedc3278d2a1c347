"""How answers and errors reach a terminal: JSON for programs, rich text for people."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from creditline import CreditlineError, InvalidInput, Refused

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from creditline import Answer

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_REFUSED = 0, 1, 2, 3


@functools.cache
def console() -> Console:
    """The terminal for answers; rich is imported on the first use, so ``--json`` never pays
    for it."""
    from rich.console import Console

    return Console()


@functools.cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def print_json(body: Any) -> None:
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")


def kv_table(title: str, body: dict[str, Any], keys: list[str] | None = None) -> Table:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    for k in keys or list(body):
        if k in body and not isinstance(body[k], dict | list):
            table.add_row(k, "" if body[k] is None else str(body[k]))
    return table


def render_reasons(reasons: list[dict[str, Any]]) -> None:
    out = console()
    for r in reasons:
        out.print(f"  [red]✗[/red] [bold]{r['code']}[/bold]  {r.get('message_zh', '')}")
        out.print(f"      {r.get('message_en', r.get('message', ''))}")
        if r.get("action_zh") or r.get("action_en"):
            out.print(f"      [green]→[/green] {r.get('action_zh', '')} / {r.get('action_en', '')}")


def finish(answer: Answer, *, as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    if as_json:
        print_json(answer.body)
    elif answer.refused and "error" in answer.body:
        err = answer.body["error"]
        console().print(f"[red]refused[/red] {err.get('code')}: {err.get('message')}")
        render_reasons(answer.body.get("reasons", []))
    else:
        render(answer.body)
    if answer.refused:
        raise typer.Exit(EXIT_REFUSED)


#: Exit codes by error type, most specific first: 2 bad input, 3 refused, 1 anything else.
EXIT_CODES: tuple[tuple[type[CreditlineError], int], ...] = (
    (InvalidInput, EXIT_INVALID),
    (Refused, EXIT_REFUSED),
    (CreditlineError, EXIT_ERROR),
)


def exit_code(exc: CreditlineError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))


def fail(exc: CreditlineError, *, as_json: bool) -> NoReturn:
    body: dict[str, Any] = {"error": exc.to_json()}
    if isinstance(exc, Refused):
        body["reasons"] = [r.to_json() for r in exc.reasons]
    if as_json:
        print_json(body)
    else:
        err_console().print(f"[red]error[/red] ({exc.code}): {exc.message}")
        if isinstance(exc, Refused):
            render_reasons(body["reasons"])
    raise typer.Exit(exit_code(exc))
