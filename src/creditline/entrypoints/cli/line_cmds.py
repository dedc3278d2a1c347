"""CLI commands for credit lines (额度) and spending them: open, activate, show, authorize,
capture, void, refund, repay."""

from __future__ import annotations

from typing import Annotated

import typer

import creditline
from creditline.entrypoints.cli.common import DbOpt, JsonOpt, KeyOpt, run, show

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


@line_app.command("open")
def line_open(
    party: str,
    product: Annotated[str, typer.Option("--product", help="merchant_bnpl or installment")],
    limit: Annotated[str, typer.Option("--limit", help="500000.00")],
    currency: Annotated[str, typer.Option("--currency")] = "CNY",
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
    line: str, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Activate a line: needs real name, qualification, settlement account, no violation."""
    run(
        db,
        json_out,
        lambda d: creditline.activate_line(d, line, key=key),
        show("line 额度", LINE_KEYS),
    )


@line_app.command("show")
def lineshow(line: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show a line's status and balances (derived from its ledger)."""
    run(db, json_out, lambda d: creditline.show_line(d, line), show("line 额度", LINE_KEYS))


@spend_app.command("authorize")
def spend_authorize(
    line: str,
    amount: Annotated[str, typer.Option("--amount")],
    purpose: Annotated[str, typer.Option("--purpose")],
    key: KeyOpt = None,
    order: Annotated[str | None, typer.Option("--order")] = None,
    counterparty: Annotated[str | None, typer.Option("--counterparty")] = None,
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
    hold: str,
    amount: Annotated[str | None, typer.Option("--amount")] = None,
    key: KeyOpt = None,
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
def spend_void(hold: str, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Void an uncaptured hold."""
    run(db, json_out, lambda d: creditline.void(d, hold, key=key), show("hold 预授权", HOLD_KEYS))


@spend_app.command("refund")
def spend_refund(
    hold: str,
    amount: Annotated[str, typer.Option("--amount")],
    key: KeyOpt = None,
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
    line: str,
    amount: Annotated[str, typer.Option("--amount")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Repay occupied quota (还款), oldest first."""
    run(
        db,
        json_out,
        lambda d: creditline.repay(d, line, amount=amount, key=key),
        show("repayment 还款", ["id", "line", "amount"]),
    )
