"""``creditline limit assess PARTY``: a holder's initial limit (初始额度), explained: the score,
each factor's points, the factors that cost the most, the band and caps, the proposed limit.
``limit request`` / ``requests`` / ``decide``: increase requests (提额申请)."""

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
    PartyArg,
    run,
    run_as,
    show,
)
from creditline.entrypoints.cli.output import console, render_reasons

app = typer.Typer()
limit_app = typer.Typer(
    help="Limits (额度评估): an initial limit, explained; increase requests (提额申请).",
    no_args_is_help=True,
)
app.add_typer(limit_app, name="limit")


@limit_app.command("assess")
def limit_assess(
    party: PartyArg,
    product: Annotated[
        str | None,
        typer.Option(
            "--product",
            help="merchant_bnpl or installment; default: merchant_bnpl for a merchant, "
            "installment for a consumer",
        ),
    ] = None,
    folder: Annotated[
        str | None,
        typer.Option(
            "--cards",
            help="Folder of trained scorecards; else $CREDITLINE_SCORECARDS; else scorecards/ "
            "(none there: the cards shipped in the package)",
        ),
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Assess the party's limit: the scorecard over its facts, the policy's bands and caps;
    the assessment is recorded so that reviews and appeals can cite it."""
    from creditline.entrypoints.bootstrap import scorecard_store

    cards = scorecard_store(folder)
    run(
        db,
        json_out,
        lambda d: creditline.assess_limit(d, party, product=product, cards=cards),
        render_assessment,
    )


def render_assessment(body: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    card = body["scorecard"]
    simulated = " · 模拟数据 fitted on simulated data" if card["simulated"] else ""
    title = (
        f"额度评估 limit assessment {body['id']} · {body['party']} ({body['kind']}) · "
        f"{body['product_zh']} {body['product']}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("因素 factor", overflow="fold")
    table.add_column("值 value", overflow="fold")
    table.add_column("分箱 bin", overflow="fold")
    table.add_column("得分 points", justify="right")
    table.add_column("最高 best", justify="right")
    costly = {f["factor"] for f in body["top_costs"]}
    for f in body["factors"]:
        style = "bold red" if f["factor"] in costly else None
        table.add_row(
            f"{f['name_zh']} {f['name_en']}",
            "—" if f["value"] is None else str(f["value"]),
            f["bin"],
            str(f["points"]),
            str(f["best_points"]),
            style=style,
        )
    table.add_row("合计 score", "", "", str(body["score"]), "", style="bold")
    out.print(table)
    out.print(
        f"[dim]评分卡 scorecard {card['kind']} v{card['version']}{simulated} · "
        f"policy {body['policy_version']} · {body['assessed_at']}[/dim]"
    )
    if body["top_costs"]:
        out.print("[bold]扣分最多的因素 what cost the most points:[/bold]")
        for f in body["top_costs"]:
            out.print(
                f"  [red]-{f['cost']}[/red] {f['name_zh']}：{f['help_zh']}\n"
                f"       {f['name_en']}: {f['help_en']}"
            )
    for c in body["caps"]:
        mark = " ← binding" if c["binding"] else ""
        out.print(f"  {c['name_zh']} {c['name_en']}: {c['amount']} {body['currency']}{mark}")
    colour = "green" if body["decision"] == "approve" else "yellow"
    out.print(
        f"[bold {colour}]{body['decision_zh']} {body['decision_en']} · "
        f"建议额度 proposed limit {body['proposed_limit']} {body['currency']}[/bold {colour}]"
    )
    out.print(body["summary_zh"])
    out.print(body["summary_en"])
    if body["reasons"]:
        render_reasons(body["reasons"])


REQUEST_KEYS = [
    "id",
    "line",
    "status",
    "current_limit",
    "requested_limit",
    "proposed_limit",
    "decided_limit",
    "score",
    "decided_by",
]


def _request(body: dict[str, Any]) -> None:
    show("limit request 提额申请", REQUEST_KEYS)(body)
    for r in body["reasons"]:
        console().print(f"  {r['zh']} / {r['en']}")


@limit_app.command("request")
def limit_request(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the whole limit wanted, e.g. 600000.00")],
    reason: Annotated[str, typer.Option("--reason", help="why (at most 500 characters)")],
    key: KeyRequiredOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask for a higher limit: approved up to what a fresh assessment allows, or referred to
    an operator (the holder's own request through the API or the pages; here an operator's
    on its behalf)."""
    from creditline.entrypoints.bootstrap import scorecard_store

    def use(d: creditline.Database, by: creditline.Principal) -> creditline.Answer:
        shown = creditline.show_line(d, line).body
        assessment = creditline.assess_limit(
            d, str(shown["party"]), product=str(shown["product"]), cards=scorecard_store(None)
        ).body
        return creditline.request_increase(
            d, line, amount=amount, reason=reason, assessment=assessment, actor=by.label(), key=key
        )

    run_as(db, json_out, as_name, "limit.request", use, _request, target=line, note=reason)


@limit_app.command("requests")
def limit_requests(
    line: Annotated[str | None, typer.Option("--line", help="one line's requests")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="approved, partial, referred or declined")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Increase requests, newest first (``--status referred``: the operators' queue)."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        from creditline.entrypoints.cli.output import add_columns

        table = Table(title="limit requests 提额申请", title_justify="left")
        columns = ["id", "line", "status", "current_limit", "requested_limit", "decided_limit"]
        add_columns(table, [*columns, "created_at"])
        for r in body["requests"]:
            table.add_row(*(str(r.get(c) or "") for c in [*columns, "created_at"]))
        console().print(table)

    run(db, json_out, lambda d: creditline.list_requests(d, line_id=line, status=status), render)


@limit_app.command("decide")
def limit_decide(
    request: Annotated[str, typer.Argument(metavar="REQ", help="the request's id (lrq_...)")],
    outcome: Annotated[str, typer.Option("--outcome", help="approve or decline")],
    note: Annotated[str, typer.Option("--note", help="why (shown to the holder)")],
    key: KeyRequiredOpt,
    limit: Annotated[
        str | None, typer.Option("--limit", help="the limit granted (default: as asked)")
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide a referred increase request (role risk, audited)."""
    run_as(
        db,
        json_out,
        as_name,
        "limit.decide",
        lambda d, by: creditline.decide_request(
            d, request, outcome=outcome, note=note, limit=limit, actor=by.label(), key=key
        ),
        _request,
        target=request,
        note=note,
    )
