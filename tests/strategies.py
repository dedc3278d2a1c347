"""Hypothesis strategies, in one place (attrs keeps its strategies next to its tests too).

Draws that depend on a test's running state (one of the holds open right now) stay in the test.
"""

from __future__ import annotations

from hypothesis import strategies as st

from creditline.domain.money import MAX_MAJOR_UNITS
from creditline.domain.settlement.payouts import ChannelError

# -- money ------------------------------------------------------------------------------------
#: Any amount Money can hold, in minor units (fen).
MINOR_UNITS = st.integers(0, MAX_MAJOR_UNITS * 100)
#: Signed minor units well past the largest amount, for arithmetic.
SIGNED_MINOR_UNITS = st.integers(-(10**15), 10**15)

# -- the spend flow (the stateful ledger model) -------------------------------------------------
SPEND_AMOUNTS = st.sampled_from(["0.01", "1.00", "999.99", "10000.00", "30000.00", "50000.00"])
#: Allowed on a merchant line, forbidden (a cash-out signal), and not allowed on the product.
SPEND_PURPOSES = st.sampled_from(["procurement", "logistics", "withdraw_cash", "purchase"])
#: Amounts refused as bad input before anything is read or written.
#: The purposes that are a cash-out signal whatever the product.
FORBIDDEN_PURPOSE_NAMES = st.sampled_from(["withdraw_cash", "transfer_wallet", "transfer_bank"])
BAD_AMOUNTS = st.sampled_from(["-1.00", "1.001", "1e3", "NaN", "", "1000000000000.01", "0"])
CAPTURE_PARTS = st.sampled_from(["all", "half", "over"])
#: Hours the clock moves: past one hour, one day, four days, and just past the hold timeout.
HOURS_PASSING = st.sampled_from([1, 24, 100, 169])

# -- the diagnosis and the spend agree ----------------------------------------------------------
DIAGNOSIS_AMOUNTS = st.sampled_from(
    ["1.00", "99.99", "5000.00", "20000.00", "50000.01", "80000.00", "150000.00", "250000.00"]
)
DIAGNOSIS_PURPOSES = st.sampled_from(
    ["procurement"] * 6 + ["commission", "logistics", "purchase", "withdraw_cash"]
)
_SPEND = st.tuples(
    st.just("spend"), DIAGNOSIS_AMOUNTS, st.booleans(), st.sampled_from(["all", "part", "none"])
)
#: One step of the world the diagnosis is checked in; spends are three times as likely.
WORLD_OPS = st.one_of(
    _SPEND,
    _SPEND,
    _SPEND,
    st.tuples(st.just("repay"), DIAGNOSIS_AMOUNTS),
    st.tuples(st.just("advance"), st.sampled_from(["1h", "13h", "1d", "3d", "8d", "11d", "31d"])),
    st.tuples(
        st.just("freeze"),
        st.sampled_from(["risk", "dispute", "operator"]),
        st.one_of(st.none(), DIAGNOSIS_AMOUNTS),
        st.sampled_from(["temporary", "hours", "working_days", "none"]),
    ),
    st.tuples(st.just("lift"), st.integers(0, 3)),
    st.tuples(st.just("licence"), st.sampled_from([-40, -1, 0, 1, 400])),
    st.tuples(
        st.just("policy"),
        st.sampled_from(
            [
                ("max_single_spend", "100000.00"),
                ("large_spend_threshold", "10000.00"),
                ("max_large_spends_per_day", "1"),
                ("occupancy_limit_days", "10"),
                ("temporary_freeze_hours", "48"),
            ]
        ),
    ),
    st.tuples(st.just("run_due")),
    # 额度调整: limits set below or above what is used, a line closed (when nothing is owed)
    # and reopened
    st.tuples(st.just("set_limit"), st.sampled_from(["0.00", "5000.00", "20000.00", "400000.00"])),
    st.tuples(st.just("close")),
    st.tuples(st.just("reopen")),
    # 申诉: an appeal submitted, or the open one decided (restore, partial, reject)
    st.tuples(st.just("appeal"), st.sampled_from(["submit", "restore", "partial", "reject"])),
    # 额度复审: a periodic review now (the licence op makes documents stale, or current again)
    st.tuples(st.just("review")),
)
WORLD_STEPS = st.integers(4, 18)

# -- payouts ----------------------------------------------------------------------------------
#: A channel's answer: paid (None) or one of its errors.
CHANNEL_OUTCOMES = st.sampled_from([None, *ChannelError])
#: Answers as they may arrive: any attempt number, duplicated, reordered.
CHANNEL_ANSWERS = st.lists(st.tuples(st.integers(1, 6), CHANNEL_OUTCOMES), max_size=20)
#: Per order: how many payout calls fail next, and how.
FAILURE_PLANS = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(list(ChannelError))), min_size=1, max_size=6
)

# -- split allocation -------------------------------------------------------------------------
SPLIT_AMOUNTS = st.integers(0, 10**14)
#: Up to six shares in basis points that leave room for the rest to go to repayment.
BASIS_POINTS = st.lists(st.integers(0, 10_000), min_size=1, max_size=6).filter(
    lambda b: sum(b) <= 10_000
)
#: Proceeds of one order, in fen.
PROCEEDS = st.integers(1, 10**14)
#: (supplier, repayment, merchant) shares in basis points that add up to 100 %.
THREE_SHARES = st.integers(0, 10_000).flatmap(
    lambda supplier: st.integers(0, 10_000 - supplier).map(
        lambda repayment: (supplier, repayment, 10_000 - supplier - repayment)
    )
)
