"""The ``creditline`` command. Exit codes: 0 ok, 1 other error, 2 bad input, 3 refused.

Start-up is most of what a command costs, so the root knows every command by name and help
text only (``COMMANDS``) and imports a command's module when that command runs: ``--help``
imports no use case and no database library, and ``line show`` none of settlement or risk.

Options typer cannot parse (a word for a number, an unknown option, a missing one) are bad
input like any other: ``main`` answers them through ``output.fail``, in the JSON error shape
with ``--json`` (before or after the subcommand), exit 2.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperCommand, TyperGroup

from creditline import InvalidInput
from creditline.entrypoints.cli.common import STATE, DbOpt, JsonOpt
from creditline.entrypoints.cli.output import EXIT_ERROR, fail

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
        "model_cmds",
        "Simulate randomised cash-out schemes and honest look-alikes; measure what was caught.",
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
    "serve": Entry(
        "serve_cmds",
        "Serve the HTTP API (/v1/..., /docs, /openapi.json, /metrics, /healthz, /readyz).",
    ),
    "repay": Entry(
        "line_cmds", "Repay occupied quota (还款), oldest first, then late fees (滞纳金)."
    ),
    "run-due": Entry(
        "ops_cmds",
        "Run the jobs that are due now: expire holds and freezes, freeze over-long occupancy,\n"
        "charge late fees, warn when the working-day calendar runs out.",
    ),
    "demo": Entry(
        "ops_cmds", "Tell the story of a merchant's line in a fresh sandbox database (zh/en)."
    ),
    "worker": Entry(
        "worker_cmds",
        "Run the background work pass after pass: due jobs, alerts, webhook delivery (one line\n"
        "per pass; SIGTERM or Ctrl-C finishes the pass and exits).",
    ),
    "clock": Entry("ops_cmds", "The sandbox clock (测试时钟)."),
    "ops": Entry("ops_cmds", "The operator desk (风控工作台)."),
    "party": Entry("party_cmds", "Merchants (商家) and consumers (消费者)."),
    "line": Entry("line_cmds", "Credit lines (额度)."),
    "spend": Entry("spend_cmds", "The spend flow (额度支付)."),
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
    "cases": Entry("case_cmds", "Cases for operators (工单)."),
    "funds": Entry("settlement_cmds", "A merchant's money (资金)."),
    "risk": Entry("risk_cmds", "Risk control (风控) and cash-out (套现) detection."),
    "login": Entry("risk_cmds", "Logins (登录), scored by the risk rules."),
    "operator": Entry("access_cmds", "Operators (操作员) and the roles that gate their actions."),
    "apikey": Entry("access_cmds", "API keys (密钥): shown once, kept only as a hash."),
    "audit": Entry("access_cmds", "The audit log (审计日志) of operator actions."),
    "scorecard": Entry("credit_cmds", "The credit scorecards (评分卡): consumer and merchant."),
    "limit": Entry(
        "limit_cmds",
        "Limits (额度评估): an initial limit, explained; increase requests (提额申请).",
    ),
    "limits": Entry(
        "review_cmds", "Periodic limit reviews (额度复审): raise or lower limits, with reasons."
    ),
    "appeal": Entry(
        "appeal_cmds", "Appeals (申诉): ask for a line back with evidence; risk decides."
    ),
    "incident": Entry(
        "incident_cmds",
        "Incidents (系统故障): freeze the lines a platform fault touched, then compensate.",
    ),
    "quota": Entry("incident_cmds", "Temporary quota (临时额度): show and grant."),
    "installment": Entry(
        "installment_cmds",
        "Installments (分期购): buy in 3, 6 or 12 periods, repay, return; promotions.",
    ),
    "analytics": Entry(
        "analytics_cmds",
        "Batch analytics (批量分析) on DuckDB or Apache Spark: reviews, backtests, rings.",
    ),
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


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"creditline {version('creditline')}")
        raise typer.Exit


@app.callback()
def main_callback(
    db: DbOpt = None,
    json_out: JsonOpt = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    STATE.db = db
    STATE.json = json_out


def _flag_name(text: str) -> str:
    """``--working-days`` as the field it sets, ``working_days``, as the use cases name it."""
    return text.lstrip("-").replace("-", "_")


def usage_error(exc: UsageError) -> InvalidInput:
    """A usage error of typer's parser as bad input naming its field (``param``): the option
    (by its long flag), the argument, the command, or the extra words."""
    param: Any = getattr(exc, "param", None)
    hint: Any = getattr(exc, "param_hint", None) or getattr(exc, "option_name", None)
    message = exc.format_message()
    if param is not None:
        flags = [o for o in param.opts if o.startswith("--")]
        name = _flag_name(flags[0]) if flags else str(param.name)
    elif isinstance(exc, NoSuchOption) and exc.option_name[1:2].isdigit() and exc.ctx:
        # ``clock advance -3d``: a negative value read as an option; name the argument.
        arguments = [p for p in exc.ctx.command.params if p.param_type_name == "argument"]
        name = str(arguments[0].name) if len(arguments) == 1 else "args"
        message = f"{name} cannot start with '-' (values are never negative)"
    elif hint:
        name = _flag_name(hint if isinstance(hint, str) else hint[0])
    else:
        name = "command" if exc.message.startswith("No such command") else "args"
    if exc.ctx is not None:
        message += f" (see `{exc.ctx.command_path} --help`)"
    return InvalidInput(name, message)


def _wants_json(args: list[str]) -> bool:
    """``--json`` anywhere among the options, before or after the subcommand: a parse error
    may stop typer before it reads the flag."""
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


def main() -> None:
    args = sys.argv[1:]
    try:
        code = app(args, standalone_mode=False)
    except NoArgsIsHelpError:
        raise SystemExit(2) from None  # the help is printed already
    except UsageError as exc:
        try:
            fail(usage_error(exc), as_json=_wants_json(args))
        except typer.Exit as done:  # outside the app nothing turns Exit into an exit code
            raise SystemExit(done.exit_code) from None
    except typer.Abort:
        raise SystemExit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)


__all__ = ["COMMANDS", "app", "main"]
