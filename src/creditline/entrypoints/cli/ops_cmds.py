"""CLI commands that run the system rather than one line: init, the sandbox clock, due jobs,
ledger verification and the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import CreditlineError, InvalidInput
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import STATE, DbOpt, JsonOpt, run, show
from creditline.entrypoints.cli.output import EXIT_ERROR, console, fail, print_json

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
clock_app = typer.Typer(help="The sandbox clock (测试时钟).", no_args_is_help=True)
ledger_app = typer.Typer(help="The ledger (账本).", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
app.add_typer(ledger_app, name="ledger")


@app.command()
def init(
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Make a database whose clock moves.")
    ] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create or upgrade the database (Alembic migrations)."""

    def action(database: Database) -> Answer:
        result = bootstrap.initialise(database, sandbox=sandbox)
        if sandbox and not result["sandbox"]:
            raise InvalidInput(
                "sandbox",
                "this database is already initialised as live; "
                "a live database cannot become a sandbox",
            )
        return creditline.Answer({"db": bootstrap.database_url(db or STATE.db), **result})

    keys = ["db", "sandbox", "revision", "ledger_key", "ledger_public_key", "ledger_key_file"]
    run(db, json_out, action, show("initialised 已初始化", keys), create=True)


@clock_app.command("set")
def clock_set(
    at: Annotated[str, typer.Argument(metavar="AT", help="an ISO time with its offset")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Set the sandbox clock, e.g. 2024-05-01T10:00:00+08:00."""
    run(db, json_out, lambda d: creditline.set_clock(d, at), show("clock 时钟"))


@clock_app.command("advance")
def clock_advance(
    duration: Annotated[
        str, typer.Argument(metavar="DURATION", help="3d, 12h, 1d12h, 90m (at most 36500d)")
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Move the sandbox clock forward: 3d, 12h, 1d12h, 90m."""
    run(db, json_out, lambda d: creditline.advance_clock(d, duration), show("clock 时钟"))


@clock_app.command("show")
def clockshow(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show the database's clock."""
    run(db, json_out, creditline.show_clock, show("clock 时钟"))


@app.command("run-due")
def run_due_jobs(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Run the jobs that are due now: expire holds and freezes, freeze over-long occupancy,
    charge late fees, warn when the working-day calendar runs out."""

    def render(body: dict[str, Any]) -> None:
        out = console()
        out.print(f"expired holds 过期预授权: {len(body['expired_holds'])}")
        out.print(f"expired freezes 到期解冻: {len(body['expired_freezes'])}")
        out.print(f"occupancy freezes 占用超期冻结: {len(body['occupancy_freezes'])}")
        out.print(f"late fees 滞纳金: {len(body['late_fees'])} line(s)")
        out.print(
            f"splits 分账: {len(body['splits'])} · payouts 出款: "
            f"{len(body['payouts'])} · dunning 催收: {len(body['dunning'])}"
        )
        out.print(
            f"auto-confirmed 自动确认收货: {len(body['auto_confirmed'])} · "
            f"splits deferred 分账顺延: {len(body['splits_deferred'])}"
        )
        if body["calendar_alert"]:
            out.print(f"[yellow]{body['calendar_alert']['message_zh']}[/yellow]")

    run(db, json_out, creditline.run_due, render)


@ledger_app.command("verify")
def ledger_verify(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Recompute every balance from the ledger and check every hash chain."""
    from creditline.entrypoints.cli.verify_view import run_verify

    as_json = json_out or STATE.json
    try:
        with bootstrap.open_database(db or STATE.db) as database:
            report = run_verify(database, show_progress=not as_json)
    except CreditlineError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        print_json(report)
    if not report["ok"]:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def demo(db: DbOpt = None) -> None:
    """Tell the story of a merchant's line in a fresh sandbox database (zh/en)."""
    from creditline.entrypoints.cli.demo import run_demo

    try:
        run_demo(bootstrap.database_url(db or STATE.db))
    except CreditlineError as exc:
        fail(exc, as_json=False)
