"""The demo's incident step (系统故障, seed 004 case 3): a platform fault miscalculates quotas;
the operator opens an incident over the merchants' lines (each frozen, ``why`` says the
platform is at fault and when it should clear), fixes it within 24 hours, closes it and grants
10,000.00 of temporary quota (临时额度) for 7 days. Called by ``demo.py`` with the lines."""

from __future__ import annotations

from collections.abc import Sequence

import creditline
from creditline import Database
from creditline.entrypoints.cli.access_cmds import act_as_demo
from creditline.entrypoints.cli.output import console

COMPENSATION = "10000.00"
DAYS = 7


def _say(zh: str, en: str) -> None:
    console().print(f"[bold]{zh}[/bold]\n[dim]{en}[/dim]")


def incident_story(
    db: Database, line_ids: Sequence[str], *, step: str = "", fixed_after: str | None = "20h"
) -> str:
    """Open an incident over ``line_ids`` as ``ops-wang``, show what the first holder is told,
    move the sandbox clock ``fixed_after`` on (None: not at all), then close the incident with
    a temporary quota and show it; the incident's id."""
    number = f"{step} " if step else ""
    _say(
        f"{number}系统故障：额度计算服务出错，平台登记故障并冻结受影响的额度，预计 24 小时内恢复。",
        f"{number}A platform fault miscalculated quotas: the platform opens an incident and "
        "freezes the lines it touched, expected to clear within 24 hours.",
    )
    opened = act_as_demo(
        db,
        "ops-wang",
        "incident.write",
        lambda d: creditline.open_incident(
            d,
            lines=list(line_ids),
            title="额度计算故障 quota miscalculation",
            note="a release miscalculated limits",
            estimate_hours=24,
            actor="operator:ops-wang",
            key=f"demo-incident-{line_ids[0]}",
        ),
        ",".join(line_ids)[:200],
    )
    why = creditline.why(db, line_ids[0], amount="100.00", purpose="procurement").body
    for r in why["reasons"]:
        if r["code"] == "line_frozen":
            console().print(f"   [red]✗ {r['code']}[/red]  {r['message_zh']}")
            console().print(f"     [dim]{r['message_en']}[/dim]")
            console().print(f"     [green]→ {r['action_zh']} / {r['action_en']}[/green]")
    if fixed_after:
        creditline.advance_clock(db, fixed_after)
    act_as_demo(
        db,
        "ops-wang",
        "incident.write",
        lambda d: creditline.close_incident(
            d,
            opened["id"],
            note="fixed; compensation quota granted",
            temporary_amount=COMPENSATION,
            temporary_days=DAYS,
            actor="operator:ops-wang",
            key=f"demo-incident-close-{opened['id']}",
        ),
        opened["id"],
    )
    tq = creditline.temporary_quota(db, line_ids[0]).body
    ends = tq["active"][0]["ends_local"] if tq["active"] else "—"
    _say(
        f"   故障修复：冻结解除，每条额度获得 {COMPENSATION} 临时额度，{ends}（北京时间）"
        f"到期；先用临时额度。额度 {tq['limit']} = 固定 {tq['permanent_limit']} + 临时 "
        f"{tq['temporary_amount']}。",
        f"   Fixed: the freezes are lifted and each line gets {COMPENSATION} of "
        f"temporary quota until {ends} Beijing time, spent first. Limit {tq['limit']} = "
        f"permanent {tq['permanent_limit']} + temporary {tq['temporary_amount']}.",
    )
    return str(opened["id"])
