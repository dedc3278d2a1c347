"""Access through the real command (R28): operators with roles, API keys shown once and kept as
a hash, operator actions named with ``--as`` and refused without the role, and the audit log
that records each of them (who, what, why, the request id) and cannot be edited. The use cases
of access also run on the in-memory fakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.access.roles import Principal, Role
from creditline.domain.errors import Forbidden, InvalidInput, StorageError, Unauthenticated
from creditline.service.access import audit, operators
from creditline.service.quota import freeze_admin
from creditline.service.quota import party_admin as parties
from tests.fakes import FakeDatabase
from tests.helpers import active_line, cli, js

BOSS = Principal("boss", role=Role.ADMIN)


def staff(db: SqlDatabase | FakeDatabase) -> None:
    """An admin (boss), a risk officer (li) and an operations officer (wang)."""
    operators.add_operator(db, "boss", role="admin", by=None)
    operators.add_operator(db, "li", role="risk", by=BOSS)
    operators.add_operator(db, "wang", role="operations", by=BOSS)


@pytest.fixture(autouse=True)
def _no_operator_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLINE_OPERATOR", raising=False)


def test_the_first_admin_is_added_from_the_shell_and_then_only_an_admin_adds_operators(
    db: SqlDatabase, db_url: str
) -> None:
    first = js(db_url, "operator", "add", "li", "--role", "risk", check=3)
    assert first["error"]["code"] == "forbidden"
    assert "first operator must be an admin" in first["error"]["message"]
    assert js(db_url, "operator", "add", "boss", "--role", "admin")["role"] == "admin"
    second = js(db_url, "operator", "add", "boss2", "--role", "admin", check=3)
    assert (second["error"]["code"], second["error"]["required_roles"]) == ("forbidden", ["admin"])
    assert "--as" in second["error"]["message"]
    js(db_url, "operator", "add", "li", "--role", "risk", "--as", "boss")
    by_risk = js(db_url, "operator", "add", "wang", "--role", "operations", "--as", "li", check=3)
    assert by_risk["error"]["required_roles"] == ["admin"]
    taken = js(db_url, "operator", "add", "li", "--role", "admin", "--as", "boss", check=2)
    assert taken["error"]["param"] == "name"
    bad_role = js(db_url, "operator", "add", "x", "--role", "root", "--as", "boss", check=2)
    assert bad_role["error"]["param"] == "role"
    listed = js(db_url, "operator", "list", process=True)["data"]  # the real script, once
    assert [(o["name"], o["role"]) for o in listed] == [("boss", "admin"), ("li", "risk")]
    roles = {r["action"]: r["roles"] for r in js(db_url, "operator", "roles")["data"]}
    assert roles["freeze.lift"] == ["operations"]
    assert roles["risk.decide"] == ["risk"]
    assert roles["keys.write"] == ["admin"]
    # The bootstrap and the second operator are in the audit log; the refusals wrote nothing.
    log = js(db_url, "audit", "list", "--as", "boss")["data"]
    assert [(r["actor"], r["action"], r["target"]) for r in log] == [
        ("boss", "keys.write", "boss"),
        ("boss", "keys.write", "li"),
    ]
    assert log[0]["note"].startswith("bootstrap")


def test_an_api_key_is_shown_once_listed_by_its_hint_only_and_revoked(
    db: SqlDatabase, db_url: str
) -> None:
    staff(db)
    party = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    made = js(db_url, "apikey", "create", "--party", party, "--as", "boss")
    secret = made["key"]
    assert secret.startswith("cl_sk_")
    assert (made["owner"], made["hint"], made["active"]) == (
        {"party": party},
        f"…{secret[-4:]}",
        True,
    )
    assert operators.authenticate(db, secret) == Principal(party, party_id=party, key_id=made["id"])

    shown = cli(db_url, "apikey", "create", "--operator", "li", "--as", "boss").stdout
    [other] = re.findall(r"cl_sk_[\w-]+", shown)
    assert "shown this once" in shown
    assert operators.authenticate(db, other).role is Role.RISK

    listing = cli(db_url, "apikey", "list", "--as", "boss", "--json").stdout
    table = cli(db_url, "apikey", "list", "--as", "boss").stdout
    for secret_text in (secret, other):
        assert secret_text not in listing
        assert secret_text not in table
    keys = js(db_url, "apikey", "list", "--as", "boss")["data"]
    assert {k["hint"] for k in keys} == {f"…{secret[-4:]}", f"…{other[-4:]}"}
    assert all("key" not in k for k in keys)

    revoked = js(db_url, "apikey", "revoke", made["id"], "--as", "boss")
    assert (revoked["active"], revoked["revoked_at"] is not None) == (False, True)
    with pytest.raises(Unauthenticated):
        operators.authenticate(db, secret)
    assert js(db_url, "apikey", "revoke", "key_nope", "--as", "boss", check=2)["error"][
        "param"
    ] == ("key")
    # Keys are an admin's: a risk officer may neither list nor make them; --as is required.
    assert js(db_url, "apikey", "list", "--as", "li", check=3)["error"]["code"] == "forbidden"
    no_as = js(db_url, "apikey", "create", "--party", party, check=2)
    assert no_as["error"]["param"] == "as"
    log = js(db_url, "audit", "list", "--as", "li", "--actor", "boss")["data"]
    assert [(r["action"], r["target"]) for r in log][-3:] == [
        ("keys.write", f"party:{party}"),
        ("keys.write", "operator:li"),
        ("keys.write", made["id"]),
    ]
    assert all(secret not in str(r) and other not in str(r) for r in log)


def test_an_operator_action_is_refused_without_an_operator_with_the_role_and_audited_with_it(
    db: SqlDatabase, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff(db)
    _, line = active_line(db)
    freeze = ["freeze", "add", line, "--reason", "risk", "--key", "f1", "--note", "异常登录"]
    missing = js(db_url, *freeze, check=2)
    assert missing["error"]["param"] == "as"
    assert "--as" in missing["error"]["message"]
    unknown = js(db_url, *freeze, "--as", "ghost", check=3)
    assert unknown["error"]["code"] == "unauthenticated"
    assert freeze_admin.list_freezes(db, line).body["freezes"] == []  # nothing written

    frozen = js(db_url, *freeze, "--as", "li")
    lift = ["freeze", "lift", frozen["id"], "--note", "误判", "--key", "l1"]
    wrong = js(db_url, *lift, "--as", "li", check=3)
    assert wrong["error"]["code"] == "forbidden"
    assert wrong["error"]["required_roles"] == ["operations"]
    assert "risk" in wrong["error"]["message"]
    assert js(db_url, *lift, "--as", "wang")["status"] == "lifted"
    policy = ["policy", "set", "temporary_freeze_hours", "48", "--effective", "now"]
    assert js(db_url, *policy, "--as", "wang", check=3)["error"]["required_roles"] == ["admin"]
    js(db_url, *policy, "--note", "春节前收紧", "--as", "boss")

    # $CREDITLINE_OPERATOR names the operator when --as is not given.
    monkeypatch.setenv("CREDITLINE_OPERATOR", "li")
    js(db_url, "freeze", "add", line, "--reason", "dispute", "--key", "f2")

    log = js(db_url, "audit", "list", "--as", "li")["data"]
    assert [(r["actor"], r["role"], r["action"], r["target"], r["note"]) for r in log] == [
        ("li", "risk", "freeze.add", line, "异常登录"),
        ("wang", "operations", "freeze.lift", frozen["id"], "误判"),
        ("boss", "admin", "policy.write", "temporary_freeze_hours", "春节前收紧"),
        ("li", "risk", "freeze.add", line, ""),
    ]
    assert all(re.fullmatch(r"req_[0-9a-f]{24}", r["request_id"]) for r in log)
    assert len({r["request_id"] for r in log}) == len(log)
    assert all(r["outcome"] == "committed" and r["at"].endswith("+08:00") for r in log)
    only_wang = js(db_url, "audit", "list", "--as", "boss", "--actor", "wang")["data"]
    assert [r["action"] for r in only_wang] == ["freeze.lift"]
    page = js(db_url, "audit", "list", "--as", "boss", "--limit", "2")
    assert (len(page["data"]), page["has_more"]) == (2, True)
    rest = js(db_url, "audit", "list", "--as", "boss", "--after", str(page["data"][-1]["seq"]))
    assert rest["data"] == log[2:]
    assert rest["has_more"] is False
    table = cli(db_url, "audit", "list", "--as", "boss").stdout
    assert all(r["request_id"] in table for r in log)  # whole, to be looked up
    # Reading the audit log is an admin's or a risk officer's.
    monkeypatch.setenv("CREDITLINE_OPERATOR", "wang")
    assert js(db_url, "audit", "list", check=3)["error"]["required_roles"] == ["admin", "risk"]


def test_the_audit_log_is_append_only(db: SqlDatabase) -> None:
    staff(db)
    audit.act(db, BOSS, "keys.write", operators.list_operators, target="x", note="why")
    before = audit.list_audit(db).body["data"]
    assert [(r["actor"], r["note"], r["outcome"]) for r in before] == [("boss", "why", "no_change")]
    for statement in ("UPDATE audit_log SET actor = 'someone'", "DELETE FROM audit_log"):
        with (
            pytest.raises(StorageError, match="audit_log is append-only"),
            db.transaction() as uow,
        ):
            uow.session.execute(text(statement))  # type: ignore[attr-defined]
    assert audit.list_audit(db).body["data"] == before


def test_the_demo_acts_as_its_operators_and_shows_the_audit_trail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    told = cli(url, "demo").stdout
    assert "审计日志" in told
    assert "audit log records every operator action" in told
    log = js(url, "audit", "list", "--as", "admin")["data"]
    acts = {(r["actor"], r["action"]) for r in log}
    assert {
        ("risk-li", "freeze.add"),
        ("ops-wang", "payouts.write"),
        ("risk-li", "risk.analyse"),
    } <= acts
    assert {("admin", "keys.write")} <= acts


def test_the_readme_s_roles_table_is_the_one_the_code_enforces() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- roles: generated from creditline.roles_table() -->")[1]
    rows = [line for line in table.split("<!-- /roles -->")[0].splitlines() if line][2:]
    wanted = [
        f"| `{r['action']}` | {', '.join(r['roles'])} | {r['what']} |"
        for r in operators.roles_table().body["data"]
    ]
    assert rows == wanted


# -- the use cases of access on the fakes --------------------------------------------------------
def test_authenticate_knows_a_party_key_an_operator_key_and_refuses_the_rest() -> None:
    db = FakeDatabase()
    staff(db)
    party = parties.add_party(db, kind="merchant", name="小王").body["id"]
    holder = operators.create_key(db, party=party).body
    officer = operators.create_key(db, operator="li").body
    assert operators.authenticate(db, holder["key"]).party_id == party
    assert operators.authenticate(db, officer["key"]).role is Role.RISK
    for secret in (None, "", "cl_sk_nope"):
        with pytest.raises(Unauthenticated):
            operators.authenticate(db, secret)
    operators.revoke_key(db, holder["id"])
    with pytest.raises(Unauthenticated):
        operators.authenticate(db, holder["key"])
    listed = operators.list_keys(db).body["data"]
    assert all("key" not in k for k in listed)
    with pytest.raises(InvalidInput):
        operators.create_key(db, operator="ghost")


def test_act_audits_in_the_action_s_own_transaction_and_refuses_a_role_that_may_not() -> None:
    db = FakeDatabase()
    staff(db)
    li = operators.as_operator(db, "li", "freeze.add")
    with pytest.raises(Forbidden) as refused:
        operators.as_operator(db, "li", "freeze.lift")
    assert refused.value.roles == ("operations",)
    with pytest.raises(Unauthenticated):
        operators.as_operator(db, "ghost", "read")

    def fails_after_writing(d: FakeDatabase) -> object:
        with d.transaction() as uow:
            uow.events.emit("test.event", {}, uow.reference.now())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        audit.act(db, li, "freeze.add", fails_after_writing, target="line_x")
    assert audit.list_audit(db).body["data"] == []  # the action and its record rolled back
    with pytest.raises(Forbidden):
        audit.act(db, li, "policy.write", operators.list_operators, target="p")
    assert audit.list_audit(db).body["data"] == []
    done = audit.act(db, li, "risk.rules", operators.list_operators, target="t", note="why")
    assert done.body["data"]
    [record] = audit.list_audit(db).body["data"]
    assert (record["actor"], record["action"], record["note"], record["outcome"]) == (
        "li",
        "risk.rules",
        "why",
        "no_change",
    )
