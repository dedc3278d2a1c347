"""The self-check (自测清单, R23), the security centre (安全中心) and the policy changes (政策变更)
of a holder: the scoring rules at their boundaries (pure), and the use cases on SQLite and
PostgreSQL with splits done on time and late (a deferral does not hide lateness), reviews and
cases handled in and out of 2 hours, service figures posted and replaced, logins from new
devices, core suppliers, and policy changes that do and do not touch the holder."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

import creditline
from creditline.domain.policy import PARAMETERS
from creditline.domain.quota import self_check_scores as rules
from creditline.domain.quota.policy_reach import REACH, Reach, touches
from tests.helpers import active_line

REVIEW_BIG_SPENDS = """name: review-big
thresholds: {review: 60, decline: 90}
rules:
  - name: review_big_spends
    signal: velocity
    when: amount >= 5000
    outcome: review
    reason: big_spend_review
    weight: 10
    message_zh: 大额支付人工审核
    message_en: a big spend is reviewed
"""


# -- the rules, at their boundaries -------------------------------------------------------------
@pytest.mark.parametrize(
    ("share", "score"),
    [
        ("100", 5),
        ("95", 5),
        ("94.9", 4),
        ("90", 4),
        ("89.9", 3),
        ("80", 3),
        ("79.9", 2),
        ("60", 2),
        ("59.9", 1),
        ("0", 1),
    ],
)
def test_a_share_scores_by_its_floor(share: str, score: int) -> None:
    assert rules.share_score(Decimal(share)) == score


@pytest.mark.parametrize(
    ("used", "score"),
    [
        ("60", 5),
        ("70", 5),
        ("80", 5),
        ("59.9", 4),
        ("55", 4),
        ("54.9", 3),
        ("45", 3),
        ("44.9", 2),
        ("30", 2),
        ("29.9", 1),
        ("0", 1),
        ("80.1", 4),
        ("85", 4),
        ("85.1", 3),
        ("95", 3),
        ("110", 2),
        ("110.1", 1),
    ],
)
def test_utilisation_scores_down_on_both_sides_of_60_to_80(used: str, score: int) -> None:
    assert rules.utilisation_score(Decimal(used)) == score


def test_the_pass_line_is_4_and_no_data_is_no_score() -> None:
    assert rules.split_timeliness(9, 10).passed is True  # 90% → 4
    assert rules.split_timeliness(89, 100).passed is False  # 89% → 3
    empty = rules.split_timeliness(0, 0)
    assert (empty.score, empty.passed, empty.figure) == (None, None, None)
    assert "暂无数据" in empty.figure_zh
    assert "No data yet" in empty.figure_en
    assert rules.utilisation(0, 0, 0).score is None
    assert rules.risk_response(0, 0, 0).score is None
    assert rules.service_response(0, 0, None, 0).score is None
    assert "service_figures" in rules.service_response(0, 0, None, 0).advice_en


def test_each_item_says_what_to_improve_when_below_the_line() -> None:
    low = rules.utilisation(20, 100, 1)
    assert (low.score, low.figure) == (1, Decimal("20.0"))
    assert "low" in low.advice_en
    assert "偏低" in low.advice_zh
    high = rules.utilisation(97, 100, 1)
    assert high.score == 2
    assert "repay" in high.advice_en
    assert "20%" in high.advice_zh
    late = rules.risk_response(1, 3, 2)
    assert late.score == 1
    assert "2 open and overdue" in late.figure_en
    slow = rules.service_response(80, 100, 40, 2)
    assert slow.score == 3
    assert "median 40 s" in slow.figure_en
    assert "快捷回复" in slow.advice_zh
    assert rules.percent(2, 3) == Decimal("66.7")


def test_every_policy_setting_says_what_it_reaches() -> None:
    assert set(REACH) == set(PARAMETERS)
    assert touches("split_window", has_lines=True, is_merchant=False) is False
    assert touches("split_window", has_lines=False, is_merchant=True) is True
    assert touches("hold_timeout_days", has_lines=False, is_merchant=True) is False
    assert REACH["late_fee_daily_rate"] is Reach.LINES


# -- the use cases -------------------------------------------------------------------------------
def _order(db, merchant: str, order_id: str) -> None:
    creditline.add_order(db, merchant, order_id=order_id, amount="1000.00", key=f"o-{order_id}")
    creditline.ship_order(db, order_id)
    creditline.confirm_order(db, order_id)


def test_split_timeliness_counts_a_deferred_split_from_when_it_first_fell_due(db) -> None:
    merchant, _ = active_line(db, "分账店")
    creditline.set_split_rule(db, merchant, rule="repayment:30,merchant:70")
    # 2024-05-01 10:00 is a holiday: the split is due on 2024-05-06 10:00 (a working day)
    _order(db, merchant, "ON-TIME")
    creditline.advance_clock(db, "5d1h")  # 05-06 11:00
    creditline.run_due(db)
    creditline.advance_clock(db, "1h")  # 12:00, in the window: due at once
    _order(db, merchant, "DEFERRED")
    creditline.advance_clock(db, "5h")  # 17:00: past the window, the run defers it
    creditline.run_due(db)
    creditline.advance_clock(db, "20h")  # 05-07 13:00: done 25 hours after it first fell due
    creditline.run_due(db)
    assert creditline.show_order(db, "DEFERRED").body["split_done"] is True
    _order(db, merchant, "PENDING")  # due now, not done: not counted yet
    body = creditline.self_check(db, merchant).body
    [split] = [i for i in body["items"] if i["item"] == "split_timeliness"]
    assert split["facts"] == {
        "splits_counted": 2,
        "done_in_time": 1,
        "overdue_open": 0,
        "not_yet_counted": 1,
    }
    assert (split["figure"], split["score"], split["passed"]) == ("50.0", 1, False)
    assert "1 of 2 splits" in split["measured_en"]


def test_risk_response_counts_reviews_and_cases_about_the_holder(db) -> None:
    merchant, line = active_line(db, "风控店")
    creditline.load_rules(db, REVIEW_BIG_SPENDS)
    quick = creditline.authorize(db, line, amount="6000.00", purpose="procurement", key="r-1")
    slow = creditline.authorize(db, line, amount="7000.00", purpose="procurement", key="r-2")
    assert quick.body["risk"]["outcome"] == "review"
    creditline.advance_clock(db, "1h")
    creditline.decide(db, quick.body["risk"]["decision"], verdict="approve", by="risk", note="ok")
    with db.transaction() as uow:
        now = uow.reference.now()
        uow.payouts.open_case(
            case_id="case_00000000000000aa",
            kind="payout_failed",
            party_id=merchant,
            subject="po_x",
            details={},
            now=now,
        )
    creditline.advance_clock(db, "3h")  # the review open 4 hours, the case 3: both late
    body = creditline.self_check(db, merchant).body
    [risk] = [i for i in body["items"] if i["item"] == "risk_response"]
    facts = risk["facts"]
    assert (facts["items_counted"], facts["handled_in_time"], facts["open_overdue"]) == (3, 1, 2)
    assert {o["id"] for o in facts["open_items"]} == {
        slow.body["risk"]["decision"],
        "case_00000000000000aa",
    }
    assert (risk["figure"], risk["score"]) == ("33.3", 1)
    creditline.close_case(db, "case_00000000000000aa", note="paid", by="ops")
    again = creditline.self_check(db, merchant).body
    [risk] = [i for i in again["items"] if i["item"] == "risk_response"]
    assert risk["facts"]["open_overdue"] == 1
    assert len(risk["facts"]["open_items"]) == 1


def test_service_figures_are_one_row_per_day_and_a_repeat_replaces(db) -> None:
    merchant, line = active_line(db, "客服店")
    first = creditline.save_service_figures(
        db, merchant, day="2024-04-30", chats=120, answered_within_30s=100, median_seconds=20
    )
    assert first.body["chats"] == 120
    again = {"day": "2024-04-30", "chats": 100, "answered_within_30s": 99, "median_seconds": 10}
    assert creditline.save_service_figures(db, merchant, **again).body == {
        "object": "service_figures",
        "party": merchant,
        **again,
    }
    creditline.save_service_figures(db, merchant, **again)  # the same again: no change
    creditline.save_service_figures(
        db, merchant, day="2024-05-01", chats=100, answered_within_30s=95, median_seconds=14
    )
    creditline.save_service_figures(  # 31 days back: outside the window
        db, merchant, day="2024-03-31", chats=100, answered_within_30s=0, median_seconds=99
    )
    creditline.authorize(db, line, amount="70000.00", purpose="procurement", key="u-1")
    body = creditline.self_check(db, merchant).body
    items = {i["item"]: i for i in body["items"]}
    service = items["service_response"]
    assert service["facts"]["days"] == 2
    assert service["facts"]["chats"] == 200
    assert (service["figure"], service["score"], service["passed"]) == ("97.0", 5, True)
    assert service["facts"]["median_seconds"] == 10
    quota = items["quota_utilisation"]
    assert (quota["figure"], quota["score"]) == ("70.0", 5)
    assert (quota["facts"]["used"], quota["facts"]["limit"]) == ("70000.00", "100000.00")
    assert (body["scored"], body["passed"]) == (2, 2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": "2024-05-02"}, "day"),  # tomorrow, Beijing time
        ({"day": "30/04/2024"}, "day"),
        ({"chats": -1}, "chats"),
        ({"answered_within_30s": 121}, "answered_within_30s"),
        ({"median_seconds": 86_401}, "median_seconds"),
        ({"chats": True}, "chats"),
    ],
)
def test_bad_service_figures_name_the_field_and_store_nothing(db, change, field) -> None:
    merchant, _ = active_line(db, "坏数据店")
    figures = {"day": "2024-04-30", "chats": 120, "answered_within_30s": 100, "median_seconds": 20}
    with pytest.raises(creditline.InvalidInput) as caught:
        creditline.save_service_figures(db, merchant, **(figures | change))
    assert caught.value.param == field
    [service] = [
        i
        for i in creditline.self_check(db, merchant).body["items"]
        if i["item"] == "service_response"
    ]
    assert service["status"] == "no_data"
    with pytest.raises(creditline.NotFound):
        creditline.save_service_figures(db, "mer_0000000000000000", **figures)


def test_the_security_centre_lists_devices_abnormal_logins_and_core_suppliers(db) -> None:
    merchant, _ = active_line(db, "安全店")
    creditline.record_login(db, merchant, device="old-phone", ip="10.0.0.1")
    creditline.advance_clock(db, "31d")
    creditline.record_login(db, merchant, device="new-phone", ip="10.0.0.1")
    creditline.record_login(db, merchant, device="new-phone", ip="10.0.0.1")
    creditline.add_supplier(db, merchant, name="杭州织造", tier="core", account="6222001")
    creditline.add_supplier(db, merchant, name="宁波辅料", tier="ordinary", account="6222002")
    body = creditline.security_centre(db, merchant).body
    devices = {d["device"]: d for d in body["devices"]}
    assert devices["old-phone"]["needs_confirmation"] is True
    assert devices["old-phone"]["days_since_confirmed"] == 31
    assert (devices["new-phone"]["needs_confirmation"], devices["new-phone"]["logins"]) == (
        False,
        2,
    )
    assert [d["device"] for d in body["devices"]] == ["new-phone", "old-phone"]
    assert body["devices_to_confirm"] == 1
    # the first login is over 30 days old; of the two recent ones only the first is new
    [abnormal] = body["abnormal_logins"]
    assert (abnormal["device"], abnormal["why"]) == ("new-phone", ["new_device"])
    assert body["logins_in_window"] == 2
    w = body["whitelist"]
    assert (w["core_count"], w["core_suppliers"], w["enough"]) == (1, ["杭州织造"], False)
    assert "2 more core supplier" in w["advice_en"]
    for n, name in enumerate(("苏州面料", "无锡纽扣")):
        creditline.add_supplier(db, merchant, name=name, tier="core", account=f"62230{n}")
    assert creditline.security_centre(db, merchant).body["whitelist"]["enough"] is True


def test_a_consumer_has_no_whitelist_and_a_missing_party_is_not_found(db) -> None:
    shopper = creditline.add_party(db, kind="consumer", name="小李", credit_score=700).body["id"]
    body = creditline.security_centre(db, shopper).body
    assert body["whitelist"]["applies"] is False
    assert body["lines"] == []
    for use_case in (creditline.self_check, creditline.security_centre, creditline.policy_changes):
        with pytest.raises(creditline.NotFound):
            use_case(db, "mer_0000000000000000")


def test_policy_changes_that_touched_the_holder_old_to_new(db) -> None:
    merchant, line = active_line(db, "政策店")
    shopper = creditline.add_party(db, kind="consumer", name="小王", credit_score=700).body["id"]
    creditline.set_policy(db, "hold_timeout_days", "5", effective="now", note="更短")
    creditline.set_policy(db, "split_window", "09:00-17:00", effective="now")
    creditline.set_policy(db, "late_fee_daily_rate", "0.0005", effective="now")  # unchanged
    creditline.set_policy(db, "hold_timeout_days", "6", effective="2024-06-01T00:00:00+08:00")
    body = creditline.policy_changes(db, merchant).body
    assert body["platform_wide"] is True
    [entry] = body["changes"]
    settings = {s["key"]: s for s in entry["settings"]}
    assert set(settings) == {"hold_timeout_days", "split_window"}
    hold = settings["hold_timeout_days"]
    assert (hold["old"], hold["new"], hold["note"]) == ("7", "5", "更短")
    assert hold["applies_to_lines"] == [line]
    assert hold["applies_to_orders"] is False
    assert settings["split_window"]["applies_to_orders"] is True
    [later] = body["scheduled"]
    assert later["settings"][0]["old"] == "5"
    assert later["settings"][0]["new"] == "6"
    # a consumer without lines: neither the lines' settings nor the orders' touch it
    assert creditline.policy_changes(db, shopper).body["changes"] == []
    creditline.advance_clock(db, "31d")
    assert creditline.policy_changes(db, merchant, 30).body["changes"] != []  # 06-01 took effect
    old = creditline.policy_changes(db, merchant, 2).body
    assert [s["key"] for e in old["changes"] for s in e["settings"]] == ["hold_timeout_days"]
    for bad in (0, 367):
        with pytest.raises(creditline.InvalidInput) as caught:
            creditline.policy_changes(db, merchant, bad)
        assert caught.value.param == "days"


def test_a_holder_password_is_checked_and_a_new_one_ends_the_old_fingerprint(db) -> None:
    from creditline.entrypoints.bootstrap import password_hasher

    hasher = password_hasher()
    merchant, _ = active_line(db, "口令店")
    with pytest.raises(creditline.InvalidInput):
        creditline.set_holder_password(db, merchant, "short", hasher=hasher)
    with pytest.raises(creditline.NotFound):
        creditline.set_holder_password(db, "mer_0000000000000000", "x" * 12, hasher=hasher)
    with pytest.raises(creditline.Unauthenticated):  # none set yet
        creditline.check_holder_password(db, merchant, "x" * 12, hasher=hasher)
    assert creditline.set_holder_password(db, merchant, "x" * 12, hasher=hasher).body == {
        "object": "party",
        "id": merchant,
        "password_set": True,
    }
    who, fingerprint = creditline.check_holder_password(db, merchant, "x" * 12, hasher=hasher)
    assert (who.party_id, who.role, len(fingerprint)) == (merchant, None, 16)
    assert creditline.holder_of_password(db, merchant, fingerprint).party_id == merchant
    with pytest.raises(creditline.Unauthenticated):
        creditline.check_holder_password(db, merchant, "y" * 12, hasher=hasher)
    creditline.set_holder_password(db, merchant, "y" * 12, hasher=hasher)
    with pytest.raises(creditline.Unauthenticated):
        creditline.holder_of_password(db, merchant, fingerprint)


def test_the_window_is_thirty_days(db) -> None:
    merchant, _ = active_line(db, "窗口店")
    creditline.save_service_figures(
        db, merchant, day="2024-04-02", chats=10, answered_within_30s=10, median_seconds=5
    )
    body = creditline.self_check(db, merchant).body
    assert body["window_days"] == 30
    [service] = [i for i in body["items"] if i["item"] == "service_response"]
    assert service["facts"]["days"] == 1  # 04-02 is the 30th day back, counted
    creditline.advance_clock(db, str(timedelta(days=1).days) + "d")
    [service] = [
        i
        for i in creditline.self_check(db, merchant).body["items"]
        if i["item"] == "service_response"
    ]
    assert service["status"] == "no_data"
