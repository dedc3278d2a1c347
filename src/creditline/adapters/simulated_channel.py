"""The simulated payment channel (支付通道) used in sandboxes and tests.

It behaves like a real one where it matters: it keeps its own records (``channel_records``),
it is idempotent per payout id (a payout it already paid is answered as paid again, with the
same reference, and never paid twice; the database refuses a second 'paid' record), and it
fails on demand. ``creditline sandbox fail-payouts --count N --error E`` makes the next N calls
fail, like Stripe's test cards: ``insufficient_balance`` (余额不足) and ``channel_error``
(支付接口失败) pay nothing; ``timeout`` pays but the answer is lost, the hard case; ``hang``
answers nothing for ten times the caller's deadline (``CREDITLINE_CHANNEL_TIMEOUT_S``, 10 s by
default): the call is made on a thread and abandoned at the deadline, and, as after a timeout,
the channel has paid without saying so. The caller waits the deadline, never the hang.

Like a real channel it is outside the caller's transaction: it keeps its records in short
transactions of its own, and waits (a hang) inside none, so no lock of the caller's is held
while it is called.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from datetime import datetime

from creditline.domain.settlement.payouts import ChannelAnswer, ChannelError, ChannelFault, Payout
from creditline.service.uow import Database, UnitOfWork

#: How long a call to the channel may take before the caller gives up on its answer.
TIMEOUT_S = float(os.environ.get("CREDITLINE_CHANNEL_TIMEOUT_S", "10"))
#: A hanging channel stays silent this many deadlines long.
HANG_DEADLINES = 10

#: Where the failure plan (``{"count": N, "error": E}``) is kept: in the sandbox's own meta
#: table, so that it survives between CLI runs.
_FAILURES_KEY = "sandbox_fail_payouts"


class SimulatedChannel:
    def __init__(self, db: Database, *, timeout_s: float = TIMEOUT_S) -> None:
        self.db = db
        self.timeout_s = timeout_s

    def pay(self, payout: Payout, attempt: int, now: datetime) -> ChannelAnswer:
        with self.db.transaction() as uow:
            already = uow.payouts.channel_paid(payout.id)
            if already is not None:
                self._record(uow, payout, attempt, outcome="paid_again", ref=already, now=now)
                return ChannelAnswer(payout.id, attempt, None, already)
            error = self._injected_failure(uow)
        # The call itself, outside any transaction: a hang holds nothing while it lasts.
        if error is ChannelFault.HANG and not self._answers_in_time(
            self.timeout_s * HANG_DEADLINES
        ):
            error = ChannelFault.TIMEOUT
        with self.db.transaction() as uow:
            if error is ChannelFault.TIMEOUT:
                ref = _ref(payout.id)
                self._record(uow, payout, attempt, outcome="paid", ref=ref, now=now)
                return ChannelAnswer(payout.id, attempt, ChannelError.TIMEOUT)
            if error is not None and error is not ChannelFault.HANG:
                self._record(uow, payout, attempt, outcome=error.value, ref=None, now=now)
                return ChannelAnswer(payout.id, attempt, ChannelError(error.value))
            ref = _ref(payout.id)
            self._record(uow, payout, attempt, outcome="paid", ref=ref, now=now)
            return ChannelAnswer(payout.id, attempt, None, ref)

    def _answers_in_time(self, takes_s: float) -> bool:
        """Call a channel that takes ``takes_s`` to answer, on a thread, waiting at most the
        deadline: False when the deadline passed first (the thread is left to finish)."""
        call = threading.Thread(target=time.sleep, args=(takes_s,), daemon=True)
        call.start()
        call.join(self.timeout_s)
        return not call.is_alive()

    def fail_next(self, count: int, error: ChannelFault) -> None:
        plan = {"count": count, "error": error.value}
        with self.db.transaction() as uow:
            uow.reference.set_meta_value(_FAILURES_KEY, json.dumps(plan))

    @staticmethod
    def _record(
        uow: UnitOfWork,
        payout: Payout,
        attempt: int,
        *,
        outcome: str,
        ref: str | None,
        now: datetime,
    ) -> None:
        uow.payouts.channel_record(
            payout_id=payout.id,
            attempt=attempt,
            outcome=outcome,
            amount=payout.amount.minor,
            account=payout.account,
            channel_ref=ref,
            now=now,
        )

    @staticmethod
    def _injected_failure(uow: UnitOfWork) -> ChannelFault | None:
        raw = uow.reference.meta_value(_FAILURES_KEY)
        if not raw:
            return None
        plan = json.loads(raw)
        if plan["count"] <= 0:
            return None
        plan["count"] -= 1
        uow.reference.set_meta_value(_FAILURES_KEY, json.dumps(plan))
        return ChannelFault(plan["error"])


def _ref(payout_id: str) -> str:
    return "ch_" + hashlib.sha256(payout_id.encode()).hexdigest()[:20]
