"""Appeals (申诉, R15) through the use cases, on SQLite and PostgreSQL: the seed's case (a
500,000.00 line frozen for repeated withdrawal attempts and lowered for a high return rate is
re-assessed and restored at 400,000.00, the freeze lifted, and the holder spends again), a
rejection that changes nothing, evidence refused by name, one open appeal per line, and the
diagnosis that warns of a pending appeal without refusing anything for it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import text

import creditline
from creditline import InvalidInput, Principal, Role
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import StorageError
from creditline.service.ledger_verify import verify_ledger
from tests.helpers import active_line

_KEYS = itertools.count()
EVIDENCE = {
    "statement_lines": ["2024-04-18 退款 TB9001 -18,000.00 已退回买家"],
    "amounts": [{"amount": "18000.00", "note": "退款已全部处理 refunds all paid"}],
    "documents": [{"type": "bank_statement"}],
}


def _k() -> str:
    return f"k{next(_KEYS)}"


def _risk(db: SqlDatabase) -> Principal:
    creditline.add_operator(db, "root", role="admin", by=None)
    root = Principal("root", role=Role.ADMIN)
    creditline.add_operator(db, "risk-li", role="risk", by=root)
    return creditline.as_operator(db, "risk-li", "appeal.decide")


def _frozen_and_lowered(db: SqlDatabase, risk: Principal) -> tuple[str, str, str]:
    """锦绣衣坊's 500,000.00 line, frozen by risk control for repeated withdrawal attempts and
    lowered to 250,000.00 for a return rate of 12% (apparel, above 8%)."""
    merchant, line = active_line(db, "锦绣衣坊", limit="500000.00", category="apparel")
    freeze = creditline.act(
        db,
        risk,
        "freeze.add",
        lambda d: creditline.add_freeze(
            d, line, reason="risk", note="频繁提现尝试 repeated withdrawal attempts", key=_k()
        ),
        target=line,
    ).body["id"]
    creditline.act(
        db,
        risk,
        "limit.set",
        lambda d: creditline.set_limit(
            d,
            line,
            limit="250000.00",
            note="退货率 12% 高于 8% return rate above 8%",
            actor=risk.label(),
            key=_k(),
        ),
        target=line,
    )
    return merchant, line, freeze


def _decide(db: SqlDatabase, risk: Principal, appeal: str, **kw: Any) -> creditline.Answer:
    return creditline.act(
        db,
        risk,
        "appeal.decide",
        lambda d: creditline.decide_appeal(d, appeal, actor=risk.label(), key=_k(), **kw),
        target=appeal,
        note=kw.get("note"),
    )


def _why(db: SqlDatabase, line: str) -> dict[str, Any]:
    return creditline.why(db, line, amount="1000.00", purpose="procurement").body


def _codes(items: list[dict[str, Any]]) -> list[str]:
    return [r["code"] for r in items]


def test_seed_a_frozen_and_lowered_500k_line_is_restored_at_400k_and_spends_again(
    db: SqlDatabase,
) -> None:
    risk = _risk(db)
    merchant, line, freeze = _frozen_and_lowered(db, risk)
    assert creditline.show_line(db, line).body["limit"] == "250000.00"
    refused = _why(db, line)
    assert "line_frozen" in _codes(refused["reasons"])

    reason = "退货已处理完毕，提现是正常经营 returns settled"
    submitted = creditline.submit_appeal(db, line, reason=reason, evidence=EVIDENCE, key="a1").body
    appeal = submitted["id"]
    assert appeal.startswith("apl_")
    assert submitted["status"] == "submitted"
    assert submitted["restore_limit"] == "500000.00"  # the limit before the reduction
    assert submitted["evidence"]["amounts"] == [
        {"amount": "18000.00", "note": "退款已全部处理 refunds all paid"}
    ]
    # A pending appeal is a warning, never a refusal: the spend's answer is unchanged.
    pending = _why(db, line)
    assert _codes(pending["reasons"]) == _codes(refused["reasons"])
    [warned] = [w for w in pending["warnings"] if w["code"] == "appeal_pending"]
    assert appeal in warned["message_zh"]
    assert "awaits the platform's decision" in warned["message_en"]
    again = creditline.submit_appeal(db, line, reason="again", key="a2")
    assert again.refused
    assert again.body["reasons"][0]["code"] == "appeal_already_open"
    assert appeal in again.body["reasons"][0]["message_en"]

    decided = _decide(
        db,
        risk,
        appeal,
        outcome="partial",
        limit="400000.00",
        lift_freezes=[freeze],
        note="复核后部分恢复 re-assessed: returns explained",
    ).body
    assert (decided["status"], decided["outcome"]) == ("decided", "partial")
    assert decided["decided_limit"] == "400000.00"
    assert decided["lifted_freezes"] == [freeze]
    assert decided["decided_by"] == "operator:risk-li"

    body = creditline.show_line(db, line).body
    assert (body["limit"], body["available"]) == ("400000.00", "400000.00")
    [frz] = creditline.list_freezes(db, line).body["freezes"]
    assert (frz["status"], frz["in_force"]) == ("lifted", False)
    spent = creditline.authorize(db, line, amount="1000.00", purpose="procurement", key=_k())
    assert spent.body["status"] == "authorized", spent.body
    assert "appeal_pending" not in _codes(_why(db, line)["warnings"])

    shown = creditline.show_appeal(db, appeal).body
    steps = shown["steps"]
    assert [s["action"] for s in steps] == [
        "submitted",
        "reassessed",
        "freeze_lifted",
        "limit_changed",
        "decided",
    ]
    assert all(s["at"] and s["actor"] for s in steps)
    assert steps[0]["actor"] == f"party:{merchant}"
    assert {s["actor"] for s in steps[1:]} == {"operator:risk-li"}
    assert {"score", "proposed_limit", "assessment"} <= set(steps[1]["detail"])
    assert steps[3]["detail"]["from_limit"] == "250000.00"
    assert steps[3]["detail"]["to_limit"] == "400000.00"
    audit = creditline.list_audit(db).body["data"]
    [record] = [r for r in audit if r["action"] == "appeal.decide"]
    assert (record["actor"], record["target"], record["outcome"]) == (
        "risk-li",
        appeal,
        "committed",
    )
    changes = creditline.limit_changes(db, line).body["changes"]
    assert (changes[0]["kind"], changes[0]["source"]) == ("appeal", appeal)
    types = [e["type"] for e in creditline.list_events(db).body["data"]]
    assert {"appeal.submitted", "appeal.decided", "freeze.lifted"} <= set(types)
    assert verify_ledger(db).ok


def test_a_rejection_changes_nothing_and_needs_a_note(db: SqlDatabase) -> None:
    risk = _risk(db)
    _, line, freeze = _frozen_and_lowered(db, risk)
    appeal = creditline.submit_appeal(db, line, reason="请恢复", key=_k()).body["id"]
    before = creditline.show_line(db, line).body
    with pytest.raises(InvalidInput) as no_note:
        _decide(db, risk, appeal, outcome="reject")
    assert no_note.value.param == "note"
    with pytest.raises(InvalidInput) as with_limit:
        _decide(db, risk, appeal, outcome="reject", limit="300000.00", note="no")
    assert with_limit.value.param == "limit"
    with pytest.raises(InvalidInput) as too_high:
        _decide(db, risk, appeal, outcome="partial", limit="500000.00", note="x")
    assert too_high.value.param == "limit"
    rejected = _decide(db, risk, appeal, outcome="reject", note="退货率仍然过高 still too high")
    assert rejected.body["outcome"] == "reject"
    assert rejected.body["decided_limit"] is None
    assert creditline.show_line(db, line).body == before
    [frz] = creditline.list_freezes(db, line).body["freezes"]
    assert (frz["id"], frz["in_force"]) == (freeze, True)
    assert [s["action"] for s in rejected.body["steps"]] == ["submitted", "reassessed", "decided"]
    twice = _decide(db, risk, appeal, outcome="restore")
    assert twice.refused
    assert twice.body["reasons"][0]["code"] == "appeal_not_open"
    # Decided: the holder may appeal again, with new evidence.
    assert not creditline.submit_appeal(db, line, reason="新证据", key=_k()).refused


def test_restore_gives_back_the_limit_before_the_reductions_and_lifts_appealable_freezes(
    db: SqlDatabase,
) -> None:
    risk = _risk(db)
    _, line, freeze = _frozen_and_lowered(db, risk)
    qualification = creditline.add_freeze(
        db, line, reason="qualification", note="licence expired", key=_k()
    ).body["id"]
    appeal = creditline.submit_appeal(db, line, reason="请恢复", key=_k()).body["id"]
    restored = _decide(db, risk, appeal, outcome="restore").body
    assert restored["decided_limit"] == "500000.00"
    assert restored["lifted_freezes"] == [freeze]  # not the qualification freeze
    standing = [f["id"] for f in creditline.list_freezes(db, line).body["freezes"] if f["in_force"]]
    assert standing == [qualification]
    assert creditline.show_line(db, line).body["limit"] == "500000.00"


def test_bad_evidence_names_the_field_and_changes_nothing(db: SqlDatabase) -> None:
    _, line = active_line(db, limit="500000.00")
    _, other_line = active_line(db, "别家")
    cases = {
        "evidence.amounts[0]": {"amounts": ["12,000"]},
        "evidence.amounts[1].amount": {"amounts": ["1.00", {"amount": "0.00"}]},
        "evidence.documents[0].type": {"documents": [{"type": "selfie"}]},
        "evidence.documents[0].id": {"documents": ["doc_nothing"]},
        "evidence.orders[0]": {"orders": ["TB-NOT-MINE"]},
        "evidence.photos": {"photos": ["a.jpg"]},
        "evidence.statement_lines": {"statement_lines": "one line"},
        "evidence": ["not", "an", "object"],
        "reason": None,
    }
    for field, evidence in cases.items():
        reason = None if field == "reason" else "请恢复"
        with pytest.raises(InvalidInput) as bad:
            creditline.submit_appeal(db, line, reason=reason, evidence=evidence, key=_k())
        assert bad.value.param == field, (field, bad.value.message)
    assert creditline.list_appeals(db, line=line).body["data"] == []
    assert "appeal_pending" not in _codes(_why(db, line)["warnings"])
    # The key of a refused bad request is free: nothing was stored under it.
    assert not creditline.submit_appeal(db, line, reason="ok", key="same").refused
    with pytest.raises(InvalidInput) as wrong_line:
        creditline.decide_appeal(
            db,
            creditline.list_appeals(db, line=line).body["data"][0]["id"],
            outcome="restore",
            lift_freezes=["frz_" + other_line[5:] + "0" * 12],
            key=_k(),
        )
    assert wrong_line.value.param == "lift_freeze"


def test_the_database_keeps_one_open_appeal_a_whole_decision_and_the_steps_as_written(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db)
    appeal = creditline.submit_appeal(db, line, reason="请恢复", key=_k()).body["id"]
    second = (
        "INSERT INTO appeals (line_id, id, party_id, currency, status, reason, created_at) "
        "SELECT line_id, 'apl_twin', party_id, currency, status, reason, created_at "
        "FROM appeals WHERE id = :appeal"
    )
    guards = {
        second: r"\buq_appeals_open\b",
        "UPDATE appeals SET status = 'decided' WHERE id = :appeal": r"\bck_appeals_decided\b",
        "UPDATE appeal_steps SET actor = 'someone else'": r"\bappeal_steps is append-only\b",
        "DELETE FROM appeal_steps": r"\bappeal_steps is append-only\b",
    }
    for statement, refused_by in guards.items():
        with pytest.raises(StorageError, match=refused_by), db.transaction() as uow:
            uow.session.execute(text(statement), {"appeal": appeal})  # type: ignore[attr-defined]
    assert [s["action"] for s in creditline.show_appeal(db, appeal).body["steps"]] == ["submitted"]
