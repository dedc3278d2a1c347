"""The SQL implementation of the service layer's ``Store`` and ``Database`` ports."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.engine import make_engine
from creditline.domain.errors import Conflict, NotFound
from creditline.domain.ledger import (
    GENESIS_HASH,
    Account,
    Balances,
    Movement,
    PostedTransfer,
    Transfer,
)
from creditline.domain.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.money import Money
from creditline.domain.parties import Party, PartyKind
from creditline.domain.policy import Policy
from creditline.domain.purposes import Product, Purpose
from creditline.service.ports import LineRow, LockedLine, StoredResponse

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
    t.lines.c.seq,
    t.lines.c.head_hash,
    t.lines.c.created_at,
)


class SqlStore:
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

    def policy(self, at: datetime) -> Policy:  # noqa: ARG002 - versions arrive with policy data
        return Policy()

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
        row = self.cursor.execute(hp.LOCK_LINE, {"line_id": line_id, "key": key}).fetchone()
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
            seq,
            head_hash,
            kind,
            request_hash,
            body,
            refused,
        ) = row
        state = LineState(
            id=line_id,
            party_id=party_id,
            party_kind=PartyKind(kind),
            product=Product(product),
            status=LineStatus(status),
            balances=Balances(
                currency, limit=limit_minor, available=available, held=held, occupied=occupied
            ),
        )
        stored = None if request_hash is None else _stored(request_hash, body, refused)
        return LockedLine(state=state, seq=seq, head_hash=head_hash, stored=stored)

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
        cur.write(
            hp.INSERT_TRANSFER,
            [
                {
                    "line_id": p.line_id,
                    "seq": p.seq,
                    "movement_id": p.movement_id,
                    "movement": p.transfer.movement.value,
                    "debit_account": p.transfer.debit.value,
                    "credit_account": p.transfer.credit.value,
                    "amount": p.transfer.amount.minor,
                    "currency": p.transfer.amount.currency,
                    "ref": p.transfer.ref,
                    "created_at": at,
                    "prev_hash": p.prev_hash,
                    "hash": p.hash,
                }
                for p in posted
            ],
        )
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

    # -- verification ----------------------------------------------------------------------------
    def line_ids(self) -> Iterator[str]:
        for row in self._exec(select(t.lines.c.id).order_by(t.lines.c.id)):
            yield row.id

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        rows = self._exec(
            select(t.ledger_transfers)
            .where(t.ledger_transfers.c.line_id == line_id)
            .order_by(t.ledger_transfers.c.seq)
        )
        for r in rows:
            transfer = Transfer(
                Account(r.debit_account),
                Account(r.credit_account),
                Money(r.amount, r.currency),
                Movement(r.movement),
                r.ref,
            )
            yield PostedTransfer(
                r.line_id, r.seq, r.movement_id, transfer, r.created_at, r.prev_hash, r.hash
            )


_SELECT_LINE = (
    select(*_LINE_COLUMNS, t.parties.c.kind)
    .join(t.parties, t.parties.c.id == t.lines.c.party_id)
    .where(t.lines.c.id == bindparam("line_id"))
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
    )


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class SqlDatabase:
    """The ``Database`` port on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.wall_clock = _wall_clock
        self._sandbox: bool | None = None

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
        sandbox = self.sandbox  # read outside the transaction, once per process
        del sandbox
        conn = self.engine.connect()
        if write:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with conn.begin():
                store = SqlStore(conn, self)
                yield store
                store.flush()
        except hp.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        except DBIntegrityError as exc:
            # Two requests with one idempotency key raced; the loser retries and replays.
            if "idempotency_keys" in str(exc.orig) or "idempotency_keys" in str(exc):
                raise Conflict("idempotency key written concurrently") from exc
            raise
        finally:
            conn.close()

    def dispose(self) -> None:
        self.engine.dispose()
