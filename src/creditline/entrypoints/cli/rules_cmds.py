"""CLI commands for the spending rules: why, freezes, policy, calendar, events. Freezing,
lifting, policy changes and calendar loads are operator actions (``--as``), audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import (
    PURPOSE_HELP,
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
from creditline.entrypoints.cli.output import add_columns, console

app = typer.Typer()
freeze_app = typer.Typer(help="Freezes (冻结).", no_args_is_help=True)
policy_app = typer.Typer(help="Platform policy (平台政策), versioned.", no_args_is_help=True)
calendar_app = typer.Typer(help="Working days (工作日, 调休).", no_args_is_help=True)
events_app = typer.Typer(help="The event outbox (事件).", no_args_is_help=True)
app.add_typer(freeze_app, name="freeze")
app.add_typer(policy_app, name="policy")
app.add_typer(calendar_app, name="calendar")
app.add_typer(events_app, name="events")


# -- why -------------------------------------------------------------------------------------
@app.command("why")
def why(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the spend to diagnose, e.g. 1000.00")],
    purpose: Annotated[str, typer.Option("--purpose", help=PURPOSE_HELP)] = "procurement",
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    counterparty: Annotated[
        str | None, typer.Option("--counterparty", help="the party the spend would pay")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Why can't I use my quota? (额度为什么用不了) Every reason, with what to do."""
    run(
        db,
        json_out,
        lambda d: creditline.why(
            d, line, amount=amount, purpose=purpose, lang=lang, counterparty=counterparty
        ),
        lambda body: render_why(body, lang),
    )


def _local(iso: str) -> str:
    return creditline.local_text(datetime.fromisoformat(iso))


def _bj(iso: str, zh: bool) -> str:
    """A time as the holder reads it: Beijing time, and saying so."""
    return _local(iso) + (" 北京时间" if zh else " Beijing time")


def _when(reason: dict[str, Any], zh: bool) -> str:
    """When a reason clears, in Beijing time; an end on estimated holidays says it may move."""
    when = _bj(reason["clears_at"], zh)
    if reason.get("provisional"):
        when += "（节假日为估计，可能调整）" if zh else " (holidays estimated; it may move)"
    return when


def render_why(body: dict[str, Any], lang: str) -> None:
    out = console()
    zh = lang == "zh"
    other = "en" if zh else "zh"
    title = "额度诊断：为什么用不了？" if zh else "Why can't I use my quota?"
    out.print(f"[bold]{title}[/bold]  line {body['line']} · {body['amount']} · {body['purpose']}")
    if body["ok"]:
        out.print(
            "[green]✓ 现在可以使用这笔额度。[/green]"
            if zh
            else "[green]✓ This spend would be authorised now.[/green]"
        )
    else:
        n = len(body["reasons"])
        out.print(
            f"[red]✗ 现在不能使用，共 {n} 个原因：[/red]"
            if zh
            else f"[red]✗ It would be refused now, for {n} reason(s):[/red]"
        )
    for i, r in enumerate(body["reasons"], 1):
        out.print(f" {i}. [bold]{r['message_' + lang]}[/bold]  [dim]({r['code']})[/dim]")
        out.print(f"    [dim]{r['message_' + other]}[/dim]")
        if r.get("action"):
            out.print(("    你可以：" if zh else "    What you can do: ") + r["action"])
        if r.get("clears_at"):
            out.print(("    自动解除时间：" if zh else "    Clears by itself at: ") + _when(r, zh))
        for change in r["facts"].get("policy_changes", []):
            out.print(
                f"    [yellow]政策变更 policy change[/yellow] {change['key']}: "
                f"{change['from']} ({change['from_version']}) → {change['to']} "
                f"({change['to_version']}) @ {_bj(change['effective_at'], zh)}"
            )
    _render_breakdown(body, zh)
    for w in body.get("warnings", []):
        out.print(f"[yellow]! {w['message_' + lang]}[/yellow]  [dim]({w['code']})[/dim]")
        if w.get("action"):
            out.print(("    你可以：" if zh else "    What you can do: ") + w["action"])
    recent = body.get("risk", {}).get("recent_declines", [])
    if recent:
        out.print("最近的风控拒绝：" if zh else "Recent risk declines:")
    for r in recent:
        out.print(f"  {_bj(r['at'], zh)} {r['event']} [bold]{r['message']}[/bold]")
        out.print(("    你可以：" if zh else "    What you can do: ") + r["action"])
    out.print(f"[dim]policy {body['policy_version']} · at {_bj(body['at'], zh)}[/dim]")


def _render_breakdown(body: dict[str, Any], zh: bool) -> None:
    """What holds the quota, as the JSON's ``breakdown`` has it: occupancy by order, open
    holds, and each amount freeze."""
    out = console()
    b = body["breakdown"]
    out.print(
        ("可用额度 " if zh else "Available ") + f"{body['available']} = "
        f"{'额度' if zh else 'limit'} {b['limit']} − {'预授权' if zh else 'held'} {b['held']} − "
        f"{'占用' if zh else 'occupied'} {b['occupied']} − {'冻结' if zh else 'frozen'} "
        f"{b['frozen']}"
    )
    for o in b["occupancy"]:
        out.print(
            ("  占用：订单 " if zh else "  occupied: order ")
            + f"{o['order'] or '—'} {o['outstanding']} · {o['days']} "
            + ("天" if zh else "days")
        )
    for h in b["holds"]:
        out.print(
            ("  预授权：" if zh else "  held: ")
            + f"{h['hold']} {h['amount']} → {_bj(h['expires_at'], zh)}"
        )
    for f in b.get("amount_freezes", []):
        until = _bj(f["until"], zh) if f["until"] else ("解除为止" if zh else "until lifted")
        if f["provisional"]:
            until += "（估计）" if zh else " (estimated)"
        out.print(
            ("  冻结：" if zh else "  frozen: ")
            + f"{f['freeze']} {f['amount']} · {f['reason']} → {until}"
        )


# -- freezes ---------------------------------------------------------------------------------
FREEZE_KEYS = [
    "id",
    "line",
    "reason",
    "scope",
    "amount",
    "starts_at",
    "ends_at",
    "provisional",
    "status",
    "note",
    "policy_version",
]


@freeze_app.command("add")
def freeze_add(
    line: LineArg,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="risk, occupancy, qualification, dispute, system_fault, operator"
        ),
    ],
    key: KeyRequiredOpt,
    amount: Annotated[str | None, typer.Option("--amount", help="freeze this amount only")] = None,
    temporary: Annotated[bool, typer.Option("--temporary", help="the policy's duration")] = False,
    hours: Annotated[int | None, typer.Option("--hours", help="ends after N hours")] = None,
    working_days: Annotated[
        int | None, typer.Option("--working-days", help="ends after N working days (工作日)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="why (at most 500 characters)")] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Freeze a line, or an amount of it."""
    run_as(
        db,
        json_out,
        as_name,
        "freeze.add",
        lambda d, _by: creditline.add_freeze(
            d,
            line,
            reason=reason,
            amount=amount,
            temporary=temporary,
            hours=hours,
            working_days=working_days,
            note=note,
            key=key,
        ),
        show("freeze 冻结", FREEZE_KEYS),
        target=line,
        note=note,
    )


@freeze_app.command("lift")
def freeze_lift(
    freeze: Annotated[str, typer.Argument(metavar="FREEZE", help="the freeze's id (frz_...)")],
    note: Annotated[str, typer.Option("--note", help="why it is lifted (required)")],
    key: KeyRequiredOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Lift one freeze; the others stand."""
    run_as(
        db,
        json_out,
        as_name,
        "freeze.lift",
        lambda d, _by: creditline.lift_freeze(d, freeze, note=note, key=key),
        show("freeze 冻结", FREEZE_KEYS),
        target=freeze,
        note=note,
    )


@freeze_app.command("list")
def freeze_list(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Every freeze of a line, standing and ended."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title=f"freezes 冻结 · {body['line']}", title_justify="left")
        columns = ["id", "reason", "scope", "amount", "starts (北京时间)", "ends (北京时间)"]
        add_columns(table, [*columns, "status"])
        for f in body["freezes"]:
            ends = _local(f["ends_at"]) if f["ends_at"] else "—"
            table.add_row(
                f["id"],
                f["reason_zh"] + " " + f["reason"],
                f["scope"],
                f["amount"] or "",
                _local(f["starts_at"]),
                ends + (" (provisional 估计)" if f["provisional"] else ""),
                f["status"],
            )
        console().print(table)

    run(db, json_out, lambda d: creditline.list_freezes(d, line), render)


# -- policy ----------------------------------------------------------------------------------
def _render_policy(body: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"policy 平台政策 {body['version']} @ {body['at']}", title_justify="left")
    add_columns(table, ["key", "value", "version", "effective_at", "说明"])
    for key, v in body["values"].items():
        table.add_row(key, v["value"], v["version"] or "", v["effective_at"] or "", v["zh"])
    console().print(table)
    for s in body["scheduled"]:
        console().print(
            f"scheduled {s['version']}: {s['key']} → {s['value']} at "
            f"{s['effective_at']} {s['note']}"
        )


@policy_app.command("show")
def policy_show(
    at: Annotated[str | None, typer.Option("--at", help="ISO time; default now")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The policy in force now, or at another time."""
    run(db, json_out, lambda d: creditline.show_policy(d, at), _render_policy)


@policy_app.command("set")
def policy_set(
    key: Annotated[str, typer.Argument(metavar="KEY", help="the policy parameter")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="its new value, e.g. 24")],
    effective: Annotated[str, typer.Option("--effective", help="ISO time or now")],
    note: Annotated[str | None, typer.Option("--note", help="why (at most 500 characters)")] = None,
    idempotency_key: KeyOpt = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a policy change from a time (now or later; never in the past)."""
    run_as(
        db,
        json_out,
        as_name,
        "policy.write",
        lambda d, _by: creditline.set_policy(
            d, key, value, effective=effective, note=note, idempotency_key=idempotency_key
        ),
        show("policy change 政策变更"),
        target=key,
        note=note,
    )


# -- calendar --------------------------------------------------------------------------------
@calendar_app.command("load")
def calendar_load(
    file: Annotated[str, typer.Argument(metavar="FILE", help="the notice, JSON in UTF-8")],
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load an official holiday notice (JSON); it wins over the built-in calendar."""
    from pathlib import Path

    source = Path(file).name
    run_as(
        db,
        json_out,
        as_name,
        "policy.write",
        lambda d, _by: creditline.load_calendar(d, bootstrap.read_holiday_notice(file), source),
        show("calendar 日历"),
        target=source,
    )


@calendar_app.command("next-workday")
def calendar_next_workday(
    day: Annotated[str, typer.Argument(metavar="DATE", help="a date, e.g. 2024-09-30")],
    days: Annotated[int, typer.Option("--days", help="how many working days after DATE")] = 1,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The N-th working day after DATE (Chinese calendar, 调休 included)."""
    run(
        db,
        json_out,
        lambda d: creditline.next_working_day(d, day, days),
        show("next working day 下一个工作日"),
    )


# -- events ----------------------------------------------------------------------------------
@events_app.command("list")
def events_list(
    event_type: Annotated[
        str | None,
        typer.Option("--type", help="only events of this type, e.g. order.confirmed"),
    ] = None,
    after: Annotated[int, typer.Option("--after", help="only events after this id (a cursor)")] = 0,
    limit: Annotated[int, typer.Option("--limit", help="at most this many (1-1000)")] = 100,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Events in order (the outbox), optionally of one type, after an id."""

    def render(body: dict[str, Any]) -> None:
        for e in body["data"]:
            console().print(
                f"{e['id']:>6} {e['created_at']} [bold]{e['type']}[/bold] "
                f"{e['line'] or e['party'] or ''}"
            )

    run(
        db,
        json_out,
        lambda d: creditline.list_events(d, event_type=event_type, after=after, limit=limit),
        render,
    )
