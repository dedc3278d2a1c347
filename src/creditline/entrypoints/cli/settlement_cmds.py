"""CLI commands for settlement: orders, suppliers, split rules, a merchant's funds, payouts,
withdrawals, statements, reconciliation, and the sandbox's failing channel (cases, which
payouts open, are worked in ``case_cmds``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import (
    STATE,
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyOpt,
    KeyRequiredOpt,
    LineArg,
    run,
    run_as,
    show,
)
from creditline.entrypoints.cli.output import console, fail, list_table

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
order_app = typer.Typer(help="Orders (订单).", no_args_is_help=True)
supplier_app = typer.Typer(help="Supplier whitelist (供应商白名单).", no_args_is_help=True)
split_app = typer.Typer(help="Split rules (分账规则).", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandbox controls (沙箱).", no_args_is_help=True)
payouts_app = typer.Typer(help="Payouts (出款).", no_args_is_help=True)
funds_app = typer.Typer(help="A merchant's money (资金).", no_args_is_help=True)
app.add_typer(order_app, name="order")
app.add_typer(supplier_app, name="supplier")
app.add_typer(split_app, name="split")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(payouts_app, name="payouts")
app.add_typer(funds_app, name="funds")

ORDER_KEYS = [
    "id",
    "merchant",
    "amount",
    "returned",
    "proceeds",
    "state",
    "dunning",
    "confirmed_at",
    "split_due_at",
    "provisional",
    "split_done",
    "no_shipping",
    "auto_confirmed",
]
OrderArg = Annotated[str, typer.Argument(metavar="ID", help="the order id")]
MerchantArg = Annotated[str, typer.Argument(metavar="MERCHANT", help="the merchant's id (mer_...)")]


@order_app.command("add")
def order_add(
    merchant: MerchantArg,
    order: Annotated[str, typer.Option("--order", help="the order id, e.g. TB2024...")],
    amount: Annotated[str, typer.Option("--amount", help="what the buyer paid, e.g. 10000.00")],
    buyer: Annotated[str | None, typer.Option("--buyer", help="the buyer (a party id)")] = None,
    no_shipping: Annotated[
        bool, typer.Option("--no-shipping", help="goods that need no shipping (virtual goods)")
    ] = False,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A merchant's sale, paid by the buyer."""
    run(
        db,
        json_out,
        lambda d: creditline.add_order(
            d,
            merchant,
            order_id=order,
            amount=amount,
            buyer=buyer,
            no_shipping=no_shipping,
            key=key,
        ),
        show("order 订单", ORDER_KEYS),
    )


@order_app.command("ship")
def order_ship(
    order: OrderArg, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """The merchant shipped the order."""
    run(
        db,
        json_out,
        lambda d: creditline.ship_order(d, order, key=key),
        show("order 订单", ORDER_KEYS),
    )


@order_app.command("confirm")
def order_confirm(
    order: OrderArg, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """The buyer confirmed receipt (确认收货) of a shipped order: proceeds wait for the split
    window."""
    run(
        db,
        json_out,
        lambda d: creditline.confirm_order(d, order, key=key),
        show("order 订单", ORDER_KEYS),
    )


@order_app.command("return")
def order_return(
    order: OrderArg,
    amount: Annotated[str | None, typer.Option("--amount", help="part; default the rest")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A return (退货), whole or part; after receipt within the after-sale days (售后)."""
    run(
        db,
        json_out,
        lambda d: creditline.return_order(d, order, amount=amount, key=key),
        show("order 订单", ORDER_KEYS),
    )


@order_app.command("show")
def order_show(order: OrderArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show an order: its state, proceeds, dunning and split."""
    run(db, json_out, lambda d: creditline.show_order(d, order), show("order 订单", ORDER_KEYS))


@supplier_app.command("add")
def supplier_add(
    merchant: MerchantArg,
    name: Annotated[str, typer.Option("--name", help="the supplier's name (at most 200)")],
    tier: Annotated[str, typer.Option("--tier", help="core or ordinary")],
    account: Annotated[str, typer.Option("--account", help="the account its share is paid to")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Put a supplier on the merchant's whitelist."""

    def render(body: dict[str, Any]) -> None:
        show("supplier 供应商")(body)
        _warnings(body["warnings"])

    run(
        db,
        json_out,
        lambda d: creditline.add_supplier(
            d, merchant, name=name, tier=tier, account=account, key=key
        ),
        render,
    )


def _warnings(warnings: list[dict[str, Any]]) -> None:
    for w in warnings:
        console().print(f"[yellow]⚠ {w['message_zh']}[/yellow]\n  {w['message_en']}")


@split_app.command("set")
def split_set(
    merchant: MerchantArg,
    rule: Annotated[
        str, typer.Option("--rule", help="repayment:40,supplier:SUP_ID:50,merchant:10")
    ],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A new version of the merchant's split rule; shares add up to exactly 100%."""

    def render(body: dict[str, Any]) -> None:
        console().print(f"split rule 分账规则 v{body['version']}: {body['rule']}")
        _warnings(body["warnings"])

    run(db, json_out, lambda d: creditline.set_split_rule(d, merchant, rule=rule, key=key), render)


@sandbox_app.command("fail-payouts")
def sandbox_fail_payouts(
    count: Annotated[int, typer.Option("--count", help="how many calls fail, one after another")],
    error: Annotated[
        str,
        typer.Option(
            "--error",
            help="insufficient_balance, channel_error, timeout or hang (silent past the deadline)",
        ),
    ],
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Make the next N channel calls fail (sandbox only)."""
    run_as(
        db,
        json_out,
        as_name,
        "payouts.write",
        lambda d, _by: creditline.fail_payouts(d, count=count, error=error),
        show("sandbox 沙箱"),
        target=f"channel: next {count} calls fail with {error}",
    )


@payouts_app.command("list")
def payouts_list(
    party: Annotated[str | None, typer.Option("--party", help="only this party's payouts")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Payouts with their attempts, failures and compensation."""
    run(
        db,
        json_out,
        lambda d: creditline.list_payouts(d, party),
        list_table(
            "payouts 出款",
            [
                "id",
                "kind",
                "amount",
                "status",
                "attempts",
                "failures_in_row",
                "last_error",
                "compensated",
            ],
        ),
    )


@funds_app.command("show")
def funds_show(merchant: MerchantArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """A merchant's money at a glance: balance, escrow, withdrawals, receivables, compensation,
    and when what was settled lately becomes withdrawable."""

    def render(body: dict[str, Any]) -> None:
        show("funds 资金")(body)
        for lot in body["maturing"]:
            mark = " (provisional 估计)" if lot["provisional"] else ""
            console().print(f"  {lot['amount']} withdrawable from {lot['available_on']}{mark}")

    run(db, json_out, lambda d: creditline.show_funds(d, merchant), render)


@app.command("withdraw")
def withdraw(
    merchant: MerchantArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount, e.g. 1000.00")],
    key: KeyRequiredOpt,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Withdraw the merchant's own settled balance (T+1 working day); never the quota."""
    run(
        db,
        json_out,
        lambda d: creditline.withdraw(d, merchant, amount=amount, key=key),
        show("withdrawal 提现"),
    )


@app.command("statement")
def statement(
    line: LineArg,
    start: Annotated[str, typer.Option("--from", help="2024-05-01")],
    end: Annotated[str, typer.Option("--to", help="2024-05-31")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or json")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (xlsx needs one)")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every movement of a line with order id, flow id, amount and balances (对账单)."""
    if fmt not in {"csv", "xlsx", "json"}:
        raise typer.BadParameter("format must be csv, xlsx or json", param_hint="--format")
    if out is not None and not out.parent.is_dir():
        # Checked before the statement is read: a typo in the folder is bad input.
        fail(
            creditline.InvalidInput("out", f"out: the folder {out.parent} does not exist"),
            as_json=json_out or STATE.json,
        )

    def action(d: Database) -> Answer:
        answer = creditline.statement(d, line, start=start, end=end)
        target = out or Path(f"statement-{line}-{start}-{end}.xlsx")
        try:
            if fmt == "xlsx":
                bootstrap.statement_xlsx(answer.body, target)
            elif fmt == "csv" and out is not None:
                out.write_text(bootstrap.statement_csv(answer.body["rows"]), encoding="utf-8-sig")
            else:
                return answer
        except OSError as exc:  # a folder named like the file, no permission, a full disk
            raise creditline.InvalidInput(
                "out", f"out: cannot write {target}: {exc.strerror}"
            ) from None
        return creditline.Answer(
            {"line": line, "rows": len(answer.body["rows"]), "file": str(target)}
        )

    def render(body: dict[str, Any]) -> None:
        if "file" in body:
            console().print(f"statement 对账单: {body['rows']} rows → {body['file']}")
        else:
            print(bootstrap.statement_csv(body["rows"]), end="")

    run(db, json_out or fmt == "json", action, render)


@app.command("reconcile")
def reconcile(
    day: Annotated[str, typer.Option("--date", help="2024-05-01 (Beijing time)")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare the ledger's payouts with the channel's records for a day (对账)."""

    def render(body: dict[str, Any]) -> None:
        state = "[green]✓ no mismatch[/green]" if body["ok"] else "[red]✗ mismatches[/red]"
        console().print(
            f"reconcile 对账 {body['date']}: ledger {body['ledger_paid']} paid, "
            f"channel {body['channel_paid']} paid · {state}"
        )
        for m in body["mismatches"]:
            console().print(f"  {m['payout']}: {m['problem']}")

    run(db, json_out, lambda d: creditline.reconcile(d, day=day), render)
