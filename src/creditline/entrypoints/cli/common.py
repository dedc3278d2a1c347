"""What every CLI command shares: global options, running a use case (and an operator's
action, named with ``--as`` and audited), exit codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import CreditlineError, NotInitialised
from creditline.entrypoints.bootstrap import database_url, open_database
from creditline.entrypoints.cli.output import console, fail, finish, kv_table, render_reasons

if TYPE_CHECKING:
    from creditline import Answer, Database, Principal


@dataclass
class Globals:
    db: str | None = None
    json: bool = False


STATE = Globals()

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL; else $CREDITLINE_DB; else sqlite:///creditline.db"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key (幂等键): a replay returns the first answer."),
]
#: ``--key`` of the commands that move money: typer lists it as required and refuses its absence.
KeyRequiredOpt = Annotated[
    str,
    typer.Option(
        "--key",
        help="Idempotency key (幂等键), required for money: a replay returns the first answer.",
    ),
]
#: Who takes an operator action (R28): an operator whose role allows it, else exit 3.
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="CREDITLINE_OPERATOR",
        help="the operator doing this (操作员); else $CREDITLINE_OPERATOR",
    ),
]
PartyArg = Annotated[str, typer.Argument(metavar="PARTY", help="the party's id (mer_..., con_...)")]
LineArg = Annotated[str, typer.Argument(metavar="LINE", help="the line's id (line_...)")]

#: Every purpose a spend may name; the cash-out ones are listed so that their refusal is no
#: surprise (``purpose_forbidden``).
PURPOSE_HELP = (
    "procurement, commission, logistics (merchant lines) or purchase (installment lines); "
    "withdraw_cash, transfer_wallet, transfer_bank are always refused"
)


def run(
    db: str | None,
    json_out: bool,
    action: Callable[[Database], Answer],
    render: Callable[[dict[str, Any]], None],
    *,
    create: bool = False,
) -> None:
    """Run ``action`` on the database and print its answer; ``create`` (``init`` only) may
    make the database file."""
    as_json = json_out or STATE.json
    url = db or STATE.db
    try:
        with open_database(url, create=create) as database:
            answer = action(database)
    except NotInitialised as exc:
        message = f"database {database_url(url)} is not initialised: {exc.message}"
        fail(NotInitialised(message), as_json=as_json)
    except CreditlineError as exc:
        fail(exc, as_json=as_json)
    finish(answer, as_json=as_json, render=render)


def run_as(
    db: str | None,
    json_out: bool,
    operator: str | None,
    action: str,
    use_case: Callable[[Database, Principal], Answer],
    render: Callable[[dict[str, Any]], None],
    *,
    target: str,
    note: str | None = None,
) -> None:
    """Run an operator action (an ``ACTIONS`` key) as the operator ``--as`` names: refused
    (exit 3) unless that operator exists and its role allows the action; the audit record of
    who, what (``target``), why (``note``) lands in the action's own transaction."""

    def audited(database: Database) -> Answer:
        principal = creditline.as_operator(database, operator, action)
        return creditline.act(
            database,
            principal,
            action,
            lambda d: use_case(d, principal),
            target=target,
            note=note,
        )

    run(db, json_out, audited, render)


def show(title: str, keys: list[str] | None = None) -> Callable[[dict[str, Any]], None]:
    def render(body: dict[str, Any]) -> None:
        console().print(kv_table(title, body, keys))
        if body.get("reasons"):
            render_reasons(body["reasons"])

    return render
