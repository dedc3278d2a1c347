"""What every care page of a holder shows at its head: the party and its lines (with the
balances the self-check measures), read in the caller's transaction."""

from __future__ import annotations

from typing import Any

from creditline.service.quota.line_book import balances_json
from creditline.service.uow import UnitOfWork


def party_head(uow: UnitOfWork, party_id: str) -> dict[str, Any]:
    """The party (``NotFound`` when there is none) and its lines, oldest first."""
    party = uow.parties.get_party(party_id)
    lines = []
    for line_id in uow.lines.lines_of_party(party_id):
        state = uow.lines.read_line(line_id).state
        lines.append(
            {
                "id": state.id,
                "product": state.product.value,
                "status": state.status.value,
                **balances_json(state.balances),
            }
        )
    return {"party": party.id, "party_name": party.name, "kind": party.kind.value, "lines": lines}
