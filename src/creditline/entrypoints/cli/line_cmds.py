"""CLI commands for credit lines (额度): open, activate, show, set-limit, close, reopen, limits,
exposure, history, monitor; repay. Each command is a thin call of one use case with its table
(the spend flow is ``spend_cmds``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyOpt,
    KeyRequiredOpt,
    LineArg,
    PartyArg,
    run,
    run_as,
    show,
)
from creditline.entrypoints.cli.output import console

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
line_app = typer.Typer(help="Credit lines (额度).", no_args_is_help=True)
app.add_typer(line_app, name="line")

LINE_KEYS = [
    "id",
    "party",
    "product",
    "status",
    "currency",
    "limit",
    "held",
    "occupied",
    "frozen",
    "available",
]


@line_app.command("open")
def line_open(
    party: PartyArg,
    product: Annotated[str, typer.Option("--product", help="merchant_bnpl or installment")],
    limit: Annotated[
        str | None,
        typer.Option(
            "--limit", help="the credit limit, e.g. 500000.00 (default: the assessment's, 授信)"
        ),
    ] = None,
    currency: Annotated[str, typer.Option("--currency", help="CNY, HKD or USD")] = "CNY",
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a line; it is usable only once activated. Without --limit, the limit is the one
    ``limit assess`` proposes (a referred assessment is refused with its reasons)."""

    def action(d: Database) -> Answer:
        assessment = None
        if limit is None:
            cards = bootstrap.scorecard_store(None)
            assessment = creditline.assess_limit(d, party, product=product, cards=cards).body
        return creditline.open_line(
            d,
            party,
            product=product,
            limit=limit,
            currency=currency,
            key=key,
            assessment=assessment,
        )

    def render(body: dict[str, Any]) -> None:
        show("line 额度", LINE_KEYS)(body)
        if "assessment" in body:
            a = body["assessment"]
            console().print(
                f"limit from assessment 额度来自评估 {a['id']}: score 评分 {a['score']}, "
                f"proposed 建议额度 {a['proposed_limit']}"
            )

    run(db, json_out, action, render)


@line_app.command("activate")
def line_activate(
    line: LineArg, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Activate a line: needs real name, qualification, settlement account, no violation."""
    run(
        db,
        json_out,
        lambda d: creditline.activate_line(d, line, key=key),
        show("line 额度", LINE_KEYS),
    )


@line_app.command("show")
def lineshow(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show a line's status and balances (derived from its ledger)."""
    run(db, json_out, lambda d: creditline.show_line(d, line), show("line 额度", LINE_KEYS))


NoteOpt = Annotated[str, typer.Option("--note", help="why (required, at most 500 characters)")]
CHANGE_KEYS = ["id", "line", "kind", "from_limit", "to_limit", "pending_reduction", "at", "actor"]


def _change(body: dict[str, Any]) -> None:
    show("limit change 额度调整", [*CHANGE_KEYS, *(["status"] if "status" in body else [])])(body)
    b = body["balances"]
    console().print(
        f"limit 额度 {b['limit']} · held 预授权 {b['held']} · occupied 占用 {b['occupied']} · "
        f"available 可用 {b['available']} ({b['currency']})"
    )
    if body["pending_reduction"] != "0.00":
        console().print(
            f"[yellow]{body['pending_reduction']} of the reduction waits for used quota to come "
            "back; new spending is blocked meanwhile. 已用额度高于新额度，待回款后继续下调，"
            "期间不能新增支用。[/yellow]"
        )


@line_app.command("set-limit")
def line_set_limit(
    line: LineArg,
    limit: Annotated[str, typer.Option("--limit", help="the new limit, e.g. 400000.00")],
    note: NoteOpt,
    key: KeyRequiredOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Set a line's limit (额度调整, role risk, audited): raised at once; lowered never below
    what is used, the rest as quota comes back, with new spending blocked meanwhile."""
    run_as(
        db,
        json_out,
        as_name,
        "limit.set",
        lambda d, by: creditline.set_limit(
            d, line, limit=limit, note=note, actor=by.label(), key=key
        ),
        _change,
        target=line,
        note=note,
    )


@line_app.command("close")
def line_close(
    line: LineArg,
    note: NoteOpt,
    key: KeyRequiredOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close a line (关闭额度): refused while anything is held or owed."""
    run_as(
        db,
        json_out,
        as_name,
        "line.write",
        lambda d, by: creditline.close_line(d, line, note=note, actor=by.label(), key=key),
        _change,
        target=line,
        note=note,
    )


@line_app.command("reopen")
def line_reopen(
    line: LineArg,
    note: NoteOpt,
    key: KeyRequiredOpt,
    limit: Annotated[
        str | None, typer.Option("--limit", help="the limit (default: the one it had)")
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reopen a closed line: active if its holder meets every prerequisite."""
    run_as(
        db,
        json_out,
        as_name,
        "line.write",
        lambda d, by: creditline.reopen_line(
            d, line, note=note, limit=limit, actor=by.label(), key=key
        ),
        _change,
        target=line,
        note=note,
    )


@line_app.command("limits")
def line_limits(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Every change of the line's limit (额度调整记录), newest first, with why."""

    def render(body: dict[str, Any]) -> None:
        show("limit 额度", ["line", "limit", "limit_target", "pending_reduction", "currency"])(body)
        rows = [
            {**c, "why": "; ".join(r.get("en", "") for r in c["reasons"]) or c["note"]}
            for c in body["changes"]
        ]
        columns = ["at", "kind", "from_limit", "to_limit", "actor", "source", "why"]
        _rows("changes 调整记录", rows, columns)

    run(db, json_out, lambda d: creditline.limit_changes(d, line), render)


DaysOpt = Annotated[int, typer.Option("--days", min=1, max=366, help="days back, today included")]


def _rows(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    from rich.table import Table

    from creditline.entrypoints.cli.output import add_columns

    table = Table(title=title, title_justify="left")
    add_columns(table, columns)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console().print(table)


@line_app.command("exposure")
def line_exposure(
    line: LineArg,
    after: Annotated[
        str | None,
        typer.Option("--after", help="the page after this occupancy (the previous page's next)"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="orders per page, 1 to 500")] = 50,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open holds and occupancy by order, with age and days left before the occupancy limit."""

    def render(body: dict[str, Any]) -> None:
        show("exposure 占用与预授权", ["line", "as_of", "limit_days", "held", "occupied", "used"])(
            body
        )
        columns = ["order", "occupancy", "amount", "since", "age_days", "days_left", "overdue"]
        _rows("occupancy 占用 (nearest to the limit first)", body["occupancy"], columns)
        _rows("holds 预授权", body["holds"], ["order", "hold", "amount", "since", "age_days"])
        if body["next"]:
            console().print(
                f"{len(body['occupancy'])} of {body['occupancy_count']} open orders shown 已显示; "
                f"next page 下一页: --after {body['next']}"
            )

    run(db, json_out, lambda d: creditline.line_exposure(d, line, after=after, limit=limit), render)


@line_app.command("history")
def line_history(
    line: LineArg, days: DaysOpt = 90, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Limit, used and available at the end of each Beijing day, with the freezes standing."""

    def render(body: dict[str, Any]) -> None:
        columns = ["date", "limit", "used", "available", "frozen", "line_frozen"]
        _rows(f"history 额度历史 {body['line']} ({body['currency']})", body["days"], columns)
        _rows("freezes 冻结", body["freezes"], ["id", "reason", "scope", "first_day", "last_day"])

    run(db, json_out, lambda d: creditline.quota_history(d, line, days=days), render)


@line_app.command("monitor")
def line_monitor(
    line: LineArg,
    days: DaysOpt = 30,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="also write the monitor as an Excel file")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The daily quota monitor (额度监控表): available quota against the monthly flow, with
    the yellow (50%) and red (30%) lines and the 20% reserve."""

    def action(d: Database) -> Answer:
        answer = creditline.quota_monitor(d, line, days=days)
        if xlsx is not None:
            try:
                xlsx.write_bytes(bootstrap.monitor_xlsx(answer.body))
            except OSError as exc:
                raise creditline.InvalidInput("xlsx", f"cannot write {xlsx}: {exc}") from None
        return answer

    def render(body: dict[str, Any]) -> None:
        columns = ["date", "available", "monthly_flow", "yellow_line", "red_line", "level"]
        _rows(f"monitor 额度监控表 {body['line']} ({body['currency']})", body["days"], columns)
        today = body["today"]
        if today["reserve"] is not None:
            covered = "yes 是" if today["covers_reserve"] else "no 否"
            console().print(
                f"reserve 储备 ({body['reserve_percent']}% of the monthly flow): "
                f"{today['reserve']}; covered by today's available {today['available']}: {covered}"
            )
        if xlsx is not None:
            console().print(f"→ {xlsx}")

    run(db, json_out, action, render)


@app.command()
def repay(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount repaid, e.g. 1000.00")],
    key: KeyRequiredOpt,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Repay occupied quota (还款), oldest first, then late fees (滞纳金)."""

    def render(body: dict[str, Any]) -> None:
        show("repayment 还款", ["id", "line", "amount"])(body)
        for part in body["allocations"]:
            paid_for = part["order"] or part["occupancy"]
            console().print(f"  occupancy 占用 {paid_for}: {part['amount']}")
        console().print(f"  late fees 滞纳金: {body['paid']['fees']}")

    run(db, json_out, lambda d: creditline.repay(d, line, amount=amount, key=key), render)
