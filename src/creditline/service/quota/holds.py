"""Holds (预授权) as answers show them, and their release: a void, an expiry, a declined review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.ledger import Head, Movement
from creditline.domain.money import Money
from creditline.domain.quota.lines import Hold, HoldStatus, release_transfers
from creditline.domain.workdays import iso_local
from creditline.service.quota.line_book import post_movement
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import UnitOfWork


def hold_json(hold: Hold, balances: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": hold.id,
        "line": hold.line_id,
        "status": hold.status.value,
        "amount": hold.amount.format(),
        "currency": hold.amount.currency,
        "purpose": hold.purpose.value,
        "order": hold.order_id,
        "captured": hold.captured.format(),
        "refunded": hold.refunded.format(),
        "expires_at": iso_local(hold.expires_at),
    }
    if balances is not None:
        body["balances"] = balances
    return body


def release_hold(
    uow: UnitOfWork,
    locked: LockedLine,
    hold: Hold,
    *,
    movement: Movement,
    status: HoldStatus,
    now: datetime,
) -> Head:
    """Give an uncaptured hold back to available quota, whole, and record why in its status:
    voided, expired, or declined by an operator after a risk review."""
    after = post_movement(
        uow, locked, f"{hold.id}:{movement.value}", release_transfers(hold, movement), now
    )
    nothing = Money.zero(hold.amount.currency)
    uow.holds.update_hold(
        hold.line_id, hold.id, status=status, captured=nothing, refunded=nothing, now=now
    )
    return after
