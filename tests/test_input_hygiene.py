"""Input hygiene and rough edges: free text is bounded and printable, amounts are compared by
value, a reused key is bad input, every command says what it does, the event types are known,
and ``why`` in text tells what the JSON tells."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.repos.rules_sql import default_rules_text
from creditline.domain.errors import IdempotencyKeyReused, InvalidInput, Refused
from creditline.domain.event_types import EVENT_TYPES
from creditline.domain.money import Money
from creditline.domain.risk.rings import Flow, find_rings
from creditline.domain.workdays import iso_local
from creditline.entrypoints.cli.main import COMMANDS, load
from creditline.service.idempotency import request_hash
from creditline.service.quota import freeze_admin, spending
from creditline.service.quota import party_admin as parties
from creditline.service.settlement import order_flow, split_runs
from tests.helpers import CLI, START, active_line, cli

#: Invisible characters that change what a reader sees: controls, and every bidirectional one.
UNSEEN = ["\n", "\x1b[31m", "\x00", "\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f"]
SRC = Path(creditline.__file__).parent


# -- money ------------------------------------------------------------------------------------
def test_an_amount_with_more_than_15_integer_digits_is_refused_before_it_becomes_an_int() -> None:
    assert Money.parse("999999999999.99").minor == 99_999_999_999_999
    for text in ("1" * 16, "1" * 10_000, "1" * 5000 + ".00"):
        with pytest.raises(InvalidInput, match="15 digits") as refused:
            Money.parse(text, field="limit")
        assert refused.value.param == "limit"
        assert len(refused.value.message) < 200  # the text is not echoed back


def test_the_ring_evidence_gives_amounts_as_money() -> None:
    ids = [("a", "device", "d1"), ("b", "device", "d1")]
    flows = [
        Flow("spend", "a", "b", 30_000_00, START, "hold1", "procurement", "declined"),
        Flow("spend", "a", "b", 20_000_00, START, "hold2", "procurement", "captured"),
        Flow("order", "a", "b", 19_000_00, START, "o1"),
    ]
    [ring] = find_rings(ids, flows, threshold=50_000_00)
    assert ring.evidence["linked_attempt"][0]["amount"] == "30000.00"
    assert ring.evidence["cycle"][0]["back"] == "19000.00"


def test_an_instant_is_given_in_beijing_time_with_its_offset() -> None:
    assert iso_local(START) == "2024-05-01T10:00:00+08:00"


# -- free text --------------------------------------------------------------------------------
def test_free_text_with_a_control_or_bidirectional_character_is_refused_naming_the_field(
    db: SqlDatabase,
) -> None:
    merchant, line = active_line(db)
    attempts: dict[str, Any] = {
        "name": lambda t: parties.add_party(db, kind="merchant", name=f"衣尚{t}坊"),
        "note": lambda t: parties.add_violation(db, merchant, note=f"刷{t}单"),
        "order": lambda t: order_flow.add_order(db, merchant, order_id=f"TB{t}1", amount="1.00"),
        "counterparty": lambda t: creditline.why(
            db, line, amount="1.00", purpose="procurement", counterparty=f"mer{t}1"
        ),
        "account": lambda t: split_runs.add_supplier(
            db, merchant, name="杭州织造", tier="core", account=f"62{t}22"
        ),
        "freeze_note": lambda t: freeze_admin.add_freeze(
            db, line, reason="risk", note=f"异{t}常", key=f"f{len(t)}"
        ),
    }
    for field, attempt in attempts.items():
        for char in UNSEEN:
            with pytest.raises(InvalidInput) as refused:
                attempt(char)
            assert refused.value.param == field.removeprefix("freeze_"), (field, repr(char))
    with pytest.raises(InvalidInput, match="bidirectional control \\(U\\+202E\\)"):
        parties.add_party(db, kind="merchant", name="abc\u202etxt.exe")
    assert freeze_admin.list_freezes(db, line).body["freezes"] == []


def test_every_free_text_has_a_length_cap_and_an_empty_category_is_refused(
    db: SqlDatabase,
) -> None:
    merchant, _ = active_line(db)
    long = "长" * 501
    refusals = [
        ("name", lambda: parties.add_party(db, kind="merchant", name="衣" * 201)),
        ("category", lambda: parties.add_party(db, kind="merchant", name="衣尚坊", category="")),
        ("note", lambda: parties.add_violation(db, merchant, note=long)),
        (
            "name",
            lambda: split_runs.add_supplier(
                db, merchant, name="织" * 201, tier="core", account="6222"
            ),
        ),
        (
            "note",
            lambda: creditline.set_policy(db, "hold_timeout_days", "8", effective="now", note=long),
        ),
        ("note", lambda: creditline.load_rules(db, default_rules_text(), note=long)),
    ]
    for field, attempt in refusals:
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.param == field
    assert parties.add_party(db, kind="merchant", name="衣尚坊").body["category"] == "other"


# -- idempotency ------------------------------------------------------------------------------
def test_amounts_are_compared_by_value_so_100_0_replays_100_00(db: SqlDatabase) -> None:
    _, line = active_line(db)
    first = spending.authorize(db, line, amount="100.0", purpose="procurement", key="k1")
    again = spending.authorize(db, line, amount="100.00", purpose="procurement", key="k1")
    assert again.body == first.body
    assert creditline.show_line(db, line).body["held"] == "100.00"
    assert request_hash("repay", {"amount": "5"}) == request_hash("repay", {"amount": "5.00"})
    assert request_hash("x", {"order": "5"}) != request_hash("x", {"order": "5.00"})


def test_a_reused_key_is_bad_input_naming_the_key_and_keeps_its_code(db: SqlDatabase) -> None:
    _, line = active_line(db)
    spending.authorize(db, line, amount="100.00", purpose="procurement", key="k1")
    with pytest.raises(IdempotencyKeyReused) as reused:
        spending.authorize(db, line, amount="100.01", purpose="procurement", key="k1")
    assert isinstance(reused.value, InvalidInput)
    assert not isinstance(reused.value, Refused)
    assert reused.value.to_json() == {
        "type": "invalid_request_error",
        "code": "idempotency_key_reused",
        "message": "idempotency key 'k1' was already used with different parameters",
        "param": "key",
    }


# -- help, version, event types ---------------------------------------------------------------
def _tree(command: Any, path: str) -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, child in getattr(command, "commands", {}).items():
        found += _tree(child, f"{path} {name}")
    return found


def test_every_command_option_and_argument_has_help() -> None:
    missing = []
    for name in COMMANDS:
        for path, command in _tree(load(name), name):
            if not (command.help or "").strip():
                missing.append(path)
            missing += [f"{path} {p.name}" for p in command.params if not (p.help or "").strip()]
    assert missing == []


def test_money_commands_require_their_key_and_purpose_lists_its_values() -> None:
    money = [
        "spend authorize",
        "spend capture",
        "spend void",
        "spend refund",
        "repay",
        "freeze add",
        "freeze lift",
        "withdraw",
    ]
    commands = dict(item for name in COMMANDS for item in _tree(load(name), name))
    for path in money:
        key = next(p for p in commands[path].params if p.name == "key")
        assert key.required, path
    for path in ("spend authorize", "why"):
        purpose = next(p for p in commands[path].params if p.name == "purpose")
        assert all(value in purpose.help for value in ("procurement", "purchase", "withdraw_cash"))
    shown = subprocess.run(
        [CLI, "spend", "void", "--help"], capture_output=True, text=True, check=True, timeout=600
    ).stdout
    assert re.search(r"--key\b.*required", shown, re.DOTALL)
    version = subprocess.run(
        [CLI, "--version"], capture_output=True, text=True, check=True, timeout=600
    )
    assert re.fullmatch(r"creditline \d+\.\d+\.\d+\S*\n", version.stdout)


def test_every_event_the_code_emits_is_a_known_type() -> None:
    emitted: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        emitted |= set(re.findall(r"emit\(\s*\"([a-z_]+\.[a-z_]+)\"", text))
    assert emitted
    assert emitted <= set(EVENT_TYPES)


def test_events_of_an_unknown_type_exit_2_listing_the_known_ones(
    db: SqlDatabase, db_url: str
) -> None:
    done = cli(db_url, "events", "list", "--type", "order.confirmd", "--json", check=2)
    assert '"param": "type"' in done.stdout
    assert "order.confirmed" in done.stdout
    assert "freeze.added" in done.stdout


# -- why, in text -----------------------------------------------------------------------------
def test_why_in_text_shows_amount_freezes_and_occupancy_without_an_order(
    db: SqlDatabase, db_url: str
) -> None:
    _, line = active_line(db)
    hold = spending.authorize(db, line, amount="300.00", purpose="procurement", key="a")
    spending.capture(db, hold.body["id"], amount=None, key="c")
    frozen = freeze_admin.add_freeze(db, line, reason="dispute", amount="50.00", key="f")
    for lang, label in (("zh", "冻结："), ("en", "frozen: ")):
        text = cli(db_url, "why", line, "--amount", "10.00", "--lang", lang).stdout
        assert f"{label}{frozen.body['id']} 50.00" in text, text
        assert "None" not in text
        assert " — 300.00" in text
    body = creditline.why(db, line, amount="10.00", purpose="procurement").body
    assert [f["amount"] for f in body["breakdown"]["amount_freezes"]] == ["50.00"]
    assert Decimal(body["breakdown"]["frozen"]) == Decimal("50.00")
