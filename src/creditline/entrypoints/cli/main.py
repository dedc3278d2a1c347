"""The ``creditline`` command. Exit codes: 0 ok, 1 other error, 2 bad input, 3 refused.

Start-up is most of what a command costs, so the root knows every command by name and help
text only (``COMMANDS``) and imports a command's module when that command runs: ``--help``
imports no use case and no database library, and ``line show`` none of settlement or risk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup

from creditline.entrypoints.cli.common import STATE, DbOpt, JsonOpt

if TYPE_CHECKING:
    # typer vendors click; TyperGroup's methods are typed with these classes.
    from typer._click import Command, Context


class Entry(NamedTuple):
    module: str  # under creditline.entrypoints.cli; its ``app`` defines the command
    help: str  # the command's help text, as its module gives it (a test keeps them equal)


#: Every command, in the order ``--help`` lists them: single commands first, then groups.
COMMANDS: dict[str, Entry] = {
    "why": Entry(
        "rules_cmds",
        "Why can't I use my quota? (额度为什么用不了) Every reason, with what to do.",
    ),
    "simulate": Entry(
        "risk_cmds",
        "Simulate a marketplace with labelled cash-out rings, then measure the rules and rings.",
    ),
    "withdraw": Entry(
        "settlement_cmds",
        "Withdraw the merchant's own settled balance (T+1 working day); never the quota.",
    ),
    "statement": Entry(
        "settlement_cmds",
        "Every movement of a line with order id, flow id, amount and balances (对账单).",
    ),
    "reconcile": Entry(
        "settlement_cmds",
        "Compare the ledger's payouts with the channel's records for a day (对账).",
    ),
    "init": Entry("ops_cmds", "Create or upgrade the database (Alembic migrations)."),
    "repay": Entry("line_cmds", "Repay occupied quota (还款), oldest first."),
    "run-due": Entry(
        "ops_cmds",
        "Run the jobs that are due now: expire holds and freezes, freeze over-long occupancy,\n"
        "charge late fees, warn when the working-day calendar runs out.",
    ),
    "demo": Entry(
        "ops_cmds", "Tell the story of a merchant's line in a fresh sandbox database (zh/en)."
    ),
    "clock": Entry("ops_cmds", "The sandbox clock (测试时钟)."),
    "party": Entry("party_cmds", "Merchants (商家) and consumers (消费者)."),
    "line": Entry("line_cmds", "Credit lines (额度)."),
    "spend": Entry("line_cmds", "The spend flow (额度支付)."),
    "ledger": Entry("ops_cmds", "The ledger (账本)."),
    "freeze": Entry("rules_cmds", "Freezes (冻结)."),
    "policy": Entry("rules_cmds", "Platform policy (平台政策), versioned."),
    "calendar": Entry("rules_cmds", "Working days (工作日, 调休)."),
    "events": Entry("rules_cmds", "The event outbox (事件)."),
    "order": Entry("settlement_cmds", "Orders (订单)."),
    "supplier": Entry("settlement_cmds", "Supplier whitelist (供应商白名单)."),
    "split": Entry("settlement_cmds", "Split rules (分账规则)."),
    "sandbox": Entry("settlement_cmds", "Sandbox controls (沙箱)."),
    "payouts": Entry("settlement_cmds", "Payouts (出款)."),
    "cases": Entry("settlement_cmds", "Cases for operators (工单)."),
    "risk": Entry("risk_cmds", "Risk control (风控) and cash-out (套现) detection."),
    "login": Entry("risk_cmds", "Logins (登录), scored by the risk rules."),
}


def load(name: str) -> Command:
    """The real command: its module's ``app`` made into click commands, this one taken."""
    module = importlib.import_module(f"{__package__}.{COMMANDS[name].module}")
    return typer.main.get_group(module.app).commands[name]


class LazyGroup(TyperGroup):
    """Lists stand-ins that carry only a name and a help text; a command's module is imported
    when the command is resolved to run (or to show its own ``--help``)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in COMMANDS.items():
            self.commands[name] = TyperCommand(name, help=entry.help)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name in COMMANDS:
            command = load(name)
        return name, command, rest


app = typer.Typer(
    name="creditline",
    cls=LazyGroup,
    help="额度 credit lines: grant, spend, settle, freeze, and explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_callback(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    STATE.db = db
    STATE.json = json_out


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None


__all__ = ["COMMANDS", "app", "main"]
