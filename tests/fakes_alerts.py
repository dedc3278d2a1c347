"""In-memory fake of the alerts port (see ``tests/fakes.py``); its rows live in
``FakeState.alerts``, a dict of plain containers. Settled sales and failing payouts are
computed by brute force from the fake funds books and payouts."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import StorageError
from creditline.domain.ledger import Account, Movement
from creditline.domain.money import Money
from creditline.domain.quota.lines import LineStatus
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.service.quota.alert_ports import StoredAlert

if TYPE_CHECKING:
    from tests.fakes import FakeState

_REFUNDED_FROM = {Account.MERCHANT_BALANCE, Account.RECEIVABLE}


class FakeAlerts:
    """The ``alerts`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _rows(self, line_id: str) -> list[StoredAlert]:
        return [copy.deepcopy(a) for a in self.s.alerts.values() if a.line_id == line_id]

    def open_alerts(self, line_id: str) -> list[StoredAlert]:
        found = [a for a in self._rows(line_id) if a.closed_at is None]
        return sorted(found, key=lambda a: (a.opened_at, a.id))

    def alerts(self, line_id: str, limit: int) -> list[StoredAlert]:
        found = sorted(self._rows(line_id), key=lambda a: (a.opened_at, a.id), reverse=True)
        return found[:limit]

    def open_alert(self, alert: StoredAlert) -> None:
        if alert.id in self.s.alerts:
            raise StorageError("the database refused the write: constraint pk_alerts")
        if any(a.kind == alert.kind for a in self.open_alerts(alert.line_id)):
            raise StorageError("the database refused the write: constraint uq_alerts_open")
        self.s.alerts[alert.id] = copy.deepcopy(alert)

    def update_alert(self, alert: StoredAlert) -> None:
        row: StoredAlert = self.s.alerts[alert.id]
        self.s.alerts[alert.id] = replace(
            row, level=alert.level, detail=copy.deepcopy(alert.detail), closed_at=alert.closed_at
        )

    def settled_sales(self, party_id: str, since: datetime, until: datetime) -> Money | None:
        net, currency = 0, None
        for p in self.s.funds_transfers.get(party_id, []):
            x = p.transfer
            if not since < p.created_at <= until:
                continue
            if x.movement is Movement.SPLIT and x.debit is Account.ESCROW:
                net, currency = net + x.amount.minor, x.amount.currency
            elif x.movement is Movement.RETURN and x.debit in _REFUNDED_FROM:
                net, currency = net - x.amount.minor, x.amount.currency
        return Money(net, currency) if currency is not None and net > 0 else None

    def failing_payouts(self, party_id: str) -> list[Payout]:
        rows: list[dict[str, Any]] = sorted(
            self.s.payouts.values(), key=lambda r: (r["created_at"], r["payout"].id)
        )
        return [
            r["payout"]
            for r in rows
            if r["payout"].party_id == party_id
            and r["payout"].kind is PayoutKind.SUPPLIER
            and r["payout"].status is PayoutStatus.PENDING
            and r["payout"].failures_in_row > 0
        ]

    def lines_to_watch(self, after: str, limit: int) -> list[str]:
        alerted = {a.line_id for a in self.s.alerts.values() if a.closed_at is None}
        ids = sorted(
            line_id
            for line_id, row in self.s.lines.items()
            if line_id > after and (row["status"] is LineStatus.ACTIVE or line_id in alerted)
        )
        return ids[:limit]
