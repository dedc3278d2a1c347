"""The SQL implementation of the service layer's ``Store`` and ``Database`` ports."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from creditline.adapters.calendar import ChineseCalendar
from creditline.adapters.channel import SimulatedChannel
from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.engine import make_engine
from creditline.adapters.db.risk_store import RiskSql, default_rule_set
from creditline.adapters.db.settlement_store import SettlementSql, transfer_rows
from creditline.domain.calendar import WorkCalendar
from creditline.domain.diagnosis import OpenHold
from creditline.domain.documents import Document, DocumentType
from creditline.domain.errors import Conflict, NotFound
from creditline.domain.freezes import Freeze, FreezeReason, FreezeStatus
from creditline.domain.ledger import (
    GENESIS_HASH,
    Balances,
    PostedTransfer,
)
from creditline.domain.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.money import Money
from creditline.domain.parties import Party, PartyKind
from creditline.domain.policy import Policy, PolicyChange, policy_at, validity
from creditline.domain.purposes import Product, Purpose
from creditline.domain.risk import RuleSet, parse_rule_set
from creditline.service.ports import LineRow, LockedLine, Store, StoredResponse
from creditline.service.settlement_ports import PaymentChannel

_LINE_COLUMNS = (
    t.lines.c.id,
    t.lines.c.tenant_id,
    t.lines.c.party_id,
    t.lines.c.product,
    t.lines.c.currency,
    t.lines.c.status,
    t.lines.c.limit_minor,
    t.lines.c.available,
    t.lines.c.held,
    t.lines.c.occupied,
    t.lines.c.frozen,
    t.lines.c.fees_due,
    t.lines.c.fee_income,
    t.lines.c.fees_collected,
    t.lines.c.open_freezes,
    t.lines.c.seq,
    t.lines.c.head_hash,
    t.lines.c.created_at,
)


class SqlStore(SettlementSql, RiskSql):
    """One transaction's view of the database."""

    def __init__(self, conn: Connection, db: SqlDatabase) -> None:
        self.conn = conn
        self.db = db
        self._now: datetime | None = None
        self._cursor: hp.Cursor | None = None

    def _exec(self, statement: Any, params: Any = None) -> Any:
        if self._cursor is not None:
            self._cursor.flush()
        return self.conn.execute(statement, params)

    def flush(self) -> None:
        if self._cursor is not None:
            self._cursor.flush()

    @property
    def cursor(self) -> hp.Cursor:
        if self._cursor is None:
            self._cursor = hp.Cursor(self.conn)
        return self._cursor

    # -- clock and policy ------------------------------------------------------------------
    def now(self) -> datetime:
        if self._now is None:
            if self.db.sandbox:
                value = self._exec(
                    select(t.meta.c.value).where(t.meta.c.key == "clock_now")
                ).scalar_one()
                self._now = datetime.fromisoformat(value)
            else:
                self._now = self.db.wall_clock()
        return self._now

    def is_sandbox(self) -> bool:
        return self.db.sandbox

    def set_clock(self, at: datetime) -> None:
        self._exec(update(t.meta).where(t.meta.c.key == "clock_now").values(value=at.isoformat()))
        self._now = at

    def has_activity(self) -> bool:
        return self._exec(select(t.parties.c.id).limit(1)).first() is not None

    def rule_set(self, seq: int) -> RuleSet:
        """The rule set of version ``seq`` (0: the shipped default), parsed once per process."""
        return self.db.rule_set(seq, self)

    def policy(self, at: datetime, seq: int | None = None) -> Policy:
        changes = self.policy_changes(seq)
        return self.db.policy_in_force(changes, at)

    # -- idempotency -------------------------------------------------------------------------
    def find_response(self, scope: str, key: str) -> StoredResponse | None:
        row = self.cursor.execute(hp.SELECT_RESPONSE, {"scope": scope, "key": key}).fetchone()
        return None if row is None else _stored(row[0], row[1], row[2])

    def save_response(
        self,
        scope: str,
        key: str,
        request_hash: str,
        body: dict[str, Any],
        *,
        refused: bool,
        now: datetime,
    ) -> None:
        self.cursor.write(
            hp.INSERT_RESPONSE,
            [
                {
                    "scope": scope,
                    "key": key,
                    "request_hash": request_hash,
                    "body": json.dumps(body, ensure_ascii=False),
                    "refused": refused,
                    "created_at": self.cursor.time(now),
                }
            ],
        )

    # -- parties -----------------------------------------------------------------------------
    def insert_party(self, party: Party, now: datetime) -> None:
        self._exec(
            insert(t.parties),
            {
                "id": party.id,
                "kind": party.kind.value,
                "name": party.name,
                "category": party.category,
                "credit_score": party.credit_score,
                "income_minor": party.income_minor,
                "real_name_verified": party.real_name_verified,
                "qualification_passed": party.qualification_passed,
                "settlement_account": party.settlement_account,
                "created_at": now,
            },
        )

    def get_party(self, party_id: str) -> Party:
        row = self._exec(select(t.parties).where(t.parties.c.id == party_id)).first()
        if row is None:
            raise NotFound("party", f"party: no such party {party_id!r}")
        open_count = self._exec(
            select(func.count())
            .select_from(t.violations)
            .where(t.violations.c.party_id == party_id, t.violations.c.closed_at.is_(None))
        ).scalar_one()
        return Party(
            id=row.id,
            kind=PartyKind(row.kind),
            name=row.name,
            real_name_verified=bool(row.real_name_verified),
            qualification_passed=bool(row.qualification_passed),
            settlement_account=row.settlement_account,
            open_violations=int(open_count),
            category=row.category,
            credit_score=row.credit_score,
            income_minor=row.income_minor,
        )

    def update_party(self, party: Party) -> None:
        self._exec(
            update(t.parties)
            .where(t.parties.c.id == party.id)
            .values(
                real_name_verified=party.real_name_verified,
                qualification_passed=party.qualification_passed,
                settlement_account=party.settlement_account,
            )
        )

    def open_violation(self, violation_id: str, party_id: str, note: str, now: datetime) -> None:
        self._exec(
            insert(t.violations),
            {"id": violation_id, "party_id": party_id, "note": note, "opened_at": now},
        )

    def close_violation(self, violation_id: str, now: datetime) -> str:
        row = self._exec(
            select(t.violations.c.party_id, t.violations.c.closed_at).where(
                t.violations.c.id == violation_id
            )
        ).first()
        if row is None:
            raise NotFound("violation", f"violation: no such violation {violation_id!r}")
        if row.closed_at is None:
            self._exec(
                update(t.violations).where(t.violations.c.id == violation_id).values(closed_at=now)
            )
        return str(row.party_id)

    # -- lines and ledger ---------------------------------------------------------------------
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

    def _line_row(self, line_id: str) -> Any:
        row = self._exec(_SELECT_LINE, {"line_id": line_id}).first()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        return row

    def lock_line(self, line_id: str, key: str | None = None) -> LockedLine:
        return self._line_summary(hp.LOCK_LINE, line_id, key)

    def read_line(self, line_id: str) -> LockedLine:
        """The same view as ``lock_line`` without taking the lock (for diagnosis)."""
        return self._line_summary(hp.READ_LINE, line_id, None)

    def _line_summary(self, statement: hp.Statement, line_id: str, key: str | None) -> LockedLine:
        row = self.cursor.execute(statement, {"line_id": line_id, "key": key}).fetchone()
        if row is None:
            raise NotFound("line", f"line: no such line {line_id!r}")
        (
            _id,
            party_id,
            product,
            currency,
            status,
            limit_minor,
            available,
            held,
            occupied,
            frozen,
            fees_due,
            fee_income,
            fees_collected,
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
        ) = row
        state = LineState(
            id=line_id,
            party_id=party_id,
            party_kind=PartyKind(kind),
            product=Product(product),
            status=LineStatus(status),
            balances=Balances(
                currency,
                limit=limit_minor,
                available=available,
                held=held,
                occupied=occupied,
                frozen=frozen,
                fees_due=fees_due,
                fee_income=fee_income,
                fees_collected=fees_collected,
            ),
        )
        stored = None if request_hash is None else _stored(request_hash, body, refused)
        return LockedLine(
            state=state,
            seq=seq,
            head_hash=head_hash,
            stored=stored,
            open_freezes=open_freezes,
            oldest_occupancy=hp.read_time(oldest_occupancy),
            licence_expires_on=hp.read_date(licence_expires_on),
            policy_seq=policy_seq or 0,
            rule_seq=rule_seq or 0,
            party_created_at=hp.read_time(party_created_at),
        )

    def get_line(self, line_id: str) -> LineRow:
        row = self._line_row(line_id)
        return LineRow(
            id=row.id,
            tenant_id=row.tenant_id,
            party_id=row.party_id,
            product=row.product,
            status=LineStatus(row.status),
            balances=_balances(row),
            seq=row.seq,
            head_hash=row.head_hash,
            created_at=row.created_at,
        )

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(status=status.value, updated_at=now)
        )

    def post(
        self, locked: LockedLine, posted: Sequence[PostedTransfer], balances: Balances
    ) -> None:
        if not posted:
            return
        cur = self.cursor
        at = cur.time(posted[0].created_at)
        cur.write(hp.INSERT_TRANSFER, transfer_rows(posted, "line_id", at=at))
        last = posted[-1]
        cur.write(
            hp.UPDATE_BALANCES,
            [
                {
                    "line_id": locked.state.id,
                    "old_seq": locked.seq,
                    "limit_minor": balances.limit,
                    "available": balances.available,
                    "held": balances.held,
                    "occupied": balances.occupied,
                    "frozen": balances.frozen,
                    "fees_due": balances.fees_due,
                    "fee_income": balances.fee_income,
                    "fees_collected": balances.fees_collected,
                    "seq": last.seq,
                    "head_hash": last.hash,
                    "updated_at": at,
                }
            ],
            expect=1,
        )

    # -- holds and occupancy -------------------------------------------------------------------
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
                    "captured": hold.captured,
                    "refunded": hold.refunded,
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
        return Hold(
            id=row.id,
            line_id=row.line_id,
            amount=Money(row.amount, row.currency),
            purpose=Purpose(row.purpose),
            status=HoldStatus(row.status),
            expires_at=row.expires_at,
            order_id=row.order_id,
            captured=row.captured,
            refunded=row.refunded,
        )

    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: int,
        refunded: int,
        now: datetime,
    ) -> None:
        self._exec(
            update(t.holds)
            .where(t.holds.c.line_id == line_id, t.holds.c.id == hold_id)
            .values(status=status.value, captured=captured, refunded=refunded, updated_at=now)
        )

    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.holds.c.line_id, t.holds.c.id)
            .where(t.holds.c.status == HoldStatus.AUTHORIZED.value, t.holds.c.expires_at <= now)
            .order_by(t.holds.c.expires_at)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]

    def insert_occupancy(self, line_id: str, occ: Occupancy, amount: int) -> None:
        self._exec(
            insert(t.occupancies),
            {
                "id": occ.id,
                "line_id": line_id,
                "hold_id": occ.hold_id,
                "order_id": occ.order_id,
                "amount": amount,
                "outstanding": occ.outstanding,
                "captured_at": occ.captured_at,
            },
        )

    def _occupancies(self, *conditions: Any) -> list[Occupancy]:
        rows = self._exec(
            select(t.occupancies)
            .where(*conditions)
            .order_by(t.occupancies.c.captured_at, t.occupancies.c.id)
        )
        return [
            Occupancy(
                id=r.id,
                hold_id=r.hold_id,
                order_id=r.order_id,
                outstanding=r.outstanding,
                captured_at=r.captured_at,
            )
            for r in rows
        ]

    def open_occupancies(self, line_id: str) -> list[Occupancy]:
        return self._occupancies(
            t.occupancies.c.line_id == line_id, t.occupancies.c.outstanding > 0
        )

    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None:
        found = self._occupancies(
            t.occupancies.c.line_id == line_id, t.occupancies.c.hold_id == hold_id
        )
        return found[0] if found else None

    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: int) -> None:
        self._exec(
            update(t.occupancies)
            .where(t.occupancies.c.line_id == line_id, t.occupancies.c.id == occupancy_id)
            .values(outstanding=t.occupancies.c.outstanding - amount)
        )

    # -- spend context ------------------------------------------------------------------------
    def open_holds(self, line_id: str) -> list[OpenHold]:
        rows = self._exec(
            select(t.holds.c.id, t.holds.c.amount, t.holds.c.order_id, t.holds.c.expires_at)
            .where(t.holds.c.line_id == line_id, t.holds.c.status == HoldStatus.AUTHORIZED.value)
            .order_by(t.holds.c.expires_at)
        )
        return [OpenHold(r.id, r.amount, r.order_id, r.expires_at) for r in rows]

    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: int
    ) -> int:
        """Authorised spends above ``threshold`` created in [start, end); declines don't count."""
        return int(
            self._exec(
                select(func.count())
                .select_from(t.holds)
                .where(
                    t.holds.c.line_id == line_id,
                    t.holds.c.status != HoldStatus.DECLINED.value,
                    t.holds.c.amount > threshold,
                    t.holds.c.created_at >= start,
                    t.holds.c.created_at < end,
                )
            ).scalar_one()
        )

    # -- freezes ------------------------------------------------------------------------------
    def insert_freeze(self, freeze: Freeze, now: datetime) -> None:
        self._exec(
            insert(t.freezes),
            {
                "line_id": freeze.line_id,
                "id": freeze.id,
                "reason": freeze.reason.value,
                "amount": None if freeze.amount is None else freeze.amount.minor,
                "currency": freeze.amount.currency if freeze.amount else "CNY",
                "starts_at": freeze.starts_at,
                "ends_at": freeze.ends_at,
                "status": freeze.status.value,
                "note": freeze.note,
                "policy_version": freeze.policy_version,
                "created_at": now,
            },
        )
        self._bump_freezes(freeze.line_id, 1, now)

    def close_freeze(
        self, line_id: str, freeze_id: str, status: FreezeStatus, note: str, now: datetime
    ) -> None:
        self._exec(
            update(t.freezes)
            .where(t.freezes.c.line_id == line_id, t.freezes.c.id == freeze_id)
            .values(status=status.value, closed_at=now, close_note=note)
        )
        self._bump_freezes(line_id, -1, now)

    def _bump_freezes(self, line_id: str, delta: int, now: datetime) -> None:
        self._exec(
            update(t.lines)
            .where(t.lines.c.id == line_id)
            .values(open_freezes=t.lines.c.open_freezes + delta, updated_at=now)
        )

    def freezes_of(self, line_id: str, *, active_only: bool) -> list[Freeze]:
        query = select(t.freezes).where(t.freezes.c.line_id == line_id)
        if active_only:
            query = query.where(t.freezes.c.status == FreezeStatus.ACTIVE.value)
        rows = self._exec(query.order_by(t.freezes.c.starts_at, t.freezes.c.id))
        return [_freeze(r) for r in rows]

    def get_freeze(self, line_id: str, freeze_id: str) -> Freeze:
        row = self._exec(
            select(t.freezes).where(t.freezes.c.line_id == line_id, t.freezes.c.id == freeze_id)
        ).first()
        if row is None:
            raise NotFound("freeze", f"freeze: no such freeze {freeze_id!r}")
        return _freeze(row)

    def freeze_history(self, freeze_id: str) -> dict[str, Any]:
        row = self._exec(
            select(t.freezes.c.created_at, t.freezes.c.closed_at, t.freezes.c.close_note).where(
                t.freezes.c.id == freeze_id
            )
        ).one()
        return {
            "created_at": row.created_at.isoformat(),
            "closed_at": row.closed_at.isoformat() if row.closed_at else None,
            "close_note": row.close_note,
        }

    def due_freezes(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.freezes.c.line_id, t.freezes.c.id)
            .where(t.freezes.c.status == FreezeStatus.ACTIVE.value, t.freezes.c.ends_at <= now)
            .order_by(t.freezes.c.ends_at)
            .limit(limit)
        )
        return [(r.line_id, r.id) for r in rows]

    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]:
        rows = self._exec(
            select(t.occupancies.c.line_id)
            .distinct()
            .where(t.occupancies.c.outstanding > 0, t.occupancies.c.captured_at < cutoff)
            .order_by(t.occupancies.c.line_id)
        )
        return [r.line_id for r in rows]

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

    # -- documents ----------------------------------------------------------------------------
    def insert_document(self, doc: Document, now: datetime) -> None:
        self._exec(
            insert(t.documents),
            {
                "party_id": doc.party_id,
                "id": doc.id,
                "type": doc.type.value,
                "submitted_on": doc.submitted_on,
                "expires_on": doc.expires_on,
                "created_at": now,
            },
        )

    def documents_of(self, party_id: str) -> list[Document]:
        rows = self._exec(
            select(t.documents)
            .where(t.documents.c.party_id == party_id)
            .order_by(t.documents.c.submitted_on, t.documents.c.id)
        )
        return [
            Document(r.id, r.party_id, DocumentType(r.type), r.submitted_on, r.expires_on)
            for r in rows
        ]

    # -- policy ---------------------------------------------------------------------------------
    def policy_changes(self, seq: int | None = None) -> list[PolicyChange]:
        if seq is None:
            seq = int(self._exec(select(func.max(t.policy_changes.c.version))).scalar_one() or 0)
        return self.db.policy_changes(seq, self)

    def load_policy_changes(self) -> list[PolicyChange]:
        rows = self._exec(select(t.policy_changes).order_by(t.policy_changes.c.version))
        return [PolicyChange(r.version, r.key, r.value, r.effective_at, r.note) for r in rows]

    def insert_policy_change(
        self, key: str, value: str, effective_at: datetime, note: str, now: datetime
    ) -> int:
        result = self._exec(
            insert(t.policy_changes).returning(t.policy_changes.c.version),
            {
                "key": key,
                "value": value,
                "effective_at": effective_at,
                "recorded_at": now,
                "note": note,
            },
        )
        return int(result.scalar_one())

    # -- calendar ------------------------------------------------------------------------------
    def calendar(self) -> WorkCalendar:
        return self.db.calendar(self)

    def load_calendar_days(self) -> dict[date, tuple[bool, str]]:
        rows = self._exec(select(t.calendar_days))
        return {r.day: (bool(r.is_workday), r.name) for r in rows}

    def save_calendar_days(
        self, days: dict[date, tuple[bool, str]], source: str, now: datetime
    ) -> None:
        self._exec(t.calendar_days.delete().where(t.calendar_days.c.day.in_(list(days))))
        self._exec(
            insert(t.calendar_days),
            [
                {"day": d, "is_workday": w, "name": n[:40], "source": source[:80], "loaded_at": now}
                for d, (w, n) in sorted(days.items())
            ],
        )
        self.db.forget_calendar()

    # -- events ----------------------------------------------------------------------------------
    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        line_id: str | None = None,
        party_id: str | None = None,
    ) -> int:
        result = self._exec(
            insert(t.events).returning(t.events.c.id),
            {
                "type": event_type,
                "line_id": line_id,
                "party_id": party_id,
                "payload": json.dumps(payload, ensure_ascii=False, default=str),
                "created_at": now,
            },
        )
        return int(result.scalar_one())

    def events(self, event_type: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        query = select(t.events).where(t.events.c.id > after)
        if event_type is not None:
            query = query.where(t.events.c.type == event_type)
        rows = self._exec(query.order_by(t.events.c.id).limit(limit))
        return [
            {
                "id": r.id,
                "type": r.type,
                "line": r.line_id,
                "party": r.party_id,
                "payload": json.loads(r.payload),
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]

    # -- verification ----------------------------------------------------------------------------
    def line_ids(self) -> Iterator[str]:
        for row in self._exec(select(t.lines.c.id).order_by(t.lines.c.id)):
            yield row.id

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        return self.book_transfers(t.ledger_transfers, t.ledger_transfers.c.line_id, line_id)


_SELECT_LINE = (
    select(*_LINE_COLUMNS, t.parties.c.kind)
    .join(t.parties, t.parties.c.id == t.lines.c.party_id)
    .where(t.lines.c.id == bindparam("line_id"))
)


def _freeze(r: Any) -> Freeze:
    return Freeze(
        id=r.id,
        line_id=r.line_id,
        reason=FreezeReason(r.reason),
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        amount=None if r.amount is None else Money(r.amount, r.currency),
        status=FreezeStatus(r.status),
        note=r.note,
        policy_version=r.policy_version,
    )


def _stored(request_hash: str, body: str, refused: Any) -> StoredResponse:
    return StoredResponse(request_hash, json.loads(body), bool(refused))


def _balances(row: Any) -> Balances:
    return Balances(
        row.currency,
        limit=row.limit_minor,
        available=row.available,
        held=row.held,
        occupied=row.occupied,
        frozen=row.frozen,
        fees_due=row.fees_due,
        fee_income=row.fee_income,
        fees_collected=row.fees_collected,
    )


_NO_COUNTERS: dict[str, int | None] = dict.fromkeys(t.CUMULATIVE)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class SqlDatabase:
    """The ``Database`` port on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.wall_clock = _wall_clock
        self._sandbox: bool | None = None
        self._policy: tuple[int, list[PolicyChange]] = (-1, [])
        self._calendar: WorkCalendar | None = None
        self._rules: dict[int, RuleSet] = {}
        self._local = threading.local()
        self._driver_integrity_error: type[Exception] = engine.dialect.loaded_dbapi.IntegrityError
        self._policy_at: tuple[list[PolicyChange], datetime | None, datetime | None, Policy] | None
        self._policy_at = None

    def policy_changes(self, seq: int, store: SqlStore) -> list[PolicyChange]:
        """Policy changes are append-only, so the highest version names the whole set."""
        if self._policy[0] != seq:
            self._policy = (seq, store.load_policy_changes())
        return self._policy[1]

    def policy_in_force(self, changes: list[PolicyChange], at: datetime) -> Policy:
        """The policy at ``at``, reused while neither the changes nor the span around it do."""
        cached = self._policy_at
        if cached is not None:
            ref, since, until, found = cached
            if ref is changes and (since is None or since <= at) and (until is None or at < until):
                return found
        found = policy_at(changes, at)
        since, until = validity(changes, at)
        self._policy_at = (changes, since, until, found)
        return found

    def rule_set(self, seq: int, store: SqlStore) -> RuleSet:
        """Rule sets are append-only, so a version parses to the same rules for ever."""
        found = self._rules.get(seq)
        if found is None:
            if seq == 0:
                found = default_rule_set()
            else:
                row = store.rule_set_row(seq)
                found = parse_rule_set(row.document, version=seq)
            self._rules[seq] = found
        return found

    def calendar(self, store: SqlStore) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = ChineseCalendar(store.load_calendar_days())
        return self._calendar

    def forget_calendar(self) -> None:
        self._calendar = None

    @classmethod
    def from_url(cls, url: str) -> SqlDatabase:
        return cls(make_engine(url))

    @property
    def sandbox(self) -> bool:
        if self._sandbox is None:
            with self.engine.connect() as conn:
                value = conn.execute(
                    select(t.meta.c.value).where(t.meta.c.key == "sandbox")
                ).scalar_one_or_none()
            self._sandbox = value == "1"
        return self._sandbox

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[SqlStore]:
        """One transaction on this thread's connection (kept between transactions: checking a
        connection out of the pool each time cost more than the statements of a spend)."""
        _ = self.sandbox  # read outside the transaction, once per process
        conn = self._connection()
        conn.execution_options(sqlite_begin="IMMEDIATE" if write else "DEFERRED")
        try:
            with conn.begin():
                store = SqlStore(conn, self)
                yield store
                store.flush()
        except hp.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        except (DBIntegrityError, self._driver_integrity_error) as exc:
            # Two requests with one idempotency key raced; the loser retries and replays.
            # (Hot-path writes go through the driver cursor, so its own error arrives too.)
            if "idempotency_keys" in str(getattr(exc, "orig", None) or exc):
                raise Conflict("idempotency key written concurrently") from exc
            raise
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self._drop_connection()
            raise
        finally:
            if conn.invalidated or conn.closed:
                self._drop_connection()

    def _connection(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect()
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn: Connection | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and not conn.closed:
            conn.close()

    def channel(self, store: Store) -> PaymentChannel:
        return SimulatedChannel(store)

    def dispose(self) -> None:
        self._drop_connection()
        self.engine.dispose()
