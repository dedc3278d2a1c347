"""``creditline scorecard train | show``: the credit scorecards (评分卡), fitted with optbinning
and kept as versioned files (``--dir``, else ``$CREDITLINE_SCORECARDS``, else ``scorecards/``),
one series per kind: ``consumer`` (the German credit data) and ``merchant`` (fitted on a
simulated merchant population). Version 0 of each is the card shipped inside the package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

import creditline
from creditline import Answer, CreditlineError
from creditline.entrypoints.cli.common import STATE, JsonOpt
from creditline.entrypoints.cli.output import console, fail, finish

app = typer.Typer()
scorecard_app = typer.Typer(
    help="The credit scorecards (评分卡): consumer and merchant.", no_args_is_help=True
)
app.add_typer(scorecard_app, name="scorecard")

DirOpt = Annotated[
    str | None,
    typer.Option("--dir", help="Folder of versions; else $CREDITLINE_SCORECARDS; else scorecards/"),
]
KindOpt = Annotated[
    str,
    typer.Option(
        "--kind", help="consumer (German credit data) or merchant (fitted on simulated data)"
    ),
]


def _run(json_out: bool, action: Callable[[], Answer]) -> None:
    as_json = json_out or STATE.json
    try:
        answer = action()
    except CreditlineError as exc:
        fail(exc, as_json=as_json)
    finish(answer, as_json=as_json, render=_render)


@scorecard_app.command("train")
def train(
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            help="A CSV with a good/bad target column: `creditability` (consumer), "
            "`outcome` (merchant)",
        ),
    ] = None,
    kind: KindOpt = "consumer",
    shipped: Annotated[
        bool,
        typer.Option(
            "--shipped",
            help="Rewrite the card shipped inside the package (version 0), for developers",
        ),
    ] = False,
    folder: DirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fit a scorecard (optimal binning, WOE, logistic regression, 20 points double the odds)
    of --kind on its data set or --data, measure it on stratified 5 folds, keep it as the
    next version of that kind."""
    from creditline.entrypoints.bootstrap import scorecard_fitter, scorecard_store, system_clock

    store, fit = scorecard_store(folder, shipped=shipped), scorecard_fitter(kind)
    with console().status(f"fitting the {kind} scorecard (5 folds, then all the data)…"):
        _run(
            json_out,
            lambda: creditline.train_scorecard(
                store,
                fit,
                at=system_clock().replace(microsecond=0),
                data=data,
                kind=kind,
                shipped=shipped,
            ),
        )


@scorecard_app.command("show")
def show(
    version: Annotated[
        int | None,
        typer.Option("--version", help="Default: the latest (0: the card shipped in the package)"),
    ] = None,
    kind: KindOpt = "consumer",
    folder: DirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A kept scorecard's points table, its metrics and how it was made."""
    from creditline.entrypoints.bootstrap import scorecard_store

    store = scorecard_store(folder)
    _run(json_out, lambda: creditline.show_scorecard(store, version, kind))


def _render(body: dict[str, Any]) -> None:
    from rich.table import Table

    m = body["metrics"]
    kind = body.get("kind", "consumer")
    table = Table(
        title=f"评分卡 scorecard v{body['version']} ({kind}) · {body['trained_at']}",
        title_justify="left",
    )
    for column, justify in (("特征 variable", "left"), ("分箱 bin", "left"), ("n", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for column in ("坏率 bad rate", "WOE", "分数 points"):
        table.add_column(column, justify="right")
    last = None
    for b in body["bins"]:
        if b["count"] == 0 and b["bin"] in {"Special", "Missing"}:
            continue  # kept in the artefact (they score a missing value), not worth a line here
        name = b["variable"] if b["variable"] != last else ""
        last = b["variable"]
        table.add_row(
            name,
            b["bin"],
            str(b["count"]),
            f"{b['event_rate']:.1%}",
            f"{b['woe']:.3f}",
            f"{b['points']:.1f}",
        )
    out = console()
    out.print(table)
    out.print(
        f"AUC {m['auc']:.4f} · KS {m['ks']:.4f} · Gini {m['gini']:.4f} "
        f"({body['method']['split']}) · PSI {m['psi_halves']:.4f}"
    )
    scaling = body["method"]["scaling"]
    libraries = ", ".join(f"{k} {v}" for k, v in body["libraries"].items())
    if body.get("simulated"):
        out.print("[bold yellow]模拟数据 fitted on simulated data[/bold yellow]")
    out.print(
        f"[dim]{body['data']['source']}: {body['data']['rows']} rows, {body['data']['bad']} bad;"
        f" {scaling['pdo']} points double the odds, {scaling['points']} at {scaling['odds']}:1;"
        f" {libraries}[/dim]",
        soft_wrap=True,
    )
