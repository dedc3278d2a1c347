"""``creditline appeal``: appeals (申诉, R15). A holder submits one with evidence (a JSON file of
order ids, statement lines, amounts and documents); an operator of role risk decides it
(``--as``, audited); ``show`` gives every step with who and when."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

import creditline
from creditline import InvalidInput
from creditline.entrypoints.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyRequiredOpt,
    LineArg,
    run,
    run_as,
)
from creditline.entrypoints.cli.output import add_columns, console, kv_table

app = typer.Typer()
appeal_app = typer.Typer(
    help="Appeals (申诉): ask for a line back with evidence; risk decides.", no_args_is_help=True
)
app.add_typer(appeal_app, name="appeal")

AppealArg = Annotated[str, typer.Argument(metavar="ID", help="the appeal's id (apl_...)")]
#: Evidence files are read whole; an appeal's evidence is a page of text, not a data set.
MAX_EVIDENCE_BYTES = 1_000_000
APPEAL_KEYS = [
    "id",
    "line",
    "party",
    "status",
    "reason",
    "created_at",
    "submitted_by",
    "limit_now",
    "restore_limit",
    "outcome",
    "decided_limit",
    "decision_note",
    "decided_at",
    "decided_by",
]
EVIDENCE_HELP = (
    'a JSON file: {"orders": [...], "statement_lines": [...], "amounts": ["12000.00" or '
    '{"amount", "note"}], "documents": [{"type", "id"}]}'
)


def read_evidence(path: Path | None) -> Any:
    """The evidence file's JSON (None without a file); a file that cannot be read or is no
    JSON is bad input naming ``evidence``."""
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_EVIDENCE_BYTES:
            raise InvalidInput("evidence", f"evidence file is over {MAX_EVIDENCE_BYTES} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput("evidence", f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("evidence", f"{path} is not JSON (UTF-8): {exc}") from None


def _local(iso: str | None) -> str:
    return creditline.local_text(datetime.fromisoformat(iso)) if iso else ""


def _detail(detail: dict[str, Any]) -> str:
    """A step's detail on one cell: counts and lists flattened, the empty left out."""
    parts = []
    for k, v in detail.items():
        if v in (None, "", [], {}) or k.startswith("summary_"):
            continue
        text = str(v)
        if isinstance(v, dict):
            text = ", ".join(f"{name} {n}" for name, n in v.items() if n)
        elif isinstance(v, list):
            text = ", ".join(str(item) for item in v)
        parts.append(f"{k}: {text}")
    return "\n".join(parts)


def render_appeal(body: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    status = f"{body['status_zh']} {body['status_en']}"
    if body.get("outcome"):
        status += f" · {body['outcome_zh']} {body['outcome_en']}"
    out.print(kv_table(f"申诉 appeal {body['id']} · {status}", body, APPEAL_KEYS))
    evidence = body.get("evidence") or {}
    for kind, items in evidence.items():
        for item in items:
            text = item if isinstance(item, str) else " ".join(str(v) for v in item.values() if v)
            out.print(f"  [dim]{kind}[/dim] {text}")
    table = Table(title="步骤 steps (北京时间)", title_justify="left")
    add_columns(table, ["n", "at", "actor", "action", "detail"])
    for s in body.get("steps", []):
        table.add_row(
            str(s["n"]),
            _local(s["at"]),
            s["actor"],
            f"{s['action_zh']} {s['action']}",
            _detail(s["detail"]),
        )
    out.print(table)


@appeal_app.command("submit")
def appeal_submit(
    line: LineArg,
    reason: Annotated[str, typer.Option("--reason", help="why the line should be restored")],
    key: KeyRequiredOpt,
    evidence: Annotated[
        Path | None, typer.Option("--evidence", metavar="FILE", help=EVIDENCE_HELP)
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Appeal (申诉): ask for the line back, with evidence; one open appeal per line."""

    def submit(d: creditline.Database, actor: str) -> creditline.Answer:
        return creditline.submit_appeal(
            d, line, reason=reason, evidence=read_evidence(evidence), key=key, actor=actor
        )

    if as_name:
        run_as(
            db,
            json_out,
            as_name,
            "appeal.submit",
            lambda d, by: submit(d, by.label()),
            render_appeal,
            target=line,
        )
    else:
        run(db, json_out, lambda d: submit(d, ""), render_appeal)


@appeal_app.command("decide")
def appeal_decide(
    appeal: AppealArg,
    outcome: Annotated[str, typer.Option("--outcome", help="restore, partial or reject")],
    key: KeyRequiredOpt,
    limit: Annotated[
        str | None,
        typer.Option(
            "--limit",
            help="partial: the limit restored to; restore: default the limit before the reductions",
        ),
    ] = None,
    lift_freeze: Annotated[
        list[str] | None,
        typer.Option(
            "--lift-freeze",
            metavar="FREEZE",
            help="a freeze to lift (repeat); restore: default every risk, dispute and "
            "operator freeze in force",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="why (required for partial and reject)")
    ] = None,
    folder: Annotated[
        str | None,
        typer.Option("--cards", help="Folder of trained scorecards for the re-assessment"),
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide an appeal (role risk): the holder is re-assessed first; audited."""
    from creditline.entrypoints.bootstrap import scorecard_store

    cards = scorecard_store(folder)
    run_as(
        db,
        json_out,
        as_name,
        "appeal.decide",
        lambda d, by: creditline.decide_appeal(
            d,
            appeal,
            outcome=outcome,
            limit=limit,
            lift_freezes=lift_freeze or [],
            note=note,
            actor=by.label(),
            key=key,
            cards=cards,
        ),
        render_appeal,
        target=appeal,
        note=note,
    )


@appeal_app.command("show")
def appeal_show(appeal: AppealArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """An appeal with every step: who did what, and when."""
    run(db, json_out, lambda d: creditline.show_appeal(d, appeal), render_appeal)


@appeal_app.command("list")
def appeal_list(
    line: Annotated[str | None, typer.Option("--line", help="the line's appeals")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="submitted (the queue) or decided")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Appeals, newest first."""

    def render(body: dict[str, Any]) -> None:
        from rich.table import Table

        table = Table(title="申诉 appeals (北京时间)", title_justify="left")
        add_columns(table, ["id", "line", "status", "submitted", "outcome", "limit", "by"])
        for a in body["data"]:
            table.add_row(
                a["id"],
                a["line"],
                a["status"],
                _local(a["created_at"]),
                a["outcome"] or "",
                a["decided_limit"] or "",
                a["decided_by"],
            )
        console().print(table)

    run(db, json_out, lambda d: creditline.list_appeals(d, line=line, status=status), render)
