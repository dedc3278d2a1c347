"""Rule stories: policy versions, working days, freezes, documents, limits, occupancy."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.holiday_source import ChineseCalendar, parse_notice
from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.workdays import next_workday
from creditline.service import policy_admin as policy
from creditline.service import sandbox_clock as clock
from creditline.service import workday_notices as calendar
from creditline.service.due_jobs import run_due
from creditline.service.event_log import list_events
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import freeze_admin as freezes
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.quota import why as diagnosis


def merchant_line(db: SqlDatabase, limit: str = "100000.00", at: str | None = None) -> str:
    if at:
        clock.set_clock(db, at)
    m = parties.add_party(db, kind="merchant", name="小王", category="digital").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit=limit).body["id"]
    lines.activate_line(db, line)
    return line


def codes(answer_body: dict) -> list[str]:
    return [r["code"] for r in answer_body["reasons"]]


class Keys:
    n = 0

    def __call__(self) -> str:
        Keys.n += 1
        return f"key-{Keys.n}"


key = Keys()


# -- policy -----------------------------------------------------------------------------------
def test_the_temporary_freeze_lasted_72_hours_before_2023_09_01_and_24_after(db):
    before = policy.show_policy(db, "2023-08-31T23:59:59+08:00").body
    after = policy.show_policy(db, "2023-09-01T00:00:00+08:00").body
    assert before["values"]["temporary_freeze_hours"]["value"] == "72"
    assert after["values"]["temporary_freeze_hours"]["value"] == "24"
    assert before["version"] != after["version"]


def test_a_freeze_takes_the_duration_in_force_when_it_starts(db):
    line = merchant_line(db, at="2023-08-31T10:00:00+08:00")
    old = freezes.add_freeze(db, line, reason="risk", temporary=True, key=key()).body
    assert old["ends_at"] == "2023-09-03T10:00:00+08:00"  # 72 hours
    clock.set_clock(db, "2023-09-01T10:00:00+08:00")
    new = freezes.add_freeze(db, line, reason="risk", temporary=True, key=key()).body
    assert new["ends_at"] == "2023-09-02T10:00:00+08:00"  # 24 hours
    assert old["policy_version"] != new["policy_version"]


def test_a_policy_change_is_never_retroactive_and_is_announced(db):
    with pytest.raises(InvalidInput) as bad:
        policy.set_policy(db, "max_single_spend", "100.00", effective="2024-04-30T10:00:00+08:00")
    assert bad.value.param == "effective"
    changed = policy.set_policy(
        db, "max_single_spend", "2000.00", effective="2024-05-02T00:00:00+08:00", note="风控收紧"
    ).body
    assert policy.show_policy(db).body["values"]["max_single_spend"]["value"] == "1000000.00"
    scheduled = policy.show_policy(db).body["scheduled"]
    assert [s["version"] for s in scheduled] == [changed["version"]]
    events = list_events(db, event_type="policy.changed").body["data"]
    assert events[-1]["payload"]["value"] == "2000.00"


@pytest.mark.parametrize(
    ("key_", "value", "param"),
    [
        ("nope", "1", "key"),
        ("max_single_spend", "-1", "value"),
        ("late_fee_daily_rate", "1e-3", "value"),
        ("split_window", "16:00-10:00", "value"),
        ("hold_timeout_days", "0", "value"),
    ],
)
def test_bad_policy_values_name_the_field_and_change_nothing(db, key_, value, param):
    before = policy.show_policy(db).body
    with pytest.raises(InvalidInput) as bad:
        policy.set_policy(db, key_, value, effective="now")
    assert bad.value.param == param
    assert policy.show_policy(db).body == before


def test_every_decision_records_the_policy_version_it_used(db):
    line = merchant_line(db)
    first = spending.authorize(db, line, amount="10.00", purpose="procurement", key=key()).body
    changed = policy.set_policy(db, "hold_timeout_days", "3", effective="now").body
    second = spending.authorize(db, line, amount="10.00", purpose="procurement", key=key()).body
    assert first["policy_version"] != second["policy_version"] == changed["version"]


# -- working days -----------------------------------------------------------------------------
def test_the_next_working_day_after_national_day_2024():
    cal = ChineseCalendar()
    assert next_workday(cal, date(2024, 9, 30)) == (date(2024, 10, 8), False)
    # 2024-09-29 was a Sunday worked in exchange (调休)
    assert cal.info(date(2024, 9, 29)).is_workday


def test_an_unknown_year_counts_weekdays_and_says_so():
    day, provisional = next_workday(ChineseCalendar(), date(2031, 1, 3))
    assert (day, provisional) == (date(2031, 1, 6), True)


def test_a_loaded_notice_wins_over_the_package(db, tmp_path: Path):
    notice = {
        "year": 2027,
        "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}],
        "workdays": [{"name": "春节调休", "date": "2027-02-14"}],
    }
    calendar.load_calendar(db, parse_notice(json.dumps(notice)), "2027.json")
    body = calendar.next_working_day(db, "2027-02-05").body
    assert body == {"date": "2027-02-14", "from": "2027-02-05", "days": 1, "provisional": False}


def test_bad_notices_and_dates_are_refused():
    with pytest.raises(InvalidInput):
        parse_notice("{")
    with pytest.raises(InvalidInput):
        parse_notice(json.dumps({"year": 2027, "holidays": [{"from": "x", "to": "y"}]}))


def test_run_due_warns_60_days_before_the_calendar_runs_out(db):
    clock.set_clock(db, "2026-11-01T10:00:00+08:00")
    first = run_due(db).body["calendar_alert"]
    assert first is not None
    assert first["known_until"] == "2026-12-31"
    assert run_due(db).body["calendar_alert"] is None  # raised once


# -- freezes ----------------------------------------------------------------------------------
def test_several_freezes_stand_and_lifting_one_leaves_the_others(db):
    line = merchant_line(db)
    risk = freezes.add_freeze(db, line, reason="risk", key=key()).body
    dispute = freezes.add_freeze(db, line, reason="dispute", key=key()).body
    why = diagnosis.why(db, line, amount="1.00", purpose="procurement").body
    assert {r["facts"]["freeze"] for r in why["reasons"]} == {risk["id"], dispute["id"]}
    freezes.lift_freeze(db, risk["id"], note="cleared by review", key=key())
    why = diagnosis.why(db, line, amount="1.00", purpose="procurement").body
    assert [r["facts"]["freeze"] for r in why["reasons"]] == [dispute["id"]]
    history = freezes.list_freezes(db, line).body["freezes"]
    assert {(f["id"], f["status"]) for f in history} == {
        (risk["id"], "lifted"),
        (dispute["id"], "active"),
    }
    with pytest.raises(InvalidInput):
        freezes.lift_freeze(db, dispute["id"], note="", key=key())


def test_an_amount_freeze_lowers_available_and_shows_in_the_breakdown(db):
    line = merchant_line(db)
    f = freezes.add_freeze(db, line, reason="dispute", amount="30000.00", key=key()).body
    shown = lines.show_line(db, line).body
    assert (shown["frozen"], shown["available"]) == ("30000.00", "70000.00")
    refused = spending.authorize(db, line, amount="80000.00", purpose="procurement", key=key())
    assert codes(refused.body) == ["insufficient_available"]
    facts = refused.body["reasons"][0]["facts"]
    assert facts["amount_freezes"][0]["freeze"] == f["id"]
    freezes.lift_freeze(db, f["id"], note="dispute settled", key=key())
    assert lines.show_line(db, line).body["available"] == "100000.00"
    assert verify_ledger(db).ok


def test_an_amount_freeze_larger_than_what_is_free_fills_as_quota_comes_back(db):
    line = merchant_line(db)
    hold = spending.authorize(db, line, amount="90000.00", purpose="procurement", key=key())
    spending.capture(db, hold.body["id"], amount=None, key=key())
    freezes.add_freeze(db, line, reason="risk", amount="50000.00", key=key())
    assert lines.show_line(db, line).body["available"] == "0.00"
    spending.repay(db, line, amount="60000.00", key=key())
    shown = lines.show_line(db, line).body
    assert (shown["frozen"], shown["available"]) == ("50000.00", "20000.00")
    assert verify_ledger(db).ok


def test_a_freeze_for_two_working_days_skips_the_holiday(db):
    line = merchant_line(db, at="2024-09-30T15:00:00+08:00")
    f = freezes.add_freeze(db, line, reason="operator", working_days=2, key=key()).body
    assert f["ends_at"] == "2024-10-09T15:00:00+08:00"  # 10-08 and 10-09 are the next two


def test_a_temporary_freeze_ends_by_itself_and_run_due_records_it(db):
    line = merchant_line(db)
    f = freezes.add_freeze(db, line, reason="risk", amount="1000.00", hours=5, key=key()).body
    clock.advance_clock(db, "5h")
    assert diagnosis.why(db, line, amount="100000.00", purpose="procurement").body["ok"]
    assert run_due(db).body["expired_freezes"] == [f["id"]]
    assert lines.show_line(db, line).body["frozen"] == "0.00"
    assert verify_ledger(db).ok


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"reason": "bored"}, "reason"),
        ({"reason": "risk", "amount": "-1"}, "amount"),
        ({"reason": "risk", "temporary": True, "hours": 3}, "hours"),
        ({"reason": "risk", "working_days": 0}, "working_days"),
    ],
)
def test_bad_freezes_are_refused_and_change_nothing(db, kwargs, param):
    line = merchant_line(db)
    with pytest.raises(InvalidInput) as bad:
        freezes.add_freeze(db, line, key=key(), **kwargs)
    assert bad.value.param == param
    assert freezes.list_freezes(db, line).body["freezes"] == []


# -- documents --------------------------------------------------------------------------------
def test_an_expired_business_licence_stops_spending_and_is_named(db):
    line = merchant_line(db)
    merchant = lines.show_line(db, line).body["party"]
    doc = parties.add_document(
        db, merchant, doc_type="business_licence", submitted="2020-01-01", expires="2024-04-30"
    ).body
    refused = spending.authorize(db, line, amount="1.00", purpose="procurement", key=key())
    assert codes(refused.body) == ["document_expired"]
    assert refused.body["reasons"][0]["facts"]["document"] == doc["id"]
    parties.add_document(
        db, merchant, doc_type="business_licence", submitted="2024-05-01", expires="2029-04-30"
    )
    ok = spending.authorize(db, line, amount="1.00", purpose="procurement", key=key())
    assert ok.body["status"] == "authorized"


def test_an_expired_tax_registration_does_not_stop_spending(db):
    line = merchant_line(db)
    merchant = lines.show_line(db, line).body["party"]
    parties.add_document(
        db, merchant, doc_type="tax_registration", submitted="2020-01-01", expires="2021-01-01"
    )
    assert diagnosis.why(db, line, amount="1.00", purpose="procurement").body["ok"]


# -- spend limits -----------------------------------------------------------------------------
def test_a_spend_above_the_per_spend_maximum_is_declined(db):
    line = merchant_line(db, limit="5000000.00")
    refused = spending.authorize(db, line, amount="1000000.01", purpose="procurement", key=key())
    assert codes(refused.body) == ["single_spend_limit"]


def test_the_sixth_large_spend_of_a_day_waits_for_midnight_in_shanghai(db):
    line = merchant_line(db, limit="1000000.00")
    for _ in range(5):
        ok = spending.authorize(db, line, amount="50000.01", purpose="procurement", key=key())
        assert ok.body["status"] == "authorized"
    sixth = spending.authorize(db, line, amount="50000.01", purpose="procurement", key=key())
    assert codes(sixth.body) == ["daily_large_spend_count"]
    assert sixth.body["reasons"][0]["clears_at"] == "2024-05-02T00:00:00+08:00"
    small = spending.authorize(db, line, amount="50000.00", purpose="procurement", key=key())
    assert small.body["status"] == "authorized"  # at the threshold is not large
    clock.set_clock(db, "2024-05-02T00:00:00+08:00")
    again = spending.authorize(db, line, amount="50000.01", purpose="procurement", key=key())
    assert again.body["status"] == "authorized"


# -- occupancy and late fees ------------------------------------------------------------------
def test_xiaowang_unconfirmed_31_days_is_frozen_told_why_repays_and_spends_again(db):
    line = merchant_line(db)
    hold = spending.authorize(
        db, line, amount="30000.00", purpose="procurement", order="TB001", key=key()
    )
    spending.capture(db, hold.body["id"], amount=None, key=key())
    clock.advance_clock(db, "31d")
    assert len(run_due(db).body["occupancy_freezes"]) == 1
    why = diagnosis.why(db, line, amount="100.00", purpose="procurement").body
    assert codes(why) == ["line_frozen", "occupancy_overdue"]
    overdue = why["reasons"][1]["facts"]
    assert overdue["orders"][0]["order"] == "TB001"
    assert overdue["oldest_days"] == 31
    assert overdue["repay_to_lift"] == "30000.00"
    repaid = spending.repay(db, line, amount="30000.00", key=key()).body
    assert len(repaid["lifted_freezes"]) == 1
    assert diagnosis.why(db, line, amount="100.00", purpose="procurement").body["ok"]


def test_overdue_occupancy_accrues_a_late_fee_in_the_ledger(db):
    line = merchant_line(db)
    hold = spending.authorize(db, line, amount="10000.00", purpose="procurement", key=key())
    spending.capture(db, hold.body["id"], amount=None, key=key())
    clock.advance_clock(db, "35d")  # captured 05-01; days 06-01..06-04 are overdue, charged
    run_due(db)
    # 10,000.00 x 0.0005 = 5.00 a day, 4 whole days overdue
    assert lines.show_line(db, line).body["fees_due"] == "20.00"
    run_due(db)
    assert lines.show_line(db, line).body["fees_due"] == "20.00"  # never charged twice
    clock.advance_clock(db, "1d")
    run_due(db)
    assert lines.show_line(db, line).body["fees_due"] == "25.00"
    assert verify_ledger(db).ok


def test_the_diagnosis_names_a_recent_policy_change_with_both_versions(db):
    line = merchant_line(db, limit="5000000.00")
    policy.set_policy(db, "max_single_spend", "20000.00", effective="now", note="收紧")
    why = diagnosis.why(db, line, amount="30000.00", purpose="procurement").body
    change = why["reasons"][0]["facts"]["policy_changes"][0]
    assert (change["from"], change["to"]) == ("1000000.00", "20000.00")
    assert change["from_version"] != change["to_version"]


def test_a_line_not_yet_activated_is_told_each_missing_prerequisite(db):
    m = parties.add_party(db, kind="merchant", name="新店").body["id"]
    line = lines.open_line(db, m, product="merchant_bnpl", limit="1000.00").body["id"]
    why = diagnosis.why(db, line, amount="1.00", purpose="withdraw_cash").body
    assert codes(why) == [
        "line_not_active",
        "real_name_missing",
        "qualification_missing",
        "settlement_account_missing",
        "purpose_forbidden",
    ]
    declined = spending.authorize(db, line, amount="1.00", purpose="withdraw_cash", key=key())
    assert codes(declined.body) == codes(why)
    with pytest.raises(Refused):
        lines.activate_line(db, line)
