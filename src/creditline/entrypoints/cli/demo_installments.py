"""The demo's installment steps (分期购, issue 16): a shopper buys in 6 periods, pays the first
on time and the second late with its late fee, returns part of the goods (the rest is
re-scheduled to the fen), then buys interest-free under a merchant's promotion (商家贴息), the
merchant paying the fee at the split. Called by ``demo.py``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rich.table import Table

import creditline
from creditline import Database
from creditline.entrypoints.cli.demo_credit import say
from creditline.entrypoints.cli.output import console


def _schedule(plan: dict[str, Any], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for head in ("期#", "到期日", "本金", "手续费", "滞纳金", "已还", "待还", "状态"):
        table.add_column(head, no_wrap=True)
    for p in plan["schedule"]:
        table.add_row(
            str(p["number"]),
            p["due_on"],
            p["principal"],
            p["fee"],
            p["late_fee"],
            p["paid"]["total"],
            p["owed"]["total"],
            p["status_zh"],
        )
    console().print(table)
    total = creditline.Money.total(creditline.Money.parse(p["principal"]) for p in plan["schedule"])
    console().print(
        f"   金额 amount {plan['amount']} · 退货 returned {plan['returned']} · 本金合计 "
        f"principal {total.format()} · 手续费 fees {plan['fee_total']} · 年化利率 APR "
        f"{plan['apr_percent']} · 提前结清 payoff {plan['payoff_amount']}"
    )


def _shopper(db: Database) -> tuple[str, str]:
    """A verified shopper with an active installment line, and the shop she buys from."""
    party = creditline.add_party(
        db, kind="consumer", name="张女士", credit_score=700, income="12000.00"
    ).body["id"]
    creditline.verify_party(db, party, real_name=True, settlement_account="6222 0000 7777 8888")
    line = creditline.open_line(
        db, party, product="installment", limit="20000.00", key="demo-open-zhang"
    ).body["id"]
    creditline.activate_line(db, line)
    shop = creditline.add_party(db, kind="merchant", name="潮鞋馆", category="apparel").body["id"]
    creditline.verify_party(
        db, shop, real_name=True, qualification=True, settlement_account="6222 0000 9999 0000"
    )
    return line, shop


def installment_story(db: Database, first: int) -> int:
    """The installment steps from number ``first``; the next step's number."""
    line, shop = _shopper(db)
    say(
        f"{first}. 「张女士」分6期购买 1,200.00 元的球鞋：每期本金按最大余数分配，合计分毫不差；"
        "年化利率按真实现金流的内部收益率（IRR）计算。",
        f"{first}. Shopper 张女士 buys 1,200.00 of sneakers in 6 periods: principal split to the "
        "fen, and the annual rate (APR) is the IRR of the real cash flows.",
    )
    plan = creditline.purchase_installment(
        db, line, merchant=shop, order="dw-1001", amount="1200.00", periods=6, key="demo-inst-1"
    ).body
    _schedule(plan, "分期计划 / the plan")
    first_due = plan["schedule"][0]
    creditline.repay_installment(
        db, plan["id"], amount=first_due["owed"]["total"], key="demo-inst-r1"
    )
    second_due = date.fromisoformat(plan["schedule"][1]["due_on"])
    now = date.fromisoformat(creditline.show_clock(db).body["now"][:10])
    days = (second_due - now).days + 3 + 3  # past the due date, the 3 grace days and 3 more
    creditline.advance_clock(db, f"{max(days, 1)}d")
    creditline.run_due(db)
    late = creditline.show_installment(db, plan["id"]).body
    period = late["schedule"][1]
    say(
        f"{first + 1}. 第1期按时还清；第2期逾期 {period['days_overdue']} 天（宽限期后），"
        f"每日计收滞纳金，已计 {period['late_fee']} 元；还款先还滞纳金，再还手续费，最后还本金。",
        f"{first + 1}. Period 1 paid on time; period 2 is {period['days_overdue']} days overdue "
        f"after the grace days, its late fee {period['late_fee']} charged day by day; a "
        "repayment pays late fees, then fees, then principal.",
    )
    paid = creditline.repay_installment(
        db, plan["id"], amount=period["owed"]["total"], key="demo-inst-r2"
    ).body
    console().print(
        f"   还款 repaid {paid['repayment']['amount']}: 滞纳金 late fees "
        f"{paid['repayment']['late_fees']}, 手续费 fees {paid['repayment']['fees']}, "
        f"本金 principal {paid['repayment']['principal']}"
    )
    say(
        f"{first + 2}. 部分退货 300.00 元：额度立即恢复，剩余各期重新分配，仍合计到分；"
        "未开始各期的手续费按新金额收取，多收的不留。",
        f"{first + 2}. A partial return of 300.00: the quota comes back at once, the remaining "
        "periods are re-scheduled and still add up to the fen; fees of periods not started fall "
        "to the new amount.",
    )
    returned = creditline.return_installment(
        db, plan["id"], amount="300.00", key="demo-inst-ret"
    ).body
    _schedule(returned, "退货后 / after the return")
    _promotion(db, line, shop, first + 3)
    return first + 4


def _promotion(db: Database, line: str, shop: str, step: int) -> None:
    today = date.fromisoformat(creditline.show_clock(db).body["now"][:10])
    promo = creditline.create_promotion(
        db,
        shop,
        name="潮鞋免息季 / interest-free season",
        periods="3,6",
        starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=30)).isoformat(),
        cap="5000.00",
        key="demo-promo",
    ).body
    plan = creditline.purchase_installment(
        db,
        line,
        merchant=shop,
        order="dw-1002",
        amount="600.00",
        periods=3,
        promotion=promo["id"],
        key="demo-inst-2",
    ).body
    say(
        f"{step}. 商家贴息免息分期：张女士分3期买 600.00 元，手续费 {plan['fee_total']}、"
        f"年化利率 {plan['apr_percent']}；商家承担手续费 {plan['merchant_fee']}，"
        "在分账时从货款中扣除。",
        f"{step}. An interest-free purchase under the shop's promotion: 600.00 in 3 periods, "
        f"fee {plan['fee_total']}, APR {plan['apr_percent']}; the shop pays the fee "
        f"{plan['merchant_fee']} out of its proceeds at the split.",
    )
    creditline.ship_order(db, "dw-1002")
    creditline.confirm_order(db, "dw-1002")
    due_at = creditline.show_order(db, "dw-1002").body["split_due_at"]
    creditline.set_clock(db, due_at.replace("T10:00:", "T11:00:"))  # inside the split window
    for split in creditline.run_due(db).body["splits"]:
        if split["order"] == "dw-1002":
            console().print(
                f"   分账 split {split['split']}: 货款 proceeds {split['proceeds']} · 商家贴息 "
                f"promotion fee {split['promotion_fee']} · 商家到账 merchant "
                f"{split['merchant_balance']}"
            )
