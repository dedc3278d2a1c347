"""SQL of holds (预授权) and the occupancy (占用) their captures leave."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal_column, or_, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.ledger_trail import OccupancyRecord
from creditline.domain.money import Money
from creditline.domain.quota.evaluation import OccupancySummary, OpenHold
from creditline.domain.quota.lines import Hold, HoldStatus, Occupancy
from creditline.domain.quota.purposes import Purpose

_NO_COUNTERS: dict[str, int | None] = dict.fromkeys(t.CUMULATIVE)


_AUTHORIZED = HoldStatus.AUTHORIZED.value

# The reads of what is open on a line, built once with bound parameters: building a select
# each call (coercing every comparison) cost more than running it (the quota page and ``why``
# make these on every answer).
_h, _o, _l = t.holds.c, t.occupancies.c, t.lines.c
_OPEN_HOLDS = FastSelect(
    select(_h.id, _h.amount, _h.currency, _h.order_id, _h.expires_at, _h.created_at)
    # the literal inline: a generic plan of a prepared statement could not match the partial
    # index ``ix_holds_open_line`` to a parameter
    .where(_h.line_id == bindparam("line_id"), _h.status == literal_column(f"'{_AUTHORIZED}'"))
    .order_by(_h.expires_at)
)
_OCCUPANCIES = (  # occupancy is in its line's currency, which only the line row keeps
    select(t.occupancies, _l.currency)
    .join(t.lines, _l.id == _o.line_id)
    .order_by(_o.captured_at, _o.id)
)
_OPEN_PAGE = FastSelect(
    _OCCUPANCIES.where(_o.line_id == bindparam("line_id"), _o.outstanding > 0).limit(
        bindparam("limit")
    )
)
_SUMMARY = FastSelect(
    select(  # the overdue are the oldest: a seek of the open index up to the cutoff
        func.count(),
        func.coalesce(func.sum(_o.outstanding), 0),
        select(_l.open_orders).where(_l.id == bindparam("line_id")).scalar_subquery(),
        select(_l.currency).where(_l.id == bindparam("line_id")).scalar_subquery(),
    ).where(
        _o.line_id == bindparam("line_id"),
        _o.outstanding > 0,
        _o.captured_at < bindparam("cutoff", type_=_o.captured_at.type),
    )
)


class SqlHolds(SqlRepo):
    """The ``holds`` port on SQL."""

    def insert_hold(
        self,
        hold: Hold,
        *,
        counterparty: str | None,
        reasons: list[dict[str, Any]],
        policy_version: str,
        now: datetime,
        risk_features: dict[str, Any] | None = None,
        rule_set_version: int | None = None,
        counters: dict[str, int] | None = None,
    ) -> None:
        cur = self.cursor
        cur.write(
            hp.INSERT_HOLD,
            [
                {
                    "id": hold.id,
                    "line_id": hold.line_id,
                    "status": hold.status.value,
                    "amount": hold.amount.minor,
                    "currency": hold.amount.currency,
                    "purpose": hold.purpose.value,
                    "order_id": hold.order_id,
                    "counterparty_id": counterparty,
                    "captured": hold.captured.minor,
                    "refunded": hold.refunded.minor,
                    "reasons": json.dumps(reasons, ensure_ascii=False),
                    "policy_version": policy_version,
                    "expires_at": cur.time(hold.expires_at),
                    "created_at": cur.time(now),
                    "risk_features": None
                    if risk_features is None
                    else json.dumps(risk_features, separators=(",", ":")),
                    "rule_set_version": rule_set_version,
                    **(counters or _NO_COUNTERS),
                }
            ],
        )

    def get_hold(self, line_id: str, hold_id: str) -> Hold:
        row = self._exec(
            select(t.holds).where(t.holds.c.line_id == line_id, t.holds.c.id == hold_id)
        ).first()
        if row is None:
            raise NotFound("hold", f"hold: no such hold {hold_id!r}")
        return _hold(row)

    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: Money,
        refunded: Money,
        now: datetime,
    ) -> None:
        self._exec(
            update(t.holds)
            .where(t.holds.c.line_id == line_id, t.holds.c.id == hold_id)
            .values(
                status=status.value,
                captured=captured.minor,
                refunded=refunded.minor,
                updated_at=now,
            )
        )

    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.holds.c.line_id, t.holds.c.id)
            .where(t.holds.c.status == HoldStatus.AUTHORIZED.value, t.holds.c.expires_at <= now)
            .order_by(t.holds.c.expires_at)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]

    @staticmethod
    def line_reads(line_id: str) -> list[tuple[FastSelect, dict[str, Any]]]:
        """The reads of ``line_id`` a page makes here (``SqlUnitOfWork.read_ahead``)."""
        return [(_OPEN_HOLDS, {"line_id": line_id})]

    def open_holds(self, line_id: str) -> list[OpenHold]:
        rows = self._exec(_OPEN_HOLDS, {"line_id": line_id})
        return [
            OpenHold(r.id, Money(r.amount, r.currency), r.order_id, r.expires_at, r.created_at)
            for r in rows
        ]

    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: Money
    ) -> int:
        """Authorised spends above ``threshold`` created in [start, end); declines don't count."""
        return int(
            self._exec(
                select(func.count())
                .select_from(t.holds)
                .where(
                    t.holds.c.line_id == line_id,
                    t.holds.c.status != HoldStatus.DECLINED.value,
                    t.holds.c.amount > threshold.minor,
                    t.holds.c.created_at >= start,
                    t.holds.c.created_at < end,
                )
            ).scalar_one()
        )

    def insert_occupancy(self, line_id: str, occ: Occupancy) -> None:
        self._exec(
            insert(t.occupancies),
            {
                "id": occ.id,
                "line_id": line_id,
                "hold_id": occ.hold_id,
                "order_id": occ.order_id,
                "amount": occ.outstanding.minor,
                "outstanding": occ.outstanding.minor,
                "captured_at": occ.captured_at,
            },
        )
        if occ.outstanding.minor > 0:
            self._count_open(line_id, +1)

    def _count_open(self, line_id: str, delta: int) -> None:
        """The line's running count of open orders (``lines.open_orders``), kept under the
        line's lock in the transaction that opens or closes an occupancy."""
        lines = t.lines.c
        self._exec(
            update(t.lines).where(lines.id == line_id).values(open_orders=lines.open_orders + delta)
        )

    def open_occupancies(
        self, line_id: str, *, limit: int | None = None, after: str | None = None
    ) -> list[Occupancy]:
        if after is None and limit is not None:  # the first page: the statement built once
            rows = self._exec(_OPEN_PAGE, {"line_id": line_id, "limit": limit})
            return [_occupancy(r) for r in rows]
        o = t.occupancies.c
        conditions = [o.line_id == line_id, o.outstanding > 0]
        if after is not None:
            since = self._exec(
                select(o.captured_at).where(o.line_id == line_id, o.id == after)
            ).scalar_one_or_none()
            if since is None:
                raise NotFound("after", f"after: no occupancy {after!r} on line {line_id}")
            conditions.append(
                or_(o.captured_at > since, and_(o.captured_at == since, o.id > after))
            )
        return self._occupancies(*conditions, limit=limit)

    def occupancy_summary(self, line_id: str, overdue_before: datetime) -> OccupancySummary:
        # The count is the line's running count; the overdue orders are the oldest, a seek of
        # the open-occupancy index up to the cutoff (none, on a line in good standing).
        row = self._exec(_SUMMARY, {"line_id": line_id, "cutoff": overdue_before}).one()
        if row[3] is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        return OccupancySummary(
            count=int(row[2]),
            overdue_count=int(row[0]),
            overdue_total=Money(int(row[1]), row[3]),
        )

    def holds_of(self, line_id: str) -> list[Hold]:
        rows = self._exec(
            select(t.holds).where(t.holds.c.line_id == line_id).order_by(t.holds.c.id)
        )
        return [_hold(r) for r in rows]

    def occupancies_of(self, line_id: str) -> list[OccupancyRecord]:
        o = t.occupancies.c
        rows = self._exec(
            select(t.occupancies, t.lines.c.currency)
            .join(t.lines, t.lines.c.id == o.line_id)
            .where(o.line_id == line_id)
            .order_by(o.captured_at, o.id)
        )
        return [OccupancyRecord(_occupancy(r), Money(r.amount, r.currency)) for r in rows]

    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None:
        found = self._occupancies(
            t.occupancies.c.line_id == line_id, t.occupancies.c.hold_id == hold_id
        )
        return found[0] if found else None

    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: Money) -> None:
        left = self._exec(
            update(t.occupancies)
            .where(t.occupancies.c.line_id == line_id, t.occupancies.c.id == occupancy_id)
            .values(outstanding=t.occupancies.c.outstanding - amount.minor)
            .returning(t.occupancies.c.outstanding)
        ).scalar_one_or_none()
        if left == 0 and amount.minor > 0:  # this reduction closed the order
            self._count_open(line_id, -1)

    def set_fees_through(self, line_id: str, occupancy_id: str, day: date) -> None:
        self._exec(
            update(t.occupancies)
            .where(t.occupancies.c.line_id == line_id, t.occupancies.c.id == occupancy_id)
            .values(fees_through=day)
        )

    def fees_through(self, line_id: str) -> dict[str, date | None]:
        rows = self._exec(
            select(t.occupancies.c.id, t.occupancies.c.fees_through).where(
                t.occupancies.c.line_id == line_id, t.occupancies.c.outstanding > 0
            )
        )
        return {r.id: r.fees_through for r in rows}

    def _occupancies(self, *conditions: Any, limit: int | None = None) -> list[Occupancy]:
        query = _OCCUPANCIES.where(*conditions)
        rows = self._exec(query if limit is None else query.limit(limit))
        return [_occupancy(r) for r in rows]


def _hold(row: Any) -> Hold:
    return Hold(
        id=row.id,
        line_id=row.line_id,
        amount=Money(row.amount, row.currency),
        purpose=Purpose(row.purpose),
        status=HoldStatus(row.status),
        expires_at=row.expires_at,
        order_id=row.order_id,
        captured=Money(row.captured, row.currency),
        refunded=Money(row.refunded, row.currency),
    )


def _occupancy(row: Any) -> Occupancy:
    """An occupancy row joined with its line's currency (only the line row keeps it)."""
    return Occupancy(
        id=row.id,
        hold_id=row.hold_id,
        order_id=row.order_id,
        outstanding=Money(row.outstanding, row.currency),
        captured_at=row.captured_at,
    )
