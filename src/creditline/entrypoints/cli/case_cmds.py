"""CLI commands for cases (工单): list, show, assign, close; every step is kept with who did it
(the operator ``--as`` names, who must have a role that works cases; each step is audited)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import AsOpt, DbOpt, JsonOpt, KeyOpt, run, run_as
from creditline.entrypoints.cli.output import console, kv_table, list_table

app = typer.Typer()
cases_app = typer.Typer(help="Cases for operators (工单).", no_args_is_help=True)
app.add_typer(cases_app, name="cases")

CaseArg = Annotated[str, typer.Argument(metavar="CASE", help="the case id")]
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
    note: Annotated[str | None, typer.Option("--note", help="why (at most 500 characters)")] = None,
    key: KeyOpt = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Give an open case to an operator (again, to hand it over)."""
    run_as(
        db,
        json_out,
        as_name,
        "case.write",
        lambda d, by: creditline.assign_case(d, case, to=to, by=by.name, note=note, key=key),
        _case,
        target=case,
        note=note,
    )


@cases_app.command("close")
def cases_close(
    case: CaseArg,
    note: Annotated[str, typer.Option("--note", help="how the case ended")],
    key: KeyOpt = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close an open case, saying how it ended; a closed case stays closed."""
    run_as(
        db,
        json_out,
        as_name,
        "case.write",
        lambda d, by: creditline.close_case(d, case, note=note, by=by.name, key=key),
        _case,
        target=case,
        note=note,
    )
