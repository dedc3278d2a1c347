"""The demo's credit steps (授信, issue 15): a consumer's initial limit from the scorecard,
explained, and a line opened at it; then the periodic review, the appeal and the incident
steps of their own modules. Called by ``demo.py``."""

from __future__ import annotations

from typing import Any

import creditline
from creditline import Database
from creditline.entrypoints.cli.access_cmds import act_as_demo
from creditline.entrypoints.cli.output import console

#: 李先生's credit application: the consumer card's attributes (the German credit data's).
APPLICATION = {
    "status_of_existing_checking_account": "no checking account",
    "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)",
    "purpose": "radio/television",
    "credit_amount": 2500,
    "savings_account_and_bonds": "... >= 1000 DM",
    "present_employment_since": "4 <= ... < 7 years",
    "installment_rate_in_percentage_of_disposable_income": 2,
    "age_in_years": 35,
    "other_installment_plans": "none",
    "housing": "own",
}


def say(zh: str, en: str) -> None:
    console().print(f"[bold]{zh}[/bold]\n[dim]{en}[/dim]")


def assessment_story(db: Database, step: str) -> dict[str, Any]:
    """A consumer applies; the scorecard gives a limit with its three costliest factors; the
    installment line opens at it. The opened line's answer."""
    say(
        f"{step} 「李先生」申请分期购额度：评分卡给出评分和建议额度，开通时按评估授信。",
        f"{step} Consumer 李先生 applies for an installment line: the scorecard gives a score, "
        "each factor's points and a limit; opened without --limit, the line takes it.",
    )
    party = creditline.add_party(
        db, kind="consumer", name="李先生", credit_score=720, income="15000.00"
    ).body["id"]
    creditline.submit_application(db, party, APPLICATION)
    creditline.verify_party(db, party, real_name=True, settlement_account="6222 0000 3333 4444")
    assessment = creditline.assess_limit(db, party).body
    console().print(
        f"   score 评分 {assessment['score']} · {assessment['summary_zh']}\n"
        f"   [dim]{assessment['summary_en']}[/dim]"
    )
    for f in assessment["top_costs"]:
        console().print(
            f"   [yellow]-{f['best_points'] - f['points']}[/yellow] {f['name_zh']} "
            f"({f['name_en']}): {f.get('help_zh', '')} / {f.get('help_en', '')}"
        )
    line = act_as_demo(
        db,
        "ops-wang",
        "line.write",
        lambda d: creditline.open_line(
            d,
            party,
            product="installment",
            limit=None,
            key="demo-open-li",
            assessment=assessment,
        ),
        party,
    )
    creditline.activate_line(db, line["id"])
    console().print(
        f"   line {line['id']} opened at 额度 {line['limit']} from assessment {assessment['id']}"
    )
    return line


def _merchant_line(db: Database, name: str, limit: str) -> tuple[str, str]:
    """A verified food merchant with an active line opened at ``limit`` by an operator."""
    party = creditline.add_party(db, kind="merchant", name=name, category="food").body["id"]
    creditline.verify_party(
        db, party, real_name=True, qualification=True, settlement_account="6222 0000 5555 6666"
    )
    line = creditline.open_line(db, party, product="merchant_bnpl", limit=limit).body["id"]
    creditline.activate_line(db, line)
    return party, line


def credit_story(db: Database, first: int) -> int:
    """The credit steps from number ``first``: an initial assessment, a review that halves a
    limit for a stale licence and a resubmission that restores it, the 500,000 → 400,000
    appeal, and an incident with temporary quota. The next step's number."""
    from creditline.entrypoints.cli.demo_appeals import appeal_story
    from creditline.entrypoints.cli.demo_incidents import incident_story
    from creditline.entrypoints.cli.demo_reviews import review_story

    assessment_story(db, f"{first}.")
    merchant, line = _merchant_line(db, "鲜果铺", "200000.00")
    review_story(db, merchant, line, step=f"{first + 1}.")
    appeal_story(db, step=f"{first + 2}.")
    incident_story(db, [line], step=f"{first + 3}.")
    return first + 4
