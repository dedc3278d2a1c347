"""The ``creditline`` command. Exit codes: 0 ok, 1 other error, 2 bad input, 3 refused."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditline.domain.errors import CreditlineError, InvalidInput
from creditline.entrypoints.bootstrap import database_url, open_database
from creditline.entrypoints.cli.common import STATE, DbOpt, JsonOpt, KeyOpt, run, show
from creditline.entrypoints.cli.output import (
    EXIT_ERROR,
    EXIT_INVALID,
    console,
    fail,
    print_json,
)
from creditline.entrypoints.cli.risk_cmds import login_app, party_link, risk_app, simulate
from creditline.entrypoints.cli.rules_cmds import (
    calendar_app,
    document_app,
    events_app,
    freeze_app,
    policy_app,
    why,
)
from creditline.entrypoints.cli.settlement_cmds import (
    cases_app,
    order_app,
    payouts_app,
    reconcile,
    sandbox_app,
    split_app,
    statement,
    supplier_app,
    withdraw,
)
from creditline.service import sandbox_clock as clock_uc
from creditline.service.idempotency import Answer
from creditline.service.quota import line_admin as lines_uc
from creditline.service.quota import party_admin as parties_uc
from creditline.service.quota import spending
from creditline.service.uow import Database

app = typer.Typer(
    name="creditline",
    help="额度 credit lines: grant, spend, settle, freeze, and explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
clock_app = typer.Typer(help="The sandbox clock (测试时钟).", no_args_is_help=True)
party_app = typer.Typer(help="Merchants (商家) and consumers (消费者).", no_args_is_help=True)
violation_app = typer.Typer(help="Violation records (违规记录).", no_args_is_help=True)
line_app = typer.Typer(help="Credit lines (额度).", no_args_is_help=True)
spend_app = typer.Typer(help="The spend flow (额度支付).", no_args_is_help=True)
ledger_app = typer.Typer(help="The ledger (账本).", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
app.add_typer(party_app, name="party")
party_app.add_typer(violation_app, name="violation")
app.add_typer(line_app, name="line")
app.add_typer(spend_app, name="spend")
app.add_typer(ledger_app, name="ledger")
app.add_typer(freeze_app, name="freeze")
party_app.add_typer(document_app, name="document")
app.add_typer(policy_app, name="policy")
app.add_typer(calendar_app, name="calendar")
app.add_typer(events_app, name="events")
app.command("why")(why)
app.add_typer(order_app, name="order")
app.add_typer(supplier_app, name="supplier")
app.add_typer(split_app, name="split")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(payouts_app, name="payouts")
app.add_typer(cases_app, name="cases")
app.add_typer(risk_app, name="risk")
app.add_typer(login_app, name="login")
party_app.command("link")(party_link)
app.command("simulate")(simulate)
app.command("withdraw")(withdraw)
app.command("statement")(statement)
app.command("reconcile")(reconcile)


@app.callback()
def main_callback(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    STATE.db = db
    STATE.json = json_out


# -- init and clock -------------------------------------------------------------------------
@app.command()
def init(
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Make a database whose clock moves.")
    ] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create or upgrade the database (Alembic migrations)."""

    def action(database: Database) -> Answer:
        from datetime import UTC, datetime

        from creditline.adapters.db.database import SqlDatabase
        from creditline.adapters.db.schema import upgrade

        assert isinstance(database, SqlDatabase)
        result = upgrade(database.engine, sandbox=sandbox, now=datetime.now(UTC))
        if sandbox and not result["sandbox"]:
            raise InvalidInput(
                "sandbox",
                "this database is already initialised as live; "
                "a live database cannot become a sandbox",
            )
        return Answer({"db": database_url(db or STATE.db), **result})

    run(db, json_out, action, show("initialised 已初始化", ["db", "sandbox", "revision"]))


@clock_app.command("set")
def clock_set(at: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Set the sandbox clock, e.g. 2024-05-01T10:00:00+08:00."""
    run(db, json_out, lambda d: clock_uc.set_clock(d, at), show("clock 时钟"))


@clock_app.command("advance")
def clock_advance(duration: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Move the sandbox clock forward: 3d, 12h, 1d12h, 90m."""
    run(db, json_out, lambda d: clock_uc.advance_clock(d, duration), show("clock 时钟"))


@clock_app.command("show")
def clockshow(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show the database's clock."""
    run(db, json_out, clock_uc.show_clock, show("clock 时钟"))


# -- parties ---------------------------------------------------------------------------------
@party_app.command("add")
def party_add(
    kind: Annotated[str, typer.Argument(help="merchant or consumer")],
    name: Annotated[str, typer.Option("--name")],
    category: Annotated[str | None, typer.Option("--category")] = None,
    credit_score: Annotated[int | None, typer.Option("--credit-score")] = None,
    income: Annotated[str | None, typer.Option("--income", help="Monthly income, 8000.00")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a merchant or a consumer."""
    run(
        db,
        json_out,
        lambda d: parties_uc.add_party(
            d,
            kind=kind,
            name=name,
            category=category,
            credit_score=credit_score,
            income=income,
            key=key,
        ),
        show("party 主体"),
    )


@party_app.command("verify")
def party_verify(
    party: str,
    real_name: Annotated[bool, typer.Option("--real-name", help="实名认证 passed")] = False,
    qualification: Annotated[bool, typer.Option("--qualification", help="资质审核 passed")] = False,
    settlement_account: Annotated[str | None, typer.Option("--settlement-account")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record verification steps and bind the settlement (or repayment) account."""
    run(
        db,
        json_out,
        lambda d: parties_uc.verify_party(
            d,
            party,
            real_name=real_name,
            qualification=qualification,
            settlement_account=settlement_account,
            key=key,
        ),
        show("party 主体"),
    )


@party_app.command("show")
def partyshow(party: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    run(db, json_out, lambda d: parties_uc.show_party(d, party), show("party 主体"))


@violation_app.command("add")
def violation_add(
    party: str,
    note: Annotated[str, typer.Option("--note")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a violation record against a party."""
    run(
        db,
        json_out,
        lambda d: parties_uc.add_violation(d, party, note=note, key=key),
        show("violation 违规"),
    )


@violation_app.command("close")
def violation_close(
    violation: str, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Close a violation record."""
    run(
        db,
        json_out,
        lambda d: parties_uc.close_violation(d, violation, key=key),
        show("violation 违规"),
    )


# -- lines -----------------------------------------------------------------------------------
LINE_KEYS = [
    "id",
    "party",
    "product",
    "status",
    "currency",
    "limit",
    "held",
    "occupied",
    "frozen",
    "available",
]


@line_app.command("open")
def line_open(
    party: str,
    product: Annotated[str, typer.Option("--product", help="merchant_bnpl or installment")],
    limit: Annotated[str, typer.Option("--limit", help="500000.00")],
    currency: Annotated[str, typer.Option("--currency")] = "CNY",
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a line; it is usable only once activated."""
    run(
        db,
        json_out,
        lambda d: lines_uc.open_line(
            d, party, product=product, limit=limit, currency=currency, key=key
        ),
        show("line 额度", LINE_KEYS),
    )


@line_app.command("activate")
def line_activate(
    line: str, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Activate a line: needs real name, qualification, settlement account, no violation."""
    run(
        db,
        json_out,
        lambda d: lines_uc.activate_line(d, line, key=key),
        show("line 额度", LINE_KEYS),
    )


@line_app.command("show")
def lineshow(line: str, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show a line's status and balances (derived from its ledger)."""
    run(db, json_out, lambda d: lines_uc.show_line(d, line), show("line 额度", LINE_KEYS))


# -- spending --------------------------------------------------------------------------------
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


@spend_app.command("authorize")
def spend_authorize(
    line: str,
    amount: Annotated[str, typer.Option("--amount")],
    purpose: Annotated[str, typer.Option("--purpose")],
    key: KeyOpt = None,
    order: Annotated[str | None, typer.Option("--order")] = None,
    counterparty: Annotated[str | None, typer.Option("--counterparty")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Authorise a spend: hold quota, or decline with every reason."""
    run(
        db,
        json_out,
        lambda d: spending.authorize(
            d, line, amount=amount, purpose=purpose, key=key, order=order, counterparty=counterparty
        ),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("capture")
def spend_capture(
    hold: str,
    amount: Annotated[str | None, typer.Option("--amount")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Capture a hold (whole or part): the quota becomes occupied (占用)."""
    run(
        db,
        json_out,
        lambda d: spending.capture(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


@spend_app.command("void")
def spend_void(hold: str, key: KeyOpt = None, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Void an uncaptured hold."""
    run(db, json_out, lambda d: spending.void(d, hold, key=key), show("hold 预授权", HOLD_KEYS))


@spend_app.command("refund")
def spend_refund(
    hold: str,
    amount: Annotated[str, typer.Option("--amount")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Refund (退款) a captured spend: its occupancy is released."""
    run(
        db,
        json_out,
        lambda d: spending.refund(d, hold, amount=amount, key=key),
        show("hold 预授权", HOLD_KEYS),
    )


@app.command()
def repay(
    line: str,
    amount: Annotated[str, typer.Option("--amount")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Repay occupied quota (还款), oldest first."""
    run(
        db,
        json_out,
        lambda d: spending.repay(d, line, amount=amount, key=key),
        show("repayment 还款", ["id", "line", "amount"]),
    )


@app.command("run-due")
def run_due(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Run the jobs that are due now: expire holds and freezes, freeze over-long occupancy,
    charge late fees, warn when the working-day calendar runs out."""
    from creditline.service.due_jobs import run_due as run_due_jobs

    def render(body: dict[str, Any]) -> None:
        console.print(f"expired holds 过期预授权: {len(body['expired_holds'])}")
        console.print(f"expired freezes 到期解冻: {len(body['expired_freezes'])}")
        console.print(f"occupancy freezes 占用超期冻结: {len(body['occupancy_freezes'])}")
        console.print(f"late fees 滞纳金: {len(body['late_fees'])} line(s)")
        console.print(
            f"splits 分账: {len(body['splits'])} · payouts 出款: "
            f"{len(body['payouts'])} · dunning 催收: {len(body['dunning'])}"
        )
        if body["calendar_alert"]:
            console.print(f"[yellow]{body['calendar_alert']['message_zh']}[/yellow]")

    run(db, json_out, run_due_jobs, render)


@ledger_app.command("verify")
def ledger_verify(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Recompute every balance from the ledger and check every hash chain."""
    from creditline.entrypoints.cli.verify_view import run_verify

    as_json = json_out or STATE.json
    try:
        database = open_database(db or STATE.db)
        report = run_verify(database, show_progress=not as_json)
    except CreditlineError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        print_json(report)
    if not report["ok"]:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def demo(db: DbOpt = None) -> None:
    """Tell the story of a merchant's line in a fresh sandbox database (zh/en)."""
    from creditline.entrypoints.cli.demo import run_demo

    try:
        run_demo(database_url(db or STATE.db))
    except CreditlineError as exc:
        fail(exc, as_json=False)


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        raise SystemExit(130) from None


__all__ = ["EXIT_INVALID", "app", "main"]
