"""What a refusal tells the holder to do never leads into a risk rule.

For every reason code, a merchant meets it, does what its action says (waits for the time it
names, repays, changes the purpose, renews a document...) and spends again: the risk rules
neither decline that spend nor freeze the line. The spend that was refused is 49,900.00 where
the story allows, just under the large-spend threshold, because that is the amount the
threshold-split rule watches: the retry of a refused spend must not count as the second part
of a split. Every code is listed below, so a new one without a story fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import IdempotencyKeyReused, Refused
from creditline.domain.reasons import TEXTS, ReasonCode
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.idempotency import Answer
from creditline.service.installments import purchases as installments
from creditline.service.quota import freeze_admin as freezes
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from creditline.service.quota import why as diagnosis
from creditline.service.risk import scoring as risk
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import active_line
from tests.test_installments import shopper_and_merchant

NEAR = "49900.00"  # just under the 50,000.00 large-spend threshold
C = ReasonCode
_keys = itertools.count()


def key() -> str:
    return f"k{next(_keys)}"


def spend(db: SqlDatabase, line: str, amount: str = NEAR, purpose: str = "procurement") -> Answer:
    return spending.authorize(db, line, amount=amount, purpose=purpose, key=key())


def reason(answer: Answer, code: ReasonCode) -> dict:
    """The refusal's reason ``code``: the text the holder reads."""
    assert answer.refused, answer.body
    found = [r for r in answer.body["reasons"] if r["code"] == code.value]
    assert found, answer.body["reasons"]
    return found[0]


def why_codes(db: SqlDatabase, line: str) -> set[str]:
    body = diagnosis.why(db, line, amount=NEAR, purpose="procurement").body
    return {r["code"] for r in [*body["reasons"], *body["warnings"]]}


#: A story: it meets its codes, follows their action, and returns the line and the answer to
#: what the holder did last.
Story = Callable[[SqlDatabase], tuple[str, Answer]]


def prerequisites_missing(db: SqlDatabase) -> tuple[str, Answer]:
    """衣尚坊 opened its line before anything was verified; it verifies, binds its account,
    activates, and pays for stock."""
    m = parties.add_party(db, kind="merchant", name="衣尚坊").body["id"]
    line = lines.open_line(db, m, product="merchant_bnpl", limit="500000.00").body["id"]
    assert {"line_not_active", "real_name_missing", "qualification_missing"} <= why_codes(db, line)
    assert "settlement_account_missing" in why_codes(db, line)
    assert spend(db, line).refused
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    lines.activate_line(db, line)
    return line, spend(db, line)


def open_violation(db: SqlDatabase) -> tuple[str, Answer]:
    """A violation stops activation; the merchant resolves it, activates, and spends."""
    m = parties.add_party(db, kind="merchant", name="小王").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    violation = parties.add_violation(db, m, note="虚假发货").body["id"]
    line = lines.open_line(db, m, product="merchant_bnpl", limit="500000.00").body["id"]
    assert "resolve the violation" in reason(spend(db, line), C.OPEN_VIOLATION)["action_en"]
    parties.close_violation(db, violation)
    lines.activate_line(db, line)
    return line, spend(db, line)


def second_line(db: SqlDatabase) -> tuple[str, Answer]:
    """A second line is refused, naming the first; the merchant spends on that one."""
    m, line = active_line(db, limit="500000.00")
    with pytest.raises(Refused) as refused:
        lines.open_line(db, m, product="merchant_bnpl", limit="500000.00")
    [told] = refused.value.reasons
    assert told.code is C.LINE_ALREADY_OPEN
    assert f"use line {line}" in told.action("en")
    return line, spend(db, told.facts["line"])


def cash_attempt(db: SqlDatabase) -> tuple[str, Answer]:
    """A merchant tries to take 49,900.00 as cash, is told to pay for an allowed purpose, and
    pays its supplier the same amount."""
    _, line = active_line(db, limit="500000.00")
    told = reason(spend(db, line, purpose="withdraw_cash"), C.PURPOSE_FORBIDDEN)
    assert "a purpose this line allows" in told["action_en"]
    return line, spend(db, line)


def purpose_of_another_product(db: SqlDatabase) -> tuple[str, Answer]:
    _, line = active_line(db, limit="500000.00")
    told = reason(spend(db, line, purpose="purchase"), C.PURPOSE_NOT_ALLOWED)
    assert "a purpose this line allows" in told["action_en"]
    return line, spend(db, line)


def quota_used_up(db: SqlDatabase) -> tuple[str, Answer]:
    """80,000 of 100,000 is occupied; a 49,900 spend is refused; the merchant repays the
    shortfall and pays the same 49,900."""
    _, line = active_line(db, limit="100000.00")
    spending.capture(db, spend(db, line, amount="80000.00").body["id"], amount=None, key=key())
    told = reason(spend(db, line), C.INSUFFICIENT_AVAILABLE)
    assert "repay" in told["action_en"]
    spending.repay(db, line, amount=told["facts"]["shortfall"], key=key())
    return line, spend(db, line)


def large_spends_used_up(db: SqlDatabase) -> tuple[str, Answer]:
    """Five spends above 50,000 today; the sixth is told when the count starts again and how
    to ask for more, not to pay smaller amounts (two of 49,900 would be a split). It waits."""
    _, line = active_line(db, limit="1000000.00")
    for _ in range(5):
        assert not spend(db, line, amount="60000.00").refused
    told = reason(spend(db, line, amount="60000.00"), C.DAILY_LARGE_SPEND_COUNT)
    assert "00:00 Beijing time (2024-05-02 00:00)" in told["action_en"]
    assert "北京时间0点（2024-05-02 00:00）" in told["action_zh"]
    assert "contact the platform to ask for a higher daily count" in told["action_en"]
    clock.set_clock(db, told["clears_at"])
    return line, spend(db, line, amount="60000.00")


def temporary_freeze(db: SqlDatabase) -> tuple[str, Answer]:
    """A 24-hour risk freeze refuses 49,900; the merchant waits it out and pays again."""
    _, line = active_line(db, limit="500000.00")
    freezes.add_freeze(db, line, reason="risk", temporary=True, key=key())
    told = reason(spend(db, line), C.LINE_FROZEN)
    assert "it ends by itself" in told["action_en"]
    clock.set_clock(db, told["clears_at"])
    return line, spend(db, line)


def licence_expired(db: SqlDatabase) -> tuple[str, Answer]:
    m, line = active_line(db, limit="500000.00")
    parties.add_document(
        db, m, doc_type="business_licence", submitted="2019-04-30", expires="2024-04-30"
    )
    told = reason(spend(db, line), C.DOCUMENT_EXPIRED)
    assert "submit a valid business licence" in told["action_en"]
    parties.add_document(
        db, m, doc_type="business_licence", submitted="2024-05-01", expires="2029-04-30"
    )
    return line, spend(db, line)


def occupancy_overdue(db: SqlDatabase) -> tuple[str, Answer]:
    """Order TB1 sat unconfirmed for 31 days: run-due froze the line and charged a late fee.
    The merchant repays what the refusal names and spends again."""
    _, line = active_line(db, limit="500000.00")
    hold = spending.authorize(
        db, line, amount="10000.00", purpose="procurement", key=key(), order="TB1"
    )
    spending.capture(db, hold.body["id"], amount=None, key=key())
    clock.advance_clock(db, "31d")
    run_due(db)
    refused = spend(db, line)
    told = reason(refused, C.OCCUPANCY_OVERDUE)
    frozen = reason(refused, C.LINE_FROZEN)
    assert "repaid" in frozen["action_en"]
    assert f"repay {told['facts']['repay_to_lift']} to lift it" in told["action_en"]
    spending.repay(db, line, amount=told["facts"]["repay_to_lift"], key=key())
    return line, spend(db, line)


def installment_overdue(db: SqlDatabase) -> tuple[str, Answer]:
    """A shopper's first period sat unpaid past its due date and grace days: run-due froze
    the line. She repays what the refusal names and buys again."""
    line, shop = shopper_and_merchant(db)
    plan = installments.purchase_installment(
        db, line, merchant=shop, order="DW1", amount="1000.00", periods=6, key=key()
    ).body
    clock.set_clock(db, "2026-03-12T10:00:00+08:00")
    run_due(db)
    refused = spend(db, line, amount="10.00", purpose="purchase")
    told = reason(refused, C.INSTALLMENT_OVERDUE)
    assert told["facts"]["plan"] == plan["id"]
    assert f"repay {told['facts']['repay_to_lift']}" in told["action_en"]
    installments.repay_installment(db, plan["id"], amount=told["facts"]["repay_to_lift"], key=key())
    return line, spend(db, line, amount="10.00", purpose="purchase")


def split_rule_without_repayment(db: SqlDatabase) -> tuple[str, Answer]:
    m, line = active_line(db, limit="500000.00")
    splits.set_split_rule(db, m, rule="merchant:100")
    assert "split_no_repayment" in why_codes(db, line)
    assert TEXTS[C.SPLIT_NO_REPAYMENT].action_en == (
        "change the split rule to send a share to repayment"
    )
    splits.set_split_rule(db, m, rule="repayment:30,merchant:70")
    assert "split_no_repayment" not in why_codes(db, line)
    return line, spend(db, line)


def balance_not_settled(db: SqlDatabase) -> tuple[str, Answer]:
    """A balance settled on 30 September is withdrawn on 7 October, is told to wait for 8
    October, and is withdrawn then."""
    clock.set_clock(db, "2024-09-30T11:00:00+08:00")
    m, line = active_line(db, limit="500000.00")
    splits.set_split_rule(db, m, rule="merchant:100")
    orders.add_order(db, m, order_id="TB1", amount="2000.00", buyer="b")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    run_due(db)
    clock.set_clock(db, "2024-10-07T15:00:00+08:00")
    told = reason(funds.withdraw(db, m, amount="2000.00", key=key()), C.FUNDS_NOT_YET_AVAILABLE)
    assert told["action_en"] == "withdraw on or after 2024-10-08"
    clock.set_clock(db, "2024-10-08T09:00:00+08:00")
    return line, funds.withdraw(db, m, amount="2000.00", key=key())


def hold_expired(db: SqlDatabase) -> tuple[str, Answer]:
    _, line = active_line(db, limit="500000.00")
    hold = spend(db, line).body["id"]
    clock.advance_clock(db, "8d")
    told = reason(spending.capture(db, hold, amount=None, key=key()), C.HOLD_EXPIRED)
    assert told["action_en"] == "authorize again"
    return line, spend(db, line)


def repaid_too_much(db: SqlDatabase) -> tuple[str, Answer]:
    _, line = active_line(db, limit="500000.00")
    spending.capture(db, spend(db, line, amount="10000.00").body["id"], amount=None, key=key())
    told = reason(spending.repay(db, line, amount="20000.00", key=key()), C.REPAYMENT_EXCEEDS_OWED)
    assert told["action_en"] == "repay no more than 10000.00"
    assert not spending.repay(db, line, amount=told["facts"]["owed"], key=key()).refused
    return line, spend(db, line)


def spend_held_for_review(db: SqlDatabase) -> tuple[str, Answer]:
    """Logins from three new phones send the next spend to an operator; the merchant waits for
    the review, as told, then captures."""
    m, line = active_line(db, limit="500000.00")
    for phone in ("p1", "p2", "p3"):
        risk.record_login(db, m, device=phone, ip="10.0.0.1")
    held = spend(db, line).body
    assert held["status"] == "review"
    assert held["risk"]["notice"]["code"] == C.RISK_REVIEW.value
    assert "you will be told the result" in held["risk"]["notice"]["action_en"]
    told = reason(spending.capture(db, held["id"], amount=None, key=key()), C.REVIEW_PENDING)
    assert told["action_en"] == "wait for the review"
    [pending] = [d for d in risk.queue(db).body["pending"] if d["subject"] == held["id"]]
    risk.decide(db, pending["id"], verdict="approve", by="ops-li", note="known phones")
    return line, spending.capture(db, held["id"], amount=None, key=key())


def key_reused(db: SqlDatabase) -> tuple[str, Answer]:
    _, line = active_line(db, limit="500000.00")
    spending.authorize(db, line, amount="2000.00", purpose="procurement", key="order-7")
    with pytest.raises(IdempotencyKeyReused) as reused:
        spending.authorize(db, line, amount="1000.00", purpose="procurement", key="order-7")
    assert reused.value.code == C.IDEMPOTENCY_KEY_REUSED.value
    assert TEXTS[C.IDEMPOTENCY_KEY_REUSED].action_en == "use a new key for each new request"
    return line, spend(db, line, amount="1000.00")


STORIES: dict[Story, set[ReasonCode]] = {
    prerequisites_missing: {
        C.LINE_NOT_ACTIVE,
        C.REAL_NAME_MISSING,
        C.QUALIFICATION_MISSING,
        C.SETTLEMENT_ACCOUNT_MISSING,
    },
    open_violation: {C.OPEN_VIOLATION},
    second_line: {C.LINE_ALREADY_OPEN},
    cash_attempt: {C.PURPOSE_FORBIDDEN},
    purpose_of_another_product: {C.PURPOSE_NOT_ALLOWED},
    quota_used_up: {C.INSUFFICIENT_AVAILABLE},
    large_spends_used_up: {C.DAILY_LARGE_SPEND_COUNT},
    temporary_freeze: {C.LINE_FROZEN},
    licence_expired: {C.DOCUMENT_EXPIRED},
    occupancy_overdue: {C.OCCUPANCY_OVERDUE, C.LINE_FROZEN},
    installment_overdue: {C.INSTALLMENT_OVERDUE},
    split_rule_without_repayment: {C.SPLIT_NO_REPAYMENT},
    balance_not_settled: {C.FUNDS_NOT_YET_AVAILABLE},
    hold_expired: {C.HOLD_EXPIRED},
    repaid_too_much: {C.REPAYMENT_EXCEEDS_OWED},
    spend_held_for_review: {C.RISK_REVIEW, C.REVIEW_PENDING},
    key_reused: {C.IDEMPOTENCY_KEY_REUSED},
}

#: Codes whose action asks for no spend and no withdrawal, with the words of the action that
#: say what it asks instead.
NOT_A_SPEND: dict[ReasonCode, str] = {
    C.LINE_CLOSED: "contact the platform",
    C.SINGLE_SPEND_LIMIT: "contact the platform to ask for a limit review",
    C.RISK_DECLINED: "contact customer service",
    C.CORE_SHARE_BELOW_ADVICE: "core suppliers above 60%",
    C.CORE_SUPPLIERS_BELOW_ADVICE: "add more core suppliers",
    C.ORDER_NOT_SHIPPED: "ship it first",
    C.AFTER_SALE_CLOSED: "settle it with the buyer",
    # an initial assessment that refers (credit decisions, not spends)
    C.SCORE_BELOW_BANDS: "ask for a new assessment",
    C.CREDIT_SCORE_LOW: "improve the credit score",
    C.INCOME_TOO_LOW: "declare a monthly income",
    C.NO_SETTLED_SALES: "once buyers confirm receipt",
    C.APPLICATION_MISSING: "submit a credit application",
    # appeals (申诉): waiting for a decision, then appealing again with new evidence
    C.APPEAL_ALREADY_OPEN: "wait for the decision on it",
    C.APPEAL_PENDING: "wait for the decision on it",
    # limits and line changes (额度调整): repay, appeal, or ask for a new assessment
    C.LINE_NOT_SETTLED: "void the open holds and repay",
    C.LIMIT_REDUCED: "you may appeal the change",
    C.ASSESSMENT_REFERRED: "assess again",
}

#: Codes that advise nothing: request errors, states an operator meets, the sandbox's guards.
NO_ACTION = {
    C.INSUFFICIENT_BALANCE,
    C.HOLD_NOT_AUTHORIZED,
    C.CAPTURE_EXCEEDS_HOLD,
    C.REFUND_EXCEEDS_CAPTURED,
    C.CURRENCY_MISMATCH,
    C.REVIEW_NOT_PENDING,
    C.CASE_CLOSED,
    C.APPEAL_NOT_OPEN,
    C.LINE_NOT_CLOSED,
    C.CLOCK_NOT_SANDBOX,
    C.CLOCK_BACKWARDS,
    C.SANDBOX_ONLY,
}


def test_every_reason_code_has_a_story_that_follows_its_action_or_says_why_not() -> None:
    followed = set().union(*STORIES.values())
    assert followed.isdisjoint(NOT_A_SPEND)
    assert followed.isdisjoint(NO_ACTION)
    assert set(NOT_A_SPEND).isdisjoint(NO_ACTION)
    assert followed | set(NOT_A_SPEND) | NO_ACTION == set(ReasonCode)


@pytest.mark.parametrize("code", sorted(NOT_A_SPEND), ids=str)
def test_an_action_that_asks_for_no_spend_says_what_it_asks(code: ReasonCode) -> None:
    assert NOT_A_SPEND[code] in TEXTS[code].action_en


@pytest.mark.parametrize("code", sorted(NO_ACTION), ids=str)
def test_a_code_listed_as_advising_nothing_advises_nothing(code: ReasonCode) -> None:
    assert (TEXTS[code].action_zh, TEXTS[code].action_en) == ("", "")


def test_no_action_tells_the_holder_to_pay_smaller_or_split_amounts() -> None:
    """Two spends just under the large-spend threshold are what split_under_threshold declines
    and freezes: no action text may lead there."""
    words = ("smaller", "split into", "in amounts", "小额", "拆分", "分多笔", "分成")
    advising = {
        code.value: text
        for code, t in TEXTS.items()
        for text in (t.action_zh, t.action_en)
        if any(w in text for w in words)
    }
    assert advising == {}


@pytest.mark.parametrize("story", list(STORIES), ids=lambda s: s.__name__)
def test_following_what_a_refusal_advises_is_never_declined_or_frozen_by_the_risk_rules(
    db: SqlDatabase, story: Story
) -> None:
    line, answer = story(db)
    assert not answer.refused, answer.body
    assert answer.body.get("status") != "declined", answer.body
    assert answer.body.get("risk", {}).get("outcome") != "decline", answer.body
    standing = freezes.list_freezes(db, line).body["freezes"]
    assert [f["id"] for f in standing if f["reason"] == "risk" and f["in_force"]] == []
