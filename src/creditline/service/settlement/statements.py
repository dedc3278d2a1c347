"""Statements (对账单) of a line and reconciliation (对账) of payouts with the channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import LINE_BOOK, Balances
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import PayoutRecord
from creditline.domain.workdays import SHANGHAI, iso_local, local_date, local_text, parse_day
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
    "fee_payment": "缴纳费用",
    "installment_fee": "分期手续费",
    "fee_waiver": "手续费减免",
    "fee_refund": "手续费退还",
}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), SHANGHAI).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC),
    )


def statement(db: Database, line_id: str, *, start: str, end: str) -> Answer:
    """Every movement of a line between two dates (Beijing time, inclusive), with order id,
    flow id, amount and the balances after it."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if last < first:
        raise InvalidInput("to", "to must not be before from")
    lo, hi = _bounds(first, last)
    with db.transaction(write=False) as uow:
        currency = uow.lines.read_line(line_id).state.currency
        refs = uow.lines.order_refs(line_id)
        refs.update({p.id: p.order_id for p in uow.installments.plans_of(line_id)})  # 分期
        running = Balances.empty(LINE_BOOK, currency)
        rows: list[dict[str, Any]] = []
        for posted in uow.lines.transfers_of(line_id):
            t = posted.transfer
            running = running.apply([t])
            if not lo <= posted.created_at < hi:
                continue
            rows.append(
                {
                    "time": iso_local(posted.created_at),
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
    channel says it paid that day, matched by payout id across days: a payout the channel
    paid on one day (its answer lost) and the ledger recorded on another is paid once, not a
    mismatch. Every entry says the day each side recorded it."""
    d = parse_day(day, "date")
    lo, hi = _bounds(d, d)
    with db.transaction(write=False) as uow:
        ledger_ids = {p.id for p in uow.payouts.paid_payouts_between(lo, hi)}
        channel_today = uow.payouts.channel_paid_between(lo, hi)
        ids = sorted(ledger_ids | {r["payout"] for r in channel_today})
        ours = {r.payout.id: r for r in uow.payouts.payout_records(ids)}
        theirs: dict[str, list[dict[str, Any]]] = {}
        for record in uow.payouts.channel_paid_records(ids):
            theirs.setdefault(record["payout"], []).append(record)
    mismatches, across = [], []
    for payout_id in ids:
        found = _compare(payout_id, ours.get(payout_id), theirs.get(payout_id, []))
        if found.get("problem"):
            mismatches.append(found)
        elif found["ledger_paid_on"] != found["channel_paid_on"]:
            across.append(found)
    return Answer(
        {
            "date": d.isoformat(),
            "ledger_paid": len(ledger_ids),
            "channel_paid": len(channel_today),
            "mismatches": mismatches,
            "matched_across_days": across,
            "ok": not mismatches,
        }
    )


def _compare(
    payout_id: str, mine: PayoutRecord | None, records: list[dict[str, Any]]
) -> dict[str, Any]:
    """One payout both sides were asked about: a ``problem`` if they disagree, and the day
    (Beijing time) each side recorded it paid, None where it did not."""
    paid_at = mine.paid_at if mine is not None else None
    entry: dict[str, Any] = {
        "payout": payout_id,
        "ledger_paid_on": local_date(paid_at).isoformat() if paid_at else None,
        "channel_paid_on": local_date(records[0]["answered_at"]).isoformat() if records else None,
    }
    if len(records) > 1:
        days = [local_date(r["answered_at"]).isoformat() for r in records]
        return {**entry, "problem": "paid_twice", "channel_records": len(records), "days": days}
    if mine is None or mine.paid_at is None:
        return {
            **entry,
            "problem": "missing_in_ledger",
            "channel_amount": Money(records[0]["amount"]).format() if records else None,
            "hint": "paid by the channel, not (yet) recorded as paid here: a lost answer the "
            "next attempt will settle",
        }
    amount = mine.payout.amount
    if not records:
        return {**entry, "problem": "missing_at_channel", "ledger_amount": amount.format()}
    if records[0]["amount"] != amount.minor:
        return {
            **entry,
            "problem": "amount_mismatch",
            "ledger_amount": amount.format(),
            "channel_amount": Money(records[0]["amount"], amount.currency).format(),
        }
    return entry
