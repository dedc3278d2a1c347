"""Statements (对账单) of a line and reconciliation (对账) of payouts with the channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import LINE_BOOK, Balances
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import Payout
from creditline.domain.workdays import SHANGHAI, local_text
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

MOVEMENT_ZH = {
    "grant": "授信",
    "authorize": "预授权",
    "capture": "扣款",
    "release": "释放",
    "void": "撤销",
    "expire": "过期释放",
    "refund": "退款",
    "repay": "还款",
    "freeze": "冻结",
    "unfreeze": "解冻",
    "late_fee": "滞纳金",
    "fee_payment": "缴纳滞纳金",
}


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{field} must be a date like 2024-05-01, got {text!r}") from None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), SHANGHAI).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC),
    )


def statement(db: Database, line_id: str, *, start: str, end: str) -> Answer:
    """Every movement of a line between two dates (Beijing time, inclusive), with order id,
    flow id, amount and the balances after it."""
    first, last = _day(start, "from"), _day(end, "to")
    if last < first:
        raise InvalidInput("to", "to must not be before from")
    lo, hi = _bounds(first, last)
    with db.transaction(write=False) as uow:
        currency = uow.lines.read_line(line_id).state.currency
        refs = uow.lines.order_refs(line_id)
        running = Balances.empty(LINE_BOOK, currency)
        rows: list[dict[str, Any]] = []
        for posted in uow.lines.transfers_of(line_id):
            t = posted.transfer
            running = running.apply([t])
            if not lo <= posted.created_at < hi:
                continue
            rows.append(
                {
                    "time": posted.created_at.isoformat(),
                    "time_local": local_text(posted.created_at),
                    "seq": posted.seq,
                    "type": t.movement.value,
                    "type_zh": MOVEMENT_ZH.get(t.movement.value, t.movement.value),
                    "order": refs.get(t.ref),
                    "flow": posted.movement_id,
                    "from_account": t.debit.value,
                    "to_account": t.credit.value,
                    "amount": t.amount.format(),
                    "available": running.available.format(),
                    "held": running.held.format(),
                    "occupied": running.occupied.format(),
                    "frozen": running.frozen.format(),
                    "fees_due": running.fees_due.format(),
                }
            )
        return Answer(
            {
                "line": line_id,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "currency": currency,
                "rows": rows,
            }
        )


def reconcile(db: Database, *, day: str) -> Answer:
    """Compare the payouts the ledger marks paid on ``day`` (Beijing time) with what the
    channel says it paid, and list every mismatch."""
    d = _day(day, "date")
    lo, hi = _bounds(d, d)
    with db.transaction(write=False) as uow:
        ours = {p.id: p for p in uow.payouts.paid_payouts_between(lo, hi)}
        theirs: dict[str, list[dict[str, Any]]] = {}
        for record in uow.payouts.channel_paid_between(lo, hi):
            theirs.setdefault(record["payout"], []).append(record)
    mismatches = _mismatches(ours, theirs)
    return Answer(
        {
            "date": d.isoformat(),
            "ledger_paid": len(ours),
            "channel_paid": sum(len(r) for r in theirs.values()),
            "mismatches": mismatches,
            "ok": not mismatches,
        }
    )


def _mismatches(
    ours: dict[str, Payout], theirs: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    mismatches: list[dict[str, Any]] = []
    for payout_id, mine in sorted(ours.items()):
        records = theirs.get(payout_id, [])
        if not records:
            mismatches.append(
                {
                    "payout": payout_id,
                    "problem": "missing_at_channel",
                    "ledger_amount": mine.amount.minor,
                }
            )
        elif len(records) > 1:
            mismatches.append(
                {"payout": payout_id, "problem": "paid_twice", "channel_records": len(records)}
            )
        elif records[0]["amount"] != mine.amount.minor:
            mismatches.append(
                {
                    "payout": payout_id,
                    "problem": "amount_mismatch",
                    "ledger_amount": mine.amount.minor,
                    "channel_amount": records[0]["amount"],
                }
            )
    for payout_id, records in sorted(theirs.items()):
        if payout_id not in ours:
            mismatches.append(
                {
                    "payout": payout_id,
                    "problem": "missing_in_ledger",
                    "channel_amount": records[0]["amount"],
                    "hint": "paid by the channel, not (yet) recorded as paid here: "
                    "a lost answer the next attempt will settle",
                }
            )
    for m in mismatches:
        for k in ("ledger_amount", "channel_amount"):
            if k in m:
                m[k] = Money(m[k]).format()
    return mismatches
