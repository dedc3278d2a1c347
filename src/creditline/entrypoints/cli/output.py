"""How answers and errors reach a terminal: JSON for programs, rich text for people."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

import typer

import creditline
from creditline import CreditlineError, Forbidden, InvalidInput, Refused, Unauthenticated

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


def _json_value(value: Any) -> Any:
    """What ``json`` cannot write: an instant in Beijing time like every answer's, else text."""
    if isinstance(value, datetime):
        return creditline.iso_local(value)
    return str(value)


def print_json(body: Any) -> None:
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2, default=_json_value) + "\n")


#: Columns that hold ids (or values made of ids): never wrapped, never cut, so that what is on
#: screen can be copied into the next command.
ID_COLUMNS = frozenset(
    {
        *("id", "line", "party", "hold", "order", "payout", "case", "subject", "freeze", "ring"),
        "request_id",
    }
)


def titled_table(title: str) -> Table:
    """An empty table with a title (rich loads only when a table is drawn, never for --json)."""
    from rich.table import Table

    return Table(title=title)


def ratio_text(value: float | None) -> str:
    """A ratio (precision, recall, a rate) to two places, or a dash when there is none."""
    return "–" if value is None else f"{value:.2f}"


@contextmanager
def progress_bar(title: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (so --json output stays clean)."""
    if not enabled:
        yield lambda _i, _n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(title, total=None)

        def step(i: int, n: int) -> None:
            bar.update(task, completed=i, total=n)

        yield step


def add_columns(table: Table, names: list[str]) -> None:
    """Columns whose long cells fold onto the next line instead of ending in "…" (rich's
    default): nothing on screen is cut short. An id column does not wrap, so it keeps its
    width while the others give way, and folds only on a screen too narrow for it alone."""
    for name in names:
        table.add_column(name, overflow="fold", no_wrap=name in ID_COLUMNS)


def kv_table(title: str, body: dict[str, Any], keys: list[str] | None = None) -> Table:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for k in keys or list(body):
        if k in body and not isinstance(body[k], dict | list):
            table.add_row(k, "" if body[k] is None else str(body[k]))
    return table


def list_table(title: str, columns: list[str]) -> Callable[[dict[str, Any]], None]:
    """A renderer of a list answer (``data``) as a table of ``columns``."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        add_columns(table, columns)
        for item in body["data"]:
            table.add_row(*(str(item.get(c, "")) for c in columns))
        console().print(table)

    return render


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


#: Exit codes by error type, most specific first: 2 bad input, 3 refused (by the rules, or
#: because the operator is unknown or lacks the role), 1 anything else.
EXIT_CODES: tuple[tuple[type[CreditlineError], int], ...] = (
    (InvalidInput, EXIT_INVALID),
    (Refused, EXIT_REFUSED),
    (Unauthenticated, EXIT_REFUSED),
    (Forbidden, EXIT_REFUSED),
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
