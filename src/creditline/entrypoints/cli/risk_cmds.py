"""CLI commands of the risk engine (风控): rules, review queue, backtests, rings, logins, and
the marketplace simulator. Rule loads, decisions and ring runs are risk officers' (``--as``)."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline import InvalidInput
from creditline.entrypoints.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyOpt,
    PartyArg,
    run,
    run_as,
    show,
)
from creditline.entrypoints.cli.output import (
    console,
    progress_bar,
    ratio_text,
    titled_table,
)

if TYPE_CHECKING:
    from creditline import Answer, Database, Principal

app = typer.Typer()
risk_app = typer.Typer(
    help="Risk control (风控) and cash-out (套现) detection.", no_args_is_help=True
)
rules_app = typer.Typer(help="Rule sets (风控规则) as versioned documents.", no_args_is_help=True)
login_app = typer.Typer(help="Logins (登录), scored by the risk rules.", no_args_is_help=True)
risk_app.add_typer(rules_app, name="rules")
app.add_typer(risk_app, name="risk")
app.add_typer(login_app, name="login")


def parse_when(text: str | None, field: str) -> datetime | None:
    """A date (midnight Beijing time) or an ISO 8601 time with offset."""
    if text is None:
        return None
    if len(text) == 10:
        try:
            day = datetime.fromisoformat(text).date()
        except ValueError:
            raise InvalidInput(field, f"{field} must be a date YYYY-MM-DD or an ISO time") from None
        return datetime.combine(day, time(0), creditline.SHANGHAI)
    return creditline.parse_instant(text, field)


def _read(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(field, f"{field}: cannot read {path}: {exc}") from None


# -- rules ---------------------------------------------------------------------------------------
@rules_app.command("load")
def rules_load(
    file: Annotated[Path, typer.Argument(help="a YAML or JSON rule set")],
    note: Annotated[str, typer.Option("--note", help="what changed (at most 500)")] = "",
    key: KeyOpt = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check a rule set and make it live (a new version). Errors name line and column."""
    run_as(
        db,
        json_out,
        as_name,
        "risk.rules",
        lambda d, _by: creditline.load_rules(d, _read(file, "rules"), note=note, key=key),
        _render_rules,
        target=file.name,
        note=note,
    )


@rules_app.command("show")
def rules_show(
    version: Annotated[int | None, typer.Option("--version", help="0 is the default")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The live rule set (or one version)."""
    run(db, json_out, lambda d: creditline.show_rules(d, version=version), _render_rules)


def _render_rules(body: dict[str, Any]) -> None:
    table = titled_table(f"rule set {body['name']} v{body['version']} ({body['digest'][:12]})")
    for col in ("rule", "when", "outcome", "reason", "weight", "signal"):
        table.add_column(col)
    for r in body["rules"]:
        table.add_row(
            r["name"], r["when"], r["outcome"], r["reason"], str(r["weight"]), r["signal"]
        )
    console().print(table)
    t = body["thresholds"]
    console().print(f"score ≥ {t['review']} → review, ≥ {t['decline']} → decline")


@risk_app.command("features")
def features(json_out: JsonOpt = False) -> None:
    """Every feature a rule may name."""
    run(
        None,
        json_out,
        lambda _d: creditline.features(),
        lambda body: console().print(
            "\n".join(f"[bold]{f['name']}[/bold]  {f['meaning']}" for f in body["features"])
        ),
    )


# -- review queue --------------------------------------------------------------------------------
@risk_app.command("queue")
def queue(
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 100,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Events held for an operator's review (人工审核)."""

    def render(body: dict[str, Any]) -> None:
        table = titled_table(f"review queue 待审核 ({body['count']})")
        for col in ("id", "event", "subject", "amount", "score", "reasons", "at"):
            table.add_column(col)
        for d in body["pending"]:
            codes = ", ".join(r["code"] for r in d["reasons"])
            table.add_row(
                d["id"], d["event"], d["subject"], d["amount"], str(d["score"]), codes, d["at"]
            )
        console().print(table)

    run(db, json_out, lambda d: creditline.queue(d, limit=limit), render)


@risk_app.command("decide")
def decide(
    decision: Annotated[str, typer.Argument(metavar="ID", help="the decision's id (queue)")],
    verdict: Annotated[str, typer.Argument(metavar="approve|decline", help="the verdict")],
    note: Annotated[str, typer.Option("--note", help="why (at most 500 characters)")] = "",
    key: KeyOpt = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve or decline an event held for review; it labels the event for backtests."""
    run_as(
        db,
        json_out,
        as_name,
        "risk.decide",
        lambda d, by: creditline.decide(
            d, decision, verdict=verdict, by=by.name, note=note, key=key
        ),
        show(
            "risk decision 风控决定",
            ["id", "event", "subject", "outcome", "review", "decided_by", "hold_status"],
        ),
        target=decision,
        note=note,
    )


# -- backtest ------------------------------------------------------------------------------------
@risk_app.command("backtest")
def backtest(
    rules: Annotated[Path, typer.Option("--rules", help="the candidate rule set")],
    start: Annotated[str | None, typer.Option("--from", help="date or ISO time")] = None,
    end: Annotated[str | None, typer.Option("--to", help="date or ISO time (exclusive)")] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="the learned model beside the rules: none, live or a version"),
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Replay stored history under a candidate rule set; nothing is written."""

    def action(d: Database) -> Answer:
        text = _read(rules, "rules")
        with progress_bar("backtest 回测") as step:
            return creditline.backtest(
                d,
                text,
                start=parse_when(start, "from"),
                end=parse_when(end, "to"),
                progress=step,
                model=model,
            )

    run(db, json_out, action, render_backtest)


def render_backtest(body: dict[str, Any]) -> None:
    console().print(
        f"[bold]backtest[/bold] {body['rule_set']['name']}: {body['decisions']} decisions, "
        f"[yellow]{body['changed']} change[/yellow] · nothing written"
    )
    table = titled_table("by rule")
    for col in ("rule", "fired before", "fired after"):
        table.add_column(col)
    for r in body["by_rule"]:
        table.add_row(r["rule"], str(r["fired_before"]), str(r["fired_after"]))
    console().print(table)
    render_metrics(body["before"], "live rules")
    render_metrics(body["after"], "candidate")
    for name, m in (body.get("compare") or {}).items():
        console().print(
            f"  {name}: precision {ratio_text(m['precision'])} · "
            f"recall {ratio_text(m['recall'])} · flagged {m['flagged']}"
        )


def render_metrics(m: dict[str, Any], title: str) -> None:
    table = titled_table(
        f"{title}: precision {ratio_text(m['precision'])} · recall {ratio_text(m['recall'])}"
    )
    for col in ("pattern", "fraud events", "caught", "recall", "false positives", "precision"):
        table.add_column(col)
    for name, p in m["patterns"].items():
        table.add_row(
            name,
            str(p["events"]),
            str(p["caught"]),
            ratio_text(p["recall"]),
            str(p["false_positives"]),
            ratio_text(p["precision"]),
        )
    console().print(table)


# -- rings ---------------------------------------------------------------------------------------
@risk_app.command("rings")
def rings(
    since: Annotated[str | None, typer.Option("--since", help="date or ISO time")] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cash-out rings (套现团伙): members, evidence, score; one case per new ring."""

    def action(d: Database, _by: Principal) -> Answer:
        with progress_bar("rings 团伙") as step:
            return creditline.rings(
                d, since=parse_when(since, "since"), progress=lambda _s, i, n: step(i, n)
            )

    run_as(db, json_out, as_name, "risk.analyse", action, render_rings, target=since or "all")


def render_rings(body: dict[str, Any]) -> None:
    table = titled_table(f"rings 套现团伙: {body['count']} ({body['cases_opened']} new cases)")
    for col in ("ring", "pattern", "score", "members", "shared", "evidence", "case"):
        table.add_column(col)
    for r in body["rings"]:
        ev = r["evidence"]
        facts = [
            f"{len(ev['spends_between_members'])} spends between members",
            f"{len(ev['money_back'])} money back",
            f"{len(ev['quick_refunds'])} quick refunds",
            f"{len(ev['split_under_threshold'])} splitting",
            f"{len(ev['forbidden_attempts'])} forbidden",
        ]
        table.add_row(
            r["id"],
            r["pattern"],
            str(r["score"]),
            "\n".join(r["members"]),
            "\n".join(f"{s['kind']}={s['value']}" for s in r["shared"][:4]),
            "\n".join(f for f in facts if not f.startswith("0 ")),
            r["case"] + (" (new)" if r["new"] else ""),
        )
    console().print(table)


# -- logins and identifiers ----------------------------------------------------------------------
@login_app.command("record")
def login_record(
    party: PartyArg,
    device: Annotated[str, typer.Option("--device", help="the device id")],
    ip: Annotated[str, typer.Option("--ip", help="the IP address")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a login; the risk rules score it (a declined login exits 3)."""

    def render(body: dict[str, Any]) -> None:
        r = body["risk"]
        console().print(
            f"login {body['id']} · new device {body['device_new']} · new ip {body['ip_new']} · "
            f"{r['outcome']} (score {r['score']})"
        )

    run(
        db,
        json_out,
        lambda d: creditline.record_login(d, party, device=device, ip=ip, key=key),
        render,
    )


# The learned model's commands and the simulator (``model_cmds``) join the ``risk`` group.
from creditline.entrypoints.cli import model_cmds  # noqa: E402 - after the groups it joins

risk_app.add_typer(model_cmds.model_app, name="model")
