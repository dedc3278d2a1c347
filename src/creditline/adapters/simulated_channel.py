"""The simulated payment channel (支付通道) used in sandboxes and tests.

It behaves like a real one where it matters: it keeps its own records (``channel_records``),
it is idempotent per payout id (a payout it already paid is answered as paid again, with the
same reference, and never paid twice; the database refuses a second 'paid' record), and it
fails on demand. ``creditline sandbox fail-payouts --count N --error E`` makes the next N calls
fail, like Stripe's test cards: ``insufficient_balance`` (余额不足) and ``channel_error``
(支付接口失败) pay nothing; ``timeout`` pays but the answer is lost, the hard case.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from creditline.domain.settlement.payouts import ChannelAnswer, ChannelError, Payout
from creditline.service.uow import UnitOfWork

#: Where the failure plan (``{"count": N, "error": E}``) is kept: in the sandbox's own meta
#: table, so that it survives between CLI runs.
_FAILURES_KEY = "sandbox_fail_payouts"


class SimulatedChannel:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def pay(self, payout: Payout, attempt: int, now: datetime) -> ChannelAnswer:
        already = self.uow.payouts.channel_paid(payout.id)
        if already is not None:
            self._record(payout, attempt, "paid_again", already, now)
            return ChannelAnswer(payout.id, attempt, None, already)
        error = self._injected_failure()
        if error is ChannelError.TIMEOUT:
            ref = _ref(payout.id)
            self._record(payout, attempt, "paid", ref, now)
            return ChannelAnswer(payout.id, attempt, ChannelError.TIMEOUT)
        if error is not None:
            self._record(payout, attempt, error.value, None, now)
            return ChannelAnswer(payout.id, attempt, error)
        ref = _ref(payout.id)
        self._record(payout, attempt, "paid", ref, now)
        return ChannelAnswer(payout.id, attempt, None, ref)

    def fail_next(self, count: int, error: ChannelError) -> None:
        plan = {"count": count, "error": error.value}
        self.uow.reference.set_meta_value(_FAILURES_KEY, json.dumps(plan))

    def _record(
        self, payout: Payout, attempt: int, outcome: str, ref: str | None, now: datetime
    ) -> None:
        self.uow.payouts.channel_record(
            payout_id=payout.id,
            attempt=attempt,
            outcome=outcome,
            amount=payout.amount.minor,
            account=payout.account,
            channel_ref=ref,
            now=now,
        )

    def _injected_failure(self) -> ChannelError | None:
        raw = self.uow.reference.meta_value(_FAILURES_KEY)
        if not raw:
            return None
        plan = json.loads(raw)
        if plan["count"] <= 0:
            return None
        plan["count"] -= 1
        self.uow.reference.set_meta_value(_FAILURES_KEY, json.dumps(plan))
        return ChannelError(plan["error"])


def _ref(payout_id: str) -> str:
    return "ch_" + hashlib.sha256(payout_id.encode()).hexdigest()[:20]
