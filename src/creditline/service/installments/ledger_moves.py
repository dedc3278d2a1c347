"""A plan's moves in its line's book (额度账本): the transfers each operation posts, every one
naming the plan, so that ``ledger verify`` can hold each plan to its transfers.

- purchase: the hold's capture (quota held → occupied) and the plan's fees (fees_due ↑ fee
  income ↑, ``installment_fee``), charged at purchase as the plan states them;
- repayment: principal (occupied → available, ``repay``), fees and late fees paid
  (``fee_payment``), unearned fees written off at a payoff (``fee_waiver``);
- late fee: ``late_fee``;
- return: quota released (occupied → available, ``refund``), unearned fees written off
  (``fee_waiver``) or given back when paid (``fee_refund``), fees netted from the refund
  (``fee_payment``).
"""

from __future__ import annotations

from datetime import datetime

from creditline.domain.installments.plans import Moves, Plan
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.service.quota.line_book import post_movement
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork


def _t(
    debit: Account, credit: Account, amount: Money, movement: Movement, ref: str
) -> list[Transfer]:
    return [Transfer(debit, credit, amount, movement, ref)] if amount.is_positive else []


def fee_charge(plan: Plan, amount: Money) -> list[Transfer]:
    return _t(Account.FEES_DUE, Account.FEE_INCOME, amount, Movement.INSTALLMENT_FEE, plan.id)


def late_fee_charge(plan: Plan, amount: Money) -> list[Transfer]:
    return _t(Account.FEES_DUE, Account.FEE_INCOME, amount, Movement.LATE_FEE, plan.id)


def moves_transfers(plan: Plan, moves: Moves) -> list[Transfer]:
    """The transfers of a repayment's or a return's ``moves``."""
    ref = plan.id
    return [
        *_t(Account.OCCUPIED, Account.AVAILABLE, moves.principal, Movement.REPAY, ref),
        *_t(Account.OCCUPIED, Account.AVAILABLE, moves.released, Movement.REFUND, ref),
        *_t(
            Account.FEES_COLLECTED,
            Account.FEES_DUE,
            moves.fees + moves.late_fees,
            Movement.FEE_PAYMENT,
            ref,
        ),
        *_t(Account.FEE_INCOME, Account.FEES_DUE, moves.waived, Movement.FEE_WAIVER, ref),
        *_t(
            Account.FEE_INCOME, Account.FEES_COLLECTED, moves.refund_fees, Movement.FEE_REFUND, ref
        ),
    ]


def post_plan(
    uow: UnitOfWork, locked: LockedLine, movement_id: str, transfers: list[Transfer], now: datetime
) -> LockedLine:
    """Post ``transfers`` (if any) and return the line moved to its new head."""
    if not transfers:
        return locked
    return locked.moved_to(post_movement(uow, locked, movement_id, transfers, now))
