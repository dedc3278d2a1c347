"""Risk at its edges: each shipped rule fires exactly from its threshold, an identifier shared by
12 parties still links them while 13 make a hub, and a renewed cash-out streak freezes again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.repos.rules_sql import default_rules_text
from creditline.domain.risk.flows import STRONG_LINK, identifier_weight
from creditline.domain.risk.rings import link_graph
from creditline.domain.risk.rules import Event, blank_features, parse_rule_set
from creditline.service import sandbox_clock as clock
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.quota import why as diagnosis
from creditline.service.risk import ring_job
from creditline.service.risk import scoring as risk
from tests.helpers import active_line

RULES = parse_rule_set(default_rules_text())

#: (rule, the features around it, the feature that crosses the threshold, the value just on
#: the quiet side, the value at which the rule starts to fire). Money is in yuan.
SPEND = {"event": "spend", "party_kind": "merchant", "large_spend_threshold": Decimal(50000)}
WITHDRAWAL = {**SPEND, "event": "withdrawal"}
CONSUMER = {
    **SPEND,
    "party_kind": "consumer",
    "counterparty_strong_link": True,
    "counterparty_link": Decimal("0.50"),
}
EDGES: list[tuple[str, dict[str, Any], str, Any, Any]] = [
    ("forbidden_purpose_attempt", SPEND, "purpose_forbidden", False, True),
    (
        "forbidden_purpose_repeated",
        {**SPEND, "purpose_forbidden": True},
        "forbidden_attempts_7d",
        Decimal(0),
        Decimal(1),
    ),
    (
        "forbidden_purpose_repeated",
        {**SPEND, "purpose_forbidden": True},
        "linked_forbidden_7d",
        Decimal(0),
        Decimal(1),
    ),
    ("spends_after_forbidden_attempts", SPEND, "forbidden_attempts_7d", Decimal(1), Decimal(2)),
    (
        "spend_to_linked_party",
        {**SPEND, "amount": Decimal("0.01"), "counterparty_link": Decimal("0.50")},
        "counterparty_strong_link",
        False,
        True,
    ),
    # A link is a link from 0.30: an office Wi-Fi shared by dozens weighs less.
    (
        "spend_to_linked_party",
        {**SPEND, "amount": Decimal("0.01"), "counterparty_strong_link": True},
        "counterparty_link",
        Decimal("0.29"),
        Decimal("0.30"),
    ),
    # A purchase at a linked shop only scores, whatever its amount (a relative's shop).
    ("purchase_at_linked_shop", CONSUMER, "counterparty_link", Decimal("0.29"), Decimal("0.30")),
    (
        "money_came_back",
        {**SPEND, "money_back_share": Decimal("0.9")},
        "money_back_45d",
        Decimal("999.99"),
        Decimal(1000),
    ),
    (
        "money_came_back",
        {**SPEND, "money_back_45d": Decimal(5000)},
        "money_back_share",
        Decimal("0.49"),
        Decimal("0.50"),
    ),
    ("known_ring_member", SPEND, "ring_member", False, True),
    (
        "split_under_threshold",
        {**SPEND, "near_threshold": True},
        "near_threshold_24h",
        Decimal(0),
        Decimal(1),
    ),
    (
        "split_under_threshold",
        {**SPEND, "near_threshold": True},
        "linked_near_threshold_24h",
        Decimal(0),
        Decimal(1),
    ),
    (
        "split_under_threshold",
        {**SPEND, "near_threshold": True},
        "near_threshold_7d",
        Decimal(2),
        Decimal(3),
    ),
    ("burst_of_spends", SPEND, "spend_count_1h", Decimal(19), Decimal(20)),
    (
        "new_account_large_spend",
        {**SPEND, "amount": Decimal(50000)},
        "account_age_days",
        Decimal(3),
        Decimal(2),
    ),
    (
        "new_account_large_spend",
        {**SPEND, "account_age_days": Decimal(2)},
        "amount",
        Decimal("49999.99"),
        Decimal(50000),
    ),
    ("many_new_devices", SPEND, "new_device_logins_24h", Decimal(2), Decimal(3)),
    ("many_new_devices", SPEND, "distinct_ips_24h", Decimal(4), Decimal(5)),
    # The fourth withdrawal attempt in 24 hours, or the eleventh in 7 days.
    ("withdrawal_burst", WITHDRAWAL, "withdrawals_24h", Decimal(2), Decimal(3)),
    ("withdrawal_burst", WITHDRAWAL, "withdrawals_7d", Decimal(9), Decimal(10)),
]


def _fires(rule: str, features: dict[str, Any]) -> bool:
    return rule in {f.rule for f in RULES.evaluate({**blank_features(), **features}).fired}


@pytest.mark.parametrize(
    ("rule", "around", "feature", "quiet", "fires"),
    EDGES,
    ids=[f"{rule}-{feature}" for rule, _, feature, _, _ in EDGES],
)
def test_each_shipped_rule_fires_exactly_from_its_threshold(
    rule: str, around: dict[str, Any], feature: str, quiet: Any, fires: Any
) -> None:
    assert not _fires(rule, {**around, feature: quiet})
    assert _fires(rule, {**around, feature: fires})


def test_every_shipped_rule_has_its_threshold_pinned() -> None:
    assert {r.name for r in RULES.rules} == {rule for rule, *_ in EDGES}


@pytest.mark.parametrize(
    ("event", "fires"), [(Event.SPEND, True), (Event.WITHDRAWAL, True), (Event.LOGIN, False)]
)
def test_money_coming_back_is_judged_on_spends_and_withdrawals_not_logins(
    event: Event, fires: bool
) -> None:
    features = {
        "event": event.value,
        "money_back_45d": Decimal(2000),
        "money_back_share": Decimal(1),
    }
    assert _fires("money_came_back", features) is fires


@pytest.mark.parametrize(
    ("event", "fires"), [(Event.SPEND, False), (Event.WITHDRAWAL, True), (Event.LOGIN, False)]
)
def test_a_burst_of_withdrawal_attempts_is_judged_on_withdrawals_only(
    event: Event, fires: bool
) -> None:
    features = {"event": event.value, "withdrawals_24h": Decimal(7), "withdrawals_7d": Decimal(7)}
    assert _fires("withdrawal_burst", features) is fires


# -- identifiers weigh by how many share them (no hub cut-off) -------------------------------------
@pytest.mark.parametrize(("sharing", "strong"), [(2, True), (12, True), (50, True), (1000, False)])
def test_a_shared_device_ties_less_the_more_parties_share_it(sharing: int, strong: bool) -> None:
    graph = link_graph((f"p{i:03}", "device", "farm") for i in range(sharing))
    if sharing <= 50:  # every pair of holders is tied, however many (a phone farm is one ring)
        assert graph.number_of_edges() == sharing * (sharing - 1) // 2
    strength = identifier_weight("device", sharing)
    assert (strength >= STRONG_LINK) is strong


@pytest.mark.parametrize(("sharing", "rings"), [(2, 1), (12, 1), (40, 1)])
def test_two_cashout_shops_on_a_shared_wifi_are_a_ring_however_many_share_the_wifi(
    db: SqlDatabase, sharing: int, rings: int
) -> None:
    """甲 and 乙 each try to take their quota as cash again and again; they share a shop-floor
    Wi-Fi address with the other tenants of the floor. The address weighs less the more tenants
    share it, but the two tries at cash are the evidence: they are one ring, and the tenants
    who did nothing are in none."""
    a, line_a = active_line(db, "甲")
    b, line_b = active_line(db, "乙")
    tenants = [a, b]
    tenants += [
        parties.add_party(db, kind="merchant", name=f"店{i}").body["id"] for i in range(sharing - 2)
    ]
    for party in tenants:
        risk.link(db, party, {"address": "wifi-3F"})
    for line in (line_a, line_b):
        for k in ("withdraw_cash", "transfer_bank"):
            spending.authorize(db, line, amount="50.00", purpose=k, key=f"{line}-{k}")
    found = ring_job.rings(db).body
    assert found["count"] == rings
    if rings:
        (ring,) = found["rings"]
        assert ring["members"] == sorted([a, b])  # the idle tenants are in no ring
        assert ring["pattern"] == "forbidden_purpose"
        assert ring["shared"] == [{"kind": "address", "value": "wifi-3F"}]


# -- the risk freeze ----------------------------------------------------------------------------
def test_a_cashout_streak_after_the_first_risk_freeze_ended_freezes_the_line_again(
    db: SqlDatabase,
) -> None:
    """小赵 tries twice to cash out: declined, and the line is frozen for 24 hours. A day later
    the freeze has ended (run-due has not recorded it yet) and he tries again: the decline
    freezes the line again, so a spend right after is refused as frozen."""
    _, line = active_line(db, "小赵")
    spending.authorize(db, line, amount="10.00", purpose="withdraw_cash", key="f1")
    first = spending.authorize(db, line, amount="10.00", purpose="withdraw_cash", key="f2").body
    assert first["risk"]["action"]["hours"] == 24
    clock.advance_clock(db, "25h")
    assert diagnosis.why(db, line, amount="1.00", purpose="procurement").body["reasons"] == []
    again = spending.authorize(db, line, amount="10.00", purpose="withdraw_cash", key="f3").body
    assert again["risk"]["outcome"] == "decline"
    assert again["risk"]["action"] is not None
    assert again["risk"]["action"]["hours"] == 24
    spend = spending.authorize(db, line, amount="1.00", purpose="procurement", key="s1").body
    assert spend["status"] == "declined"
    assert [r["code"] for r in spend["reasons"]] == ["line_frozen"]
