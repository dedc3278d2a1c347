"""The types of event the outbox (事件) carries: one list, so that a reader can ask for a type
and be told when it names none (a misspelt type would otherwise page through nothing)."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput

#: Every type ``uow.events.emit`` writes (tests/test_cli_hygiene.py holds the code to it).
EVENT_TYPES: tuple[str, ...] = (
    "alert.calendar_running_out",
    "alert.closed",
    "alert.occupancy_overdue",
    "alert.opened",
    "alert.updated",
    "appeal.decided",
    "appeal.submitted",
    "calendar.loaded",
    "case.assigned",
    "case.closed",
    "case.opened",
    "compensation.paid",
    "document.added",
    "dunning.escalated",
    "dunning.legal",
    "dunning.reminder",
    "freeze.added",
    "freeze.expired",
    "freeze.lifted",
    "incident.closed",
    "incident.opened",
    "installment.created",
    "installment.dunning",
    "installment.late_fee",
    "installment.overdue",
    "installment.paid_off",
    "installment.repaid",
    "installment.returned",
    "installment.settled",
    "late_fee.charged",
    "limit.changed",
    "limit.request_decided",
    "limit.requested",
    "limit.reviewed",
    "order.after_sale_refund",
    "order.auto_confirmed",
    "order.confirmed",
    "order.paid",
    "order.returned",
    "order.shipped",
    "party.credit_lowered",
    "party.credit_updated",
    "party.verified",
    "payout.failed",
    "payout.paid",
    "policy.changed",
    "promotion.created",
    "promotion.ended",
    "receivable.collected",
    "receivable.raised",
    "risk.reviewed",
    "risk.ring_found",
    "risk.rules_loaded",
    "risk.model_loaded",
    "split.deferred",
    "split.executed",
    "split_rule.set",
    "supplier.added",
    "temporary_quota.ended",
    "temporary_quota.granted",
    "webhook_endpoint.disabled",
    "withdrawal.requested",
)


def parse_event_type(text: str) -> str:
    """``text`` when it is a known event type; else ``InvalidInput`` listing the known ones."""
    if text not in EVENT_TYPES:
        raise InvalidInput(
            "type", f"type {text[:64]!r} is not an event type; known: {', '.join(EVENT_TYPES)}"
        )
    return text
