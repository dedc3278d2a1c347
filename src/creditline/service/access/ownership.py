"""Whose an object is: the party that holds a line, a hold, an occupancy, a freeze, an
installment plan, an order, a payout, a case or a promotion. The API shows a holder's key only
what is its own, and answers everything else exactly as it answers an id that does not exist
(``NotFound``)."""

from __future__ import annotations

from creditline.domain.errors import InvalidInput, NotFound
from creditline.service.ids import line_of
from creditline.service.uow import Database, UnitOfWork

#: Ids whose line is inside them (``new_child_id``).
LINE_CHILDREN = ("hold_", "occ_", "frz_", "lim_", "lrq_", "apl_", "inst_")
PARTIES = ("mer_", "con_")


def _owner(uow: UnitOfWork, object_id: str) -> str:
    if object_id.startswith(PARTIES):
        return uow.parties.get_party(object_id).id
    if object_id.startswith("line_"):
        return uow.lines.read_line(object_id).state.party_id
    if object_id.startswith(LINE_CHILDREN):
        return uow.lines.read_line(line_of(object_id, field="id")).state.party_id
    return _other_owner(uow, object_id)


def _other_owner(uow: UnitOfWork, object_id: str) -> str:
    if object_id.startswith("promo_"):  # a merchant's promotion (商家贴息)
        return uow.installments.get_promotion(object_id).merchant_id
    if object_id.startswith("po_"):
        return uow.payouts.get_payout(object_id).party_id
    if object_id.startswith("case_"):
        return uow.cases.read_case(object_id).party_id or ""
    return uow.orders.get_order(object_id).merchant_id


def owner_of(db: Database, object_id: str) -> str | None:
    """The party that owns ``object_id``; None when there is no such object (a malformed id
    is no object either)."""
    try:
        with db.transaction(write=False) as uow:
            return _owner(uow, object_id)
    except (NotFound, InvalidInput):
        return None
