"""CLI commands of the spend flow (额度支付): authorize, authorize-batch, capture, void, refund.
Each command is a thin call of one use case with its table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints import bootstrap
from creditline.entrypoints.cli.common import (
    PURPOSE_HELP,
    STATE,
    DbOpt,
    JsonOpt,
    KeyRequiredOpt,
    LineArg,
    run,
    show,
)
from creditline.entrypoints.cli.output import (
    EXIT_INVALID,
    EXIT_REFUSED,
    console,
    fail,
    progress_bar,
    titled_table,
)

app = typer.Typer()
spend_app = typer.Typer(help="The spend flow (额度支付).", no_args_is_help=True)
app.add_typer(spend_app, name="spend")

HOLD_KEYS = [
    "id",
    "line",
    "status",
    "amount",
    "purpose",
    "order",
    "captured",
    "refunded",
    "expires_at",
]
HoldArg = Annotated[str, typer.Argument(metavar="HOLD", help="the hold's id (hold_...)")]


@spend_app.command("authorize")
def spend_authorize(
    line: LineArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount to hold, e.g. 100.00")],
    purpose: Annotated[str, typer.Option("--purpose", help=PURPOSE_HELP)],
    key: KeyRequiredOpt,
    order: Annotated[
        str | None, typer.Option("--order", help="the order the spend pays for")
    ] = None,
    counterparty: Annotated[
        str | None, typer.Option("--counterparty", help="the party paid (a supplier's id)")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Authorise a spend: hold quota, or decline with every reason."""
    run(
        db,
        json_out,
        lambda d: creditline.authorize(
            d, line, amount=amount, purpose=purpose, key=key, order=order, counterparty=counterparty
        ),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("capture")
def spend_capture(
    hold: HoldArg,
    key: KeyRequiredOpt,
    amount: Annotated[
        str | None, typer.Option("--amount", help="capture this much; default the whole hold")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Capture a hold (whole or part): the quota becomes occupied (占用)."""
    run(
        db,
        json_out,
        lambda d: creditline.capture(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("void")
def spend_void(
    hold: HoldArg, key: KeyRequiredOpt, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Void an uncaptured hold."""
    run(db, json_out, lambda d: creditline.void(d, hold, key=key), show("hold 预授权", HOLD_KEYS))


@spend_app.command("refund")
def spend_refund(
    hold: HoldArg,
    amount: Annotated[str, typer.Option("--amount", help="the amount refunded, e.g. 50.00")],
    key: KeyRequiredOpt,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Refund (退款) a captured spend: its occupancy is released."""
    run(
        db,
        json_out,
        lambda d: creditline.refund(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("authorize-batch")
def spend_authorize_batch(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="JSON lines, one spend each: line, amount, purpose, key, [order, counterparty];"
            " - reads standard input",
        ),
    ],
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", help="spends per commit (1 to 1000); each batch is one transaction"
        ),
    ] = 1000,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Authorise many spends, one durable commit per batch (批量授权); each its own answer.

    With --json, one JSON line per spend, printed once its batch has committed (an answer
    printed is an answer kept). Exit 0 when every spend was authorised (or held for review),
    3 when any was declined, 2 when any had bad input."""
    if not 1 <= batch_size <= creditline.MAX_BATCH:
        raise typer.BadParameter(
            f"--batch-size must be 1 to {creditline.MAX_BATCH}", param_hint="--batch-size"
        )
    items = _read_spends(file)
    as_json = json_out or STATE.json

    def render(body: dict[str, Any]) -> None:
        table = titled_table(f"batch 批量授权: {body['count']} spends, {body['batches']} commits")
        for column in ("authorized 已授权", "review 待审核", "declined 已拒绝", "error 输入错误"):
            table.add_column(column, justify="right")
        table.add_row(*(str(body[k]) for k in ("authorized", "review", "declined", "error")))
        console().print(table)

    summary: dict[str, Any] = {}
    try:
        with bootstrap.open_database(db or STATE.db) as database:
            answer = _authorize_chunks(database, items, batch_size, as_json, summary)
    except creditline.CreditlineError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        sys.stdout.write(json.dumps(answer.body) + "\n")  # the summary: the last JSON line
    else:
        render(answer.body)
    if summary["error"]:
        raise typer.Exit(EXIT_INVALID)
    if summary["declined"]:
        raise typer.Exit(EXIT_REFUSED)


def _authorize_chunks(
    database: creditline.Database,
    items: list[Any],
    batch_size: int,
    as_json: bool,
    summary: dict[str, Any],
) -> creditline.Answer:
    """Each chunk one batch, one commit; with ``as_json`` its results are printed (one JSON
    line each) right after its commit; the answer is the summary (the last JSON line)."""
    counts = {"authorized": 0, "review": 0, "declined": 0, "error": 0}
    chunks = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
    done = 0
    with progress_bar("authorising 授权中", enabled=not as_json) as step:
        for chunk in chunks:
            parsed = [p for p in chunk if not isinstance(p, _BadLine)]
            answer = creditline.authorize_batch(database, parsed) if parsed else None
            results = iter(answer.body["results"] if answer else [])
            for item in chunk:
                result = item.result() if isinstance(item, _BadLine) else next(results)
                result["index"] = done
                done += 1
                counts[result["outcome"]] += 1
                if as_json:
                    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            step(done, len(items))
    summary.update(counts)
    body = {"object": "batch_summary", "count": done, "batches": len(chunks), **counts}
    return creditline.Answer(body)


class _BadLine:
    """A line of the file that is not a JSON object: an error result of its own."""

    def __init__(self, number: int, message: str) -> None:
        self.number, self.message = number, message

    def result(self) -> dict[str, Any]:
        error = creditline.InvalidInput("spend", f"spend: line {self.number}: {self.message}")
        return {
            "key": None,
            "line": None,
            "outcome": "error",
            "error": error.to_json(),
        }


def _read_spends(file: str) -> list[Any]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="FILE") from None
    items: list[Any] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            items.append(_BadLine(number, f"not JSON ({exc.msg})"))
            continue
        items.append(value if isinstance(value, dict) else _BadLine(number, "not an object"))
    if not items:
        raise typer.BadParameter(f"{file} holds no spends", param_hint="FILE")
    return items
