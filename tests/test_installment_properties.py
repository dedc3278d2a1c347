"""Installments through the real use cases over random purchases, tenors, repayments, returns
and clock moves (months of 28-31 days, a leap February): the line's quota and fees agree with
its plans, the ledger verifies, and `why` agrees with the purchase (R16, R20)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from tests.helpers import fresh_db

AMOUNTS = st.integers(min_value=3, max_value=900_000).map(lambda m: Money(m).format())
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), AMOUNTS, st.sampled_from([3, 6, 12])),
        st.tuples(st.just("repay"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(st.just("return"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(st.just("advance"), st.sampled_from(["1d", "3d", "9d", "17d", "31d", "45d"])),
        st.tuples(
            st.just("due"),
        ),
    ),
    min_size=1,
    max_size=7,
)


class Shopper:
    """A shopper's installment line (limit 10,000.00) and a shop, from 31 January 2028."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        creditline.set_clock(db, "2028-01-31T10:00:00+08:00")
        con = creditline.add_party(
            db, kind="consumer", name="李先生", credit_score=700, income="10000.00"
        ).body["id"]
        creditline.verify_party(db, con, real_name=True, settlement_account="6222")
        self.line = creditline.open_line(
            db, con, product="installment", limit="10000.00", key="open"
        ).body["id"]
        creditline.activate_line(db, self.line)
        self.shop = creditline.add_party(db, kind="merchant", name="得物好店").body["id"]
        self.plans: list[str] = []
        self.n = 0

    def key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    def buy(self, amount: str, periods: int) -> None:
        """Ask `why` about the purchase, then make it: both must agree."""
        diagnosed = creditline.why(self.db, self.line, amount=amount, purpose="purchase").body
        with contextlib.suppress(InvalidInput):  # too small an amount for the tenor
            answer = creditline.purchase_installment(
                self.db,
                self.line,
                merchant=self.shop,
                order=f"o{self.n}-{self.key()}",
                amount=amount,
                periods=periods,
                key=self.key(),
            )
            codes = [r["code"] for r in answer.body.get("reasons", [])]
            if answer.refused and codes == ["review_pending"]:
                assert diagnosed["ok"], diagnosed  # why warns of the review instead
                return
            assert diagnosed["ok"] == (not answer.refused), (diagnosed, answer.body)
            assert [r["code"] for r in diagnosed["reasons"]] == codes
            if not answer.refused:
                self.plans.append(answer.body["id"])

    def repay(self, which: int, share: int) -> None:
        if not self.plans:
            return
        plan = creditline.show_installment(self.db, self.plans[which % len(self.plans)]).body
        if plan["status"] != "active":
            return
        payoff = Money.parse(plan["payoff_amount"])
        amount = Money(max(1, payoff.minor * share // 100))
        with contextlib.suppress(InvalidInput):  # late fees caught up may change the payoff
            creditline.repay_installment(
                self.db, plan["id"], amount=amount.format(), key=self.key()
            )

    def give_back(self, which: int, share: int) -> None:
        if not self.plans:
            return
        plan = creditline.show_installment(self.db, self.plans[which % len(self.plans)]).body
        left = Money.parse(plan["amount"]) - Money.parse(plan["returned"])
        if not left.is_positive:
            return
        amount = None if share == 100 else Money(max(1, left.minor * share // 100)).format()
        creditline.return_installment(self.db, plan["id"], amount=amount, key=self.key())

    def check(self) -> None:
        """The line's books agree with its plans, and the ledger verifies."""
        line = creditline.show_line(self.db, self.line).body
        plans = creditline.list_installments(self.db, self.line).body["plans"]
        owed_principal = Money.total(Money.parse(p["owed_principal"]) for p in plans)
        owed_fees = Money.total(Money.parse(p["owed_fees"]) for p in plans)
        assert Money.parse(line["occupied"]) == owed_principal
        assert Money.parse(line["fees_due"]) == owed_fees
        for p in plans:
            principal = Money.total(Money.parse(s["principal"]) for s in p["schedule"])
            released = Money.parse(p["amount"]) - principal
            assert Money.zero() <= released <= Money.parse(p["returned"])
            paid = Money.total(Money.parse(s["paid"]["principal"]) for s in p["schedule"])
            assert paid + released + Money.parse(p["owed_principal"]) == Money.parse(p["amount"])
        if not line.get("frozen") or line["frozen"] == "0.00":
            limit = Money.parse(line["limit"])
            assert Money.parse(line["available"]) + Money.parse(line["occupied"]) <= limit
        report = creditline.verify_ledger(self.db)
        assert report.ok, report.problems


def _run(db: SqlDatabase, steps: list[tuple]) -> None:
    shopper = Shopper(db)
    for step in steps:
        kind = step[0]
        if kind == "buy":
            shopper.buy(step[1], step[2])
        elif kind == "repay":
            shopper.repay(step[1], step[2])
        elif kind == "return":
            shopper.give_back(step[1], step[2])
        elif kind == "advance":
            creditline.advance_clock(db, step[1])
        else:
            creditline.run_due(db)
        shopper.check()


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_settings(8)
@given(steps=STEPS)
def test_quota_paid_and_owed_stay_consistent_with_the_ledger(
    backend: str, steps: list[tuple]
) -> None:
    with fresh_db(backend) as db:
        _run(db, steps)


@pytest.mark.slow
@_settings(150)
@given(steps=STEPS)
def test_quota_paid_and_owed_stay_consistent_over_many_worlds(
    backend: str, steps: list[tuple]
) -> None:
    with fresh_db(backend) as db:
        _run(db, steps)
