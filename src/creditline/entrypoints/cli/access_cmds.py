"""CLI commands for access (R28): operators (操作员) and their roles, API keys (shown once, kept
as a hash) and the audit log (审计日志). Key changes are operator actions like any other: named
with ``--as``, refused without the role, audited in their own transaction."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.common import AsOpt, DbOpt, JsonOpt, run, run_as, show
from creditline.entrypoints.cli.output import add_columns, console

if TYPE_CHECKING:
    from collections.abc import Callable

    from creditline import Answer, Database, Principal

app = typer.Typer()
operator_app = typer.Typer(
    help="Operators (操作员) and the roles that gate their actions.", no_args_is_help=True
)
apikey_app = typer.Typer(
    help="API keys (密钥): shown once, kept only as a hash.", no_args_is_help=True
)
audit_app = typer.Typer(help="The audit log (审计日志) of operator actions.", no_args_is_help=True)
app.add_typer(operator_app, name="operator")
app.add_typer(apikey_app, name="apikey")
app.add_typer(audit_app, name="audit")

KEYS_WRITE = "keys.write"
#: What the audit log says of the first admin, who has nobody to vouch for it.
BOOTSTRAP_NOTE = "bootstrap: the first admin, from the database's own machine"
#: The demo's and the simulator's operators, one per role (the admin adds the others).
DEMO_OPERATORS = {"admin": "admin", "risk-li": "risk", "ops-wang": "operations"}
OPERATOR_KEYS = ["name", "role", "created_at"]
KEY_COLUMNS = ["id", "owner", "hint", "created (北京时间)", "revoked (北京时间)"]
AUDIT_COLUMNS = ["seq", "at (北京时间)", "who", "action", "target", "note", "request_id"]

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="the operator's name, e.g. risk-li")]
RoleOpt = Annotated[str, typer.Option("--role", help="risk, operations or admin")]


def _local(iso: str | None) -> str:
    return creditline.local_text(datetime.fromisoformat(iso)) if iso else ""


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.table import Table  # rich loads only when a table is drawn, never for --json

    table = Table(title=title, title_justify="left")
    add_columns(table, columns)
    for row in rows:
        table.add_row(*row)
    console().print(table)


# -- operators -----------------------------------------------------------------------------------
def add_first_admin(db: Database, name: str, role: str = "admin") -> Answer:
    """The first admin, with nobody to vouch for it: the use case refuses it once an admin
    exists (or when ``role`` is not admin), and the audit log records it as its own act."""
    first = creditline.Principal(name.strip(), role=creditline.Role.ADMIN)
    return creditline.act(
        db,
        first,
        KEYS_WRITE,
        lambda d: creditline.add_operator(d, name, role=role, by=None),
        target=name.strip(),
        note=BOOTSTRAP_NOTE,
    )


@operator_app.command("add")
def operator_add(
    name: NameArg,
    role: RoleOpt,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add an operator with one role. The first admin is added without --as (from the
    database's own machine); after that --as names the admin who adds operators."""
    render = show("operator 操作员", OPERATOR_KEYS)
    if as_name is None:
        run(db, json_out, lambda d: add_first_admin(d, name, role), render)
        return
    run_as(
        db,
        json_out,
        as_name,
        KEYS_WRITE,
        lambda d, by: creditline.add_operator(d, name, role=role, by=by),
        render,
        target=name,
    )


@operator_app.command("list")
def operator_list(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Every operator with its role."""

    def render(body: dict[str, Any]) -> None:
        rows = [[o[c] for c in OPERATOR_KEYS] for o in body["data"]]
        _table("operators 操作员", OPERATOR_KEYS, rows)

    run(db, json_out, creditline.list_operators, render)


def render_roles(body: dict[str, Any]) -> None:
    rows = [[r["action"], ", ".join(r["roles"]), r["what"]] for r in body["data"]]
    _table("roles 角色: who may take each action", ["action", "roles", "what"], rows)


@operator_app.command("roles")
def operator_roles(json_out: JsonOpt = False) -> None:
    """Each operator action and the roles allowed to take it."""
    run(None, json_out, lambda _d: creditline.roles_table(), render_roles)


def demo_operators(db: Database) -> dict[str, Principal]:
    """The demo's operators (``DEMO_OPERATORS``), added when missing: the admin first, with
    nobody to vouch for it, then the others by the admin; all as audited acts."""
    known = {o["name"] for o in creditline.list_operators(db).body["data"]}
    if "admin" not in known:
        add_first_admin(db, "admin")
    admin = creditline.as_operator(db, "admin", KEYS_WRITE)
    for name, role in DEMO_OPERATORS.items():
        if name not in known | {"admin"}:
            creditline.act(
                db,
                admin,
                KEYS_WRITE,
                partial(creditline.add_operator, name=name, role=role, by=admin),
                target=name,
            )
    return {name: creditline.as_operator(db, name, "read") for name in DEMO_OPERATORS}


def act_as_demo(
    db: Database,
    who: str,
    action: str,
    run: Callable[[Database], Answer],
    target: str,
    note: str | None = None,
) -> dict[str, Any]:
    """A step of the demo taken as the demo operator ``who``, audited; its answer's body."""
    principal = demo_operators(db)[who]
    return creditline.act(db, principal, action, run, target=target, note=note).body


def operator_or_demo(db: Database, name: str | None, action: str, demo: str) -> Principal:
    """Who a sandbox tool acts as: the operator ``--as`` names (its role must allow
    ``action``), else the demo operator ``demo``, added if missing."""
    if name:
        return creditline.as_operator(db, name, action)
    return demo_operators(db)[demo]


# -- API keys ------------------------------------------------------------------------------------
def _owner(key: dict[str, Any]) -> str:
    return " ".join(f"{kind}:{who}" for kind, who in key["owner"].items())


def _render_key(body: dict[str, Any]) -> None:
    out = console()
    out.print(f"API key 密钥 {body['id']} for {_owner(body)}:")
    out.print(body["key"], markup=False, highlight=False, soft_wrap=True)
    out.print(
        "[yellow]只显示这一次，请立即保存 / shown this once and never again: "
        "store it now (only its hash is kept)[/yellow]"
    )


@apikey_app.command("create")
def apikey_create(
    party: Annotated[str | None, typer.Option("--party", help="a key for this party")] = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="a key for this operator")
    ] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A new API key for a party (a holder) or an operator; it is shown once."""
    owner = f"party:{party}" if party is not None else f"operator:{operator}"
    run_as(
        db,
        json_out,
        as_name,
        KEYS_WRITE,
        lambda d, _by: creditline.create_key(d, party=party, operator=operator),
        _render_key,
        target=owner,
    )


@apikey_app.command("list")
def apikey_list(as_name: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Every API key with its owner and a hint of its last characters, never the key."""

    def action(d: Database) -> Answer:
        creditline.as_operator(d, as_name, KEYS_WRITE)
        return creditline.list_keys(d)

    def render(body: dict[str, Any]) -> None:
        rows = [
            [k["id"], _owner(k), k["hint"], _local(k["created_at"]), _local(k["revoked_at"])]
            for k in body["data"]
        ]
        _table("API keys 密钥 (never the key itself)", KEY_COLUMNS, rows)

    run(db, json_out, action, render)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="the key's id (key_...)")],
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke an API key: from now on it authenticates nobody."""
    run_as(
        db,
        json_out,
        as_name,
        KEYS_WRITE,
        lambda d, _by: creditline.revoke_key(d, key_id),
        show("API key 密钥", ["id", "hint", "created_at", "revoked_at", "active"]),
        target=key_id,
    )


# -- the audit log -------------------------------------------------------------------------------
@audit_app.command("list")
def audit_list(
    after: Annotated[
        int, typer.Option("--after", min=0, help="only records after this seq (a cursor)")
    ] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100, help="at most this many (1-100)")
    ] = 100,
    actor: Annotated[str | None, typer.Option("--actor", help="only this operator's acts")] = None,
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Operator actions, oldest first: who, when, what, why, the request id (admin or risk)."""

    def action(d: Database) -> Answer:
        creditline.as_operator(d, as_name, "audit.read")
        return creditline.list_audit(d, after=after, limit=limit, actor=actor)

    def render(body: dict[str, Any]) -> None:
        rows = [
            [
                str(r["seq"]),
                _local(r["at"]),
                f"{r['actor']} ({r['role']})",
                r["action"] + ("" if r["outcome"] == "committed" else f" ({r['outcome']})"),
                r["target"],
                r["note"],
                r["request_id"],
            ]
            for r in body["data"]
        ]
        more = " (more: --after the last seq)" if body["has_more"] else ""
        _table(f"audit log 审计日志{more}", AUDIT_COLUMNS, rows)

    run(db, json_out, action, render)


@operator_app.command("password")
def operator_password(name: NameArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Set an operator's password for the pages' sign-in, read from stdin (one line; at least
    12 characters), e.g. ``printf '%s\\n' "$PW" | creditline operator password risk-li``.
    Kept as an argon2id hash. Like adding the first admin, this is done from the database's
    own machine."""
    import sys

    from creditline.entrypoints.bootstrap import password_hasher

    password = sys.stdin.readline().rstrip("\r\n")
    hasher = password_hasher()
    run(
        db,
        json_out,
        lambda d: creditline.set_password(d, name, password, hasher=hasher),
        show("operator 操作员", ["id", "password_set"]),
    )
