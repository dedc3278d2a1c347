"""Use cases for lines (额度): open, activate, show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput, Refused
from creditline.domain.freezes import frozen_target
from creditline.domain.ledger import Account, Movement, Transfer, post
from creditline.domain.lines import LineStatus, require_positive
from creditline.domain.money import CURRENCY_EXPONENTS, Money
from creditline.domain.parties import missing_prerequisites
from creditline.domain.purposes import check_product_for_party, parse_product
from creditline.service.context import balances_json
from creditline.service.idempotency import Answer, check_key, once, run_once
from creditline.service.ids import new_id
from creditline.service.ports import Database, LineRow, Store


def line_json(row: LineRow, *, frozen: int | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "party": row.party_id,
        "product": row.product,
        "status": row.status.value,
        **balances_json(row.balances, frozen=frozen),
        "ledger_seq": row.seq,
    }


def _effective_frozen(store: Store, row: LineRow) -> int:
    """The amount freezes in force now, as far as the free quota covers them."""
    b = row.balances
    if not store.read_line(row.id).open_freezes:
        return b.frozen
    target = frozen_target(store.freezes_of(row.id, active_only=True), store.now())
    return min(target, b.limit - b.held - b.occupied)


def open_line(
    db: Database,
    party_id: str,
    *,
    product: str,
    limit: str,
    currency: str = "CNY",
    key: str | None = None,
) -> Answer:
    """Open a line in ``pending_activation`` and post the platform's grant of its limit."""
    prod = parse_product(product)
    if currency not in CURRENCY_EXPONENTS:
        raise InvalidInput("currency", f"currency must be one of {', '.join(CURRENCY_EXPONENTS)}")
    granted = require_positive(Money.parse(limit, currency, field="limit"), "limit")
    check_key(key, required=False)
    params = {"party": party_id, "product": product, "limit": limit, "currency": currency}
    with db.transaction() as store:
        party = store.get_party(party_id)
        check_product_for_party(prod, party.kind)
        now = store.now()

        def effect() -> Answer:
            line_id = new_id("line")
            store.insert_line(
                line_id=line_id, party_id=party_id, product=prod.value, currency=currency, now=now
            )
            locked = store.lock_line(line_id)
            transfers = [
                Transfer(
                    Account.PLATFORM_LIMIT, Account.AVAILABLE, granted, Movement.GRANT, line_id
                )
            ]
            posted = post(
                line_id=line_id,
                head_seq=locked.seq,
                head_hash=locked.head_hash,
                movement_id=line_id,
                transfers=transfers,
                created_at=now,
            )
            store.post(locked, posted, locked.state.balances.apply(transfers))
            return Answer(line_json(store.get_line(line_id)))

        return run_once(
            store,
            scope=f"party:{party_id}",
            key=key,
            command="line.open",
            params=params,
            effect=effect,
            now=now,
        )


def activate_line(db: Database, line_id: str, *, key: str | None = None) -> Answer:
    """Activate a line; refused with every missing prerequisite (R2) by code."""

    def effect(store: Store, now: datetime) -> Answer:
        row = store.get_line(line_id)
        if row.status is LineStatus.ACTIVE:
            return Answer(line_json(row))
        if row.status is LineStatus.CLOSED:
            raise Refused("line_closed", f"line {line_id} is closed")
        missing = missing_prerequisites(store.get_party(row.party_id))
        if missing:
            raise Refused(
                "activation_refused",
                "line cannot be activated: " + ", ".join(r.code.value for r in missing),
                missing,
            )
        store.set_line_status(line_id, LineStatus.ACTIVE, now)
        return Answer(line_json(store.get_line(line_id)))

    return once(
        db, key=key, command="line.activate", params={"line": line_id}, effect=effect, scope=line_id
    )


def show_line(db: Database, line_id: str) -> Answer:
    with db.transaction(write=False) as store:
        row = store.get_line(line_id)
        return Answer(line_json(row, frozen=_effective_frozen(store, row)))
