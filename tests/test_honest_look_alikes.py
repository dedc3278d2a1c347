"""Issue 17: honest customers who look like fraud are approved inline, by the shipped rules and
model together: a family sharing a tablet with returns, a supplier who is also a customer in one
market building, a busy shop's customers with 30 % refunds, an office sharing an address and a
Wi-Fi. Written by hand (not the simulator's schedules), one spend at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.service import sandbox_clock as clock
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.risk import scoring as risk
from tests.helpers import active_line

START = datetime.fromisoformat("2025-03-03T10:00:00+08:00")


def _at(db: SqlDatabase, days: float) -> None:
    clock.set_clock(db, (START + timedelta(days=days)).isoformat())


def _shopper(db: SqlDatabase, name: str) -> tuple[str, str]:
    p = parties.add_party(db, kind="consumer", name=name, credit_score=700).body["id"]
    parties.verify_party(db, p, real_name=True, settlement_account=f"6222{name}")
    line = lines.open_line(db, p, product="installment", limit="20000.00").body["id"]
    lines.activate_line(db, line)
    return p, line


def _buy(db: SqlDatabase, line: str, shop: str, amount: str, key: str) -> dict[str, object]:
    body = spending.authorize(
        db, line, amount=amount, purpose="purchase", key=key, counterparty=shop
    ).body
    if body["status"] == "authorized":
        spending.capture(db, str(body["id"]), amount=None, key=f"{key}-c")
    return body


def test_a_family_sharing_a_tablet_and_returning_some_of_it_is_approved(db: SqlDatabase) -> None:
    _at(db, 0)
    shops = [active_line(db, f"店{i}")[0] for i in range(6)]
    family = [_shopper(db, n) for n in ("妈妈", "爸爸", "孩子")]
    for p, _ in family:
        risk.link(db, p, {"device": "family-tablet", "address": "幸福路1号"})
        risk.record_login(db, p, device="family-tablet", ip="192.168.1.8")
    outcomes = []
    for day in range(12):
        _at(db, day + 0.1)
        for i, (_, line) in enumerate(family):
            body = _buy(db, line, shops[(day + i) % 6], f"{300 + 40 * day}.00", f"f{day}-{i}")
            outcomes.append(body["status"])
            if (day + i) % 7 == 0 and body["status"] == "authorized":  # ~15 % sent back
                _at(db, day + 0.5)
                spending.refund(db, str(body["id"]), amount=str(body["amount"]), key=f"r{day}{i}")
    assert outcomes.count("declined") == 0, outcomes
    assert outcomes.count("review") == 0, outcomes


def test_a_supplier_who_is_also_a_customer_in_one_market_building_is_approved(
    db: SqlDatabase,
) -> None:
    _at(db, 0)
    shop, shop_line = active_line(db, "服装店", limit="500000.00")
    supplier, _ = active_line(db, "布料行")
    neighbours = [active_line(db, f"邻居{i}")[0] for i in range(4)]
    for p in (shop, supplier, *neighbours):
        risk.link(db, p, {"address": "国际商贸城3楼"})
    outcomes = []
    for week in range(5):
        _at(db, 7 * week)
        body = spending.authorize(db, shop_line, amount=f"{12000 + 500 * week}.00",
                                  purpose="procurement", key=f"p{week}",
                                  counterparty=supplier).body  # fmt: skip
        outcomes.append(body["status"])
        if body["status"] == "authorized":
            spending.capture(db, str(body["id"]), amount=None, key=f"c{week}")
        _at(db, 7 * week + 3)  # the supplier buys a few clothes from its customer
        creditline.add_order(db, shop, order_id=f"B{week}", amount="680.00", buyer=supplier)
    assert set(outcomes) == {"authorized"}, outcomes


def test_a_busy_shops_customers_with_30_percent_refunds_are_approved(db: SqlDatabase) -> None:
    _at(db, 0)
    shop, _ = active_line(db, "人气小店")
    customers = [_shopper(db, f"客{i}") for i in range(20)]
    outcomes = []
    for day in range(6):
        bought = []
        for i, (_, line) in enumerate(customers):
            _at(db, day + 0.01 * i)
            body = _buy(db, line, shop, f"{100 + 13 * i}.00", f"b{day}-{i}")
            outcomes.append(body["status"])
            if (day * 20 + i) % 10 < 3 and body["status"] == "authorized":
                bought.append(body)
        _at(db, day + 0.9)  # 30 % sent back the same evening
        for body in bought:
            spending.refund(db, str(body["id"]), amount=str(body["amount"]), key=f"r{body['id']}")
    assert outcomes.count("declined") == 0
    assert outcomes.count("review") <= len(outcomes) // 200  # at most 0.5 % held


def test_an_office_sharing_an_address_and_a_wifi_is_approved(db: SqlDatabase) -> None:
    _at(db, 0)
    office = [active_line(db, f"公司{i}") for i in range(30)]
    for p, _ in office:
        risk.link(db, p, {"address": "科技大厦12层"})
        risk.record_login(db, p, device=f"laptop-{p}", ip="203.0.113.7")
    outcomes = []
    for i, (_, line) in enumerate(office):
        _at(db, 1 + i / 10)
        neighbour = office[(i + 1) % 30][0]
        body = spending.authorize(db, line, amount="5000.00", purpose="procurement",
                                  key=f"o{i}", counterparty=neighbour).body  # fmt: skip
        outcomes.append(body["status"])
    assert set(outcomes) == {"authorized"}, outcomes
