"""The story in one test: a merchant is onboarded, spends, and the ledger verifies."""

from __future__ import annotations

from creditline.adapters.db.database import SqlDatabase
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending


def test_merchant_spends_and_the_ledger_verifies(db: SqlDatabase) -> None:
    merchant = parties.add_party(db, kind="merchant", name="衣尚坊", category="apparel").body
    line = lines.open_line(db, merchant["id"], product="merchant_bnpl", limit="1000.00").body
    parties.verify_party(
        db, merchant["id"], real_name=True, qualification=True, settlement_account="6222"
    )
    assert lines.activate_line(db, line["id"]).body["status"] == "active"
    hold = spending.authorize(db, line["id"], amount="600.00", purpose="procurement", key="a")
    assert hold.body["status"] == "authorized"
    over = spending.authorize(db, line["id"], amount="600.00", purpose="procurement", key="b")
    assert over.refused
    assert [r["code"] for r in over.body["reasons"]] == ["insufficient_available"]
    spending.capture(db, hold.body["id"], amount="500.00", key="c")
    spending.repay(db, line["id"], amount="200.00", key="d")
    shown = lines.show_line(db, line["id"]).body
    assert (shown["occupied"], shown["held"], shown["available"]) == ("300.00", "0.00", "700.00")
    assert verify_ledger(db).ok
