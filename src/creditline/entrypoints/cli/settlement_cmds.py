"""CLI commands for settlement: orders, suppliers, split rules, payouts, cases, withdrawals,
statements, reconciliation, and the sandbox's failing channel."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import DbOpt, JsonOpt, KeyOpt, run, show
from creditline.entrypoints.cli.output import console

if TYPE_CHECKING:
    from creditline import Answer, Database

app = typer.Typer()
order_app = typer.Typer(help="Orders (订单).", no_args_is_help=True)
supplier_app = typer.Typer(help="Supplier whitelist (供应商白名单).", no_args_is_help=True)
split_app = typer.Typer(help="Split rules (分账规则).", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandbox controls (沙箱).", no_args_is_help=True)
payouts_app = typer.Typer(help="Payouts (出款).", no_args_is_help=True)
cases_app = typer.Typer(help="Cases for operators (工单).", no_args_is_help=True)
app.add_typer(order_app, name="order")
app.add_typer(supplier_app, name="supplier")
app.add_typer(split_app, name="split")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(payouts_app, name="payouts")
app.add_typer(cases_app, name="cases")

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
    "split_done",
]
OrderArg = Annotated[str, typer.Argument(metavar="ID", help="the order id")]


@order_app.command("add")
def order_add(
    merchant: str,
    order: Annotated[str, typer.Option("--order", help="the order id, e.g. TB2024...")],
    amount: Annotated[str, typer.Option("--amount")],
    buyer: Annotated[str | None, typer.Option("--buyer")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A merchant's sale, paid by the buyer."""
    run(
        db,
        json_out,
        lambda d: creditline.add_order(
            d, merchant, order_id=order, amount=amount, buyer=buyer, key=key
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
    """The buyer confirmed receipt (确认收货): proceeds wait for the split window."""
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
    """A return (退货), whole or part, before the proceeds are split."""
    run(
        db,
        json_out,
        lambda d: creditline.return_order(d, order, amount=amount, key=key),
        show("order 订单", ORDER_KEYS),
    )


@order_app.command("show")
def order_show(order: OrderArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    run(db, json_out, lambda d: creditline.show_order(d, order), show("order 订单", ORDER_KEYS))


@supplier_app.command("add")
def supplier_add(
    merchant: str,
    name: Annotated[str, typer.Option("--name")],
    tier: Annotated[str, typer.Option("--tier", help="core or ordinary")],
    account: Annotated[str, typer.Option("--account")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Put a supplier on the merchant's whitelist."""
    run(
        db,
        json_out,
        lambda d: creditline.add_supplier(
            d, merchant, name=name, tier=tier, account=account, key=key
        ),
        show("supplier 供应商"),
    )


@split_app.command("set")
def split_set(
    merchant: str,
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
        for w in body["warnings"]:
            console().print(f"[yellow]⚠ {w['message_zh']}[/yellow]\n  {w['message_en']}")

    run(db, json_out, lambda d: creditline.set_split_rule(d, merchant, rule=rule, key=key), render)


@sandbox_app.command("fail-payouts")
def sandbox_fail_payouts(
    count: Annotated[int, typer.Option("--count")],
    error: Annotated[
        str, typer.Option("--error", help="insufficient_balance, channel_error or timeout")
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Make the next N channel calls fail (sandbox only)."""
    run(
        db,
        json_out,
        lambda d: creditline.fail_payouts(d, count=count, error=error),
        show("sandbox 沙箱"),
    )


def _list_table(title: str, columns: list[str]) -> Any:
    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for c in columns:
            table.add_column(c)
        for item in body["data"]:
            table.add_row(*(str(item.get(c, "")) for c in columns))
        console().print(table)

    return render


@payouts_app.command("list")
def payouts_list(
    party: Annotated[str | None, typer.Option("--party")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Payouts with their attempts, failures and compensation."""
    run(
        db,
        json_out,
        lambda d: creditline.list_payouts(d, party),
        _list_table(
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


@cases_app.command("list")
def cases_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Cases opened for operators."""
    run(
        db,
        json_out,
        creditline.list_cases,
        _list_table("cases 工单", ["id", "kind", "party", "subject", "status", "opened_at"]),
    )


@app.command("withdraw")
def withdraw(
    merchant: str,
    amount: Annotated[str, typer.Option("--amount")],
    key: KeyOpt = None,
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
    line: str,
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

    def action(d: Database) -> Answer:
        answer = creditline.statement(d, line, start=start, end=end)
        if fmt == "xlsx":
            target = out or Path(f"statement-{line}-{start}-{end}.xlsx")
            bootstrap.statement_xlsx(answer.body, target)
            return creditline.Answer(
                {"line": line, "rows": len(answer.body["rows"]), "file": str(target)}
            )
        if fmt == "csv" and out is not None:
            out.write_text(bootstrap.statement_csv(answer.body["rows"]), encoding="utf-8-sig")
            return creditline.Answer(
                {"line": line, "rows": len(answer.body["rows"]), "file": str(out)}
            )
        return answer

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
