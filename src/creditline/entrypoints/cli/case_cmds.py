"""CLI commands for cases (工单): list, show, assign, close; every step is kept with who did it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import DbOpt, JsonOpt, KeyOpt, run
from creditline.entrypoints.cli.output import console, kv_table, list_table

app = typer.Typer()
cases_app = typer.Typer(help="Cases for operators (工单).", no_args_is_help=True)
app.add_typer(cases_app, name="cases")

CaseArg = Annotated[str, typer.Argument(metavar="CASE", help="the case id")]
# An operator is a free-text name until there is a registry of operators (R28).
ByOpt = Annotated[
    str,
    typer.Option(
        "--by", envvar="CREDITLINE_OPERATOR", help="the operator; else $CREDITLINE_OPERATOR"
    ),
]
CASE_KEYS = ["id", "kind", "party", "subject", "status", "assignee", "opened_at"]


def _case(body: dict[str, Any]) -> None:
    """The case, then its history: who did what, when, and why."""
    out = console()
    out.print(kv_table("case 工单", body, CASE_KEYS))
    for step in body["history"]:
        who = f"{step['action']} by {step['by']}"
        to = f" → {step['assignee']}" if step["assignee"] else ""
        note = f"  {step['note']}" if step["note"] else ""
        out.print(f"  {step['at']}  {who}{to}{note}")


@cases_app.command("list")
def cases_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Cases opened for operators."""
    columns = ["id", "kind", "party", "subject", "status", "opened_at"]
    run(db, json_out, creditline.list_cases, list_table("cases 工单", columns))


@cases_app.command("show")
def cases_show(case: CaseArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """A case with its history: who did what, when, and why."""
    run(db, json_out, lambda d: creditline.show_case(d, case), _case)


@cases_app.command("assign")
def cases_assign(
    case: CaseArg,
    to: Annotated[str, typer.Option("--to", help="the operator who takes the case")],
    by: ByOpt,
    note: Annotated[str | None, typer.Option("--note", help="why (at most 500 characters)")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Give an open case to an operator (again, to hand it over)."""
    run(
        db,
        json_out,
        lambda d: creditline.assign_case(d, case, to=to, by=by, note=note, key=key),
        _case,
    )


@cases_app.command("close")
def cases_close(
    case: CaseArg,
    note: Annotated[str, typer.Option("--note", help="how the case ended")],
    by: ByOpt,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close an open case, saying how it ended; a closed case stays closed."""
    run(
        db,
        json_out,
        lambda d: creditline.close_case(d, case, note=note, by=by, key=key),
        _case,
    )
