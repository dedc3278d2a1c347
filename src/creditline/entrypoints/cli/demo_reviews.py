"""The demo's periodic review step (额度复审): a merchant whose business licence was submitted
over a year ago is reviewed; the review halves its limit for the stale licence (``why`` says so,
and what restores it); the merchant resubmits the licence and the limit comes back at once,
with no operator involved. Called by ``demo.py`` with the merchant and its active line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import creditline
from creditline import Database
from creditline.entrypoints.cli.access_cmds import act_as_demo
from creditline.entrypoints.cli.output import console

#: How long before the sandbox's today the old licence was submitted (policy: 365 days).
STALE_DAYS = 400


def _say(zh: str, en: str) -> None:
    console().print(f"[bold]{zh}[/bold]\n[dim]{en}[/dim]")


def _reasons(outcome: dict[str, Any]) -> None:
    for r in outcome["reasons"]:
        console().print(f"   [red]↓ {r['code']}[/red]  {r['zh']}")
        console().print(f"     [dim]{r['en']}[/dim]")
        if r.get("restore_zh"):
            console().print(f"     [green]→ {r['restore_zh']} / {r['restore_en']}[/green]")


def review_story(db: Database, merchant_id: str, line_id: str, *, step: str = "") -> None:
    """Review ``merchant_id``'s lines as the demo's risk operator with a stale licence on
    file, show what ``why`` says, then resubmit the licence and show the limit restored."""
    today = date.fromisoformat(str(creditline.show_clock(db).body["now"])[:10])
    old = today - timedelta(days=STALE_DAYS)
    number = f"{step} " if step else ""
    _say(
        f"{number}额度复审：商家的营业执照提交于 {old.isoformat()}，已超过一年。",
        f"{number}Periodic review: the merchant's business licence was submitted on "
        f"{old.isoformat()}, over a year ago.",
    )
    creditline.add_document(
        db,
        merchant_id,
        doc_type="business_licence",
        submitted=old.isoformat(),
        expires=(today + timedelta(days=3 * 365)).isoformat(),
    )
    before = creditline.show_line(db, line_id).body["limit"]
    run = act_as_demo(
        db,
        "risk-li",
        "limits.review",
        lambda d: creditline.review_limits(d, party=merchant_id, actor="risk-li"),
        merchant_id,
    )
    after = creditline.show_line(db, line_id).body
    console().print(
        f"   复审 review {run['id']}: 额度 limit {before} → {after['limit']} "
        f"(可用 available {after['available']})"
    )
    for outcome in run["changes"]:
        if outcome["line"] == line_id:
            _reasons(outcome)
            if outcome["pending_reduction"] != "0.00":
                console().print(
                    f"   [yellow]已用部分不回收：{outcome['pending_reduction']} 待还款后收回 / "
                    f"never below what is used: {outcome['pending_reduction']} comes back "
                    "as it is repaid[/yellow]"
                )
    asked = creditline.why(db, line_id, amount=before, purpose="procurement").body
    reduced = [r for r in asked["reasons"] if r["code"] == "limit_reduced"]
    for r in reduced:
        console().print(f"   why → [red]limit_reduced[/red]  {r['message_zh']}")
        console().print(f"     [dim]{r['message_en']}[/dim]")
    _say(
        "   商家重新提交营业执照：额度立即自动恢复，无需人工处理。",
        "   The merchant resubmits the licence: the limit comes back at once, by itself.",
    )
    added = creditline.add_document(
        db,
        merchant_id,
        doc_type="business_licence",
        submitted=today.isoformat(),
        expires=(today + timedelta(days=5 * 365)).isoformat(),
    ).body
    restored = creditline.show_line(db, line_id).body
    for outcome in added.get("limits_restored", []):
        reason = outcome["reasons"][0]
        console().print(f"   [green]↑ {reason['code']}[/green]  {reason['zh']}")
        console().print(f"     [dim]{reason['en']}[/dim]")
    console().print(
        f"   额度 limit {after['limit']} → {restored['limit']} (可用 available "
        f"{restored['available']})"
    )
