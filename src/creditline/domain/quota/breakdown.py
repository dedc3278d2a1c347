"""What holds a line's quota, as a diagnosis shows it (额度构成): open holds, the oldest page of
occupancy by order (with how many there are in all), each amount freeze."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creditline.domain.quota.freezes import in_force
from creditline.domain.quota.lines import Occupancy
from creditline.domain.workdays import iso_local

if TYPE_CHECKING:
    from creditline.domain.quota.evaluation import SpendContext


def breakdown(ctx: SpendContext) -> dict[str, Any]:
    """What holds the quota: open holds, occupancy by order and age, each amount freeze."""
    return {
        "holds": [
            {
                "hold": h.id,
                "amount": h.amount.format(),
                "order": h.order_id,
                "expires_at": iso_local(h.expires_at),
            }
            for h in sorted(ctx.open_holds, key=lambda h: (h.expires_at, h.id))
        ],
        "occupancy": [
            {
                "occupancy": o.id,
                "order": o.order_id,
                "outstanding": o.outstanding.format(),
                "since": iso_local(o.captured_at),
                "days": (ctx.now - o.captured_at).days,
            }
            for o in _open(ctx)
        ],
        # the oldest orders are listed; the rest by ``line exposure --after <last occupancy>``
        "occupancy_count": _open_count(ctx),
        "occupancy_more": _open_count(ctx) - len(_open(ctx)),
        "amount_freezes": [
            {
                "freeze": f.id,
                "amount": f.amount.format(),
                "reason": f.reason.value,
                "until": iso_local(f.ends_at) if f.ends_at else None,
                "provisional": f.provisional,
            }
            for f in in_force(ctx.freezes, ctx.now)
            if f.amount is not None
        ],
    }


def _open(ctx: SpendContext) -> list[Occupancy]:
    return sorted(
        (o for o in ctx.occupancies if o.outstanding.is_positive),
        key=lambda o: (o.captured_at, o.id),
    )


def _open_count(ctx: SpendContext) -> int:
    summary = ctx.occupancy_summary
    return len(_open(ctx)) if summary is None else summary.count
