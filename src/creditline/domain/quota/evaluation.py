"""Why a spend would be refused (额度为什么用不了): one evaluation for declines and diagnosis.

``evaluate`` lists every reason, not just the first, from a ``SpendContext``. The spend use case
and ``creditline why`` both call it on the same state, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from creditline.domain.installments.overdue_reason import overdue_reason
from creditline.domain.installments.plans import OverduePeriod
from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.breakdown import breakdown
from creditline.domain.quota.documents import DOCUMENT_NAMES, Document
from creditline.domain.quota.freeze_hints import freeze_hint
from creditline.domain.quota.freezes import (
    FREEZE_REASON_NAMES,
    Freeze,
    FreezeReason,
    frozen_target,
    in_force,
)
from creditline.domain.quota.incidents import fault_facts
from creditline.domain.quota.limits import (
    LimitChange,
    LimitChangeKind,
    effective_limit,
    limit_reduced_reason,
)
from creditline.domain.quota.lines import LineState, LineStatus, Occupancy
from creditline.domain.quota.parties import Party, missing_prerequisites
from creditline.domain.quota.purposes import (
    FORBIDDEN_PURPOSES,
    PURPOSE_NAMES,
    Purpose,
    allowed_purposes,
)
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.workdays import iso_local, local_date, local_midnight_after, local_text

POLICY_CHANGE_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class OpenHold:
    """An authorised, uncaptured hold, as the breakdown of what holds the quota shows it."""

    id: str
    amount: Money
    order_id: str | None
    expires_at: datetime
    created_at: datetime | None = None  # when it was authorised


@dataclass(frozen=True, slots=True)
class OccupancySummary:
    """A line's open occupancy as the database keeps it, not as a list: how many orders (the
    line's running count) and, of those, how many are past the occupancy limit and what they
    owe (the oldest, an index seek). With it a context carries only the oldest page of orders,
    however many the line has."""

    count: int
    overdue_count: int
    overdue_total: Money


@dataclass(frozen=True, slots=True)
class SpendContext:
    """Everything the rules look at for one spend request, read in one transaction.

    Lists may be loaded only when the line's summary says they matter (the spend hot path);
    an empty list then means exactly "none that matters".
    """

    line: LineState
    amount: Money
    purpose: Purpose
    now: datetime
    policy: Policy
    party: Party | None = None  # needed when the line is not active
    freezes: tuple[Freeze, ...] = ()
    occupancies: tuple[Occupancy, ...] = ()  # the oldest open ones (every one without summary)
    #: Counts and totals of all open occupancy, when ``occupancies`` is only its oldest page.
    occupancy_summary: OccupancySummary | None = None
    expired_documents: tuple[Document, ...] = ()
    large_spends_today: int = 0
    open_holds: tuple[OpenHold, ...] = ()  # for the breakdown and clears_at
    #: The line's latest limit change, when it lowered the limit (read when quota falls short).
    limit_change: LimitChange | None = None
    #: Installment periods overdue today (read when an installment_overdue freeze stands).
    installments_overdue: tuple[OverduePeriod, ...] = ()

    @property
    def currency(self) -> str:
        return self.line.currency


def _unheld_raw(ctx: SpendContext) -> Money:
    """The quota neither held nor occupied under the effective limit, below zero while a
    lowered limit still waits for used quota to come back."""
    b = ctx.line.balances
    return effective_limit(b, ctx.line.limit_target) - b.held - b.occupied


def _unheld(ctx: SpendContext) -> Money:
    """The quota neither held nor occupied, never below zero (under a lowered limit's target
    while the reduction is pending)."""
    b = ctx.line.balances
    limit = effective_limit(b, ctx.line.limit_target)
    return (limit - b.held - b.occupied).max(Money.zero(ctx.currency))


def available(ctx: SpendContext) -> Money:
    """Available now: limit - held - occupied - amount freezes in force, never below zero."""
    frozen = frozen_target(ctx.freezes, ctx.now, ctx.currency)
    return (_unheld(ctx) - frozen).max(Money.zero(ctx.currency))


def frozen_amount(ctx: SpendContext) -> Money:
    """What the amount freezes in force keep from use, as far as the free quota covers them."""
    return frozen_target(ctx.freezes, ctx.now, ctx.currency).min(_unheld(ctx))


def evaluate(ctx: SpendContext) -> list[Reason]:
    """Every reason the spend would be refused now, in a fixed order; empty means authorise."""
    reasons: list[Reason] = []
    reasons += _status(ctx)
    reasons += _purpose(ctx)
    reasons += _freezes(ctx)
    reasons += _documents(ctx)
    reasons += _overdue(ctx)
    reasons += _limits(ctx)
    reasons += _available(ctx)
    return reasons


def _status(ctx: SpendContext) -> list[Reason]:
    line = ctx.line
    if line.status is LineStatus.CLOSED:
        return [Reason(ReasonCode.LINE_CLOSED, {"line": line.id})]
    if line.status is LineStatus.ACTIVE:
        return []
    missing = missing_prerequisites(ctx.party) if ctx.party is not None else []
    return [
        Reason(
            ReasonCode.LINE_NOT_ACTIVE,
            {"line": line.id, "missing": [r.code.value for r in missing]},
        ),
        *missing,
    ]


def _purpose(ctx: SpendContext) -> list[Reason]:
    zh, en = PURPOSE_NAMES[ctx.purpose]
    facts = {"purpose": ctx.purpose.value, "purpose_zh": zh, "purpose_en": en}
    if ctx.purpose in FORBIDDEN_PURPOSES:
        return [Reason(ReasonCode.PURPOSE_FORBIDDEN, facts)]
    if ctx.purpose not in allowed_purposes(ctx.line.product, ctx.line.party_kind):
        return [Reason(ReasonCode.PURPOSE_NOT_ALLOWED, {**facts, "product": ctx.line.product})]
    return []


def _freezes(ctx: SpendContext) -> list[Reason]:
    reasons = []
    for f in sorted(in_force(ctx.freezes, ctx.now), key=lambda f: (f.starts_at, f.id)):
        if not f.whole_line:
            continue  # an amount freeze lowers available instead (see _available)
        zh, en = FREEZE_REASON_NAMES[f.reason]
        until = iso_local(f.ends_at) if f.ends_at else None
        local_until = local_text(f.ends_at) if f.ends_at else ""
        # An end counted over estimated holidays may move: the holder is told so.
        estimated_zh = "；节假日为估计，可能调整" if f.provisional else ""
        estimated_en = " (holidays estimated; it may move)" if f.provisional else ""
        facts: dict[str, Any] = {
            "freeze": f.id,
            "reason": f.reason.value,
            "reason_zh": zh,
            "reason_en": en,
            "since": iso_local(f.starts_at),
            "since_local": local_text(f.starts_at),
            "until": until,
            "provisional": f.provisional,
            "note": f.note,
            "until_zh": f"，至 {local_until}（北京时间{estimated_zh}）自动解除"
            if until
            else "，需结清、申诉或人工解除",
            "until_en": f" until {local_until} Beijing time{estimated_en}"
            if until
            else " with no end date",
            "hint_zh": freeze_hint(f)[0],
            "hint_en": freeze_hint(f)[1],
            # A platform fault says so, with its estimate (incidents, 系统故障).
            **fault_facts(f, ctx.now),
        }
        if f.ends_at is not None:
            _note_policy_change(ctx, facts, "temporary_freeze_hours")
        if f.reason is FreezeReason.INSTALLMENT_OVERDUE and ctx.installments_overdue:
            reasons.append(overdue_reason(ctx.installments_overdue, ctx.currency, facts))
            continue
        reasons.append(
            Reason(ReasonCode.LINE_FROZEN, facts, clears_at=until, provisional=f.provisional)
        )
    return reasons


def _documents(ctx: SpendContext) -> list[Reason]:
    reasons = []
    for doc in ctx.expired_documents:
        zh, en = DOCUMENT_NAMES[doc.type]
        reasons.append(
            Reason(
                ReasonCode.DOCUMENT_EXPIRED,
                {
                    "document": doc.id,
                    "type": doc.type.value,
                    "document_zh": zh,
                    "document_en": en,
                    "expires_on": doc.expires_on.isoformat() if doc.expires_on else None,
                },
            )
        )
    return reasons


def overdue_occupancies(ctx: SpendContext) -> list[Occupancy]:
    limit = timedelta(days=ctx.policy.integer("occupancy_limit_days"))
    return [
        o for o in ctx.occupancies if o.outstanding.is_positive and ctx.now - o.captured_at > limit
    ]


def _overdue(ctx: SpendContext) -> list[Reason]:
    overdue = sorted(overdue_occupancies(ctx), key=lambda o: (o.captured_at, o.id))
    if not overdue:
        return []
    limit_days = ctx.policy.integer("occupancy_limit_days")
    oldest = overdue[0]
    summary = ctx.occupancy_summary
    count = len(overdue) if summary is None else summary.overdue_count
    to_lift = (
        Money.total((o.outstanding for o in overdue), ctx.currency)
        if summary is None
        else summary.overdue_total
    )
    facts: dict[str, Any] = {
        "count": count,
        "limit_days": limit_days,
        "oldest_order": oldest.order_id or oldest.hold_id,
        # a spend without an order is named as a spend, never as "order None" or a hold as order
        "oldest_zh": f"订单 {oldest.order_id}" if oldest.order_id else f"支付 {oldest.hold_id}",
        "oldest_en": f"order {oldest.order_id}" if oldest.order_id else f"spend {oldest.hold_id}",
        "oldest_days": (ctx.now - oldest.captured_at).days,
        "repay_to_lift": to_lift.format(),
        # the oldest overdue orders; ``orders_more`` more are listed by the exposure's cursor
        "orders_more": count - len(overdue),
        "orders": [
            {
                "order": o.order_id,
                "occupancy": o.id,
                "outstanding": o.outstanding.format(),
                "since": iso_local(o.captured_at),
                "days": (ctx.now - o.captured_at).days,
            }
            for o in overdue
        ],
    }
    _note_policy_change(ctx, facts, "occupancy_limit_days")
    return [Reason(ReasonCode.OCCUPANCY_OVERDUE, facts)]


def _limits(ctx: SpendContext) -> list[Reason]:
    reasons = []
    maximum = ctx.policy.money("max_single_spend", ctx.currency)
    if ctx.amount.currency == ctx.currency and ctx.amount > maximum:
        facts: dict[str, Any] = {
            "amount": ctx.amount.format(),
            "max_single_spend": maximum.format(),
        }
        _note_policy_change(ctx, facts, "max_single_spend")
        reasons.append(Reason(ReasonCode.SINGLE_SPEND_LIMIT, facts))
    if is_large(ctx) and ctx.large_spends_today >= ctx.policy.integer("max_large_spends_per_day"):
        resets = local_midnight_after(ctx.now)
        facts = {
            "count": ctx.large_spends_today,
            "threshold": ctx.policy.money("large_spend_threshold", ctx.currency).format(),
            "max_per_day": ctx.policy.integer("max_large_spends_per_day"),
            "day": local_date(ctx.now).isoformat(),
            "resets_local": local_text(resets),
        }
        _note_policy_change(ctx, facts, "max_large_spends_per_day")
        _note_policy_change(ctx, facts, "large_spend_threshold")
        reasons.append(
            Reason(
                ReasonCode.DAILY_LARGE_SPEND_COUNT,
                facts,
                clears_at=iso_local(resets),
            )
        )
    return reasons


def is_large(ctx: SpendContext) -> bool:
    threshold = ctx.policy.money("large_spend_threshold", ctx.currency)
    return ctx.amount.currency == ctx.currency and ctx.amount > threshold


def _available(ctx: SpendContext) -> list[Reason]:
    if ctx.amount.currency != ctx.currency:
        return [
            Reason(
                ReasonCode.CURRENCY_MISMATCH,
                {"currency": ctx.amount.currency, "line_currency": ctx.currency},
            )
        ]
    free = available(ctx)
    if ctx.amount <= free:
        return []
    b = ctx.line.balances
    facts: dict[str, Any] = {
        "amount": ctx.amount.format(),
        "available": free.format(),
        "shortfall": (ctx.amount - free).format(),
        **breakdown(ctx),
        "held": b.held.format(),
        "occupied": b.occupied.format(),
        "frozen": frozen_amount(ctx).format(),
        "limit": b.limit.format(),
    }
    # Counted from below zero while a lowered limit waits: what frees up goes there first.
    start = _unheld_raw(ctx) - frozen_target(ctx.freezes, ctx.now, ctx.currency)
    clears, provisional = _clears_when_holds_expire(ctx, start)
    reasons = [
        Reason(ReasonCode.INSUFFICIENT_AVAILABLE, facts, clears_at=clears, provisional=provisional)
    ]
    change = ctx.limit_change  # spend_state gives the lowering that still matters, if any
    if change is not None and change.lowered and change.kind is not LimitChangeKind.CLOSE:
        reasons.append(limit_reduced_reason(change, b, ctx.line.limit_target))
    return reasons


def _clears_when_holds_expire(ctx: SpendContext, free: Money) -> tuple[str | None, bool]:
    """When enough open holds and temporary amount freezes end by themselves, if they do; and
    whether that time rests on a freeze end counted over estimated holidays (one that moves
    can reorder the ends before it, so any such end up to then makes the time provisional)."""
    events: list[tuple[datetime, Money, bool]] = [
        (h.expires_at, h.amount, False) for h in ctx.open_holds
    ]
    events += [
        (f.ends_at, f.amount, f.provisional)
        for f in in_force(ctx.freezes, ctx.now)
        if f.amount is not None and f.ends_at is not None
    ]
    room, provisional = free, False
    for at, amount, estimated in sorted(events, key=lambda e: (e[0], e[1].minor)):
        room += amount
        provisional = provisional or estimated
        if room >= ctx.amount:
            return iso_local(at), provisional
    return None, False


def _note_policy_change(ctx: SpendContext, facts: dict[str, Any], key: str) -> None:
    """When ``key`` changed in the last 30 days, say so with both versions."""
    change, previous = ctx.policy.change_of(key), ctx.policy.previous_of(key)
    if change is None or previous is None or ctx.now - change.effective_at > POLICY_CHANGE_WINDOW:
        return
    facts.setdefault("policy_changes", []).append(
        {
            "key": key,
            "from": previous.value,
            "to": change.value,
            "from_version": f"v{previous.version}",
            "to_version": f"v{change.version}",
            "effective_at": iso_local(change.effective_at),
            "note": change.note,
        }
    )
