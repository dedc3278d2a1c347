"""Increase requests (提额申请) and `line open` without a limit: both decided from the party's
assessment (授信) and the policy; a referral is decided by an operator with role risk."""

from __future__ import annotations

from pathlib import Path

import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from tests.api_helpers import make_world
from tests.test_credit_assessment import GOOD_ANSWERS, consumer


@pytest.fixture(autouse=True)
def no_trained_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLINE_SCORECARDS", str(tmp_path / "cards"))


def _consumer_line(db: SqlDatabase, *, limit: str | None) -> tuple[str, str, dict]:
    con = consumer(db)
    creditline.submit_application(db, con, GOOD_ANSWERS)
    creditline.verify_party(db, con, real_name=True, settlement_account="6222")
    assessment = creditline.assess_limit(db, con).body
    line = creditline.open_line(
        db, con, product="installment", limit=limit, key="open", assessment=assessment
    ).body
    creditline.activate_line(db, line["id"])
    return con, line["id"], assessment


def test_line_open_without_a_limit_uses_the_assessment_and_a_referral_is_refused(
    db: SqlDatabase,
) -> None:
    _, line, assessment = _consumer_line(db, limit=None)
    assert assessment["decision"] == "approve"
    shown = creditline.show_line(db, line).body
    assert shown["limit"] == assessment["proposed_limit"]
    bare = consumer(db, "王女士")  # no application: referred
    referred = creditline.assess_limit(db, bare).body
    with pytest.raises(creditline.Refused) as refused:
        creditline.open_line(db, bare, product="installment", limit=None, assessment=referred)
    assert refused.value.code == "assessment_referred"
    assert "operator" in refused.value.reasons[0].message_en


def test_a_request_within_the_assessment_is_approved_above_it_capped_else_referred(
    db: SqlDatabase,
) -> None:
    con, line, assessment = _consumer_line(db, limit="1000.00")
    proposed = assessment["proposed_limit"]
    within = creditline.request_increase(
        db, line, amount="2000.00", reason="换季备货", assessment=assessment, key="r1"
    ).body
    assert within["status"] == "approved"
    assert within["change"]["to_limit"] == "2000.00"
    assert creditline.show_line(db, line).body["limit"] == "2000.00"
    above = creditline.request_increase(
        db, line, amount="99999999.00", reason="more", assessment=assessment, key="r2"
    ).body
    assert above["status"] == "partial"
    assert above["decided_limit"] == proposed
    assert above["reasons"][0]["code"] == "capped_by_assessment"
    more = creditline.request_increase(
        db, line, amount="99999999.00", reason="again", assessment=assessment, key="r3"
    ).body
    assert more["status"] == "referred"
    assert creditline.show_line(db, line).body["limit"] == proposed
    queue = creditline.list_requests(db, status="referred").body["requests"]
    assert [r["id"] for r in queue] == [more["id"]]
    decided = creditline.decide_request(
        db, more["id"], outcome="approve", limit="60000.00", note="经营稳定", actor="risk", key="d1"
    ).body
    assert decided["status"] == "approved"
    assert creditline.show_line(db, line).body["limit"] == "60000.00"
    again = creditline.decide_request(db, more["id"], outcome="decline", note="x", key="d2")
    assert again.refused
    with pytest.raises(creditline.InvalidInput) as low:
        creditline.request_increase(
            db, line, amount="10.00", reason="x", assessment=assessment, key="r4"
        )
    assert low.value.param == "amount"
    assert con


def test_the_api_takes_a_holders_request_and_a_risk_operator_decides(db: SqlDatabase) -> None:
    w = make_world(db)
    line = w.lines["alice"]
    asked = w.post(
        "alice",
        f"/v1/lines/{line}/limit_requests",
        {"amount": 50000000, "reason": "旺季"},
        **{"Idempotency-Key": "q1"},
    )
    assert asked.status_code == 200, asked.text
    request = asked.json()
    assert request["status"] in {"approved", "partial", "referred"}
    assert w.get("bob", f"/v1/limit_requests/{request['id']}").status_code == 404
    assert w.get("alice", f"/v1/limit_requests/{request['id']}").status_code == 200
    if request["status"] == "referred":
        no = w.post(
            "ops",
            f"/v1/limit_requests/{request['id']}/decision",
            {"outcome": "decline", "note": "n"},
            **{"Idempotency-Key": "q2"},
        )
        assert no.status_code == 403
        yes = w.post(
            "risk",
            f"/v1/limit_requests/{request['id']}/decision",
            {"outcome": "decline", "note": "资料不足"},
            **{"Idempotency-Key": "q3"},
        )
        assert yes.status_code == 200, yes.text
        assert yes.json()["status"] == "declined"
