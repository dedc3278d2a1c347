"""``creditline installment ...``: installment purchases (分期购) of a shopper's line: buy in 3,
6 or 12 periods, repay, show the schedule, return; merchants' interest-free promotions
(商家贴息)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import DbOpt, JsonOpt, KeyOpt, KeyRequiredOpt, LineArg, run
from creditline.entrypoints.cli.output import console, render_reasons

app = typer.Typer()
installment_app = typer.Typer(
    help="Installments (分期购): buy in 3, 6 or 12 periods, repay, return; promotions.",
    no_args_is_help=True,
)
promotion_app = typer.Typer(
    help="Merchants' interest-free promotions (商家贴息 / 免息).", no_args_is_help=True
)
app.add_typer(installment_app, name="installment")
installment_app.add_typer(promotion_app, name="promotion")

PlanArg = Annotated[str, typer.Argument(metavar="PLAN", help="the plan's id (inst_...)")]
AmountOpt = Annotated[str, typer.Option("--amount", help="e.g. 1200.00")]


def render_plan(body: dict[str, Any]) -> None:
    """The plan: its schedule as a table, the annual rate, what is owed and the payoff."""
    from rich.table import Table

    if body.get("reasons"):  # refused: the hold's answer with its reasons
        console().print(f"[bold red]refused 拒绝[/bold red] {body.get('id', '')}")
        render_reasons(body["reasons"])
        return
    title = (
        f"分期计划 plan {body['id']} · 订单 order {body['order']} · {body['amount']} "
        f"{body['currency']} / {body['periods']} 期 periods · "
        f"{body['status_zh']} {body['status_en']}"
    )
    table = Table(title=title, title_justify="left")
    for head in (
        "期 #",
        "到期日 due",
        "本金 principal",
        "手续费 fee",
        "滞纳金 late fee",
        "已还 paid",
        "待还 owed",
        "状态 status",
    ):
        table.add_column(head, overflow="fold")
    for p in body["schedule"]:
        table.add_row(
            str(p["number"]),
            p["due_on"],
            p["principal"],
            p["fee"],
            p["late_fee"],
            p["paid"]["total"],
            p["owed"]["total"],
            f"{p['status_zh']} {p['status_en']}",
            style="bold red" if p["status"] == "overdue" else None,
        )
    console().print(table)
    promo = f" · 商家贴息 merchant pays {body['merchant_fee']}" if body.get("promotion") else ""
    console().print(
        f"手续费合计 fees {body['fee_total']} · 年化利率 APR {body['apr_percent']} (IRR×12; "
        f"compounded {body['apr_effective']}){promo}\n"
        f"待还 owed {body['owed']} · 提前结清 payoff today {body['payoff_amount']} · "
        f"已退货 returned {body['returned']} · 已退款 refunded {body['refunded']}"
    )
    if body.get("next_due"):
        n = body["next_due"]
        console().print(f"下期 next: #{n['number']} {n['amount']} due {n['due_on']}")
    for name, label in (("repayment", "还款 repayment"), ("return", "退货 return")):
        if body.get(name):
            parts = ", ".join(f"{k} {v}" for k, v in body[name].items() if k != "id")
            console().print(f"{label}: {parts}")
    if body.get("lifted_freezes"):
        console().print(f"解冻 lifted: {', '.join(body['lifted_freezes'])}")


@installment_app.command("purchase")
def purchase(
    line: LineArg,
    merchant: Annotated[str, typer.Option("--merchant", help="the merchant's party id")],
    order: Annotated[str, typer.Option("--order", help="the merchant's order id")],
    amount: AmountOpt,
    periods: Annotated[int, typer.Option("--periods", help="3, 6 or 12")],
    key: KeyRequiredOpt,
    promotion: Annotated[
        str | None, typer.Option("--promotion", help="the merchant's promotion (promo_...)")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Buy in installments (分期购): the whole amount occupies quota at once; the plan states
    each period's principal and fee and the annual rate (年化利率)."""
    run(
        db,
        json_out,
        lambda d: creditline.purchase_installment(
            d,
            line,
            merchant=merchant,
            order=order,
            amount=amount,
            periods=periods,
            promotion=promotion,
            key=key,
        ),
        render_plan,
    )


@installment_app.command("repay")
def repay(
    plan: PlanArg,
    amount: AmountOpt,
    key: KeyRequiredOpt,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Repay (分期还款): the oldest period first, late fees, then fees, then principal; the
    payoff amount pays the plan off (提前结清) with only the fees already earned."""
    run(
        db,
        json_out,
        lambda d: creditline.repay_installment(d, plan, amount=amount, key=key),
        render_plan,
    )


@installment_app.command("show")
def show(plan: PlanArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Each period's due date, what was paid, what is owed and its status."""
    run(db, json_out, lambda d: creditline.show_installment(d, plan), render_plan)


@installment_app.command("list")
def list_plans(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The line's plans, each with its next due date."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title=f"分期计划 plans of {body['line']}", title_justify="left")
        for head in ("plan", "order", "amount", "periods", "APR", "status", "owed", "next due"):
            table.add_column(head, overflow="fold")
        for p in body["plans"]:
            n = p["next_due"]
            table.add_row(
                p["id"],
                p["order"],
                p["amount"],
                str(p["periods"]),
                p["apr_percent"],
                f"{p['status_zh']} {p['status_en']}",
                p["owed"],
                f"{n['due_on']} {n['amount']}" if n else "—",
            )
        console().print(table)

    run(db, json_out, lambda d: creditline.list_installments(d, line), render)


@installment_app.command("return")
def give_back(
    plan: PlanArg,
    key: KeyRequiredOpt,
    amount: Annotated[
        str | None, typer.Option("--amount", help="the goods' value returned; none: all of it")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A return (退货): the quota comes back; a partial return re-schedules the rest, a whole
    one cancels it; fees of periods not started are never kept; overpaid money is refunded."""
    run(
        db,
        json_out,
        lambda d: creditline.return_installment(d, plan, amount=amount, key=key),
        render_plan,
    )


def _render_promotion(body: dict[str, Any]) -> None:
    from creditline.entrypoints.cli.output import kv_table

    keys = [
        "id",
        "merchant",
        "name",
        "periods",
        "starts_on",
        "ends_on",
        "cap",
        "used",
        "left",
        "status",
    ]
    console().print(kv_table("promotion 商家贴息", body, keys))


@promotion_app.command("create")
def promotion_create(
    merchant: Annotated[str, typer.Argument(metavar="MERCHANT", help="the merchant's party id")],
    name: Annotated[str, typer.Option("--name", help="its name, shown to shoppers")],
    periods: Annotated[str, typer.Option("--periods", help="the tenors it covers, e.g. 3,6")],
    starts_on: Annotated[str, typer.Option("--starts-on", help="first day, e.g. 2026-06-01")],
    ends_on: Annotated[str, typer.Option("--ends-on", help="last day, e.g. 2026-06-30")],
    cap: Annotated[str, typer.Option("--cap", help="the most it pays in fees, in all")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run an interest-free promotion: shoppers pay no fee; the merchant pays it at the split."""
    run(
        db,
        json_out,
        lambda d: creditline.create_promotion(
            d,
            merchant,
            name=name,
            periods=periods,
            starts_on=starts_on,
            ends_on=ends_on,
            cap=cap,
            key=key,
        ),
        _render_promotion,
    )


@promotion_app.command("list")
def promotion_list(
    merchant: Annotated[str, typer.Argument(metavar="MERCHANT", help="the merchant's party id")],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The merchant's promotions, newest first."""

    def render(body: dict[str, Any]) -> None:
        for p in body["promotions"]:
            _render_promotion(p)

    run(db, json_out, lambda d: creditline.list_promotions(d, merchant), render)


@promotion_app.command("end")
def promotion_end(
    promotion: Annotated[str, typer.Argument(metavar="PROMO", help="the promotion (promo_...)")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """End a promotion now; plans made under it keep it."""
    run(db, json_out, lambda d: creditline.end_promotion(d, promotion, key=key), _render_promotion)
