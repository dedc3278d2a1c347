"""CLI commands that run the system rather than one line: init, the sandbox clock, due jobs,
ledger verification and the demo."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import CreditlineError, InvalidInput
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import STATE, AsOpt, DbOpt, JsonOpt, LineArg, run, show
from creditline.entrypoints.cli.output import (
    EXIT_ERROR,
    add_columns,
    console,
    fail,
    print_json,
)

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
clock_app = typer.Typer(help="The sandbox clock (测试时钟).", no_args_is_help=True)
ledger_app = typer.Typer(help="The ledger (账本).", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
desk_app = typer.Typer(help="The operator desk (风控工作台).", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(desk_app, name="ops")


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


# -- the operator desk ---------------------------------------------------------------------------
AfterOpt = Annotated[int, typer.Option("--after", min=0, help="only after this id (a cursor)")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=100, help="at most this many")]


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    add_columns(table, columns)
    for row in rows:
        table.add_row(*row)
    console().print(table)


def _local(iso: str | None) -> str:
    return "" if not iso else creditline.local_text(datetime.fromisoformat(iso))


@desk_app.command("dashboard")
def ops_dashboard(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Today's authorisations by outcome, the review backlog, red alerts, failing payouts."""

    def render(body: dict[str, Any]) -> None:
        out = console()
        a, backlog = body["authorizations"], body["review_backlog"]
        out.print(f"[bold]dashboard 风控看板[/bold] {body['day']} (北京时间 {_local(body['at'])})")
        out.print(
            f"authorisations 今日授权: {a['total']} · approved 通过 {a['approved']} · "
            f"review 待审 {a['review']} · declined 拒绝 {a['declined']}"
        )
        oldest = backlog["oldest_age_minutes"]
        age = "" if oldest is None else f" · oldest 最早 {oldest // 60} h {oldest % 60} min"
        out.print(f"review backlog 待审核: {backlog['count']}{age}")
        red = body["red_alerts"]
        _table(
            f"red alerts 红色预警: {red['count']}",
            ["line", "kind", "since", "message"],
            [[r["line"], r["kind"], _local(r["opened_at"]), r["message_zh"]] for r in red["data"]],
        )
        failing = body["failing_payouts"]
        _table(
            f"failing payouts 出款失败: {failing['count']}",
            ["id", "party", "amount", "attempts", "last_error"],
            [
                [p["id"], p["party"], p["amount"], str(p["attempts"]), p["last_error"] or ""]
                for p in failing["data"]
            ],
        )

    run(db, json_out, creditline.dashboard, render)


@desk_app.command("queue")
def ops_queue(limit: LimitOpt = 100, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The review queue (待审核), each decision with its rules and features."""

    def render(body: dict[str, Any]) -> None:
        out = console()
        if not body["pending"]:
            out.print("the queue is clear 待审核队列为空")
        for d in body["pending"]:
            out.print(
                f"[bold]{d['id']}[/bold] {d['event']} {d['amount']} · {d['line'] or d['party']}"
                f" · score {d['score']} · {_local(d['at'])}"
            )
            for r in d["reasons"]:
                out.print(f"  rule {r['rule']}: {r['message_zh']} / {r['message_en']}")
            for f in d["features"]:
                out.print(f"  {f['name']} = {f['value']}  ({f['meaning']})")

    run(db, json_out, lambda d: creditline.review_queue(d, limit=limit), render)


def _audit_rows(body: dict[str, Any]) -> list[list[str]]:
    return [
        [
            str(r["seq"]),
            _local(r["at"]),
            f"{r['actor']} ({r['role']})",
            r["action"] + ("" if r["outcome"] == "committed" else f" ({r['outcome']})"),
            r["target"],
            r["note"],
        ]
        for r in body["data"]
    ]


@desk_app.command("audit")
def ops_audit(
    line: LineArg,
    after: AfterOpt = 0,
    limit: LimitOpt = 100,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Operator actions on one line, its holds, freezes and decisions (admin or risk)."""

    def action(d: Database) -> Answer:
        creditline.as_operator(d, as_name, "audit.read")
        return creditline.line_audit(d, line, after=after, limit=limit)

    def render(body: dict[str, Any]) -> None:
        more = " (more: --after the last seq)" if body["has_more"] else ""
        columns = ["seq", "at", "who", "action", "target", "note"]
        _table(f"audit trail 审计记录 {line}{more}", columns, _audit_rows(body))

    run(db, json_out, action, render)


@desk_app.command("events")
def ops_events(
    line: LineArg,
    after: AfterOpt = 0,
    limit: LimitOpt = 100,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One line's events (事件), oldest first."""

    def render(body: dict[str, Any]) -> None:
        more = " (more: --after the last id)" if body["has_more"] else ""
        rows = [[str(e["id"]), _local(e["created_at"]), e["type"]] for e in body["data"]]
        _table(f"events 事件 {line}{more}", ["id", "at", "type"], rows)

    run(db, json_out, lambda d: creditline.line_events(d, line, after=after, limit=limit), render)


@desk_app.command("rings")
def ops_rings(limit: LimitOpt = 50, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The cash-out rings (套现团伙) found so far, with the identifiers members share."""

    def render(body: dict[str, Any]) -> None:
        rows = [
            [
                r["id"],
                ", ".join(r["members"]),
                str(r["score"]),
                r["pattern"],
                r["case"],
                ", ".join(f"{s['kind']}:{s['value']}" for s in r["shared"]),
            ]
            for r in body["data"]
        ]
        columns = ["id", "members", "score", "pattern", "case", "shared"]
        _table(f"rings 套现团伙: {body['count']}", columns, rows)

    run(db, json_out, lambda d: creditline.list_rings(d, limit=limit), render)
