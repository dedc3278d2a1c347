"""``creditline incident ...`` (系统故障) and ``creditline quota ...`` (临时额度): an operator opens
an incident over the lines a platform fault touched (each gets a ``system_fault`` freeze that
tells the holder the platform is at fault), closes it with an optional temporary quota, and
grants temporary quota without one. Writes are operator actions (``incident.write``, audited)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyRequiredOpt,
    LineArg,
    run,
    run_as,
)
from creditline.entrypoints.cli.output import add_columns, console

app = typer.Typer()
incident_app = typer.Typer(
    help="Incidents (系统故障): freeze the lines a platform fault touched, then compensate.",
    no_args_is_help=True,
)
quota_app = typer.Typer(help="Temporary quota (临时额度): show and grant.", no_args_is_help=True)
app.add_typer(incident_app, name="incident")
app.add_typer(quota_app, name="quota")

IncidentArg = Annotated[str, typer.Argument(metavar="ID", help="the incident's id (inc_...)")]
NoteOpt = Annotated[str, typer.Option("--note", help="why (required, at most 500 characters)")]


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    from datetime import datetime

    return creditline.local_text(datetime.fromisoformat(iso)) + " 北京时间"


def render_incident(body: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    out.print(
        f"[bold]系统故障 incident {body['id']}[/bold] · {body['status']} · {body['title']}\n"
        f"opened 开始 {_local(body['opened_at'])} by {body['opened_by'] or '—'} · "
        f"estimate 预计恢复 {_local(body['estimated_clear_at'])}"
    )
    if body.get("note"):
        out.print(f"note 说明: {body['note']}")
    if body.get("closed_at"):
        out.print(
            f"closed 结束 {_local(body['closed_at'])} by {body['closed_by'] or '—'}: "
            f"{body['close_note']}"
        )
    table = Table(title="lines 额度", title_justify="left")
    add_columns(table, ["line", "freeze", "freeze status", "temporary quota 临时额度"])
    granted = {q["line"]: q for q in body.get("temporary_quotas", [])}
    for x in body["lines"]:
        quotas = x.get("temporary_quotas") or ([granted[x["line"]]] if x["line"] in granted else [])
        text = ", ".join(f"{q['amount']} → {_local(q['ends_at'])} ({q['status']})" for q in quotas)
        table.add_row(x["line"], x["freeze"], x.get("freeze_status", ""), text or "—")
    out.print(table)


@incident_app.command("open")
def incident_open(
    line: Annotated[
        list[str], typer.Option("--line", help="a line the fault touched (repeat for each)")
    ],
    title: Annotated[
        str, typer.Option("--title", help="what happened, shown to the holders (≤120 chars)")
    ],
    key: KeyRequiredOpt,
    note: Annotated[
        str | None, typer.Option("--note", help="the operators' own note (not shown to holders)")
    ] = None,
    estimate_hours: Annotated[
        int | None,
        typer.Option("--estimate-hours", help="hours until it is expected to clear (1-720)"),
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open an incident: each line gets a system_fault freeze until the incident closes."""
    run_as(
        db,
        json_out,
        as_name,
        "incident.write",
        lambda d, by: creditline.open_incident(
            d,
            lines=line,
            title=title,
            note=note,
            estimate_hours=estimate_hours,
            actor=by.label(),
            key=key,
        ),
        render_incident,
        target=",".join(line)[:200],
        note=title,
    )


@incident_app.command("close")
def incident_close(
    incident: IncidentArg,
    note: NoteOpt,
    key: KeyRequiredOpt,
    temporary_quota: Annotated[
        str | None,
        typer.Option(
            "--temporary-quota",
            help="grant each line this temporary quota (临时额度), e.g. 10000.00",
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="how many days the temporary quota lasts (1-90)")
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close an incident: lift its freezes and, if asked, grant each line a temporary quota."""
    run_as(
        db,
        json_out,
        as_name,
        "incident.write",
        lambda d, by: creditline.close_incident(
            d,
            incident,
            note=note,
            temporary_amount=temporary_quota,
            temporary_days=days,
            actor=by.label(),
            key=key,
        ),
        render_incident,
        target=incident,
        note=note,
    )


@incident_app.command("show")
def incident_show(incident: IncidentArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """One incident: its lines, their freezes and the temporary quota it granted."""
    run(db, json_out, lambda d: creditline.show_incident(d, incident), render_incident)


@incident_app.command("list")
def incident_list(
    status: Annotated[str | None, typer.Option("--status", help="open or closed")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Incidents, newest first."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title="incidents 系统故障", title_justify="left")
        add_columns(table, ["id", "status", "title", "lines", "opened", "estimate", "closed"])
        for i in body["data"]:
            table.add_row(
                i["id"],
                i["status"],
                i["title"],
                str(i["line_count"]),
                _local(i["opened_at"]),
                _local(i["estimated_clear_at"]),
                _local(i["closed_at"]),
            )
        console().print(table)

    run(db, json_out, lambda d: creditline.list_incidents(d, status=status), render)


def render_temporary(body: dict[str, Any]) -> None:
    out = console()
    cur = body["currency"]
    out.print(
        f"[bold]临时额度 temporary quota · {body['line']}[/bold]\n"
        f"limit 总额度 {body['limit']} = permanent 固定额度 {body['permanent_limit']} + "
        f"temporary 临时额度 {body['temporary_amount']} ({cur}) · used 已用 {body['used']} · "
        f"temporary left 临时额度剩余 {body['temporary_remaining']}"
    )
    for n in body["incidents"]:
        out.print(f"[yellow]{n['message_zh']}[/yellow]\n[yellow]{n['message_en']}[/yellow]")
    for q in body["active"]:
        out.print(
            f"  {q['id']} · {q['amount']} · spent 已用 {q['spent']} · left 剩余 {q['remaining']}"
            f" · ends 到期 {_local(q['ends_at'])} · source {q['source']}"
        )
    for q in body["past"]:
        out.print(
            f"  [dim]{q['id']} · {q['amount']} · ended 已结束 {_local(q['ended_at'])} · "
            f"source {q['source']}[/dim]"
        )
    if not body["active"] and not body["past"]:
        out.print("  no temporary quota 没有临时额度")


@quota_app.command("temporary")
def quota_temporary(line: LineArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """A line's temporary quota: amount, what is left (spent first) and when it ends."""
    run(db, json_out, lambda d: creditline.temporary_quota(d, line), render_temporary)


@quota_app.command("grant-temporary")
def quota_grant_temporary(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the temporary quota, e.g. 10000.00")],
    days: Annotated[int, typer.Option("--days", help="how many days it lasts (1-90)")],
    note: NoteOpt,
    key: KeyRequiredOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Grant a line a temporary quota (临时额度) without an incident (role operations)."""

    def render(body: dict[str, Any]) -> None:
        b = body["balances"]
        console().print(
            f"granted 已授予 {body['id']} · {body['amount']} {body['currency']} until "
            f"{_local(body['ends_at'])} · limit 额度 {b['limit']} · available 可用 {b['available']}"
        )

    run_as(
        db,
        json_out,
        as_name,
        "incident.write",
        lambda d, by: creditline.grant_temporary_quota(
            d, line, amount=amount, days=days, note=note, actor=by.label(), key=key
        ),
        render,
        target=line,
        note=note,
    )
