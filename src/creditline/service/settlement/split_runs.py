"""Use cases for split settlement (分账): suppliers, split rules, and running the splits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.quota.parties import PartyKind
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.split_plan import plan_split
from creditline.domain.settlement.splits import SplitRule, Supplier, SupplierTier, parse_rule
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_id
from creditline.service.quota.repayment import repay_party
from creditline.service.settlement.funds import post_funds, settle_to_merchant
from creditline.service.uow import Database, UnitOfWork


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
    clean_account = printable_text(account, "account", max_length=64, strip=True)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        if uow.parties.get_party(merchant_id).kind is not PartyKind.MERCHANT:
            raise InvalidInput("merchant", "suppliers belong to merchants")
        now = uow.reference.now()
        supplier = Supplier(new_id("sup"), merchant_id, clean, supplier_tier, clean_account)
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
        shares = parse_rule(rule, uow.orders.suppliers_of(merchant_id))
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
    """Split one order in the caller's transaction; an order another run split first, or no
    longer confirmed, is left alone (an empty answer)."""
    now = uow.reference.now()
    currency = uow.orders.get_order(order_id).amount.currency
    uow.funds.lock_funds(merchant_id, currency, now)  # one split of an order at a time
    order = uow.orders.get_order(order_id)
    if not order.awaiting_split:
        return {}
    plan = plan_split(
        order,
        uow.orders.split_rule(merchant_id),
        uow.orders.suppliers_of(merchant_id),
        now=now,
        payout_id=lambda: new_id("po"),
    )
    split_id = new_id("split")
    used = repay_party(uow, merchant_id, plan.repayment, now)
    transfers = plan.transfers(used)
    own = plan.merchant_amount(used)
    available_on = None
    if own.is_positive:
        available_on = settle_to_merchant(uow, merchant_id, own, f"split:{split_id}", now)
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
        "parts": [
            {"to": s.label, "amount": p.format()}
            for s, p in zip(plan.rule.shares, plan.parts, strict=True)
        ],
        "repaid": used.format(),
        "merchant_balance": own.format(),
        "merchant_available_on": available_on,
        "payouts": [p.id for p in plan.payouts],
    }
    uow.events.emit("split.executed", body, now, party_id=merchant_id)
    return body
