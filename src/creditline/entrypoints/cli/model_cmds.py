"""CLI commands of the learned risk model (机器学习风控模型) and the marketplace simulator:
``risk model train|show|load`` and ``simulate``. Training runs the simulator on training seeds
(below 1000) in throwaway sandboxes, adds the operators' decisions from the database, fits a
LightGBM model and loads it as the live version; ``--ship`` also writes it where the package
keeps its version 0."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import InvalidInput
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import AsOpt, DbOpt, JsonOpt, run, run_as
from creditline.entrypoints.cli.output import (
    console,
    err_console,
    progress_bar,
    ratio_text,
    titled_table,
)
from creditline.entrypoints.cli.sim_world import EVAL_SEEDS

if TYPE_CHECKING:
    from creditline import Answer, Database, Principal

app = typer.Typer()
model_app = typer.Typer(
    help="The learned cash-out model (机器学习风控模型): train, show, load.", no_args_is_help=True
)


def _seeds(text: str) -> list[int]:
    """``1-5`` or ``1,3,7``: training seeds only (evaluation seeds are never trained on)."""
    try:
        if "-" in text:
            low, high = (int(x) for x in text.split("-", 1))
            seeds = list(range(low, high + 1))
        else:
            seeds = [int(x) for x in text.split(",")]
    except ValueError:
        raise InvalidInput("seeds", "seeds are a range (1-5) or a list (1,3,7)") from None
    if not seeds or len(seeds) > 50 or min(seeds) < 0:
        raise InvalidInput("seeds", "give 1 to 50 seeds, none negative")
    if max(seeds) >= EVAL_SEEDS:
        raise InvalidInput(
            "seeds", f"seeds from {EVAL_SEEDS} are evaluation seeds: never trained on"
        )
    return seeds


def _simulated_rows(seed: int, *, merchants: int, days: int, rings: int) -> list[Any]:
    """One training seed run in a throwaway sandbox: its labelled spends."""
    from creditline.entrypoints.cli.simulate import simulate as run_sim

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'train.db'}"
        with bootstrap.open_new_sandbox(url) as sandbox:
            run_sim(sandbox, merchants=merchants, days=days, seed=seed, fraud_rings=rings)
            return creditline.training_rows(sandbox)


@model_app.command("train")
def train(
    seeds: Annotated[str, typer.Option("--seeds", help="training seeds, e.g. 1-5")] = "1-5",
    merchants: Annotated[
        int, typer.Option("--merchants", min=2, max=500, help="honest merchants per seed")
    ] = 40,
    days: Annotated[int, typer.Option("--days", min=3, max=120, help="days per seed")] = 30,
    fraud_rings: Annotated[
        int, typer.Option("--fraud-rings", min=0, max=200, help="cash-out rings per seed")
    ] = 10,
    ship: Annotated[
        Path | None, typer.Option("--ship", help="also write the model document to this file")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="what this version is for")] = "",
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fit the cash-out model on training seeds and operators' decisions; it goes live."""

    def action(d: Database, _who: Principal) -> Answer:
        chosen = _seeds(seeds)
        rows = creditline.training_rows(d)  # operators' decisions (and earlier labels) here
        for i, seed in enumerate(chosen, 1):
            err_console().print(f"training seed {seed} ({i}/{len(chosen)}) 训练种子")
            rows += _simulated_rows(seed, merchants=merchants, days=days, rings=fraud_rings)
        about = {"seeds": chosen, "merchants": merchants, "days": days, "rings": fraud_rings}
        fit = bootstrap.risk_model_fitter()
        answer = creditline.train_model(d, fit, rows, about=about, note=note)
        if ship is not None:
            document = creditline.model_document(d, answer.body["version"])
            ship.write_text(document, encoding="utf-8")
        return answer

    run_as(db, json_out, as_name, "risk.rules", action, render_model, target="model")


@model_app.command("show")
def show(
    version: Annotated[
        int | None, typer.Option("--version", min=0, help="0 is the shipped model")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The live model (or a version): what it reads, its training, its strongest features."""
    run(db, json_out, lambda d: creditline.show_model(d, version=version), render_model)


@model_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="a model document (JSON)")],
    note: Annotated[str, typer.Option("--note", help="what this version is for")] = "",
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load a model document as the next live version."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("model", f"model: cannot read {path}: {exc}") from None
    run_as(
        db,
        json_out,
        as_name,
        "risk.rules",
        lambda d, _who: creditline.load_model(d, text, note=note),
        render_model,
        target="model",
    )


def render_model(body: dict[str, Any]) -> None:
    live = " · live 在用" if body.get("live") else ""
    console().print(
        f"[bold]model v{body['version']}[/bold] {body['name']} ({body['kind']}){live} · "
        f"{len(body['features'])} features · trained on {body.get('trained_on')}"
    )
    table = titled_table("strongest features 重要特征")
    table.add_column("feature")
    table.add_column("gain")
    for f in body.get("importance") or []:
        table.add_row(f["feature"], str(f["gain"]))
    console().print(table)


@app.command("simulate")
def simulate(
    merchants: Annotated[
        int, typer.Option("--merchants", min=2, max=2000, help="honest merchants (2-2000)")
    ] = 40,
    days: Annotated[int, typer.Option("--days", min=3, max=120, help="days simulated")] = 30,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="the random seed (same seed, same run); 1000 and up: evaluation seeds"
        ),
    ] = 1000,
    fraud_rings: Annotated[
        int, typer.Option("--fraud-rings", min=0, max=200, help="cash-out rings (0-200)")
    ] = 10,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Simulate randomised cash-out schemes and honest look-alikes; measure what was caught."""
    from creditline.entrypoints.cli.simulate import simulate as run_sim

    def action(d: Database) -> Answer:
        with progress_bar("simulate 模拟 (days)") as step:
            made = run_sim(
                d,
                merchants=merchants,
                days=days,
                seed=seed,
                fraud_rings=fraud_rings,
                operator=as_name,
                progress=step,
            )
        return creditline.Answer(made)

    run(db, json_out, action, render_simulation)


def render_simulation(body: dict[str, Any]) -> None:
    kind = "evaluation seed 评估种子" if body["evaluation_seed"] else "training seed 训练种子"
    console().print(f"[bold]simulation seed {body['seed']}[/bold] ({kind}): {body['stats']}")
    table = titled_table("cash-out schemes 套现手法")
    for col in (
        "scheme", "attempts", "recall", "precision", "inline recall", "review rate",
        "rings", "ring recall", "ring precision",
    ):  # fmt: skip
        table.add_column(col)
    for name, p in body["schemes"].items():
        table.add_row(
            name,
            str(p["attempts"]),
            ratio_text(p["recall"]),
            ratio_text(p["precision"]),
            ratio_text(p["inline"]["recall"]),
            ratio_text(p["inline"]["review_rate"]),
            f"{p['rings']['found']}/{p['rings']['rings']}",
            ratio_text(p["rings"]["recall"]),
            ratio_text(p["rings"]["precision"]),
        )
    console().print(table)
    honest = titled_table("honest customers 正常用户")
    for col in ("who", "attempts", "declined", "false-decline rate", "review rate"):
        honest.add_column(col)
    rows = {"all 全部": body["honest"], **body["honest"]["look_alikes"]}
    for name, h in rows.items():
        honest.add_row(
            name,
            str(h["attempts"]),
            str(h["declined"]),
            ratio_text(h["false_decline_rate"]),
            ratio_text(h["review_rate"]),
        )
    console().print(honest)
    console().print(f"rings: {body['rings']}")
    days = body.get("daily") or []
    if days:
        total = {k: sum(d[k] for d in days) for k in ("attempts", "declined", "orders")}
        captured = creditline.Money(sum(d["captured"] for d in days), "CNY")
        sales = creditline.Money(sum(d["sales"] for d in days), "CNY")
        console().print(
            f"ledger (DuckDB) 账本: {len(days)} days · {total['attempts']:,} spend attempts, "
            f"{total['declined']:,} declined · {captured} captured · {total['orders']:,} "
            f"orders, {sales} sales"
        )
