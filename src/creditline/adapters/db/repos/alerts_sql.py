"""SQL of the alerts port: the ``alerts`` rows of lines, the holder's settled sales read from
its funds book, and its failing split payouts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, insert, or_, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.ledger import Account, Movement
from creditline.domain.money import Money
from creditline.domain.quota.lines import LineStatus
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.service.quota.alert_ports import StoredAlert

_a = t.alerts
_ft = t.funds_transfers
#: A split's money out of escrow, and an after-sale refund taken back from the merchant.
_SPLIT = and_(_ft.c.movement == Movement.SPLIT.value, _ft.c.debit_account == Account.ESCROW.value)
_REFUND = and_(
    _ft.c.movement == Movement.RETURN.value,
    _ft.c.debit_account.in_([Account.MERCHANT_BALANCE.value, Account.RECEIVABLE.value]),
)

#: A line's open alerts (every line answer's), built once.
_OPEN_ALERTS = FastSelect(
    select(_a)
    .where(_a.c.line_id == bindparam("line_id"), _a.c.closed_at.is_(None))
    .order_by(_a.c.opened_at, _a.c.id)
)


def _alert(r: Any) -> StoredAlert:
    return StoredAlert(
        id=r.id,
        line_id=r.line_id,
        kind=r.kind,
        level=r.level,
        detail=json.loads(r.detail),
        opened_at=r.opened_at,
        closed_at=r.closed_at,
    )


def _detail(alert: StoredAlert) -> str:
    return json.dumps(alert.detail, ensure_ascii=False, sort_keys=True)


class SqlAlerts(SqlRepo):
    """The ``alerts`` port on SQL."""

    @staticmethod
    def line_reads(line_id: str) -> list[tuple[FastSelect, dict[str, Any]]]:
        """The reads of ``line_id`` a page makes here (``SqlUnitOfWork.read_ahead``)."""
        return [(_OPEN_ALERTS, {"line_id": line_id})]

    def open_alerts(self, line_id: str) -> list[StoredAlert]:
        return [_alert(r) for r in self._exec(_OPEN_ALERTS, {"line_id": line_id})]

    def alerts(self, line_id: str, limit: int) -> list[StoredAlert]:
        rows = self._exec(
            select(_a)
            .where(_a.c.line_id == line_id)
            .order_by(_a.c.opened_at.desc(), _a.c.id.desc())
            .limit(limit)
        )
        return [_alert(r) for r in rows]

    def open_alert(self, alert: StoredAlert) -> None:
        self._exec(
            insert(_a),
            {
                "id": alert.id,
                "line_id": alert.line_id,
                "kind": alert.kind,
                "level": alert.level,
                "detail": _detail(alert),
                "opened_at": alert.opened_at,
                "closed_at": alert.closed_at,
            },
        )

    def update_alert(self, alert: StoredAlert) -> None:
        self._exec(
            update(_a)
            .where(_a.c.id == alert.id)
            .values(level=alert.level, detail=_detail(alert), closed_at=alert.closed_at)
        )

    def settled_sales(self, party_id: str, since: datetime, until: datetime) -> Money | None:
        row = self._exec(
            select(
                _ft.c.currency,
                func.sum(case((_SPLIT, _ft.c.amount), else_=0)).label("split"),
                func.sum(case((_REFUND, _ft.c.amount), else_=0)).label("refunded"),
            )
            .where(
                _ft.c.party_id == party_id,
                _ft.c.created_at > since,
                _ft.c.created_at <= until,
                or_(_SPLIT, _REFUND),
            )
            .group_by(_ft.c.currency)
        ).first()
        if row is None:
            return None
        net = int(row.split) - int(row.refunded)
        return Money(net, row.currency) if net > 0 else None

    def failing_payouts(self, party_id: str) -> list[Payout]:
        p = t.payouts
        ids = self._exec(
            select(p.c.id).where(
                p.c.party_id == party_id,
                p.c.kind == PayoutKind.SUPPLIER.value,
                p.c.status == PayoutStatus.PENDING.value,
                p.c.failures_in_row > 0,
            )
        ).scalars()
        records = self.uow.payouts.payout_records(list(ids))
        return [r.payout for r in sorted(records, key=lambda r: (r.created_at, r.payout.id))]

    def lines_to_watch(self, after: str, limit: int) -> list[str]:
        alerted = exists().where(_a.c.line_id == t.lines.c.id, _a.c.closed_at.is_(None))
        rows = self._exec(
            select(t.lines.c.id)
            .where(
                t.lines.c.id > after,
                or_(t.lines.c.status == LineStatus.ACTIVE.value, alerted),
            )
            .order_by(t.lines.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]
