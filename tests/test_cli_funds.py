"""A merchant's money, goods that need no shipping and split advice through the real command,
on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.helpers import cli, js


def test_a_merchant_sees_its_funds_and_confirms_only_what_shipped_through_the_cli(
    db_url: str,
) -> None:
    js(db_url, "init", "--sandbox")
    js(db_url, "clock", "set", "2024-09-30T17:00:00+08:00")
    m = js(db_url, "party", "add", "merchant", "--name", "衣尚坊")["id"]
    shopper = js(db_url, "party", "add", "consumer", "--name", "小李", "--credit-score", "720")
    sup = js(db_url, "supplier", "add", m, "--name", "杭州织造", "--tier", "core", "--account", "S")
    assert [w["code"] for w in sup["warnings"]] == ["core_suppliers_below_advice"]
    shown = cli(
        db_url, "supplier", "add", m, "--name", "小厂", "--tier", "ordinary", "--account", "O"
    )
    assert "核心供应商" in shown.stdout  # the warning, for people too
    js(db_url, "order", "add", m, "--order", "TB1", "--amount", "80.00")
    refused = js(db_url, "order", "confirm", "TB1", check=3)
    assert refused["error"]["code"] == "order_not_shipped"
    assert refused["reasons"][0]["facts"] == {"order": "TB1"}
    card = js(db_url, "order", "add", m, "--order", "VC1", "--amount", "50.00", "--no-shipping")
    assert card["no_shipping"] is True
    confirmed = js(db_url, "order", "confirm", "VC1")
    assert (confirmed["state"], confirmed["provisional"]) == ("confirmed", False)
    funds = js(db_url, "funds", "show", m)
    assert (funds["escrow"], funds["merchant_balance"], funds["maturing"]) == ("50.00", "0.00", [])
    people = cli(db_url, "funds", "show", m, process=True).stdout  # the real script, once
    assert "escrow" in people
    assert "50.00" in people
    bad = js(db_url, "funds", "show", shopper["id"], check=2)
    assert bad["error"]["param"] == "merchant"
