"""`creditline installment ...` (分期购) through the command line: purchase, show, repay,
list, return, and a merchant's promotion; bad input names the field and changes nothing."""

from __future__ import annotations

from creditline.adapters.db.database import SqlDatabase
from tests.helpers import cli, js
from tests.test_installments import shopper_and_merchant


def test_a_shopper_buys_repays_and_returns_through_the_cli(db: SqlDatabase) -> None:
    line, shop = shopper_and_merchant(db)
    url = db.engine.url.render_as_string(hide_password=False)
    buy = ["installment", "purchase", line, "--merchant", shop, "--order", "dw-1"]
    plan = js(url, *buy, "--amount", "1200.00", "--periods", "6", "--key", "k1", process=True)
    assert (plan["periods"], plan["fee_total"], plan["apr_percent"]) == (6, "50.40", "14.26%")
    bad = js(url, *buy, "--amount", "1200.00", "--periods", "4", "--key", "k2", check=2)
    assert bad["error"]["param"] == "periods"
    table = cli(url, "installment", "show", plan["id"]).stdout
    assert "2026-02-28" in table
    assert "14.26%" in table
    paid = js(url, "installment", "repay", plan["id"], "--amount", "208.40", "--key", "r1")
    assert paid["schedule"][0]["status"] == "paid"
    listed = js(url, "installment", "list", line)
    assert listed["plans"][0]["next_due"]["due_on"] == "2026-03-31"
    back = js(url, "installment", "return", plan["id"], "--amount", "300.00", "--key", "t1")
    owed = sum(int(p["principal"].replace(".", "")) for p in back["schedule"])
    assert owed == 90000  # 1,200.00 less 300.00, to the fen
    promo = js(
        url, "installment", "promotion", "create", shop, "--name", "免息季", "--periods", "3,6",
        "--starts-on", "2026-01-01", "--ends-on", "2026-03-31", "--cap", "1000.00",
    )  # fmt: skip
    free = js(
        url, *buy[:-1], "dw-2", "--amount", "600.00", "--periods", "3",
        "--promotion", promo["id"], "--key", "k3",
    )  # fmt: skip
    assert (free["fee_total"], free["apr_percent"], free["merchant_fee"]) == (
        "0.00",
        "0.00%",
        "13.50",
    )
    assert js(url, "installment", "promotion", "list", shop)["promotions"][0]["used"] == "13.50"
