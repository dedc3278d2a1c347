"""Use cases for split settlement (分账): suppliers, split rules, and running the splits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.ledger import Account, Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.orders import OrderState
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.domain.settlement.splits import (
    Share,
    ShareKind,
    SplitRule,
    SupplierTier,
    allocate,
    parse_rule,
)
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_id
from creditline.service.quota.posting import post_movement
from creditline.service.quota.spending import repay_in
from creditline.service.settlement.funds import post_funds, settle_to_merchant
from creditline.service.settlement.settlement_ports import Supplier
from creditline.service.uow import Database, UnitOfWork

#: With no rule of its own, a merchant's proceeds repay its quota first; the rest is its own.
DEFAULT_RULE = SplitRule(0, (Share(ShareKind.REPAYMENT, 10_000),))
ORDINARY_MAX_BP = 3000  # an ordinary supplier takes at most 30%


def add_supplier(
    db: Database, merchant_id: str, *, name: str, tier: str, account: str, key: str | None = None
) -> Answer:
    """Put a supplier on the merchant's whitelist (供应商白名单)."""
    try:
        supplier_tier = SupplierTier(tier)
    except ValueError:
        raise InvalidInput("tier", "tier must be core or ordinary") from None
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput("name", "name must be 1 to 200 characters")
    if not account.strip() or len(account) > 64 or not account.isprintable():
        raise InvalidInput("account", "account must be 1 to 64 printable characters")

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "suppliers belong to merchants")
        now = uow.reference.now()
        supplier = Supplier(new_id("sup"), merchant_id, clean, supplier_tier, account.strip())
        uow.orders.insert_supplier(supplier, now)
        body = {
            "id": supplier.id,
            "merchant": merchant_id,
            "name": clean,
            "tier": supplier_tier.value,
            "account": supplier.account,
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
    """A new version of the merchant's split rule; 0% to repayment is accepted with a warning."""

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "split rules belong to merchants")
        tiers = {sid: s.tier for sid, s in uow.orders.suppliers_of(merchant_id).items()}
        shares = parse_rule(rule, tiers, ordinary_max_bp=ORDINARY_MAX_BP)
        now = uow.reference.now()
        version = uow.orders.insert_split_rule(merchant_id, shares, now)
        saved = SplitRule(version, shares)
        body: dict[str, Any] = {
            "merchant": merchant_id,
            "version": version,
            "rule": saved.text(),
            "warnings": [],
        }
        warning = no_repayment_warning(saved)
        if warning is not None:
            body["warnings"].append(warning.to_json())
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


def no_repayment_warning(rule: SplitRule | None) -> Reason | None:
    if rule is None or rule.repayment_bp > 0:
        return None
    return Reason(ReasonCode.SPLIT_NO_REPAYMENT, {"version": rule.version, "rule": rule.text()})


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


def split_order(uow: UnitOfWork, merchant_id: str, order_id: str) -> dict[str, Any]:
    now = uow.reference.now()
    currency = uow.orders.get_order(order_id).amount.currency
    uow.funds.lock_funds(merchant_id, currency, now)  # one split of an order at a time
    order = uow.orders.get_order(order_id)
    if order.split_done or order.state is not OrderState.CONFIRMED:
        return {}
    rule = uow.orders.split_rule(merchant_id) or DEFAULT_RULE
    parts = allocate(order.proceeds.minor, rule.shares)
    split_id = new_id("split")
    repayment = sum(
        p for s, p in zip(rule.shares, parts, strict=True) if s.kind is ShareKind.REPAYMENT
    )
    used = _repay_quota(uow, merchant_id, Money(repayment, currency), now)
    transfers: list[Transfer] = []
    payouts: list[Payout] = []
    merchant_part = repayment - used.minor
    suppliers = uow.orders.suppliers_of(merchant_id)
    for share, part in zip(rule.shares, parts, strict=True):
        if part == 0:
            continue
        money = Money(part, currency)
        if share.kind is ShareKind.SUPPLIER:
            supplier = suppliers[share.supplier_id or ""]
            transfers.append(
                Transfer(
                    Account.ESCROW, Account.SUPPLIER_PAYABLE, money, Movement.SPLIT, supplier.id
                )
            )
            payouts.append(
                Payout(
                    id=new_id("po"),
                    party_id=merchant_id,
                    kind=PayoutKind.SUPPLIER,
                    account=supplier.account,
                    amount=money,
                    status=PayoutStatus.PENDING,
                    next_attempt_at=now,
                    supplier_id=supplier.id,
                    order_id=order.id,
                )
            )
        elif share.kind is ShareKind.MERCHANT:
            merchant_part += part
    if used.is_positive:
        transfers.append(
            Transfer(Account.ESCROW, Account.REPAYMENT_COLLECTED, used, Movement.SPLIT, order.id)
        )
    available_on = None
    if merchant_part > 0:
        own = Money(merchant_part, currency)
        transfers.append(
            Transfer(Account.ESCROW, Account.MERCHANT_BALANCE, own, Movement.SPLIT, order.id)
        )
        available_on = settle_to_merchant(uow, merchant_id, own, f"split:{split_id}", now)
    if transfers:
        post_funds(uow, merchant_id, split_id, now, transfers)
    for payout in payouts:
        uow.payouts.insert_payout(payout, now)
    uow.orders.update_order(order, split_id=split_id)
    body = {
        "split": split_id,
        "order": order.id,
        "merchant": merchant_id,
        "rule_version": rule.version,
        "rule": rule.text(),
        "proceeds": order.proceeds.format(),
        "parts": [
            {"to": s.label, "amount": Money(p, currency).format()}
            for s, p in zip(rule.shares, parts, strict=True)
        ],
        "repaid": used.format(),
        "merchant_balance": Money(merchant_part, currency).format(),
        "merchant_available_on": available_on,
        "payouts": [p.id for p in payouts],
    }
    uow.events.emit("split.executed", body, now, party_id=merchant_id)
    return body


def _repay_quota(uow: UnitOfWork, merchant_id: str, amount: Money, now: datetime) -> Money:
    """Repay the merchant's occupied quota (oldest first, line by line), then late fees."""
    left = amount.minor
    for line_id in uow.lines.lines_of_party(merchant_id):
        if left <= 0:
            break
        locked = uow.lines.lock_line(line_id)
        take = min(left, locked.state.balances.occupied)
        if take > 0:
            repay_in(uow, locked, Money(take, amount.currency), now)
            left -= take
            locked = uow.lines.lock_line(line_id)
        fees = min(left, locked.state.balances.fees_due)
        if fees > 0:
            post_movement(
                uow,
                locked,
                new_id("feepay"),
                [
                    Transfer(
                        Account.FEES_COLLECTED,
                        Account.FEES_DUE,
                        Money(fees, amount.currency),
                        Movement.FEE_PAYMENT,
                        merchant_id,
                    )
                ],
                now,
            )
            left -= fees
    return Money(amount.minor - left, amount.currency)
