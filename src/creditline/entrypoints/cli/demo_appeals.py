"""The demo's appeal step (申诉, R15), the seed's case: a 500,000.00 line frozen by risk control
for repeated withdrawal attempts and lowered for a high return rate; the merchant appeals with
evidence; the risk officer re-assesses it and restores it partly, at 400,000.00, lifting the
freeze; the merchant spends again, and every step shows who did it and when. Called by
``demo.py`` with a line (else it opens one of its own); operators act as the demo's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import creditline
from creditline import Database, Money
from creditline.entrypoints.cli.access_cmds import act_as_demo
from creditline.entrypoints.cli.output import console

EVIDENCE = {
    "statement_lines": ["退款 refund TB2023091502 -18,000.00 已退回买家 paid back to the buyer"],
    "amounts": [{"amount": "18000.00", "note": "退款已全部处理 every refund paid"}],
    "documents": [{"type": "bank_statement"}],
}


def _say(zh: str, en: str) -> None:
    console().print(f"[bold]{zh}[/bold]\n[dim]{en}[/dim]")


def _local(iso: str) -> str:
    return creditline.local_text(datetime.fromisoformat(iso))


def _share(limit: str, currency: str, numerator: int, denominator: int) -> str:
    """``numerator/denominator`` of ``limit``, in whole yuan (500,000.00 × 4/5 = 400,000.00)."""
    minor = Money.parse(limit, currency).minor * numerator // denominator
    unit = Money.parse("1", currency).minor
    return Money(minor - minor % unit, currency).format()


def _own_line(db: Database) -> str:
    merchant = creditline.add_party(db, kind="merchant", name="云裳服饰", category="apparel").body
    creditline.verify_party(
        db, merchant["id"], real_name=True, qualification=True, settlement_account="6222 0000 5555"
    )
    line = creditline.open_line(db, merchant["id"], product="merchant_bnpl", limit="500000.00")
    creditline.activate_line(db, line.body["id"])
    return str(line.body["id"])


def appeal_story(db: Database, line_id: str | None = None, *, step: str = "") -> str:
    """Freeze and lower ``line_id`` (else a new 500,000.00 apparel line), appeal, decide it
    partly, spend again; print each step in zh/en and return the appeal's id."""
    line_id = line_id or _own_line(db)
    number = f"{step} " if step else ""
    line = creditline.show_line(db, line_id).body
    cur, limit = line["currency"], line["limit"]
    lowered, partial = _share(limit, cur, 1, 2), _share(limit, cur, 4, 5)
    _say(
        f"{number}申诉：风控发现商家频繁尝试提现，冻结了额度；又因退货率 12% 高于服装类的 8%，"
        f"额度由 {limit} 调低到 {lowered}。",
        f"{number}Appeal: risk control freezes the line for repeated withdrawal attempts, and a "
        f"12% return rate (apparel: 8%) lowers it from {limit} to {lowered}.",
    )
    note = "频繁提现尝试 repeated withdrawal attempts"
    freeze = act_as_demo(
        db,
        "risk-li",
        "freeze.add",
        lambda d: creditline.add_freeze(d, line_id, reason="risk", note=note, key="demo-apl-frz"),
        line_id,
        note,
    )["id"]
    why_low = "退货率 12% 高于 8% return rate 12% above 8%"
    act_as_demo(
        db,
        "risk-li",
        "limit.set",
        lambda d: creditline.set_limit(
            d, line_id, limit=lowered, note=why_low, actor="operator:risk-li", key="demo-apl-low"
        ),
        line_id,
        why_low,
    )
    refused = creditline.why(db, line_id, amount="1000.00", purpose="procurement").body
    for r in refused["reasons"]:
        console().print(f"   [red]✗ {r['code']}[/red]  {r['message_zh']}")
        console().print(f"     [dim]{r['message_en']}[/dim]")

    _say(
        "   商家提交申诉，附上对账单流水、已退款金额和银行对账单。",
        "   The merchant appeals, with a statement line, the refunds paid and a bank statement.",
    )
    appeal = creditline.submit_appeal(
        db,
        line_id,
        reason="退货已处理完毕，提现是正常经营 returns are settled; withdrawals are ordinary trade",
        evidence=EVIDENCE,
        key="demo-apl-submit",
    ).body
    console().print(f"   appeal {appeal['id']} · {appeal['status_zh']} {appeal['status_en']}")
    pending = creditline.why(db, line_id, amount="1000.00", purpose="procurement").body
    for w in pending["warnings"]:
        if w["code"] == "appeal_pending":
            console().print(f"   [yellow]! {w['message_zh']}[/yellow]")
            console().print(f"     [dim]{w['message_en']}[/dim]")

    _say(
        f"   风控李复核：重新评估后部分恢复到 {partial}，并解除冻结。",
        f"   Risk officer 李 re-assesses the merchant, restores {partial} and lifts the freeze.",
    )
    decision = "复核：退货已处理，提现属正常经营 re-assessed: returns settled"
    decided = act_as_demo(
        db,
        "risk-li",
        "appeal.decide",
        lambda d: creditline.decide_appeal(
            d,
            appeal["id"],
            outcome="partial",
            limit=partial,
            lift_freezes=[freeze],
            note=decision,
            actor="operator:risk-li",
            key="demo-apl-decide",
        ),
        appeal["id"],
        decision,
    )
    _steps(decided)
    now = creditline.show_line(db, line_id).body
    console().print(f"   额度 limit {now['limit']} · 可用 available {now['available']}")
    spent = creditline.authorize(
        db, line_id, amount="1000.00", purpose="procurement", key="demo-apl-spend"
    ).body
    _say(
        f"   商家再次用额度支付 1,000.00：{spent['status']}。",
        f"   The merchant spends 1,000.00 again: {spent['status']}.",
    )
    creditline.void(db, spent["id"], key="demo-apl-void")
    return str(appeal["id"])


def _steps(appeal: dict[str, Any]) -> None:
    """Every step of the appeal: when (Beijing time), who, what."""
    for s in appeal["steps"]:
        detail = s["detail"]
        extra = ""
        if s["action"] == "reassessed" and "score" in detail:
            extra = f" · 评分 score {detail['score']} · 建议 proposed {detail['proposed_limit']}"
        elif s["action"] == "limit_changed":
            extra = f" · {detail['from_limit']} → {detail['to_limit']}"
        elif s["action"] == "freeze_lifted":
            extra = f" · {detail['freeze']}"
        what = f"{s['action_zh']} {s['action_en']}"
        console().print(f"   {s['n']}. {_local(s['at'])} {s['actor']} · {what}{extra}")
