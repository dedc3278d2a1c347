"""CLI commands for credit lines (额度) and spending them: open, activate, show, authorize,
capture, void, refund, repay."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import (
    PURPOSE_HELP,
    DbOpt,
    JsonOpt,
    KeyOpt,
    KeyRequiredOpt,
    LineArg,
    PartyArg,
    run,
    show,
)
from creditline.entrypoints.cli.output import console

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
line_app = typer.Typer(help="Credit lines (额度).", no_args_is_help=True)
spend_app = typer.Typer(help="The spend flow (额度支付).", no_args_is_help=True)
app.add_typer(line_app, name="line")
app.add_typer(spend_app, name="spend")

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
HOLD_KEYS = [
    "id",
    "line",
    "status",
    "amount",
    "purpose",
    "order",
    "captured",
    "refunded",
    "expires_at",
]
HoldArg = Annotated[str, typer.Argument(metavar="HOLD", help="the hold's id (hold_...)")]


@line_app.command("open")
def line_open(
    party: PartyArg,
    product: Annotated[str, typer.Option("--product", help="merchant_bnpl or installment")],
    limit: Annotated[str, typer.Option("--limit", help="the credit limit, e.g. 500000.00")],
    currency: Annotated[str, typer.Option("--currency", help="CNY, HKD or USD")] = "CNY",
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a line; it is usable only once activated."""
    run(
        db,
        json_out,
        lambda d: creditline.open_line(
            d, party, product=product, limit=limit, currency=currency, key=key
        ),
        show("line 额度", LINE_KEYS),
    )


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
def line_exposure(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Open holds and occupancy by order, with age and days left before the occupancy limit."""

    def render(body: dict[str, Any]) -> None:
        show("exposure 占用与预授权", ["line", "as_of", "limit_days", "held", "occupied", "used"])(
            body
        )
        columns = ["order", "occupancy", "amount", "since", "age_days", "days_left", "overdue"]
        _rows("occupancy 占用 (nearest to the limit first)", body["occupancy"], columns)
        _rows("holds 预授权", body["holds"], ["order", "hold", "amount", "since", "age_days"])

    run(db, json_out, lambda d: creditline.line_exposure(d, line), render)


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


@spend_app.command("authorize")
def spend_authorize(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount to hold, e.g. 100.00")],
    purpose: Annotated[str, typer.Option("--purpose", help=PURPOSE_HELP)],
    key: KeyRequiredOpt,
    order: Annotated[
        str | None, typer.Option("--order", help="the order the spend pays for")
    ] = None,
    counterparty: Annotated[
        str | None, typer.Option("--counterparty", help="the party paid (a supplier's id)")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Authorise a spend: hold quota, or decline with every reason."""
    run(
        db,
        json_out,
        lambda d: creditline.authorize(
            d, line, amount=amount, purpose=purpose, key=key, order=order, counterparty=counterparty
        ),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("capture")
def spend_capture(
    hold: HoldArg,
    key: KeyRequiredOpt,
    amount: Annotated[
        str | None, typer.Option("--amount", help="capture this much; default the whole hold")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Capture a hold (whole or part): the quota becomes occupied (占用)."""
    run(
        db,
        json_out,
        lambda d: creditline.capture(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("void")
def spend_void(
    hold: HoldArg, key: KeyRequiredOpt, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Void an uncaptured hold."""
    run(db, json_out, lambda d: creditline.void(d, hold, key=key), show("hold 预授权", HOLD_KEYS))


@spend_app.command("refund")
def spend_refund(
    hold: HoldArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount refunded, e.g. 50.00")],
    key: KeyRequiredOpt,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Refund (退款) a captured spend: its occupancy is released."""
    run(
        db,
        json_out,
        lambda d: creditline.refund(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


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
