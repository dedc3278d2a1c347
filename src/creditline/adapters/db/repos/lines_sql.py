"""SQL of credit lines (额度) and their hash-chained quota book."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import spend_history_sql as sh
from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlBook, stored_response
from creditline.domain.errors import NotFound
from creditline.domain.ledger import GENESIS_HASH, LINE_BOOK, Balances, PostedTransfer
from creditline.domain.money import Money
from creditline.domain.quota.limits import (
    LimitChange,
    LimitChangeKind,
    LimitRequest,
    RequestStatus,
)
from creditline.domain.quota.lines import LineState, LineStatus
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.service.quota.quota_ports import LockedLine

_BALANCES = slice(5, 5 + len(hp.LINE_COLUMNS))

# A line's day-end balances (the quota page's chart), built once with bound parameters, in one
# statement: the days within the window, from the last day before it when there is one (two
# index seeks); each row with its line's currency.
_d = t.line_day_ends.c
_DAY_BEFORE = (
    select(sa.func.max(_d.day))
    .where(_d.line_id == bindparam("line_id"), _d.day < bindparam("first"))
    .scalar_subquery()
)
_DAY_ENDS = FastSelect(
    select(t.line_day_ends, t.lines.c.currency)
    .join(t.lines, t.lines.c.id == _d.line_id)
    .where(
        _d.line_id == bindparam("line_id"),
        _d.day >= sa.func.coalesce(_DAY_BEFORE, bindparam("first")),
        _d.day <= bindparam("last"),
    )
    .order_by(_d.day)
)

# Statements the pages read often, built once with bound parameters: building a select of a
# wide table costs more than running it (about 0.45 ms against 0.35 ms on PostgreSQL).
_lc = t.limit_changes
_LIMIT_CHANGES = FastSelect(
    select(_lc)
    .where(_lc.c.line_id == bindparam("line_id"))
    .order_by(_lc.c.n.desc())
    .limit(bindparam("limit"))
)


@cache
def _limit_requests(by_line: bool, by_status: bool) -> FastSelect:
    """Limit requests, newest first, of a line, in a status, both or neither."""
    lr = t.limit_requests
    query = select(lr)
    if by_line:
        query = query.where(lr.c.line_id == bindparam("line_id"))
    if by_status:
        query = query.where(lr.c.status == bindparam("status"))
    return FastSelect(query.order_by(lr.c.created_at.desc(), lr.c.id).limit(bindparam("limit")))


def _line(row: Any, line_id: str) -> LockedLine:
    """The one mapping of a row of ``hotpath._LINE_SQL``, locked or not, to a line."""
    currency = row[3]
    (
        open_freezes,
        seq,
        head_hash,
        kind,
        request_hash,
        body,
        refused,
        oldest_occupancy,
        licence_expires_on,
        policy_seq,
        rule_seq,
        party_created_at,
        limit_target,
        open_orders,
    ) = row[_BALANCES.stop :]
    state = LineState(
        id=line_id,
        party_id=row[1],
        party_kind=PartyKind(kind),
        product=Product(row[2]),
        status=LineStatus(row[4]),
        balances=Balances.from_minor(LINE_BOOK, currency, row[_BALANCES]),
        limit_target=None if limit_target is None else Money(limit_target, currency),
    )
    stored = None if request_hash is None else stored_response(request_hash, body, refused)
    return LockedLine(
        state=state,
        seq=seq,
        head_hash=head_hash,
        stored=stored,
        open_freezes=open_freezes,
        open_orders=open_orders,
        oldest_occupancy=hp.read_time(oldest_occupancy),
        licence_expires_on=hp.read_date(licence_expires_on),
        policy_seq=policy_seq or 0,
        rule_seq=rule_seq or 0,
        party_created_at=hp.read_time(party_created_at),
    )


class SqlLines(SqlBook):
    """The ``lines`` port on SQL."""

    book_sql = hp.LINE_BOOK_SQL

    def insert_line(
        self, *, line_id: str, party_id: str, product: str, currency: str, now: datetime
    ) -> None:
        self._exec(
            insert(t.lines),
            {
                "id": line_id,
                "party_id": party_id,
                "product": product,
                "currency": currency,
                "status": LineStatus.PENDING_ACTIVATION.value,
                "head_hash": GENESIS_HASH,
                "created_at": now,
                "updated_at": now,
            },
        )

    def lock_line(
        self, line_id: str, key: str | None = None, *, for_spend: bool = False
    ) -> LockedLine:
        cur = self.cursor
        party = self.db.line_parties.get(line_id) if for_spend else None
        if party is None or cur.dialect != "postgresql" or self.db.sandbox:
            locked = self._read(hp.LOCK_LINE, line_id, key)
            if for_spend:
                self.db.remember_party(line_id, locked.state.party_id)
            return locked
        # A spend on a line seen before: its history features are read in the lock's round
        # trip, by the server after the lock is granted (a fresh snapshot that sees the
        # line's last spend). A line's party never changes. The clock is the transaction's if
        # it is fixed already (a batch), else the wall clock a non-sandbox database reads (a
        # sandbox's clock is a database row: never read ahead).
        at = self.session.now or self.db.wall_clock()
        ahead = (sh.SPEND_FEATURES, sh.spend_feature_params(line_id, party, at, cur.dialect))
        locked = self._read(hp.LOCK_LINE, line_id, key, ahead=ahead)
        self.session.features_ahead = ((line_id, party), at, cur.ahead_row)
        return locked

    def read_line(self, line_id: str) -> LockedLine:
        seen = self.session.seen
        if seen is None:
            return self._read(hp.READ_LINE, line_id, None)
        found: LockedLine | None = seen.get(("line", line_id))
        if found is None:
            found = seen[("line", line_id)] = self._read(hp.READ_LINE, line_id, None)
        return found

    def _read(
        self,
        statement: hp.Statement,
        line_id: str,
        key: str | None,
        *,
        ahead: tuple[hp.Statement, dict[str, Any]] | None = None,
    ) -> LockedLine:
        params = {"line_id": line_id, "key": key}
        row = self.cursor.execute(statement, params, ahead=ahead).fetchone()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        return _line(row, line_id)

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(status=status.value, updated_at=now)
        )

    def line_ids(self) -> Iterator[str]:
        for row in self._exec(select(t.lines.c.id).order_by(t.lines.c.id)):
            yield row.id

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        return self.book_transfers(t.ledger_transfers, t.ledger_transfers.c.line_id, line_id)

    def day_ends(self, line_id: str, first: date, last: date) -> list[tuple[date, Balances]]:
        params = {"line_id": line_id, "first": first, "last": last}
        rows = self._exec(_DAY_ENDS, params)
        return [
            (
                r.day,
                Balances.from_minor(
                    LINE_BOOK, r.currency, (getattr(r, c) for c in hp.LINE_COLUMNS)
                ),
            )
            for r in rows
        ]

    def lines_of_party(self, party_id: str) -> list[str]:
        rows = self._exec(
            select(t.lines.c.id)
            .where(t.lines.c.party_id == party_id)
            .order_by(t.lines.c.created_at, t.lines.c.id)
        )
        return [r.id for r in rows]

    def open_line_of(self, party_id: str, product: str) -> str | None:
        ln = t.lines
        found = self._exec(
            select(ln.c.id).where(
                ln.c.party_id == party_id,
                ln.c.product == product,
                ln.c.status != LineStatus.CLOSED.value,
            )
        ).first()
        return None if found is None else str(found.id)

    def order_refs(self, line_id: str) -> dict[str, str | None]:
        """Order id for each hold and occupancy id of a line (statement references)."""
        refs: dict[str, str | None] = {}
        for r in self._exec(
            select(t.holds.c.id, t.holds.c.order_id).where(t.holds.c.line_id == line_id)
        ):
            refs[r.id] = r.order_id
        for r in self._exec(
            select(t.occupancies.c.id, t.occupancies.c.order_id).where(
                t.occupancies.c.line_id == line_id
            )
        ):
            refs[r.id] = r.order_id
        return refs

    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]:
        rows = self._exec(
            select(t.occupancies.c.line_id)
            .distinct()
            .where(t.occupancies.c.outstanding > 0, t.occupancies.c.captured_at < cutoff)
            .order_by(t.occupancies.c.line_id)
        )
        return [r.line_id for r in rows]

    # -- limit changes (额度调整) --------------------------------------------------------------
    def set_limit_target(self, line_id: str, target: Money | None, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(limit_target=None if target is None else target.minor, updated_at=now)
        )

    def insert_limit_change(self, change: LimitChange) -> None:
        """Numbered in the line's order (the caller holds the line's lock)."""
        lc = t.limit_changes
        after = (
            select(sa.func.coalesce(sa.func.max(lc.c.n), 0) + 1)
            .where(lc.c.line_id == change.line_id)
            .scalar_subquery()
        )
        self._exec(
            insert(t.limit_changes).values(
                line_id=change.line_id,
                id=change.id,
                n=after,
                kind=change.kind.value,
                previous=change.previous.minor,
                target=change.target.minor,
                currency=change.target.currency,
                actor=change.actor,
                source=change.source,
                note=change.note,
                reasons=json.dumps(list(change.reasons), ensure_ascii=False, sort_keys=True),
                restore_zh=change.restore_zh,
                restore_en=change.restore_en,
                detail=json.dumps(change.detail, ensure_ascii=False, sort_keys=True, default=str),
                created_at=change.at,
            )
        )

    def limit_changes(self, line_id: str, *, limit: int = 100) -> list[LimitChange]:
        """The line's limit changes, newest first."""
        rows = self._exec(_LIMIT_CHANGES, {"line_id": line_id, "limit": limit})
        return [_limit_change(r) for r in rows]

    # -- increase requests (提额申请) --------------------------------------------------------
    def save_limit_request(self, request: LimitRequest) -> None:
        """Insert the request, or update it when it is decided."""
        lr = t.limit_requests
        values = {
            "party_id": request.party_id,
            "requested": request.requested.minor,
            "current": request.current.minor,
            "currency": request.requested.currency,
            "reason": request.reason,
            "status": request.status.value,
            "assessment_id": request.assessment_id,
            "score": request.score,
            "proposed": None if request.proposed is None else request.proposed.minor,
            "decided_limit": None if request.decided_limit is None else request.decided_limit.minor,
            "reasons": json.dumps(list(request.reasons), ensure_ascii=False, sort_keys=True),
            "change_id": request.change_id,
            "requested_by": request.requested_by,
            "decided_by": request.decided_by,
            "note": request.note,
            "created_at": request.created_at,
            "decided_at": request.decided_at,
        }
        done = self._exec(
            update(lr)
            .where(lr.c.line_id == request.line_id, lr.c.id == request.id)
            .values(**values)
        )
        if not done.rowcount:
            self._exec(insert(lr).values(line_id=request.line_id, id=request.id, **values))

    def limit_request(self, line_id: str, request_id: str) -> LimitRequest:
        lr = t.limit_requests
        row = self._exec(select(lr).where(lr.c.line_id == line_id, lr.c.id == request_id)).first()
        if row is None:
            raise NotFound("request", f"request: no such limit request {request_id!r}")
        return _limit_request(row)

    def limit_requests(
        self, *, line_id: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[LimitRequest]:
        """Requests, newest first (all lines when ``line_id`` is None: the operators' queue)."""
        query = _limit_requests(by_line=line_id is not None, by_status=status is not None)
        rows = self._exec(query, {"line_id": line_id, "status": status, "limit": limit})
        return [_limit_request(r) for r in rows]


def _limit_request(r: Any) -> LimitRequest:
    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money(minor, r.currency)

    return LimitRequest(
        id=r.id,
        line_id=r.line_id,
        party_id=r.party_id,
        requested=Money(r.requested, r.currency),
        current=Money(r.current, r.currency),
        reason=r.reason,
        status=RequestStatus(r.status),
        created_at=r.created_at,
        requested_by=r.requested_by,
        assessment_id=r.assessment_id,
        score=r.score,
        proposed=money(r.proposed),
        decided_limit=money(r.decided_limit),
        reasons=tuple(json.loads(r.reasons)),
        change_id=r.change_id,
        decided_by=r.decided_by,
        note=r.note,
        decided_at=r.decided_at,
    )


def _limit_change(r: Any) -> LimitChange:
    return LimitChange(
        id=r.id,
        line_id=r.line_id,
        kind=LimitChangeKind(r.kind),
        previous=Money(r.previous, r.currency),
        target=Money(r.target, r.currency),
        at=r.created_at,
        actor=r.actor,
        source=r.source,
        note=r.note,
        reasons=tuple(json.loads(r.reasons)),
        restore_zh=r.restore_zh,
        restore_en=r.restore_en,
        detail=json.loads(r.detail),
    )
