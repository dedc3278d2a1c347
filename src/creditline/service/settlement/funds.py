"""Use cases for the money side (资金): the funds book, payouts, compensation, withdrawals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.ledger import FUNDS_BOOK, Account, Balances, Head, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.lines import require_positive
from creditline.domain.quota.parties import PartyKind
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.rules import Event, Outcome
from creditline.domain.settlement.payouts import (
    ChannelAnswer,
    ChannelFault,
    Payout,
    PayoutKind,
    PayoutRecord,
    PayoutStatus,
    compensation,
)
from creditline.domain.settlement.splits import next_window
from creditline.domain.settlement.withdrawals import Lot, withdrawal_refusal
from creditline.domain.workdays import SHANGHAI, iso_local, local_date, next_workday
from creditline.service.idempotency import Answer, check_key, retried, run_once
from creditline.service.ids import new_id
from creditline.service.ledger_posting import post_to_book
from creditline.service.risk.scoring import assess_withdrawal, holder_reasons, record, verdict_json
from creditline.service.uow import Database, UnitOfWork


def funds_json(b: Balances) -> dict[str, str]:
    """The funds book as the merchant sees it: clearing is left out, being the platform's side
    of every movement rather than any of the merchant's money."""
    return {a.value: b[a].format() for a in FUNDS_BOOK.accounts if a is not Account.CLEARING}


def payout_json(record: PayoutRecord) -> dict[str, Any]:
    p = record.payout
    return {
        "id": p.id,
        "party": p.party_id,
        "kind": p.kind.value,
        "supplier": p.supplier_id,
        "order": p.order_id,
        "account": p.account,
        "amount": p.amount.format(),
        "currency": p.amount.currency,
        "status": p.status.value,
        "attempts": p.attempts,
        "failures_in_row": p.failures_in_row,
        "compensated": p.compensated,
        "last_error": p.last_error,
        "channel_ref": p.channel_ref,
        "next_attempt_at": iso_local(p.next_attempt_at),
        "created_at": iso_local(record.created_at),
        "paid_at": iso_local(record.paid_at) if record.paid_at else None,
    }


def post_funds(
    uow: UnitOfWork, party_id: str, movement_id: str, now: datetime, transfers: list[Transfer]
) -> Balances:
    """Post ``transfers`` to the party's funds book (资金账本), chained like a line's book."""
    currency = transfers[0].amount.currency if transfers else "CNY"
    locked = uow.funds.lock_funds(party_id, currency, now)
    head = Head(party_id, locked.seq, locked.head_hash, locked.balances)
    return post_to_book(uow.funds, head, movement_id, transfers, now).balances


def settle_to_merchant(
    uow: UnitOfWork, party_id: str, amount: Money, source: str, now: datetime
) -> Lot:
    """Record money credited to the merchant's balance: withdrawable from the next working
    day (T+1, Chinese calendar), provisional when that day is an estimate."""
    available_on, provisional = next_workday(uow.reference.calendar(), local_date(now))
    lot_id = new_id("stl")
    uow.funds.insert_settlement(
        party_id=party_id,
        lot_id=lot_id,
        amount=amount.minor,
        source=source,
        settled_at=now,
        available_on=available_on,
        provisional=provisional,
    )
    return Lot(available_on, amount.minor, provisional)


def following_window(uow: UnitOfWork, now: datetime) -> datetime:
    """The opening of the split window on the next working day after today."""
    window = uow.reference.policy(now).raw("split_window")
    tomorrow = datetime.combine(local_date(now) + timedelta(days=1), time(0), SHANGHAI)
    return next_window(uow.reference.calendar(), tomorrow.astimezone(UTC), window)


#: How long a claimed payout is kept from other payout runs while its channel call is out: far
#: past any channel's deadline. A run that dies mid-call leaves the claim to lapse, and the
#: payout is tried again as its next attempt (the channel answers a payout it already paid as
#: paid again, never twice).
CLAIM_LEASE = timedelta(minutes=10)


def process_payouts(db: Database, *, batch: int = 200) -> list[dict[str, Any]]:
    """Attempt every payout that is due; supplier payouts only inside the split window.

    Each payout in three steps, so that no lock is held while the channel answers (or hangs):
    claim it under the party's funds lock (one transaction), call the channel outside any
    transaction, then record the answer under the lock again (a second transaction)."""
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        due = uow.payouts.due_payouts(now, batch)
        window = uow.reference.policy(now).raw("split_window")
        in_window = next_window(uow.reference.calendar(), now, window) == now
    results = []
    for _party_id, payout_id in due:
        with db.transaction() as uow:
            claimed = _claim(uow, payout_id, in_window=in_window)
        if claimed is None:
            continue
        payout, now = claimed
        answer = db.channel().pay(payout, payout.attempts, now)
        with db.transaction() as uow:
            result = _record_answer(uow, payout, answer)
        if result:
            results.append(result)
    return results


def _claim(uow: UnitOfWork, payout_id: str, *, in_window: bool) -> tuple[Payout, datetime] | None:
    """The payout, if it is due, with its new attempt counted and kept from other runs for
    the call (``attempts`` is the call's number), and the claim's time."""
    now = uow.reference.now()
    first = uow.payouts.get_payout(payout_id)
    uow.funds.lock_funds(first.party_id, first.amount.currency, now)
    # Read again under the lock: another run may have claimed or paid it meanwhile.
    payout = uow.payouts.get_payout(payout_id)
    if payout.status is PayoutStatus.PAID or payout.next_attempt_at > now:
        return None
    if payout.kind is PayoutKind.SUPPLIER and not in_window:
        return None
    # Counted at the claim: each call has its own number.
    claimed = replace(payout, attempts=payout.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
    uow.payouts.update_payout(claimed, now)
    return claimed, now


def _record_answer(uow: UnitOfWork, claimed: Payout, answer: ChannelAnswer) -> dict[str, Any]:
    """The channel's answer to a claimed attempt, under the party's funds lock."""
    now = uow.reference.now()
    uow.funds.lock_funds(claimed.party_id, claimed.amount.currency, now)
    payout = uow.payouts.get_payout(claimed.id)
    attempt = claimed.attempts
    if payout.status is PayoutStatus.PAID or payout.attempts != attempt:
        return {}  # a later claim took over (this one had lapsed): its answer counts
    after = payout.answered(answer, now, following_window(uow, now))
    result: dict[str, Any] = {
        "payout": payout.id,
        "attempt": attempt,
        "outcome": "paid" if answer.paid else answer.error,
    }
    if after.status is PayoutStatus.PAID:
        payable = (
            Account.SUPPLIER_PAYABLE
            if payout.kind is PayoutKind.SUPPLIER
            else Account.WITHDRAWAL_PAYABLE
        )
        post_funds(
            uow,
            payout.party_id,
            f"{payout.id}:paid",
            now,
            [Transfer(payable, Account.CLEARING, payout.amount, Movement.PAYOUT, payout.id)],
        )
        uow.events.emit(
            "payout.paid",
            {
                "payout": payout.id,
                "attempt": attempt,
                "channel_ref": after.channel_ref,
                "amount": payout.amount.format(),
            },
            now,
            party_id=payout.party_id,
        )
    else:
        uow.events.emit(
            "payout.failed",
            {
                "payout": payout.id,
                "attempt": attempt,
                "error": after.last_error,
                "failures_in_row": after.failures_in_row,
                "next_attempt_at": iso_local(after.next_attempt_at),
            },
            now,
            party_id=payout.party_id,
        )
    if after.needs_compensation:
        after = replace(after, compensated=True)
        result["compensation"] = _compensate(uow, after, now)
    uow.payouts.update_payout(after, now)
    return result


def _compensate(uow: UnitOfWork, payout: Payout, now: datetime) -> dict[str, Any]:
    """Three failures in a row: the platform pays the merchant (at most the policy cap) and
    opens a case for operators (R11)."""
    cap = uow.reference.policy(now).money("compensation_cap", payout.amount.currency)
    paid = compensation(payout.amount, cap)
    post_funds(
        uow,
        payout.party_id,
        f"{payout.id}:compensation",
        now,
        [
            Transfer(
                Account.COMPENSATION_EXPENSE,
                Account.MERCHANT_BALANCE,
                paid,
                Movement.COMPENSATION,
                payout.id,
            )
        ],
    )
    lot = settle_to_merchant(uow, payout.party_id, paid, f"compensation:{payout.id}", now)
    case_id = new_id("case")
    details = {
        "payout": payout.id,
        "amount": payout.amount.format(),
        "compensation": paid.format(),
        "last_error": payout.last_error,
        "failures_in_row": payout.failures_in_row,
        "next_attempt_at": iso_local(payout.next_attempt_at),
    }
    uow.payouts.open_case(
        case_id=case_id,
        kind="payout_failed",
        party_id=payout.party_id,
        subject=payout.id,
        details=details,
        now=now,
    )
    uow.events.emit(
        "compensation.paid",
        {
            **details,
            "case": case_id,
            "available_on": lot.available_on.isoformat(),
            "provisional": lot.provisional,
        },
        now,
        party_id=payout.party_id,
    )
    uow.events.emit(
        "case.opened",
        {"case": case_id, "kind": "payout_failed", **details},
        now,
        party_id=payout.party_id,
    )
    return {"amount": paid.format(), "case": case_id}


@retried
def withdraw(db: Database, merchant_id: str, *, amount: str, key: str | None) -> Answer:
    """Withdraw the merchant's own settled balance, T+1 working day after it settled (R11).

    Only ``merchant_balance`` of the funds book can be withdrawn; the credit line is a
    different book that this use case never reads or moves.
    """
    checked_key = check_key(key, required=True)
    money = require_positive(Money.parse(amount))
    with db.transaction() as uow:
        party = uow.parties.get_party(merchant_id)
        if party.kind is not PartyKind.MERCHANT or not party.settlement_account:
            raise InvalidInput("merchant", "withdrawals go to a merchant's settlement account")
        now = uow.reference.now()

        def effect() -> Answer:
            locked = uow.funds.lock_funds(merchant_id, money.currency, now)
            withdrawal_id = new_id("po")
            policy = uow.reference.policy(now)
            verdict, features, line_id = assess_withdrawal(
                uow, policy, merchant_id, money.minor, now
            )
            decision = record(
                uow,
                party_id=merchant_id,
                line_id=line_id,
                event=Event.WITHDRAWAL,
                subject=withdrawal_id,
                amount=money.minor,
                verdict=verdict,
                features=features,
                policy_version=policy.version,
                review=verdict.outcome is Outcome.REVIEW,
                now=now,
            )
            if verdict.outcome is Outcome.DECLINE:
                [reason] = holder_reasons(verdict)
                reason = Reason(reason.code, {**reason.facts, "decision": decision})
                raise Refused(reason.code.value, reason.message_en, [reason])
            pending = uow.funds.pending_settlements(merchant_id, local_date(now))
            refusal = withdrawal_refusal(money, locked.balances.merchant_balance, pending)
            if refusal is not None:
                raise Refused(refusal.code.value, refusal.message_en, [refusal])
            payout = Payout(
                id=withdrawal_id,
                party_id=merchant_id,
                kind=PayoutKind.WITHDRAWAL,
                account=party.settlement_account or "",
                amount=money,
                status=PayoutStatus.PENDING,
                next_attempt_at=now,
            )
            balances = post_funds(
                uow,
                merchant_id,
                payout.id,
                now,
                [
                    Transfer(
                        Account.MERCHANT_BALANCE,
                        Account.WITHDRAWAL_PAYABLE,
                        money,
                        Movement.WITHDRAWAL,
                        payout.id,
                    )
                ],
            )
            uow.payouts.insert_payout(payout, now)
            body = {
                "id": payout.id,
                "merchant": merchant_id,
                "amount": money.format(),
                "status": "pending",
                "account": payout.account,
                "funds": funds_json(balances),
            }
            uow.events.emit("withdrawal.requested", body, now, party_id=merchant_id)
            body["risk"] = verdict_json(verdict, decision)
            return Answer(body)

        return run_once(
            uow,
            scope=f"funds:{merchant_id}",
            key=checked_key,
            command="withdraw",
            params={"amount": amount},
            effect=effect,
            now=now,
        )


def list_payouts(db: Database, party_id: str | None = None) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer({"data": [payout_json(r) for r in uow.payouts.payouts(party_id)]})


def list_cases(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer({"data": uow.payouts.cases()})


def fail_payouts(db: Database, *, count: int, error: str) -> Answer:
    """Sandbox only: the next ``count`` channel calls fail with ``error``."""
    try:
        failure = ChannelFault(error)
    except ValueError:
        raise InvalidInput(
            "error", "error must be insufficient_balance, channel_error, timeout or hang"
        ) from None
    if not 1 <= count <= 1000:
        raise InvalidInput("count", "count must be between 1 and 1000")
    with db.transaction(write=False) as uow:
        if not uow.reference.is_sandbox():
            reason = Reason(ReasonCode.SANDBOX_ONLY)
            raise Refused(reason.code.value, reason.message_en, [reason])
    db.channel().fail_next(count, failure)
    return Answer({"count": count, "error": error})
