"""Periodic limit reviews (额度复审, R19) on SQLite and PostgreSQL, told as the seeds tell them:
an apparel merchant whose returns run at 10% is lowered and told why; a stale licence halves a
limit until a resubmission restores it by itself; a policy that now asks for the tax
registration lowers the merchants who lack it; a reduction never drops below what is used;
steady good history raises a limit within the caps; 李先生's falling credit score lowers his
installment quota; a review of one party touches no other. Then the worker's schedule, the
API, the pages and the CLI."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from tests.api_helpers import make_world
from tests.helpers import active_line, js

_KEYS = itertools.count()


def _k(prefix: str = "k") -> str:
    return f"{prefix}{next(_KEYS)}"


def _limit(db: SqlDatabase, line: str) -> str:
    return str(creditline.show_line(db, line).body["limit"])


def _licence(db: SqlDatabase, party: str, submitted: str = "2024-04-01") -> None:
    parties.add_document(
        db, party, doc_type="business_licence", submitted=submitted, expires="2029-04-01"
    )


def _merchant(
    db: SqlDatabase, name: str, *, limit: str = "100000.00", category: str | None = None
) -> tuple[str, str]:
    """A merchant with an active line and a current licence (the policy requires one)."""
    m, line = active_line(db, name, limit=limit, category=category)
    _licence(db, m)
    return m, line


def _codes(body: dict) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def _outcome(db: SqlDatabase, line: str) -> dict:
    return creditline.line_reviews(db, line, limit=1).body["outcomes"][0]


def test_an_apparel_merchant_with_10_percent_returns_is_lowered_and_why_says_so(db) -> None:
    m, line = _merchant(db, "衣尚坊", category="apparel")
    for i in range(20):
        creditline.add_order(db, m, order_id=f"TB-R{i}", amount="200.00")
    for i in range(2):
        creditline.return_order(db, f"TB-R{i}")
    run = creditline.review_limits(db).body
    assert (run["reviewed"], run["lowered"], run["by_reason"]) == (1, 1, {"return_rate_high": 1})
    [change] = run["changes"]
    assert (change["from_limit"], change["to_limit"]) == ("100000.00", "70000.00")
    [reason] = change["reasons"]
    assert reason["code"] == "return_rate_high"
    assert "退货率10.0%" in reason["zh"]
    assert "10.0% of orders in 90 days" in reason["en"]
    assert "8% or below" in reason["restore_en"]
    assert _limit(db, line) == "70000.00"
    why = creditline.why(db, line, amount="80000.00", purpose="procurement").body
    assert [r["code"] for r in why["reasons"]] == ["insufficient_available", "limit_reduced"]
    reduced = why["reasons"][1]
    assert [r["code"] for r in reduced["facts"]["reasons"]] == ["return_rate_high"]
    assert "return rate" in reduced["message_en"] or "returns were" in reduced["message_en"]
    assert "8%" in reduced["action_en"]
    # A second review on the same facts changes nothing: reductions never compound.
    again = creditline.review_limits(db).body
    assert (again["lowered"], again["unchanged"]) == (0, 1)
    assert _limit(db, line) == "70000.00"
    events = creditline.list_events(db, event_type="limit.reviewed").body
    assert len(events["data"]) == 1


def test_a_stale_licence_halves_the_limit_and_resubmitting_restores_it_by_itself(db) -> None:
    m, line = active_line(db, "锦绣衣坊", limit="100000.00")
    _licence(db, m, submitted="2023-03-01")  # 427 days before 2024-05-01
    run = creditline.review_limits(db).body
    assert run["by_reason"] == {"documents_stale": 1}
    assert _limit(db, line) == "50000.00"
    outcome = _outcome(db, line)
    assert outcome["decision"] == "lowered"
    assert "resubmit a current business licence" in outcome["reasons"][0]["restore_en"]
    added = parties.add_document(
        db, m, doc_type="business_licence", submitted="2024-05-01", expires="2029-05-01"
    ).body
    [restored] = added["limits_restored"]
    assert (restored["to_limit"], _codes(restored)) == ("100000.00", ["documents_resubmitted"])
    assert restored["review"] is None
    assert _limit(db, line) == "100000.00"
    history = creditline.line_reviews(db, line).body["outcomes"]
    assert [o["decision"] for o in history] == ["raised", "lowered"]
    assert creditline.why(db, line, amount="100000.00", purpose="procurement").body["ok"]


def test_a_policy_requiring_the_tax_registration_lowers_those_lacking_it(db) -> None:
    has, has_line = _merchant(db, "有税务登记")
    parties.add_document(db, has, doc_type="tax_registration", submitted="2024-04-01")
    lacks, lacks_line = _merchant(db, "缺税务登记")
    assert creditline.review_limits(db).body["unchanged"] == 2
    creditline.set_policy(
        db,
        "required_documents",
        "business_licence,tax_registration",
        effective="now",
        note="需提供更详细的财务信息 more detailed financial information",
    )
    run = creditline.review_limits(db).body
    assert (run["lowered"], run["unchanged"], run["by_reason"]) == (
        1,
        1,
        {"documents_required": 1},
    )
    assert (_limit(db, has_line), _limit(db, lacks_line)) == ("100000.00", "50000.00")
    reason = _outcome(db, lacks_line)["reasons"][0]
    assert "税务登记证" in reason["zh"]
    assert "submit the tax registration" in reason["restore_en"]
    parties.add_document(db, lacks, doc_type="tax_registration", submitted="2024-05-01")
    assert _limit(db, lacks_line) == "100000.00"


def test_lowering_below_used_keeps_the_used_quota_and_blocks_new_spends(db) -> None:
    m, line = active_line(db, "大额采购", limit="100000.00")
    _licence(db, m, submitted="2023-01-01")
    hold = spending.authorize(db, line, amount="80000.00", purpose="procurement", key=_k()).body
    run = creditline.review_limits(db).body
    assert run["pending_reductions"] == 1
    [change] = run["changes"]
    assert (change["to_limit"], change["pending_reduction"]) == ("50000.00", "30000.00")
    body = creditline.show_line(db, line).body
    assert (body["limit"], body["available"]) == ("80000.00", "0.00")
    refused = spending.authorize(db, line, amount="1.00", purpose="procurement", key=_k()).body
    assert _codes(refused) == ["insufficient_available", "limit_reduced"]
    spending.void(db, hold["id"], key=_k())
    assert _limit(db, line) == "50000.00"
    assert verify_ledger(db).ok


def test_steady_good_history_raises_within_the_caps(db) -> None:
    _, small = _merchant(db, "稳健商家", limit="100000.00")
    _, big = _merchant(db, "大商家", limit="950000.00")
    _, idle = _merchant(db, "从不使用", limit="100000.00")
    creditline.advance_clock(db, "150d")
    for line in (small, big):
        hold = spending.authorize(db, line, amount="10.00", purpose="procurement", key=_k()).body
        spending.void(db, hold["id"], key=_k())
    creditline.advance_clock(db, "40d")  # 190 days: six whole months, licences still current
    run = creditline.review_limits(db).body
    assert run["by_reason"] == {"good_history": 2, "inactivity": 1}
    assert _limit(db, small) == "120000.00"  # the 20% step
    assert _limit(db, big) == "1000000.00"  # capped by the product's cap
    assert _limit(db, idle) == "50000.00"  # 190 days unused
    assert "6 months of steady use" in _outcome(db, small)["reasons"][0]["en"]
    # The raise starts a new stretch of history: the next review does not raise again.
    again = creditline.review_limits(db).body
    assert again["raised"] == 0
    assert _limit(db, small) == "120000.00"


def test_li_xiansheng_s_falling_credit_score_lowers_his_installment_quota(db) -> None:
    li = creditline.add_party(
        db, kind="consumer", name="李先生", credit_score=720, income="15000.00"
    ).body["id"]
    creditline.verify_party(db, li, real_name=True, settlement_account="6222 8888")
    line = creditline.open_line(db, li, product="installment", limit="20000.00").body["id"]
    creditline.activate_line(db, line)
    assert creditline.review_limits(db).body["unchanged"] == 1  # the baseline
    # A 20,000 purchase elsewhere and a card overdraft: the bureau reports a lower score.
    creditline.update_credit_facts(db, li, credit_score=640, key="bureau-1")
    run = creditline.review_limits(db).body
    assert run["by_reason"] == {"score_drop": 1}
    assert _limit(db, line) == "14000.00"
    reason = _outcome(db, line)["reasons"][0]
    assert "信用分由720降至640" in reason["zh"]
    # The fall is measured from before it while the reduction stands: no silent restore.
    assert creditline.review_limits(db).body["unchanged"] == 1
    assert _limit(db, line) == "14000.00"
    creditline.update_credit_facts(db, li, credit_score=715)
    assert creditline.review_limits(db).body["by_reason"] == {"restored": 1}
    assert _limit(db, line) == "20000.00"


def test_a_party_filter_reviews_only_that_party(db) -> None:
    a, a_line = active_line(db, "甲", limit="100000.00")
    b, b_line = active_line(db, "乙", limit="100000.00")
    for party in (a, b):
        _licence(db, party, submitted="2022-01-01")
    run = creditline.review_limits(db, party=a).body
    assert (run["party"], run["reviewed"]) == (a, 1)
    assert (_limit(db, a_line), _limit(db, b_line)) == ("50000.00", "100000.00")
    assert creditline.line_reviews(db, b_line).body["outcomes"] == []


def test_the_worker_reviews_lines_when_the_policy_s_interval_has_passed(db) -> None:
    _, line = _merchant(db, "按期复审")
    assert creditline.review_due(db).body["reviewed"] == 0
    creditline.advance_clock(db, "31d")
    due = creditline.review_due(db).body
    assert (due["reviewed"], due["id"].startswith("rvw_")) == (1, True)
    assert creditline.review_due(db).body["reviewed"] == 0  # reviewed: not due again yet
    assert creditline.show_review(db).body["review"]["trigger"] == "schedule"
    assert _limit(db, line) == "100000.00"


def test_api_and_pages_review_for_risk_and_show_a_holder_its_own_reviews(db) -> None:
    w = make_world(db)
    line = w.lines["alice"]
    _licence(db, w.parties["alice"], submitted="2022-06-01")
    assert w.post("ops", "/v1/limits/reviews", {}).status_code == 403
    sent = w.post(
        "risk", "/v1/limits/reviews", {"party": w.parties["alice"]}, **{"Idempotency-Key": "rv-1"}
    )
    assert sent.status_code == 200, sent.text
    run = sent.json()
    assert (run["object"], run["lowered"]) == ("limit_review", 1)
    assert run["changes"][0]["to_limit"] == 5_000_000  # minor units
    again = w.post(
        "risk", "/v1/limits/reviews", {"party": w.parties["alice"]}, **{"Idempotency-Key": "rv-1"}
    )
    assert again.json()["id"] == run["id"]
    mine = w.get("alice", f"/v1/lines/{line}/reviews").json()
    assert mine["outcomes"][0]["object"] == "review_outcome"
    assert w.get("bob", f"/v1/lines/{line}/reviews").status_code == 404
    assert w.get("alice", "/v1/limits/reviews/latest").status_code == 403
    latest = w.get("risk", "/v1/limits/reviews/latest").json()
    assert latest["review"]["id"] == run["id"]
    audit = creditline.list_audit(db, actor="risk").body["data"]
    assert [a["action"] for a in audit] == ["limits.review"]

    creditline.set_password(db, "risk", "correct horse battery", hasher=password_hasher())
    risk = TestClient(create_app(db, log_requests=False), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', risk.get("/signin").text)
    assert token is not None
    fields = {"csrf": token.group(1), "name": "risk", "password": "correct horse battery"}
    assert risk.post("/signin", data=fields).status_code == 303
    desk = risk.get("/ops/reviews").text
    assert run["id"] in desk
    assert "documents_stale" in desk
    csrf = re.search(r'name="csrf" value="([^"]+)"', desk)
    assert csrf is not None
    assert risk.post("/ops/reviews", data={"csrf": csrf.group(1)}).status_code == 303
    assert creditline.show_review(db).body["review"]["reviewed"] == 2
    alice = TestClient(create_app(db, log_requests=False), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', alice.get("/signin").text)
    assert token is not None
    alice.post("/signin", data={"csrf": token.group(1), "key": w.keys["alice"]})
    quota = alice.get(f"/lines/{line}").text
    assert 'id="reviews"' in quota
    assert "重新提交有效的营业执照" in quota


def test_cli_limits_review_as_risk_and_reviews_of_a_line(db, db_url: str) -> None:
    creditline.add_operator(db, "root", role="admin", by=None)
    root = creditline.Principal("root", role=creditline.Role.ADMIN)
    creditline.add_operator(db, "risk-li", role="risk", by=root)
    m, line = active_line(db, "命令行商家", limit="100000.00")
    _licence(db, m, submitted="2022-01-01")
    run = js(db_url, "limits", "review", "--party", m, "--as", "risk-li", process=True)
    assert (run["lowered"], run["actor"]) == (1, "risk-li")
    js(db_url, "limits", "review", "--as", "root", check=3)  # role admin may not
    listed = js(db_url, "limits", "reviews", "--line", line)
    assert listed["outcomes"][0]["reasons"][0]["code"] == "documents_stale"
    shown = js(db_url, "limits", "reviews", "--changed")
    assert shown["review"]["id"] == run["id"]
