"""``creditline limits ...``: periodic limit reviews (额度复审). ``limits review [--party P]``
reviews every active line now (an operator of role ``risk``, ``--as``), with a progress bar;
``limits reviews`` lists the outcomes of a run (the latest by default) or of one line, each
with its reasons and what restores the limit. The worker runs the reviews that fall due."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import STATE, AsOpt, DbOpt, JsonOpt, run, run_as
from creditline.entrypoints.cli.output import console

if TYPE_CHECKING:
    from creditline import Answer, Database, Principal

app = typer.Typer()
limits_app = typer.Typer(
    help="Periodic limit reviews (额度复审): raise or lower limits, with reasons.",
    no_args_is_help=True,
)
app.add_typer(limits_app, name="limits")


@limits_app.command("review")
def limits_review(
    party: Annotated[
        str | None, typer.Option("--party", metavar="PARTY", help="review only this party's lines")
    ] = None,
    operator: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Review every active line now (or one party's): lower limits for a high return rate,
    stale or missing documents, inactivity, overdue repayments, a falling credit score or
    income; restore them when the cause is gone; raise them for steady good history."""
    show_bar = not (json_out or STATE.json)

    def use_case(d: Database, who: Principal) -> Answer:
        if not show_bar:
            return creditline.review_limits(d, party=party, actor=who.name)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=console(), transient=True) as bar:
            task = bar.add_task("额度复审 reviewing lines", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return creditline.review_limits(d, party=party, progress=step, actor=who.name)

    run_as(
        db,
        json_out,
        operator,
        "limits.review",
        use_case,
        render_run,
        target=party or "all",
    )


@limits_app.command("reviews")
def limits_reviews(
    line: Annotated[
        str | None, typer.Option("--line", metavar="LINE", help="one line's outcomes, newest first")
    ] = None,
    review: Annotated[
        str | None, typer.Option("--review", metavar="ID", help="a run (default: the latest)")
    ] = None,
    changed: Annotated[
        bool, typer.Option("--changed", help="only the lines whose limit the run changed")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="most rows")] = 50,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The outcomes of a review run, or of one line (--line): decision, limits, reasons and
    what restores the limit."""
    if line is not None:
        run(
            db,
            json_out,
            lambda d: creditline.line_reviews(d, line, limit=min(limit, 500)),
            lambda body: render_outcomes(f"复审记录 reviews of {body['line']}", body["outcomes"]),
        )
        return
    run(
        db,
        json_out,
        lambda d: creditline.show_review(d, review, changed_only=changed, limit=limit),
        render_show,
    )


def _counts(body: dict[str, Any]) -> str:
    reasons = ", ".join(f"{k} {v}" for k, v in body.get("by_reason", {}).items()) or "—"
    return (
        f"reviewed 复审 {body.get('reviewed', 0)} · [green]raised 上调 {body.get('raised', 0)}"
        f"[/green] · [red]lowered 下调 {body.get('lowered', 0)}[/red] · unchanged 不变 "
        f"{body.get('unchanged', 0)} · pending 待回收 {body.get('pending_reductions', 0)}\n"
        f"by reason 按原因: {reasons}"
    )


def render_run(body: dict[str, Any]) -> None:
    out = console()
    who = f" by {body['actor']}" if body.get("actor") else ""
    scope = f" · party {body['party']}" if body.get("party") else ""
    out.print(f"[bold]额度复审 limit review {body['id']}[/bold]{who}{scope}")
    out.print(_counts(body))
    if body.get("changes"):
        render_outcomes("调整的额度 changed limits", body["changes"])


def render_show(body: dict[str, Any]) -> None:
    run_body = body.get("review")
    if run_body is None:
        console().print("no review has run yet 尚未进行额度复审")
        return
    out = console()
    out.print(
        f"[bold]额度复审 limit review {run_body['id']}[/bold] ({run_body['trigger']}) · "
        f"{run_body['started_at']} → {run_body['finished_at'] or 'running 进行中'}"
    )
    out.print(_counts(run_body))
    render_outcomes("复审结果 outcomes", body["outcomes"])


def render_outcomes(title: str, outcomes: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=True)
    for col in ("line", "decision", "limit", "pending", "why 原因", "restores 如何恢复"):
        table.add_column(col, overflow="fold")
    colour = {"raised": "green", "lowered": "red"}
    for o in outcomes:
        reasons = o["reasons"]
        why = "\n".join(f"[bold]{r['code']}[/bold] {r['zh']}\n{r['en']}" for r in reasons) or "—"
        restores = "\n".join(
            f"{r['restore_zh']}\n{r['restore_en']}" for r in reasons if r.get("restore_zh")
        )
        style = colour.get(o["decision"])
        decision = f"[{style}]{o['decision']}[/{style}]" if style else o["decision"]
        table.add_row(
            o["line"],
            decision,
            f"{o['from_limit']} → {o['to_limit']} {o['currency']}",
            o["pending_reduction"],
            why,
            restores,
        )
    console().print(table)
