"""CLI commands of batch analytics (批量分析): list the jobs, and run them on DuckDB (embedded,
the default) or Apache Spark (``--master``), or on both to check that they agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import AsOpt, DbOpt, JsonOpt, run_as
from creditline.entrypoints.cli.output import (
    EXIT_ERROR,
    console,
    err_console,
    progress_bar,
    titled_table,
)

if TYPE_CHECKING:
    from creditline import Answer, Database, Principal

app = typer.Typer()
analytics_app = typer.Typer(
    help="Batch analytics (批量分析) on DuckDB or Apache Spark: reviews, backtests, rings.",
    no_args_is_help=True,
)
app.add_typer(analytics_app, name="analytics")


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"
    BOTH = "both"


@analytics_app.command("jobs")
def jobs(json_out: JsonOpt = False) -> None:
    """The batch jobs: what each serves and the columns it answers."""
    body = {"jobs": creditline.analytics_jobs()}
    if json_out:
        from creditline.entrypoints.cli.output import print_json

        print_json(body)
        return
    table = titled_table("analytics jobs 批量分析作业")
    for col in ("job", "serves", "what 内容", "columns"):
        table.add_column(col)
    for j in body["jobs"]:
        table.add_row(j["name"], j["feeds"], f"{j['zh']}\n{j['en']}", ", ".join(j["columns"]))
    console().print(table)


def _run_one(
    d: Database,
    engine: str,
    master: str | None,
    options: dict[str, Any],
    folder: Path | None,
    stager: Any = None,
) -> Answer:
    with progress_bar(f"{engine} 分析") as step:
        answer: Answer = bootstrap.analytics_run(
            d,
            engine=engine,
            master=master,
            folder=folder,
            stager=stager,
            progress=lambda _s, i, n: step(i, n),
            **options,
        )
        return answer


def _both(d: Database, master: str | None, options: dict[str, Any], folder: Path | None) -> Answer:
    """DuckDB and Spark on one staging of the ledger (one snapshot) and one reading of the
    clock (the jobs' parameters), compared job by job."""
    stager = bootstrap.analytics_stager_once()
    options = {**options, "parameters": creditline.job_parameters(d)}
    with bootstrap.stage_folder(folder) as path:
        first = _run_one(d, "duckdb", None, options, Path(path), stager)
        second = _run_one(d, "spark", master, options, Path(path), stager)
    return creditline.compare_analytics(first, second)


@analytics_app.command("run")
def run_jobs(
    job: Annotated[
        list[str] | None,
        typer.Option("--job", help="a job to run (repeat it; all of them by default)"),
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option("--engine", help="duckdb (embedded), spark, or both (and compare them)"),
    ] = EngineName.DUCKDB,
    master: Annotated[
        str | None,
        typer.Option(
            "--master",
            help="Spark's master: local[N], or a cluster URL (default $CREDITLINE_SPARK_MASTER "
            "or local[2])",
        ),
    ] = None,
    scale: Annotated[
        int,
        typer.Option("--scale", min=1, max=1000, help="run on this many copies of the data"),
    ] = 1,
    limit: Annotated[
        int, typer.Option("--limit", min=0, max=100_000, help="rows listed per job")
    ] = 20,
    stage_dir: Annotated[
        Path | None,
        typer.Option(
            "--stage",
            help="the folder the ledger is staged in as Parquet (on shared storage for a "
            "Spark cluster; by default a temporary folder, made inside "
            "$CREDITLINE_ANALYTICS_STAGE when it is set)",
        ),
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stage the ledger, load it into DuckDB or Spark, and run the batch jobs (reads only)."""
    options: dict[str, Any] = {"jobs": job or None, "scale": scale, "listed": limit}
    mismatch: list[bool] = []

    def action(d: Database, _by: Principal) -> Answer:
        if engine is not EngineName.BOTH:
            return _run_one(d, engine.value, master, options, stage_dir)
        answer = _both(d, master, options, stage_dir)
        mismatch.append(not answer.body["same"])
        return answer

    render = render_comparison if engine is EngineName.BOTH else render_run
    run_as(db, json_out, as_name, "risk.analyse", action, render, target=",".join(job or ["all"]))
    if mismatch and mismatch[0]:
        err_console().print("[red]the engines disagree 引擎结果不一致[/red]")
        raise typer.Exit(EXIT_ERROR)


def _cell(column: str, value: Any, money: list[str]) -> str:
    """Money as yuan, seconds since the epoch as Beijing time, day numbers as dates."""
    if value is None:
        return "-"
    if not isinstance(value, int):
        return str(value)
    if column in money:
        return str(creditline.Money(value, "CNY"))
    if column.endswith("_s"):
        at = _EPOCH + timedelta(seconds=value, hours=8)
        return at.strftime("%Y-%m-%d %H:%M")
    if column == "day":
        return (_EPOCH + timedelta(days=value)).strftime("%Y-%m-%d")
    return f"{value:,}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def render_run(body: dict[str, Any]) -> None:
    ms = body["ms"]
    console().print(
        f"[bold]{body['engine']}[/bold] · scale {body['scale']} · as of {body['at']} · "
        f"staged {sum(body['staged'].values()):,} rows in {ms['stage']:,.0f} ms · "
        f"loaded in {ms['load']:,.0f} ms · jobs {ms['jobs']:,.0f} ms"
    )
    for j in body["jobs"]:
        table = titled_table(
            f"{j['name']}: {j['count']:,} rows · {j['ms']:,.0f} ms · {j['zh']} / {j['en']}"
        )
        for col in j["columns"]:
            table.add_column(col)
        for row in j["rows"]:
            cells = zip(j["columns"], row, strict=True)
            table.add_row(*(_cell(c, v, j["money"]) for c, v in cells))
        console().print(table)


def render_comparison(body: dict[str, Any]) -> None:
    a, b = body["engines"]
    verdict = "[green]same 一致[/green]" if body["same"] else "[red]different 不一致[/red]"
    table = titled_table(f"{a} vs {b} · scale {body['scale']} · {verdict}")
    for col in ("job", f"{a} rows", f"{b} rows", f"{a} ms", f"{b} ms", "digest", "same"):
        table.add_column(col)
    for j in body["jobs"]:
        table.add_row(
            j["name"],
            str(j["rows"][a]),
            str(j["rows"][b]),
            f"{j['ms'][a]:,.0f}",
            f"{j['ms'][b]:,.0f}",
            j["digest"][:16],
            "yes" if j["same"] else "NO",
        )
    console().print(table)
    for name in (a, b):
        ms = body["ms"][name]
        console().print(
            f"{name}: stage {ms['stage']:,.0f} ms · load {ms['load']:,.0f} ms · "
            f"jobs {ms['jobs']:,.0f} ms"
        )
