"""Risk features, verdicts and metrics (风控) on plain values: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from creditline.adapters.db.repos.rules_sql import default_rule_set
from creditline.domain.errors import InvalidInput, StorageError
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product, Purpose
from creditline.domain.reasons import ReasonCode
from creditline.domain.risk.catalogue import (
    BLANK,
    FEATURES,
    compact_features,
    restore_features,
)
from creditline.domain.risk.decisions import (
    Decision,
    Review,
    decision_id_floor,
    party_of_decision,
    review_after,
)
from creditline.domain.risk.explain import holder_reasons, risk_reason
from creditline.domain.risk.features import (
    RUNNING_TOTALS,
    History,
    HistoryFeatures,
    LinkedActivity,
    RunningTotals,
    account_age_days,
    party_event_features,
    return_rate,
    spend_features,
)
from creditline.domain.risk.metrics import (
    Label,
    Replay,
    Scored,
    metrics,
    ring_metrics,
    scored,
    true_rings,
)
from creditline.domain.risk.rules import Event, Outcome, blank_features

T0 = datetime(2024, 9, 30, 2, tzinfo=UTC)
THRESHOLD = 50_000_00  # the policy's large-spend threshold, in fen


def quiet_history(**own: object) -> HistoryFeatures:
    base: dict[str, object] = {
        "spend_counts": (0, 0, 0, 0),
        "spend_sums": (0, 0, 0, 0),
        "declined_24h": 0,
        "forbidden_7d": 0,
        "near_threshold_24h": 0,
        "refunds_30d": 0,
        "spends_with_counterparty_30d": 0,
        "orders_30d": 0,
        "returns_30d": 0,
        "logins_24h": 0,
        "new_device_logins_24h": 0,
        "distinct_ips_24h": 0,
        "links": 0,
    }
    return HistoryFeatures(**{**base, **own})  # type: ignore[arg-type]


def merchant_spend(
    history: History,
    *,
    amount: int = 3_000_00,
    purpose: Purpose = Purpose.PROCUREMENT,
    counterparty: str | None = None,
):
    return spend_features(
        history,
        amount=amount,
        purpose=purpose,
        product=Product.MERCHANT_BNPL,
        party_kind=PartyKind.MERCHANT,
        account_age=120,
        threshold=THRESHOLD,
        counterparty=counterparty,
    )


def decision(outcome: Outcome, reasons: list[dict[str, object]], subject: str) -> Decision:
    return Decision(
        id=f"{decision_id_floor('p1', T0)}abcdef",
        party_id="p1",
        line_id="line_1",
        event=Event.SPEND,
        subject=subject,
        amount=3_000_00,
        outcome=outcome,
        score=0,
        reasons=reasons,
        rule_set_version=0,
        policy_version="v0",
        features={
            "event": "spend",
            "amount": "3000.00",
            "account_age_days": "120",
            "large_spend_threshold": "50000.00",
        },
        review=Review.NONE,
        created_at=T0,
    )


def test_a_busy_merchants_windows_are_in_yuan_and_its_return_rate_exact() -> None:
    own = quiet_history(
        spend_counts=(2, 5, 9, 30),
        spend_sums=(4_000_00, 10_000_50, 20_000_00, 90_000_00),
        declined_24h=1,
        orders_30d=3,
        returns_30d=1,
    )
    f = merchant_spend(History(own)).values
    assert f["event"] == "spend"
    assert f["amount"] == Decimal("3000.00")
    assert f["spend_count_1h"] == Decimal(2)
    assert f["spend_sum_24h"] == Decimal("10000.50")
    assert f["spend_sum_30d"] == Decimal("90000.00")
    assert f["declined_24h"] == Decimal(1)
    assert f["return_rate_30d"] == Decimal("0.3333")
    assert f["large_spend_threshold"] == Decimal("50000.00")
    assert f["account_age_days"] == Decimal(120)
    assert f["near_threshold"] is False


def test_a_spend_just_under_the_threshold_is_near_it_and_one_at_it_is_not() -> None:
    history = History(quiet_history())
    assert merchant_spend(history, amount=37_500_00).values["near_threshold"] is True  # 75 %
    assert merchant_spend(history, amount=49_999_99).values["near_threshold"] is True
    assert merchant_spend(history, amount=37_499_99).values["near_threshold"] is False
    assert merchant_spend(history, amount=THRESHOLD).values["near_threshold"] is False


def test_a_payee_sharing_a_phone_is_a_strong_link_and_one_sharing_an_address_is_weak() -> None:
    history = History(
        quiet_history(links=2),
        links={"shop-b": {"phone", "address"}, "shop-c": {"address"}},
        linked=LinkedActivity(strong=1, linked_spends_30d=2, money_back_7d=2_900_00),
    )
    to_b = merchant_spend(history, counterparty="shop-b").values
    to_c = merchant_spend(history, counterparty="shop-c").values
    to_stranger = merchant_spend(history, counterparty="sup-9").values
    assert (to_b["counterparty_linked"], to_b["counterparty_strong_link"]) == (True, True)
    assert (to_c["counterparty_linked"], to_c["counterparty_strong_link"]) == (True, False)
    assert (to_stranger["counterparty_linked"], to_stranger["counterparty_strong_link"]) == (
        False,
        False,
    )
    assert to_b["linked_parties"] == Decimal(2)
    assert to_b["strong_linked_parties"] == Decimal(1)
    assert to_b["money_back_7d"] == Decimal("2900.00")


def test_the_features_a_rule_sees_and_that_are_stored_are_only_features() -> None:
    """The line's running totals travel beside the features, never inside them."""
    history = History(quiet_history(totals=RunningTotals(attempts=7, count=5, amount=9_00)))
    features = merchant_spend(history, counterparty="sup-9")
    assert set(features.values) == set(FEATURES)
    assert set(compact_features(features.values)) <= set(FEATURES)
    assert features.totals == RunningTotals(attempts=7, count=5, amount=9_00)
    assert features.has_counterparty is True


def test_a_declined_attempt_counts_as_an_attempt_but_not_as_a_spend() -> None:
    before = RunningTotals(attempts=3, count=2, amount=500_00, declined=1)
    history = History(quiet_history(totals=before))
    forbidden = merchant_spend(history, purpose=Purpose.WITHDRAW_CASH, counterparty="x")
    assert forbidden.totals_after(amount=1_000_00, declined=True) == RunningTotals(
        attempts=4, count=2, amount=500_00, declined=2, forbidden=1
    )
    near = merchant_spend(history, amount=48_000_00, counterparty="sup-9")
    assert near.totals_after(amount=48_000_00, declined=False) == RunningTotals(
        attempts=4, count=3, amount=48_500_00, declined=1, near=1, counterparty=1
    )


def test_a_window_is_the_newest_totals_minus_the_last_ones_before_it() -> None:
    newest = RunningTotals(10, 8, 8_000_00, 2, 1, 3, 4)
    before_the_hour = RunningTotals(7, 6, 6_500_00, 1, 1, 1, 2)
    assert newest - before_the_hour == RunningTotals(3, 2, 1_500_00, 1, 0, 2, 2)
    assert list(newest.columns()) == list(RUNNING_TOTALS)
    assert newest.columns()["cum_amount"] == 8_000_00


def test_return_rate_is_zero_without_orders_and_exact_to_four_places() -> None:
    assert return_rate(0, 0) == Decimal(0)
    assert return_rate(7, 2) == Decimal("0.2857")
    assert return_rate(4, 4) == Decimal("1.0000")


def test_account_age_counts_whole_days_and_an_unknown_party_is_new() -> None:
    assert account_age_days(None, T0) == 0
    assert account_age_days(T0 - timedelta(days=2, hours=23), T0) == 2
    assert account_age_days(T0 + timedelta(hours=1), T0) == 0


def test_a_login_from_a_new_device_says_so_and_names_no_purpose() -> None:
    history = History(quiet_history(logins_24h=4, new_device_logins_24h=3, distinct_ips_24h=2))
    login = party_event_features(
        Event.LOGIN,
        history,
        party_kind=PartyKind.CONSUMER,
        amount=0,
        threshold=THRESHOLD,
        device_new=True,
    ).values
    assert login["event"] == "login"
    assert (login["device_new"], login["ip_new"]) == (True, False)
    assert login["purpose"] == ""
    assert login["product"] == ""
    assert login["new_device_logins_24h"] == Decimal(3)
    verdict = default_rule_set().evaluate(login)
    assert verdict.outcome is Outcome.REVIEW
    assert verdict.reason_codes == ["login_anomaly"]


def test_stored_features_come_back_as_the_rules_saw_them() -> None:
    history = History(quiet_history(spend_counts=(1, 2, 3, 4), orders_30d=3, returns_30d=1))
    seen = merchant_spend(history, amount=48_000_00).values
    assert restore_features(compact_features(seen)) == seen
    assert compact_features(BLANK) == {}


def test_a_damaged_stored_feature_is_a_storage_error_and_an_unknown_one_is_ignored() -> None:
    assert restore_features({"retired_feature": "1"}) == blank_features()
    with pytest.raises(StorageError):
        restore_features({"amount": "not a number"})


def test_a_merchant_paying_a_shop_that_shares_its_phone_is_declined_with_a_freeze() -> None:
    history = History(
        quiet_history(links=1),
        links={"shop-b": {"phone"}},
        linked=LinkedActivity(),
        strengths={"shop-b": Decimal("1.00")},  # a phone the two share with no one else
    )
    verdict = default_rule_set().evaluate(merchant_spend(history, counterparty="shop-b").values)
    assert verdict.outcome is Outcome.DECLINE
    assert verdict.freeze_hours == 24
    [reason] = holder_reasons(verdict)
    assert reason.code is ReasonCode.RISK_DECLINED
    assert reason.facts["check"] == "verification"  # never the rule (issue 17)
    assert "cashout" not in str(reason.facts)


def test_the_holder_is_told_what_kind_of_check_never_the_rules_or_the_facts() -> None:
    fired = [
        {"code": "velocity_burst", "outcome": "approve", "message_en": "many spends"},
        {"code": "cashout_money_back", "outcome": "decline", "message_en": "money came back"},
    ]
    reason = risk_reason(ReasonCode.RISK_DECLINED, fired)
    assert reason.facts["check"] == "verification"
    assert "money came back" not in str(reason.facts)  # a fact the holder is never told
    assert "cashout" not in str(reason.facts)
    forbidden = [{"code": "cashout_forbidden_purpose", "outcome": "decline"}]
    purpose = risk_reason(ReasonCode.RISK_DECLINED, forbidden)
    assert purpose.facts["check"] == "purpose"  # the product's own rule may be said


def test_a_rule_set_refuses_an_event_it_does_not_know() -> None:
    features = blank_features()
    features["event"] = "transfer"
    with pytest.raises(InvalidInput) as err:
        default_rule_set().evaluate(features)
    assert err.value.param == "event"


def test_a_decision_id_names_its_party_and_sorts_by_time() -> None:
    early = decision_id_floor("party_7f", T0)
    later = decision_id_floor("party_7f", T0 + timedelta(microseconds=1))
    assert early < later
    assert party_of_decision(f"{early}0a1b2c") == "party_7f"
    with pytest.raises(InvalidInput):
        party_of_decision("rd_party_7f_short")
    with pytest.raises(InvalidInput):
        party_of_decision(f"xx{early[2:]}0a1b2c")


def test_an_operator_approves_or_declines_but_cannot_hold_for_review() -> None:
    assert review_after(Outcome.APPROVE) is Review.APPROVED
    assert review_after(Outcome.DECLINE) is Review.DECLINED
    with pytest.raises(InvalidInput):
        review_after(Outcome.REVIEW)


def test_a_backtest_counts_changed_outcomes_and_each_rules_firings() -> None:
    rules = default_rule_set()
    velocity = {"rule": "burst_of_spends", "signal": "velocity", "outcome": "approve"}
    stored = [
        decision(Outcome.APPROVE, [], "hold_1"),
        decision(Outcome.DECLINE, [{**velocity, "rule": "old_rule"}], "hold_2"),
        decision(Outcome.APPROVE, [velocity], "hold_3"),
    ]
    labels = {"hold_2": ("cleared", None, None)}
    replay = Replay()
    for d in stored:
        replay.add(d, rules.evaluate(restore_features(d.features)), labels.get(d.subject))
    out = replay.to_json()
    assert out["decisions"] == 3
    assert out["changed"] == 1
    assert out["transitions"] == [{"from": "decline", "to": "approve", "count": 1}]
    assert out["by_rule"] == [
        {"rule": "burst_of_spends", "fired_before": 1, "fired_after": 0},
        {"rule": "old_rule", "fired_before": 1, "fired_after": 0},
    ]
    assert out["examples"] == [
        {"decision": stored[1].id, "subject": "hold_2", "from": "decline", "to": "approve"}
    ]
    # The honest event the old rules flagged is a false positive before, not after.
    assert (out["before"]["flagged"], out["after"]["flagged"]) == (1, 0)


def test_precision_and_recall_count_labelled_events_only() -> None:
    caught = decision(Outcome.DECLINE, [{"rule": "r", "signal": "threshold_split"}], "h1")
    missed = decision(Outcome.APPROVE, [], "h2")
    rows = [
        scored(caught, (Label.FRAUD.value, "threshold_split", "ring_1")),
        scored(missed, (Label.FRAUD.value, "threshold_split", "ring_1")),
        scored(caught, None),
    ]
    assert rows[0] == Scored(True, "fraud", "threshold_split", {"threshold_split"})
    m = metrics(rows)
    assert (m["labelled"], m["fraud"], m["flagged"]) == (2, 2, 1)
    assert (m["precision"], m["recall"]) == (1.0, 0.5)
    assert m["patterns"]["threshold_split"]["recall"] == 0.5


def test_a_found_ring_matches_a_true_one_sharing_half_its_members() -> None:
    party_labels = {
        "a": ("fraud", "round_trip", "ring_1"),
        "b": ("fraud", "round_trip", "ring_1"),
        "c": ("fraud", "round_trip", "ring_1"),
        "d": ("cleared", None, None),
    }
    truth = true_rings(party_labels)
    assert truth == {"ring_1": ("round_trip", ["a", "b", "c"])}
    found = [
        {"pattern": "round_trip", "members": ["a", "b"]},  # 2 of 3: a match
        {"pattern": "fake_orders", "members": ["d", "e"]},  # honest people: a false ring
    ]
    m = ring_metrics(found, truth)
    assert m["round_trip"] == {"rings": 1, "found": 1, "recall": 1.0, "named": 1, "precision": 1.0}
    assert m["fake_orders"]["precision"] == 0.0
    assert m["_all"] == {"found_rings": 2, "false_rings": 1, "members_in_true_rings": 3}
