"""Use cases for split settlement (分账): suppliers, split rules, and running the splits."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.installments.schedule import total_fee
from creditline.domain.ledger import Account
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.settlement.advice import split_warnings, whitelist_warning
from creditline.domain.settlement.orders import Order
from creditline.domain.settlement.split_plan import plan_split
from creditline.domain.settlement.splits import (
    SplitRule,
    Supplier,
    SupplierTier,
    parse_rule,
    window_opening,
)
from creditline.domain.text import MAX_NAME, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_id
from creditline.service.quota.repayment import repay_party
from creditline.service.settlement.funds import post_funds, settle_to_merchant
from creditline.service.settlement.settlement_ports import LockedFunds
from creditline.service.uow import Database, UnitOfWork


def add_supplier(
    db: Database, merchant_id: str, *, name: str, tier: str, account: str, key: str | None = None
) -> Answer:
    """Put a supplier on the merchant's whitelist (供应商白名单)."""
    try:
        supplier_tier = SupplierTier(tier)
    except ValueError:
        raise InvalidInput("tier", "tier must be core or ordinary") from None
    clean = printable_text(name, "name", max_length=MAX_NAME, strip=True)
    clean_account = printable_text(account, "account", max_length=64, strip=True)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "suppliers belong to merchants")
        now = uow.reference.now()
        supplier = Supplier(new_id("sup"), merchant_id, clean, supplier_tier, clean_account)
        uow.orders.insert_supplier(supplier, now)
        warning = whitelist_warning(uow.orders.suppliers_of(merchant_id))
        body = {
            "id": supplier.id,
            "merchant": merchant_id,
            "name": clean,
            "tier": supplier_tier.value,
            "account": supplier.account,
            "warnings": [] if warning is None else [warning.to_json()],
        }
        uow.events.emit("supplier.added", body, now, party_id=merchant_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="supplier.add",
        params={"merchant": merchant_id, "name": name, "tier": tier, "account": account},
        effect=effect,
        scope=f"party:{merchant_id}",
    )


def set_split_rule(db: Database, merchant_id: str, *, rule: str, key: str | None = None) -> Answer:
    """A new version of the merchant's split rule; what goes against the advice (0% to
    repayment, a core supplier at 60% or less, fewer than three core suppliers) is accepted
    with a warning."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "split rules belong to merchants")
        suppliers = uow.orders.suppliers_of(merchant_id)
        shares = parse_rule(rule, suppliers)
        now = uow.reference.now()
        version = uow.orders.insert_split_rule(merchant_id, shares, now)
        saved = SplitRule(version, shares)
        body: dict[str, Any] = {
            "merchant": merchant_id,
            "version": version,
            "rule": saved.text(),
            "warnings": [w.to_json() for w in split_warnings(saved, suppliers)],
        }
        uow.events.emit("split_rule.set", body, now, party_id=merchant_id)
        return Answer(body)

    return once(
        db,
        key=key,
        command="split.set",
        params={"merchant": merchant_id, "rule": rule},
        effect=effect,
        scope=f"party:{merchant_id}",
    )


def run_due_splits(db: Database, *, batch: int = 200) -> list[dict[str, Any]]:
    """Split every confirmed order whose split window has come, one order per transaction."""
    with db.transaction(write=False) as uow:
        due = uow.orders.due_splits(uow.reference.now(), batch)
    done = []
    for merchant_id, order_id in due:
        with db.transaction() as uow:
            result = split_order(uow, merchant_id, order_id)
            if result:
                done.append(result)
    return done


def defer_late_splits(db: Database, *, batch: int = 200) -> list[dict[str, Any]]:
    """Splits that fell due while no run came and whose window has closed since: each waits
    for the next opening of the window (its ``split_due_at`` moves there, and a
    ``split.deferred`` event says so), so that no split ever runs outside the window."""
    deferred: list[dict[str, Any]] = []
    while True:
        with db.transaction(write=False) as uow:
            now = uow.reference.now()
            window = uow.reference.policy(now).raw("split_window")
            if window_opening(uow.reference.calendar(), now, window).at == now:
                return deferred
            due = uow.orders.due_splits(now, batch)
        done = []
        for merchant_id, order_id in due:
            with db.transaction() as uow:
                order, _ = _lock_order(uow, merchant_id, order_id)
                now = uow.reference.now()
                due_at = order.split_due_at
                if order.awaiting_split and due_at is not None and due_at <= now:
                    moved = _defer(uow, order, now)
                    if moved is not None:
                        done.append(moved)
        if not done:  # nothing moved: what is left is in the window now, or not due
            return deferred
        deferred.extend(done)


def _lock_order(uow: UnitOfWork, merchant_id: str, order_id: str) -> tuple[Order, LockedFunds]:
    """The order, read again under its merchant's funds lock (one split or deferral of an
    order at a time), and the funds book as the lock found it."""
    currency = uow.orders.get_order(order_id).amount.currency
    locked = uow.funds.lock_funds(merchant_id, currency, uow.reference.now())
    return uow.orders.get_order(order_id), locked


def _defer(uow: UnitOfWork, order: Order, now: datetime) -> dict[str, Any] | None:
    """Move a due split outside the window to the next opening; None when ``now`` is in it."""
    window = uow.reference.policy(now).raw("split_window")
    opening = window_opening(uow.reference.calendar(), now, window)
    if opening.at == now:
        return None
    uow.orders.update_order(
        replace(order, split_due_at=opening.at, split_due_provisional=opening.provisional)
    )
    body = {
        "order": order.id,
        "merchant": order.merchant_id,
        "was_due_at": iso_local(order.split_due_at) if order.split_due_at else None,
        "split_due_at": iso_local(opening.at),
        "provisional": opening.provisional,
        "reason": "outside_split_window",
        "window": window,
    }
    uow.events.emit("split.deferred", body, now, party_id=order.merchant_id)
    return body


def promotion_fee(uow: UnitOfWork, order: Order) -> Money | None:
    """The fee an installment order's promotion makes its merchant pay (商家贴息): the plan's
    fee on the proceeds as they are at the split (a return before it lowers it; what was
    reserved beyond it goes back to the promotion's cap)."""
    plan = uow.installments.plan_of_order(order.id)
    if plan is None or plan.promotion_id is None:
        return None
    fee = total_fee(order.proceeds, Decimal(plan.fee_rate), len(plan.periods))
    reserved = plan.merchant_fee or Money.zero(fee.currency)
    if reserved > fee:
        uow.installments.use_promotion(plan.promotion_id, -(reserved - fee).minor)
    return fee


def split_order(uow: UnitOfWork, merchant_id: str, order_id: str) -> dict[str, Any]:
    """Split one order in the caller's transaction; an order another run split first, or no
    longer confirmed, is left alone (an empty answer), and so is one whose window closed
    before this run reached it (it is deferred to the next opening)."""
    now = uow.reference.now()
    order, locked = _lock_order(uow, merchant_id, order_id)
    if not order.awaiting_split or _defer(uow, order, now) is not None:
        return {}
    owed = locked.balances[Account.RECEIVABLE]  # after-sale refunds the balance fell short of
    plan = plan_split(
        order,
        uow.orders.split_rule(merchant_id),
        uow.orders.suppliers_of(merchant_id),
        now=now,
        payout_id=lambda: new_id("po"),
        promotion_fee=promotion_fee(uow, order),
    )
    split_id = new_id("split")
    used = repay_party(uow, merchant_id, plan.repayment, now)
    transfers = plan.transfers(used, owed)
    collected = plan.receivable_paid(used, owed)
    own = plan.merchant_amount(used) - collected
    lot = None
    if own.is_positive:
        lot = settle_to_merchant(uow, merchant_id, own, f"split:{split_id}", now)
    if transfers:
        post_funds(uow, merchant_id, split_id, now, transfers)
    for payout in plan.payouts:
        uow.payouts.insert_payout(payout, now)
    uow.orders.update_order(order, split_id=split_id)
    body = {
        "split": split_id,
        "order": order.id,
        "merchant": merchant_id,
        "rule_version": plan.rule.version,
        "rule": plan.rule.text(),
        "proceeds": order.proceeds.format(),
        "promotion_fee": plan.promotion_fee.format() if plan.promotion_fee else None,
        "parts": [
            *(
                [{"to": "promotion fee 商家贴息", "amount": plan.promotion_fee.format()}]
                if plan.promotion_fee
                else []
            ),
            *(
                {"to": s.label, "amount": p.format()}
                for s, p in zip(plan.rule.shares, plan.parts, strict=True)
            ),
        ],
        "repaid": used.format(),
        "receivable_paid": collected.format(),
        "merchant_balance": own.format(),
        "merchant_available_on": lot.available_on.isoformat() if lot else None,
        "split_due_at": iso_local(order.split_due_at) if order.split_due_at else None,
        # The split ran on a day, and its money matures on a day, that may be estimates.
        "provisional": order.split_due_provisional or (lot is not None and lot.provisional),
        "payouts": [p.id for p in plan.payouts],
    }
    uow.events.emit("split.executed", body, now, party_id=merchant_id)
    if collected.is_positive:
        uow.events.emit(
            "receivable.collected",
            {
                "merchant": merchant_id,
                "split": split_id,
                "order": order.id,
                "amount": collected.format(),
                "receivable": (owed - collected).format(),
            },
            now,
            party_id=merchant_id,
        )
    return body
