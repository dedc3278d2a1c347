"""What the records kept beside a book must agree with in its transfers (账实相符): holds and
occupancy (占用) in a line's book, payouts (出款) in a merchant's funds book.

A hold, an occupancy and a payout are rows of their own, updated in the transaction that posts
their transfers; the rules read them (a capture reads the hold's amount), so a row changed
behind the ledger's back would steer the next movement. Each is checked against the transfers
that name it in ``ref``: a hold by its id, an occupancy by its id (repayments, refunds) and its
hold's capture, a payout by its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from creditline.domain.checkpoints import Finding
from creditline.domain.ledger import Movement, Transfer
from creditline.domain.money import Money
from creditline.domain.quota.lines import Hold, HoldStatus, Occupancy
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus

_HOLD_MOVES = (
    Movement.AUTHORIZE,
    Movement.CAPTURE,
    Movement.RELEASE,
    Movement.VOID,
    Movement.EXPIRE,
)
_RELEASES = (Movement.RELEASE, Movement.VOID, Movement.EXPIRE)
_OCCUPANCY_MOVES = (Movement.REPAY, Movement.REFUND)
_PAYOUT_MOVES = (Movement.PAYOUT, Movement.WITHDRAWAL)


class Trail:
    """One book's transfers summed by what they name (``ref``) and movement, in minor units."""

    def __init__(self) -> None:
        self._sums: dict[str, dict[Movement, int]] = {}

    def add(self, transfer: Transfer) -> None:
        by_movement = self._sums.setdefault(transfer.ref, {})
        minor = transfer.amount.minor
        by_movement[transfer.movement] = by_movement.get(transfer.movement, 0) + minor

    def sum(self, ref: str | None, *movements: Movement) -> int:
        found = self._sums.get(ref, {}) if ref is not None else {}
        return sum(found.get(m, 0) for m in movements)

    def refs(self, *movements: Movement) -> list[str]:
        """The refs named by any of ``movements``, sorted."""
        return sorted(r for r, sums in self._sums.items() if any(m in sums for m in movements))

    def sums(self, ref: str, movements: Iterable[Movement]) -> dict[str, int]:
        found = self._sums.get(ref, {})
        return {m.value: found[m] for m in movements if m in found}


@dataclass(frozen=True, slots=True)
class OccupancyRecord:
    """An occupancy row as stored: what its capture left (``amount``) and what is unpaid."""

    occupancy: Occupancy
    amount: Money


def _mismatch(problem: str, name: str, ident: str, stored: Any, ledger: Any) -> Finding:
    # Findings about records are placed at the book's head (seq 0 here; the caller places it):
    # they say what the records and the whole chain disagree on, not which row is wrong.
    return Finding(problem, 0, {name: ident, "stored": stored, "ledger": ledger})


def hold_findings(
    holds: Sequence[Hold], occupancies: Sequence[OccupancyRecord], trail: Trail
) -> list[Finding]:
    """Each hold's amount, what it still holds, captured and refunded, against its transfers;
    and any transfer for a hold that has no row."""
    occupancy_of = {r.occupancy.hold_id: r.occupancy.id for r in occupancies}
    out: list[Finding] = []
    for h in holds:
        authorized = trail.sum(h.id, Movement.AUTHORIZE)
        captured = trail.sum(h.id, Movement.CAPTURE)
        released = trail.sum(h.id, *_RELEASES)
        refunded = trail.sum(occupancy_of.get(h.id), Movement.REFUND)
        if h.status is HoldStatus.DECLINED and not (authorized or captured or released):
            continue  # declined when asked: nothing was posted, so nothing can disagree
        ledger = {
            "amount": authorized,
            "held": authorized - captured - released,
            "captured": captured,
            "refunded": refunded,
        }
        stored = {
            "amount": h.amount.minor,
            "held": h.amount.minor if h.status is HoldStatus.AUTHORIZED else 0,
            "captured": h.captured.minor,
            "refunded": h.refunded.minor,
        }
        if stored != ledger:
            out.append(_mismatch("hold_mismatch", "hold", h.id, stored, ledger))
    known = {h.id for h in holds}
    out.extend(
        _mismatch("hold_mismatch", "hold", ref, None, trail.sums(ref, _HOLD_MOVES))
        for ref in trail.refs(*_HOLD_MOVES)
        if ref not in known
    )
    return out


def occupancy_findings(
    occupancies: Sequence[OccupancyRecord],
    trail: Trail,
    plans: Iterable[tuple[str, str]] = (),
) -> list[Finding]:
    """Each occupancy's amount against its hold's capture, and what is outstanding against the
    repayments and refunds that name it; a capture without occupancy, or a repayment of an
    occupancy that has no row. ``plans``: (plan, hold) of the line's installment plans, whose
    captures and repayments the plan's own check holds (``installments.plan_trail``)."""
    planned = list(plans)
    out: list[Finding] = []
    for r in occupancies:
        occ = r.occupancy
        amount = trail.sum(occ.hold_id, Movement.CAPTURE)
        ledger = {"amount": amount, "outstanding": amount - trail.sum(occ.id, *_OCCUPANCY_MOVES)}
        stored = {"amount": r.amount.minor, "outstanding": occ.outstanding.minor}
        if stored != ledger:
            out.append(_mismatch("occupancy_mismatch", "occupancy", occ.id, stored, ledger))
    holds = {r.occupancy.hold_id for r in occupancies} | {hold for _, hold in planned}
    for ref in trail.refs(Movement.CAPTURE):
        if ref not in holds:
            captured = trail.sums(ref, [Movement.CAPTURE])
            out.append(_mismatch("occupancy_mismatch", "hold", ref, None, captured))
    known = {r.occupancy.id for r in occupancies} | {plan for plan, _ in planned}
    for ref in trail.refs(*_OCCUPANCY_MOVES):
        if ref not in known:
            moved = trail.sums(ref, _OCCUPANCY_MOVES)
            out.append(_mismatch("occupancy_mismatch", "occupancy", ref, None, moved))
    return out


def payout_findings(payouts: Sequence[Payout], trail: Trail) -> list[Finding]:
    """Each payout of a merchant's funds book: paid exactly when the book paid it, by its
    amount, and a withdrawal's amount is what left the merchant's balance. (A supplier payout
    is created by a split whose transfer names the supplier, not the payout, so only its
    payment is checked.)"""
    out: list[Finding] = []
    for p in payouts:
        stored = {"paid": p.amount.minor if p.status is PayoutStatus.PAID else 0}
        ledger = {"paid": trail.sum(p.id, Movement.PAYOUT)}
        if p.kind is PayoutKind.WITHDRAWAL:
            stored["amount"] = p.amount.minor
            ledger["amount"] = trail.sum(p.id, Movement.WITHDRAWAL)
        if stored != ledger:
            out.append(_mismatch("payout_mismatch", "payout", p.id, stored, ledger))
    known = {p.id for p in payouts}
    for ref in trail.refs(*_PAYOUT_MOVES):
        if ref not in known:
            moved = trail.sums(ref, _PAYOUT_MOVES)
            out.append(_mismatch("payout_mismatch", "payout", ref, None, moved))
    return out
