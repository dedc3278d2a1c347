"""Initial limits, explained (issue 15, point 2): a merchant is scored on its own history by
the merchant card (fitted on simulated data), a consumer on its credit application; the policy's
bands and caps give the limit; the answer names each factor's points and what cost the most.
Through the use case, the CLI, the API and the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import creditline
from creditline import InvalidInput, NotFound
from creditline.adapters.credit import scorecard_fit as fit
from creditline.adapters.credit.scorecard_store import shipped_scorecard
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.cli.main import app as cli
from tests.api_helpers import make_world
from tests.fakes import FakeDatabase
from tests.test_pages import browser, sign_in

#: Two full months after the sandbox's start (2024-05-01 10:00, Beijing): May and June count.
LATER = "2024-07-02T10:00:00+08:00"
GOOD_ANSWERS = {
    "status_of_existing_checking_account": "no checking account",
    "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)",
    "purpose": "radio/television",
    "credit_amount": 2500,
    "savings_account_and_bonds": "... >= 1000 DM",
    "present_employment_since": "4 <= ... < 7 years",
    "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "guarantor",
    "age_in_years": 35,
    "other_installment_plans": "none",
    "housing": "own",
}


@pytest.fixture(autouse=True)
def no_trained_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entrypoints read an empty folder: the cards shipped in the package are used."""
    monkeypatch.setenv("CREDITLINE_SCORECARDS", str(tmp_path / "cards"))


def merchant_with_history(db: SqlDatabase, name: str, *, orders: int, returned: int) -> str:
    """An apparel merchant with ``orders`` orders of 10,000.00 in May: ``returned`` of them
    sent back, the rest confirmed by their buyers."""
    party = creditline.add_party(db, kind="merchant", name=name, category="apparel").body["id"]
    for i in range(orders):
        order = f"{name}-{i}"
        creditline.add_order(db, party, order_id=order, amount="10000.00")
        creditline.ship_order(db, order)
        if i < returned:
            creditline.return_order(db, order)
        else:
            creditline.confirm_order(db, order)
    return str(party)


def consumer(db: SqlDatabase, name: str = "李先生", *, credit_score: int = 700) -> str:
    body = creditline.add_party(
        db, kind="consumer", name=name, credit_score=credit_score, income="10000.00"
    ).body
    return str(body["id"])


def test_a_merchant_with_good_history_gets_a_higher_limit_than_one_with_many_returns(
    db: SqlDatabase,
) -> None:
    good = merchant_with_history(db, "衣尚坊", orders=20, returned=0)
    returns = merchant_with_history(db, "退货多", orders=20, returned=4)
    creditline.set_clock(db, LATER)
    a = creditline.assess_limit(db, good).body
    b = creditline.assess_limit(db, returns).body
    assert (a["kind"], a["product"], a["currency"]) == ("merchant", "merchant_bnpl", "CNY")
    assert a["scorecard"] == {
        "kind": "merchant",
        "version": 0,
        "simulated": True,
        "trained_at": shipped_scorecard("merchant")["trained_at"],
    }
    facts = {f["factor"]: f["value"] for f in a["factors"]}
    assert facts["monthly_settled_sales"] == "100000"  # 200,000.00 over May and June
    assert (facts["order_completion_pct"], facts["return_rate_pct"]) == ("100.0", "0.0")
    assert facts["months_on_platform"] == "2"
    assert a["score"] == sum(f["points"] for f in a["factors"])
    assert a["decision"] == "approve"
    assert a["facts"] == {"monthly_sales": "100000.00"}
    sales_cap = next(c for c in a["caps"] if c["cap"] == "sales")
    assert sales_cap["amount"] == "300000.00"
    assert creditline.Money.parse(a["proposed_limit"]) <= creditline.Money.parse("300000.00")
    assert a["top_costs"][0]["factor"] == "months_on_platform"  # new on the platform
    assert all(c["help_zh"] and c["help_en"] for c in a["top_costs"])
    # The one with returns: 20% returned, 80% completed; it scores lower and gets less.
    facts_b = {f["factor"]: f["value"] for f in b["factors"]}
    assert (facts_b["order_completion_pct"], facts_b["return_rate_pct"]) == ("80.0", "20.0")
    assert b["score"] < a["score"]
    assert creditline.Money.parse(b["proposed_limit"]) < creditline.Money.parse(a["proposed_limit"])
    assert {c["factor"] for c in b["top_costs"]} >= {"return_rate_pct", "order_completion_pct"}
    assert b["decision"] == "refer"
    assert b["reasons"][0]["code"] == "score_below_bands"
    assert b["proposed_limit"] == "0.00"
    assert "refer" in b["summary_en"]
    assert "转人工" in b["summary_zh"]


def test_an_assessment_is_recorded_once_per_answer_and_a_band_change_is_a_policy_change(
    db: SqlDatabase,
) -> None:
    party = merchant_with_history(db, "衣尚坊", orders=3, returned=0)
    creditline.set_clock(db, LATER)
    first = creditline.assess_limit(db, party).body
    again = creditline.assess_limit(db, party).body
    assert first["id"].startswith("asm_")
    assert again == first  # the same answer cites the same record
    creditline.set_policy(db, "merchant_limit_bands", "300:1000.00,400:2000.00", effective="now")
    changed = creditline.assess_limit(db, party).body
    assert changed["id"] != first["id"]
    assert changed["policy_version"] != first["policy_version"]
    assert changed["band"] == {"score": 400, "limit": "2000.00"}
    assert changed["proposed_limit"] == "2000.00"
    with db.transaction(write=False) as uow:
        kept = uow.credit.assessment(changed["id"])
        assert kept is not None
        assert (kept.proposed_limit, kept.decision, kept.body) == (200_000, "approve", changed)
        assert uow.credit.latest_assessment(party, "merchant_bnpl") == kept
    with pytest.raises(InvalidInput) as bad:
        creditline.set_policy(db, "merchant_limit_bands", "400:2.00,300:1.00", effective="now")
    assert bad.value.param == "value"


def test_a_consumer_is_referred_until_it_applies_then_held_to_its_income(
    db: SqlDatabase,
) -> None:
    con = consumer(db)
    before = creditline.assess_limit(db, con).body
    assert (before["product"], before["decision"]) == ("installment", "refer")
    assert [r["code"] for r in before["reasons"]] == ["application_missing"]
    assert {f["bin"] for f in before["factors"]} == {"Missing"}  # nothing known yet
    assert before["top_costs"][0]["help_en"] == "give this answer in the credit application"
    applied = creditline.submit_application(db, con, GOOD_ANSWERS).body
    assert applied["id"].startswith("capp_")
    assert creditline.show_application(db, con).body == applied
    after = creditline.assess_limit(db, con).body
    assert after["decision"] == "approve"
    assert after["facts"] == {
        "credit_score": 700,
        "income": "10000.00",
        "application": applied["id"],
    }
    income_cap = next(c for c in after["caps"] if c["cap"] == "income")
    assert income_cap["amount"] == "30000.00"
    assert creditline.Money.parse(after["proposed_limit"]) <= creditline.Money.parse("30000.00")
    assert after["score"] > before["score"]
    low = consumer(db, "王女士", credit_score=500)
    creditline.submit_application(db, low, GOOD_ANSWERS)
    refused = creditline.assess_limit(db, low).body
    assert [r["code"] for r in refused["reasons"]] == ["credit_score_low"]
    assert refused["reasons"][0]["facts"] == {"credit_score": 500, "floor": 550}


def test_on_the_fakes_a_merchant_and_a_consumer_are_assessed_the_same_way() -> None:
    fake = FakeDatabase()
    party = merchant_with_history(fake, "衣尚坊", orders=20, returned=0)  # type: ignore[arg-type]
    creditline.set_clock(fake, LATER)
    body = creditline.assess_limit(fake, party).body
    assert {f["factor"]: f["value"] for f in body["factors"]}["monthly_settled_sales"] == "100000"
    assert body["decision"] == "approve"
    con = consumer(fake)  # type: ignore[arg-type]
    creditline.submit_application(fake, con, GOOD_ANSWERS)
    assert creditline.assess_limit(fake, con).body["decision"] == "approve"


def test_bad_applications_and_products_are_refused_naming_the_field(db: SqlDatabase) -> None:
    con = consumer(db)
    merchant = merchant_with_history(db, "衣尚坊", orders=0, returned=0)
    for party, answers, field in (
        (con, {"housing": "castle"}, "housing"),
        (con, {"nonsense": 1}, "nonsense"),
        (merchant, GOOD_ANSWERS, "party"),
    ):
        with pytest.raises(InvalidInput) as bad:
            creditline.submit_application(db, party, answers)
        assert bad.value.param == field
    with pytest.raises(InvalidInput) as bad:
        creditline.assess_limit(db, con, product="merchant_bnpl")
    assert bad.value.param == "product"
    with pytest.raises(NotFound):
        creditline.assess_limit(db, "mer_nobody")
    with pytest.raises(NotFound):
        creditline.show_application(db, con)
    idle = creditline.assess_limit(db, merchant).body
    assert "no_settled_sales" in [r["code"] for r in idle["reasons"]]


def test_the_api_shows_a_holder_only_its_own_assessment(db: SqlDatabase) -> None:
    w = make_world(db)
    alice, bob = w.parties["alice"], w.parties["bob"]
    got = w.get("alice", f"/v1/parties/{alice}/assessment")
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["object"], body["party"]) == ("limit_assessment", alice)
    assert isinstance(body["proposed_limit"], int)  # minor units, as every API amount
    assert body["factors"][0]["name_zh"]
    assert w.get("alice", f"/v1/parties/{bob}/assessment").status_code == 404
    assert w.get("risk", f"/v1/parties/{bob}/assessment").status_code == 200
    assert w.get("risk", f"/v1/parties/{bob}/assessment?product=bnpl").status_code == 400
    assert w.get("risk", "/v1/parties/mer_nobody/assessment").status_code == 404
    con = consumer(db)
    key = creditline.create_key(db, party=con).body["key"]
    w.keys["con"] = key
    posted = w.post("con", f"/v1/parties/{con}/application", {"answers": GOOD_ANSWERS})
    assert posted.status_code == 200, posted.text
    assert posted.json()["object"] == "credit_application"
    assert w.get("con", f"/v1/parties/{con}/application").json()["id"] == posted.json()["id"]
    assert w.post("bob", f"/v1/parties/{con}/application", {"answers": {}}).status_code == 404
    bad = w.post("ops", f"/v1/parties/{con}/application", {"answers": {"housing": "castle"}})
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "housing")
    assessed = w.get("con", f"/v1/parties/{con}/assessment").json()
    assert assessed["facts"]["application"] == posted.json()["id"]


def test_the_holder_page_and_the_operator_page_show_the_assessment(db: SqlDatabase) -> None:
    w = make_world(db)
    alice, bob = w.parties["alice"], w.parties["bob"]
    holder = browser(w)
    sign_in(holder, key=w.keys["alice"])
    shown = holder.get(f"/parties/{alice}/assessment?lang=en")
    assert shown.status_code == 200
    assert 'id="asm-factors"' in shown.text
    assert "Proposed limit" in shown.text
    assert "fitted on simulated data" in shown.text
    assert holder.get(f"/parties/{bob}/assessment").status_code == 404
    assert holder.get(f"/ops/parties/{alice}/assessment").status_code == 404
    line_page = holder.get(f"/lines/{w.lines['alice']}").text
    assert f'href="/parties/{alice}/assessment"' in line_page
    creditline.set_password(db, "risk", "correct horse battery", hasher=_hasher())
    staff = browser(w)
    sign_in(staff, name="risk", password="correct horse battery")
    zh = staff.get(f"/ops/parties/{bob}/assessment")
    assert zh.status_code == 200
    assert "额度评估" in zh.text
    assert staff.get(f"/ops/parties/{bob}/assessment?product=x").status_code == 400
    assert f'href="/ops/parties/{bob}/assessment"' in staff.get(f"/ops/lines/{w.lines['bob']}").text


def _hasher() -> creditline.PasswordHasher:
    from creditline.entrypoints.bootstrap import password_hasher

    return password_hasher()


def test_the_cli_assesses_a_party_and_takes_an_application_from_a_file(
    db: SqlDatabase, tmp_path: Path
) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    con = consumer(db)
    answers = tmp_path / "application.json"
    answers.write_text(json.dumps(GOOD_ANSWERS), encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", url, "party", "application", con, "--file", str(answers)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["--db", url, "limit", "assess", con])
    assert done.exit_code == 0, done.output
    assert "proposed limit" in done.output
    assert "what cost the most points" in done.output
    done = runner.invoke(cli, ["--db", url, "limit", "assess", con, "--json"])
    assert json.loads(done.output)["decision"] == "approve"
    answers.write_text("{not json", encoding="utf-8")
    done = runner.invoke(cli, ["--db", url, "party", "application", con, "--file", str(answers)])
    assert done.exit_code == 2


@pytest.mark.parametrize("kind", ["consumer", "merchant"])
def test_the_shipped_cards_are_what_training_makes_again(kind: str) -> None:
    """The cards inside the package are ``scorecard train --kind K --shipped``'s: fitting
    again on the same data gives the same bins and points (seeded, deterministic)."""
    card, _, _ = fit.fit_card(kind)
    shipped = shipped_scorecard(kind)
    assert fit.card_bins(card) == shipped["bins"]
    assert (shipped["kind"], shipped["version"], shipped["simulated"]) == (
        kind,
        0,
        kind == "merchant",
    )
