"""``creditline demo``: the story of one merchant's line, told in zh/en on a fresh sandbox.
Operators act as the demo's operators (``admin``, ``risk-li``, ``ops-wang``), audited."""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial
from typing import Any

from rich.panel import Panel
from rich.table import Table

import creditline
from creditline import Answer, Database, Refused
from creditline.entrypoints.bootstrap import open_new_sandbox
from creditline.entrypoints.cli.access_cmds import DEMO_OPERATORS, act_as_demo
from creditline.entrypoints.cli.demo_api import api_epilogue, pages_epilogue
from creditline.entrypoints.cli.demo_credit import credit_story
from creditline.entrypoints.cli.demo_installments import installment_story
from creditline.entrypoints.cli.output import console
from creditline.entrypoints.cli.rules_cmds import render_why


def _say(zh: str, en: str) -> None:
    console().print(f"[bold]{zh}[/bold]\n[dim]{en}[/dim]")


def _reasons(body: dict[str, Any]) -> None:
    for r in body.get("reasons", []):
        console().print(f"   [red]✗ {r['code']}[/red]  {r['message_zh']}")
        console().print(f"     [dim]{r['message_en']}[/dim]")
        if r.get("action_zh"):
            console().print(f"     [green]→ {r['action_zh']} / {r['action_en']}[/green]")


def _balances(db: Database, line_id: str, title: str) -> None:
    body = creditline.show_line(db, line_id).body
    table = Table(title=title, title_justify="left")
    columns = "状态 status|额度 limit|预授权 held|占用 occupied|冻结 frozen|可用 available"
    for column in columns.split("|"):
        table.add_column(column.replace(" ", "\n"), justify="right")
    table.add_row(
        *(body[k] for k in ("status", "limit", "held", "occupied", "frozen", "available"))
    )
    console().print(table)


def run_demo(url: str) -> None:
    started = time.perf_counter()
    with open_new_sandbox(url) as db:
        wang_party, wang_line = _story(db)
        key = api_epilogue(db, url, wang_party, wang_line)
        pages_epilogue(db, wang_line, key)
    console().print(f"[dim]demo finished in {time.perf_counter() - started:.1f} s[/dim]")


def _story(db: Database) -> tuple[str, str]:
    console().print(
        Panel.fit(
            "creditline 演示 · demo: 一个商家的额度 / one merchant's quota", style="bold cyan"
        )
    )
    creditline.set_clock(db, "2023-08-28T10:00:00+08:00")
    _say(
        "1. 2023-08-28 10:00，服装商家「锦绣衣坊」入驻，平台授予 500,000 元先用后付额度。",
        "1. Apparel merchant 锦绣衣坊 joins; the platform grants a 500,000 CNY merchant_bnpl line.",
    )
    merchant = creditline.add_party(db, kind="merchant", name="锦绣衣坊", category="apparel").body
    line = creditline.open_line(db, merchant["id"], product="merchant_bnpl", limit="500000.00").body
    line_id = line["id"]
    console().print(f"   merchant {merchant['id']} · line {line_id} · status {line['status']}")

    _say(
        "2. 额度尚未激活：商家还没有完成实名、资质审核，也没有绑定结算账户。",
        "2. Activation is refused: real name, qualification and settlement account are missing.",
    )
    try:
        creditline.activate_line(db, line_id)
    except Refused as exc:
        _reasons({"reasons": [r.to_json() for r in exc.reasons]})
    creditline.verify_party(
        db,
        merchant["id"],
        real_name=True,
        qualification=True,
        settlement_account="6222 0000 1111 2222",
    )
    creditline.activate_line(db, line_id)
    _say("   补齐条件后，额度激活成功。", "   With all three in place, the line is activated.")
    _balances(db, line_id, "额度 / the line")

    _say(
        "3. 进货支付 120,000 元（订单 PO-1001）：预授权成功；实际扣款 100,000 元，其余释放。",
        "3. A 120,000 procurement is authorised; 100,000 is captured, the rest released.",
    )
    hold = creditline.authorize(
        db, line_id, amount="120000.00", purpose="procurement", key="demo-po-1001", order="PO-1001"
    ).body
    replay = creditline.authorize(
        db, line_id, amount="120000.00", purpose="procurement", key="demo-po-1001", order="PO-1001"
    ).body
    console().print(
        f"   hold {hold['id']} {hold['status']}; "
        f"replay with the same key → same hold: {replay['id'] == hold['id']}"
    )
    creditline.capture(db, hold["id"], amount="100000.00", key="demo-capture-1001")
    _balances(db, line_id, "扣款后 / after capture")

    _say(
        "4. 再申请 450,000 元进货：可用额度不足，被拒绝。",
        "4. A 450,000 procurement is declined: not enough available quota.",
    )
    _reasons(
        creditline.authorize(
            db, line_id, amount="450000.00", purpose="procurement", key="demo-po-1002"
        ).body
    )

    _say(
        "5. 试图把额度提现 5,000 元：额度永远不能提现，这也是一个套现信号。",
        "5. An attempt to withdraw 5,000 in cash is declined, always; it is a cash-out signal.",
    )
    _reasons(
        creditline.authorize(
            db, line_id, amount="5000.00", purpose="withdraw_cash", key="demo-cash-1"
        ).body
    )

    _say(
        "6. 买家确认收货，销售回款 60,000 元偿还已占用额度。",
        "6. Buyers confirm receipt; 60,000 of sales proceeds repay occupied quota.",
    )
    creditline.repay(db, line_id, amount="60000.00", key="demo-repay-1")
    _balances(db, line_id, "回款后 / after repayment")

    _say(
        "7. 物流费 30,000 元预授权后一直没有扣款；8 天后（超过 7 天有效期）自动释放。",
        "7. A 30,000 logistics hold is never captured; 8 days later it expires by itself.",
    )
    creditline.authorize(db, line_id, amount="30000.00", purpose="logistics", key="demo-lg-1")
    _balances(db, line_id, "预授权中 / while held")
    creditline.advance_clock(db, "2d")
    _say(
        "   2023-08-30（政策变更前）风控临时冻结：按当时政策持续 72 小时。",
        "   2023-08-30, before the policy change: a temporary risk freeze lasts 72 hours.",
    )
    first = _risk_freeze(db, line_id, "demo-frz-0")
    console().print(
        f"   {_local(first['starts_at'])} → {_local(first['ends_at'])} "
        f"(policy {first['policy_version']})"
    )
    creditline.advance_clock(db, "6d")
    expired = creditline.run_due(db).body
    console().print(
        f"   run-due: expired holds {expired['expired_holds']}, "
        f"expired freezes {expired['expired_freezes']}"
    )
    _balances(db, line_id, "过期释放后 / after expiry")

    _temporary_freezes(db, line_id)
    wang = _xiaowang(db)
    _settlement(db)
    _cashout(db)
    _audit(db)
    step = installment_story(db, credit_story(db, 16))
    _say(
        f"{step}. 校验账本：每个余额都由流水重新计算，每条哈希链完整并与签名检查点一致。",
        f"{step}. The ledger verifies: every balance recomputed from transfers, every chain intact "
        "and matching its signed checkpoints.",
    )
    report = creditline.verify_ledger(db)
    style = "green" if report.ok else "red"
    console().print(
        f"   [{style}]ledger ok={report.ok}[/{style}] · {report.lines} lines · "
        f"{report.transfers} transfers · {report.checkpoints} signed checkpoints · "
        f"head {report.heads[line_id][:16]}…"
    )
    return wang


def _cashout(db: Database) -> None:
    _say(
        "14. 套现：两个商家共用一台手机（设备指纹相同）。甲用额度「进货」付给乙——风控拒绝并"
        "临时冻结 24 小时；「为什么用不了」说明原因；乙再向甲「下单」把钱转回，甲提现被拒；"
        "团伙识别发现这个团伙并开工单。",
        "14. Cash-out: two merchants share one phone (the same device). 甲 pays 乙 with quota "
        "'for stock': risk control declines and freezes the line for 24 h; why says so; 乙 "
        "'buys' from 甲 to send the money back and 甲's withdrawal is declined; the ring job "
        "finds the ring and opens a case.",
    )
    ids = []
    for name in ("快手甲", "快手乙"):
        m = creditline.add_party(db, kind="merchant", name=name).body["id"]
        creditline.verify_party(db, m, real_name=True, qualification=True, settlement_account="62")
        creditline.link(db, m, {"device": "phone-farm-01", "phone": "13800000000"})
        line = creditline.open_line(db, m, product="merchant_bnpl", limit="100000.00").body["id"]
        creditline.activate_line(db, line)
        ids.append((m, line))
    (a, line_a), (b, _) = ids
    spent = creditline.authorize(
        db,
        line_a,
        amount="30000.00",
        purpose="procurement",
        key="farm-1",
        counterparty=b,
    ).body
    console().print(
        f"   spend 30000.00 甲 → 乙: {spent['status']} · decision {spent['risk']['decision']} "
        "(the holder is told what to do, never the rules; operators see the score)"
    )
    _reasons(spent)
    body = creditline.why(db, line_a, amount="100.00", purpose="procurement", lang="zh").body
    console().print(f"   why: {[r['code'] for r in body['reasons']]}")
    for r in body["risk"]["recent_declines"]:
        console().print(f"   最近的风控拒绝 recent decline: {r['message_zh']}")
    creditline.add_order(db, a, order_id="FARM-BACK-1", amount="29000.00", buyer=b)
    console().print(
        "   乙 then 'buys' 29000.00 from 甲: the way the money would come back as sales proceeds"
    )
    refused = creditline.withdraw(db, a, amount="1000.00", key="farm-wd-1").body
    console().print(f"   甲 withdraws 1000.00: {[r['code'] for r in refused['reasons']]}")
    console().print(f"   {refused['reasons'][0]['message_zh']}")
    found = act_as_demo(db, "risk-li", "risk.analyse", creditline.rings, "all")
    for ring in found["rings"]:
        console().print(
            f"   ring {ring['id']} · {ring['pattern']} · score {ring['score']} · "
            f"members {len(ring['members'])} · case {ring['case']}"
        )


def _risk_freeze(db: Database, line_id: str, key: str) -> dict[str, Any]:
    """Risk officer 李 freezes the line for the policy's temporary duration, audited."""
    note = "异常登录 unusual login"

    def freeze(d: Database) -> Answer:
        return creditline.add_freeze(d, line_id, reason="risk", temporary=True, note=note, key=key)

    return act_as_demo(db, "risk-li", "freeze.add", freeze, line_id, note)


def _audit(db: Database) -> None:
    _say(
        "15. 审计日志记录了每一次操作员操作：谁、何时、做了什么、为什么、请求号。",
        "15. The audit log records every operator action: who, when, what, why, the request id.",
    )
    records = creditline.list_audit(db).body["data"]
    for r in [r for r in records if r["action"] != "keys.write"][-3:]:
        console().print(
            f"   #{r['seq']} {_local(r['at'])} {r['actor']} ({r['role']}) {r['action']} "
            f"{r['target']} {r['note'] or '–'} · {r['request_id']}"
        )
    who = ", ".join(f"{name} ({role})" for name, role in DEMO_OPERATORS.items())
    console().print(f"   … {len(records)} records by {who} · creditline audit list --as admin")


def _local(iso: str) -> str:
    return creditline.local_text(datetime.fromisoformat(iso))


def _why(db: Database, line_id: str, amount: str, lang: str = "zh") -> dict[str, Any]:
    body = creditline.why(db, line_id, amount=amount, purpose="procurement", lang=lang).body
    render_why(body, lang)
    return body


def _temporary_freezes(db: Database, line_id: str) -> None:
    _say(
        "8. 政策变更：2023-09-01 起，临时冻结由 72 小时缩短为 24 小时。",
        "8. Policy change: from 2023-09-01 a temporary freeze lasts 24 hours, not 72.",
    )
    before = creditline.show_policy(db, "2023-08-31T12:00:00+08:00").body
    after = creditline.show_policy(db, "2023-09-01T00:00:00+08:00").body
    hours = "temporary_freeze_hours"
    console().print(
        f"   2023-08-31: {before['values'][hours]['value']}h ({before['version']}) → "
        f"2023-09-01: {after['values'][hours]['value']}h ({after['version']})"
    )
    creditline.set_clock(db, "2023-09-06T10:00:00+08:00")
    second = _risk_freeze(db, line_id, "demo-frz-1")
    console().print(
        f"   2023-09-06（政策变更后）风控临时冻结 / after the change: "
        f"{_local(second['starts_at'])} → {_local(second['ends_at'])} "
        f"(policy {second['policy_version']})"
    )
    _why(db, line_id, "1000.00")
    creditline.advance_clock(db, "1d")
    creditline.run_due(db)
    _say("   24 小时后自动解除，额度恢复可用。", "   24 hours later it ends by itself.")
    _why(db, line_id, "1000.00", "en")


def _xiaowang(db: Database) -> tuple[str, str]:
    _say(
        "9. 小王的订单 TB2023090701 一直未确认收货：占用 31 天后，额度被冻结。",
        "9. 小王's order TB2023090701 stays unconfirmed; after 31 days of occupancy his line "
        "freezes.",
    )
    wang = creditline.add_party(db, kind="merchant", name="小王", category="digital").body
    creditline.verify_party(
        db, wang["id"], real_name=True, qualification=True, settlement_account="6222 0000 3333 4444"
    )
    line_id = creditline.open_line(db, wang["id"], product="merchant_bnpl", limit="100000.00").body[
        "id"
    ]
    creditline.activate_line(db, line_id)
    hold = creditline.authorize(
        db, line_id, amount="30000.00", purpose="procurement", key="wang-po-1", order="TB2023090701"
    ).body
    creditline.capture(db, hold["id"], amount=None, key="wang-cap-1")
    creditline.advance_clock(db, "31d")
    creditline.run_due(db)
    _say("   小王问：额度为什么用不了？", "   小王 asks: why can't I use my quota?")
    _why(db, line_id, "5000.00")
    _say(
        "10. 小王还款 30,000 元：冻结自动解除，他又可以进货了。",
        "10. 小王 repays 30,000: the freeze lifts by itself and he can spend again.",
    )
    creditline.repay(db, line_id, amount="30000.00", key="wang-repay-1")
    again = creditline.authorize(
        db, line_id, amount="5000.00", purpose="procurement", key="wang-po-2", order="TB2023101001"
    ).body
    console().print(f"   spend 5,000 → {again['status']}")
    return wang["id"], line_id


def _settlement(db: Database) -> None:
    _say(
        "11. 2024 年国庆前，服装商家「衣尚坊」的分账规则：核心供应商 60%，还款 30%，商家 10%。",
        "11. Before National Day 2024, apparel merchant 衣尚坊 splits: core supplier 60%, "
        "repayment 30%, merchant 10%.",
    )
    creditline.set_clock(db, "2024-09-27T11:00:00+08:00")
    m = creditline.add_party(db, kind="merchant", name="衣尚坊", category="apparel").body["id"]
    creditline.verify_party(
        db, m, real_name=True, qualification=True, settlement_account="6222 0000 5555 6666"
    )
    line_id = creditline.open_line(db, m, product="merchant_bnpl", limit="500000.00").body["id"]
    creditline.activate_line(db, line_id)
    core = creditline.add_supplier(db, m, name="杭州织造", tier="core", account="6222 8888").body
    creditline.set_split_rule(db, m, rule=f"supplier:{core['id']}:60,repayment:30,merchant:10")
    hold = creditline.authorize(
        db, line_id, amount="50000.00", purpose="procurement", key="jx-po-1", order="PO-JX-1"
    ).body
    creditline.capture(db, hold["id"], amount=None, key="jx-cap-1")
    creditline.add_order(db, m, order_id="TB2024092701", amount="10000.00", buyer="买家A")
    creditline.ship_order(db, "TB2024092701")
    creditline.confirm_order(db, "TB2024092701")
    _say(
        "   买家确认收货；通道余额不足，供应商出款连续失败三次。",
        "   The buyer confirms; the channel answers 余额不足 (insufficient balance) three times.",
    )
    fail = partial(creditline.fail_payouts, count=3, error="insufficient_balance")
    act_as_demo(db, "ops-wang", "payouts.write", fail, "channel")
    split = creditline.run_due(db).body["splits"][0]
    table = Table(title="分账 / split " + split["split"], title_justify="left")
    table.add_column("to")
    table.add_column("amount", justify="right")
    for part in split["parts"]:
        table.add_row(part["to"], part["amount"])
    console().print(table)
    for wait in ("10m", "30m"):
        creditline.advance_clock(db, wait)
        creditline.run_due(db)
    payout = creditline.list_payouts(db, m).body["data"][0]
    case = creditline.list_cases(db).body["data"][-1]
    console().print(
        f"   payout {payout['id']}: {payout['failures_in_row']} failures "
        f"({payout['last_error']}) · compensation {case['details']['compensation']} · "
        f"case {case['id']} · next attempt {_local(payout['next_attempt_at'])}"
    )
    _say(
        "12. 下一个分账窗口（9月29日周日调休上班 10:00）：出款成功。",
        "12. The next split window (Sun 29 Sep, a 调休 working day, 10:00): the payout goes "
        "through.",
    )
    creditline.set_clock(db, "2024-09-29T10:00:00+08:00")
    paid = creditline.run_due(db).body["payouts"]
    console().print(f"   {paid}")
    _say(
        "13. 9月30日再分一笔：商家余额要到 T+1 个工作日（国庆后 10月8日）才能提现。",
        "13. Another split on 30 Sep: its balance is withdrawable T+1 working day, on 8 Oct "
        "after National Day.",
    )
    creditline.set_clock(db, "2024-09-30T11:00:00+08:00")
    creditline.add_order(db, m, order_id="TB2024093001", amount="20000.00")
    creditline.ship_order(db, "TB2024093001")
    creditline.confirm_order(db, "TB2024093001")
    creditline.run_due(db)
    creditline.set_clock(db, "2024-10-05T10:00:00+08:00")
    refused = creditline.withdraw(db, m, amount="3000.00", key="jx-wd-1").body
    _reasons(refused)
    creditline.set_clock(db, "2024-10-08T09:30:00+08:00")
    ok = creditline.withdraw(db, m, amount="3000.00", key="jx-wd-2").body
    creditline.run_due(db)
    console().print(f"   2024-10-08 withdraw 3000.00 → {ok['status']} → paid")
    console().print(
        f"   reconcile 对账 2024-10-08: ok={creditline.reconcile(db, day='2024-10-08').body['ok']}"
    )
