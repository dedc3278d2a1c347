"""SQL of orders (订单), suppliers and split rules (分账规则)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.money import Money
from creditline.domain.settlement.orders import Dunning, Order, OrderState
from creditline.domain.settlement.splits import Share, SplitRule, Supplier, SupplierTier

#: A merchant's suppliers, and its split rule now (each spend's diagnosis reads both), built once.
_SUPPLIERS_OF = FastSelect(
    select(t.suppliers).where(t.suppliers.c.merchant_id == bindparam("merchant_id"))
)
_SPLIT_RULE = FastSelect(
    select(t.split_rules)
    .where(t.split_rules.c.merchant_id == bindparam("merchant_id"))
    .order_by(t.split_rules.c.version.desc())
    .limit(1)
)


def _order_row(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "merchant_id": o.merchant_id,
        "amount": o.amount.minor,
        "currency": o.amount.currency,
        "returned": o.returned,
        "buyer": o.buyer,
        "state": o.state.value,
        "dunning": o.dunning.value,
        "created_at": o.created_at,
        "shipped_at": o.shipped_at,
        "confirmed_at": o.confirmed_at,
        "split_due_at": o.split_due_at,
        "no_shipping": o.no_shipping,
        "auto_confirmed": o.auto_confirmed,
        "split_due_provisional": o.split_due_provisional,
    }


def _order(r: Any) -> Order:
    return Order(
        id=r.id,
        merchant_id=r.merchant_id,
        amount=Money(r.amount, r.currency),
        state=OrderState(r.state),
        created_at=r.created_at,
        buyer=r.buyer,
        returned=r.returned,
        shipped_at=r.shipped_at,
        confirmed_at=r.confirmed_at,
        split_due_at=r.split_due_at,
        split_done=r.split_id is not None,
        dunning=Dunning(r.dunning),
        no_shipping=bool(r.no_shipping),
        auto_confirmed=bool(r.auto_confirmed),
        split_due_provisional=bool(r.split_due_provisional),
    )


class SqlOrders(SqlRepo):
    """The ``orders`` port on SQL."""

    def insert_order(self, order: Order) -> None:
        self._exec(insert(t.orders), _order_row(order))

    def get_order(self, order_id: str) -> Order:
        row = self._exec(select(t.orders).where(t.orders.c.id == order_id)).first()
        if row is None:
            raise NotFound("order", f"order: no such order {order_id!r}")
        return _order(row)

    def order_exists(self, order_id: str) -> bool:
        return (
            self._exec(select(t.orders.c.id).where(t.orders.c.id == order_id)).first() is not None
        )

    def update_order(self, order: Order, split_id: str | None = None) -> None:
        values = _order_row(order)
        values.pop("id")
        if split_id is not None:
            values["split_id"] = split_id
        self._exec(update(t.orders).where(t.orders.c.id == order.id).values(**values))

    def due_splits(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.orders.c.merchant_id, t.orders.c.id)
            .where(
                t.orders.c.split_id.is_(None),
                t.orders.c.split_due_at <= now,
                t.orders.c.state == OrderState.CONFIRMED.value,
            )
            .order_by(t.orders.c.split_due_at)
            .limit(limit)
        )
        return [(r.merchant_id, r.id) for r in rows]

    def shipped_before(self, cutoff: datetime) -> list[str]:
        rows = self._exec(
            select(t.orders.c.id)
            .where(
                t.orders.c.state == OrderState.SHIPPED.value,
                t.orders.c.shipped_at <= cutoff,
                t.orders.c.dunning != Dunning.LEGAL.value,
            )
            .order_by(t.orders.c.shipped_at)
        )
        return [r.id for r in rows]

    def unconfirmed_shipped_before(self, cutoff: datetime, limit: int) -> list[str]:
        rows = self._exec(
            select(t.orders.c.id)
            .where(t.orders.c.state == OrderState.SHIPPED.value, t.orders.c.shipped_at <= cutoff)
            .order_by(t.orders.c.shipped_at, t.orders.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]

    def insert_supplier(self, supplier: Supplier, now: datetime) -> None:
        self._exec(
            insert(t.suppliers),
            {
                "id": supplier.id,
                "merchant_id": supplier.merchant_id,
                "name": supplier.name,
                "tier": supplier.tier.value,
                "account": supplier.account,
                "created_at": now,
            },
        )

    def suppliers_of(self, merchant_id: str) -> dict[str, Supplier]:
        rows = self._exec(_SUPPLIERS_OF, {"merchant_id": merchant_id})
        return {
            r.id: Supplier(r.id, r.merchant_id, r.name, SupplierTier(r.tier), r.account)
            for r in rows
        }

    def insert_split_rule(self, merchant_id: str, shares: Sequence[Share], now: datetime) -> int:
        current = self.split_rule(merchant_id)
        version = 1 if current is None else current.version + 1
        rule = SplitRule(version, tuple(shares))
        self._exec(
            insert(t.split_rules),
            {
                "merchant_id": merchant_id,
                "version": version,
                "rule": rule.text(),
                "repayment_bp": rule.repayment_bp,
                "created_at": now,
            },
        )
        return version

    def split_rule(self, merchant_id: str) -> SplitRule | None:
        row = self._exec(_SPLIT_RULE, {"merchant_id": merchant_id}).first()
        if row is None:
            return None
        return SplitRule.from_text(row.version, row.rule)
