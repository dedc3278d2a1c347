"""Installments over HTTP: a shopper buys in periods on its own line and reads its plan; the
platform records repayments and returns; a merchant runs a promotion. Another holder's plan
is a 404, bad input names the field, a retried purchase is answered once."""

from __future__ import annotations

import creditline
from creditline.adapters.db.database import SqlDatabase
from tests.api_helpers import make_world
from tests.test_installments import shopper_and_merchant


def test_a_shopper_buys_and_the_platform_records_repayments_and_returns(
    db: SqlDatabase,
) -> None:
    line, shop = shopper_and_merchant(db)
    world = make_world(db)
    shopper = str(creditline.show_line(db, line).body["party"])
    world.keys["shopper"] = creditline.create_key(db, party=shopper).body["key"]
    world.keys["shop"] = creditline.create_key(db, party=shop).body["key"]
    buy = {"merchant": shop, "order": "dw-7", "amount": 120000, "periods": 6}
    made = world.post("shopper", f"/v1/lines/{line}/installments", buy, **{"Idempotency-Key": "b1"})
    assert made.status_code == 200, made.json()
    plan = made.json()
    assert (plan["amount"], plan["fee_total"], plan["apr"]) == (120000, 5040, "0.1426")
    assert plan["schedule"][0]["owed"]["total"] == 20840
    again = world.post(
        "shopper", f"/v1/lines/{line}/installments", buy, **{"Idempotency-Key": "b1"}
    )
    assert again.json()["id"] == plan["id"]
    bad = world.post(
        "shopper", f"/v1/lines/{line}/installments", {**buy, "periods": 5, "order": "dw-8"}
    )
    assert bad.json()["error"]["param"] == "periods"
    assert world.get("shopper", f"/v1/installments/{plan['id']}").status_code == 200
    assert world.get("alice", f"/v1/installments/{plan['id']}").status_code == 404
    listed = world.get("shopper", f"/v1/lines/{line}/installments").json()
    assert [p["id"] for p in listed["plans"]] == [plan["id"]]
    path = f"/v1/installments/{plan['id']}"
    # A repayment frees quota only when money arrived: the platform records it.
    assert world.post("shopper", f"{path}/repayments", {"amount": 20840}).status_code == 403
    paid = world.post("ops", f"{path}/repayments", {"amount": 20840}).json()
    assert paid["schedule"][0]["status"] == "paid"
    back = world.post("ops", f"{path}/returns", {"amount": 30000}).json()
    assert back["return"]["released"] == 30000
    promo = world.post(
        "shop",
        f"/v1/parties/{shop}/promotions",
        {"name": "免息季", "periods": "3", "starts_on": "2026-01-01", "ends_on": "2026-02-28",
         "cap": 100000},
    )  # fmt: skip
    assert promo.status_code == 200, promo.json()
    free = world.post(
        "shopper",
        f"/v1/lines/{line}/installments",
        {"merchant": shop, "order": "dw-9", "amount": 60000, "periods": 3,
         "promotion": promo.json()["id"]},
    ).json()  # fmt: skip
    assert (free["fee_total"], free["apr"], free["merchant_fee"]) == (0, "0.0000", 1350)
    assert world.get("alice", f"/v1/promotions/{promo.json()['id']}").status_code == 404
    ended = world.post("shop", f"/v1/promotions/{promo.json()['id']}/end").json()
    assert ended["status"] == "ended"
