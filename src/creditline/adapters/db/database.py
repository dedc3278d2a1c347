"""The ``Database`` port on a SQLAlchemy engine, and its unit of work: one transaction's
repositories, one per aggregate, on one connection."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.driver_errors import classify
from creditline.adapters.db.engine import make_engine
from creditline.adapters.db.repos.access_sql import SqlAccess
from creditline.adapters.db.repos.alerts_sql import SqlAlerts
from creditline.adapters.db.repos.appeals_sql import SqlAppeals
from creditline.adapters.db.repos.base import SqlSession
from creditline.adapters.db.repos.care_sql import SqlCare
from creditline.adapters.db.repos.cases_sql import SqlCases
from creditline.adapters.db.repos.checkpoints_sql import SqlCheckpoints
from creditline.adapters.db.repos.credit_sql import SqlCredit
from creditline.adapters.db.repos.desk_sql import SqlDesk
from creditline.adapters.db.repos.funds_sql import SqlFunds, SqlPayouts
from creditline.adapters.db.repos.holds_sql import SqlHolds
from creditline.adapters.db.repos.incidents_sql import SqlIncidents
from creditline.adapters.db.repos.installments_sql import SqlInstallments
from creditline.adapters.db.repos.lines_sql import SqlLines
from creditline.adapters.db.repos.orders_sql import SqlOrders
from creditline.adapters.db.repos.party_sql import SqlFreezes, SqlParties
from creditline.adapters.db.repos.reference_sql import SqlEvents, SqlIdempotency, SqlReference
from creditline.adapters.db.repos.review_sql import SqlReviews
from creditline.adapters.db.repos.risk_sql import SqlRisk
from creditline.adapters.db.repos.rules_sql import SqlRings, SqlRuleSets, default_rule_set
from creditline.adapters.db.repos.webhooks_sql import SqlWebhooks
from creditline.adapters.holiday_source import ChineseCalendar
from creditline.adapters.ledger_keys import load_signing_key, trusted_keys
from creditline.adapters.simulated_channel import SimulatedChannel
from creditline.domain.checkpoints import SigningKey
from creditline.domain.errors import Conflict, LedgerKeyError, StorageError
from creditline.domain.policy import Policy, PolicyChange, policy_at, validity
from creditline.domain.risk.rules import RuleSet, parse_rule_set
from creditline.domain.workdays import WorkCalendar
from creditline.service.ledger_ports import KeyTrust
from creditline.service.settlement.settlement_ports import PaymentChannel
from creditline.service.uow import Database, UnitOfWork

#: The most lines whose party ``SqlDatabase.line_parties`` keeps (about 10 MB at most).
MAX_REMEMBERED_LINES = 100_000


class SqlUnitOfWork:
    """One transaction's repositories (the ``UnitOfWork`` port)."""

    def __init__(self, session: SqlSession) -> None:
        self.session = session
        self.lines = SqlLines(session, self)
        self.holds = SqlHolds(session, self)
        self.freezes = SqlFreezes(session, self)
        self.parties = SqlParties(session, self)
        self.orders = SqlOrders(session, self)
        self.funds = SqlFunds(session, self)
        self.payouts = SqlPayouts(session, self)
        self.cases = SqlCases(session, self)
        self.risk = SqlRisk(session, self)
        self.rulesets = SqlRuleSets(session, self)
        self.rings = SqlRings(session, self)
        self.reference = SqlReference(session, self)
        self.events = SqlEvents(session, self)
        self.idempotency = SqlIdempotency(session, self)
        self.checkpoints = SqlCheckpoints(session, self)
        self.access = SqlAccess(session, self)
        self.webhooks = SqlWebhooks(session, self)
        self.alerts = SqlAlerts(session, self)
        self.care = SqlCare(session, self)
        self.desk = SqlDesk(session, self)
        self.credit = SqlCredit(session, self)
        self.reviews = SqlReviews(session, self)
        self.appeals = SqlAppeals(session, self)
        self.incidents = SqlIncidents(session, self)
        self.installments = SqlInstallments(session, self)

    def read_ahead(self, line_id: str) -> None:
        """In a snapshot on PostgreSQL, the line's alerts, holds, incidents, temporary quotas
        and freezes in one round trip instead of five (``SqlSession.read_ahead``)."""
        self.session.read_ahead(
            [
                *SqlAlerts.line_reads(line_id),
                *SqlHolds.line_reads(line_id),
                *SqlIncidents.line_reads(line_id),
                *SqlFreezes.line_reads(line_id),
            ]
        )


def _wall_clock() -> datetime:
    return datetime.now(UTC)


#: What the payment channel, the calendar and the wall clock are made from; the entrypoints'
#: bootstrap passes them in (tests may pass others), the defaults serve a bare ``SqlDatabase``.
ChannelFactory = Callable[[Database], PaymentChannel]
CalendarFactory = Callable[[dict[date, tuple[bool, str]]], WorkCalendar]


class SqlDatabase:
    """The ``Database`` port on a SQLAlchemy engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        channel: ChannelFactory = SimulatedChannel,
        calendar: CalendarFactory = ChineseCalendar,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.engine = engine
        self.wall_clock = wall_clock
        self._make_channel = channel
        self._make_calendar = calendar
        self._sandbox: bool | None = None
        self._policy: tuple[int, list[PolicyChange]] = (-1, [])
        self._calendar: WorkCalendar | None = None
        self._rules: dict[int, RuleSet] = {}
        #: Learned models by version, loaded once (versions are append-only, like rule sets).
        self.models: dict[int, Any] = {}
        self._local = threading.local()
        #: Each line's party, learnt from the spends' locks (a line never changes party), so a
        #: spend can read its history features in its lock's round trip (``lock_line``).
        self.line_parties: dict[str, str] = {}
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._policy_at: tuple[list[PolicyChange], datetime | None, datetime | None, Policy] | None
        self._policy_at = None
        self._signing_key: SigningKey | None = None

    def remember_party(self, line_id: str, party_id: str) -> None:
        if len(self.line_parties) >= MAX_REMEMBERED_LINES:
            self.line_parties.clear()  # a bound, not a cache policy: it refills as spends come
        self.line_parties[line_id] = party_id

    def policy_changes(self, seq: int, store: SqlUnitOfWork) -> list[PolicyChange]:
        """Policy changes are append-only, so the highest version names the whole set."""
        if self._policy[0] != seq:
            self._policy = (seq, store.reference.load_policy_changes())
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

    def rule_set(self, seq: int, store: SqlUnitOfWork) -> RuleSet:
        """Rule sets are append-only, so a version parses to the same rules for ever."""
        found = self._rules.get(seq)
        if found is None:
            if seq == 0:
                found = default_rule_set()
            else:
                row = store.rulesets.rule_set_row(seq)
                found = parse_rule_set(row.document, version=seq)
            self._rules[seq] = found
        return found

    def signing_key(self) -> SigningKey:
        """The key that signs each commit's checkpoints, read once per process from outside
        the database (``adapters.ledger_keys``); without one nothing is written."""
        if self._signing_key is None:
            loaded = load_signing_key(sandbox=self.sandbox)
            if loaded is None:
                raise LedgerKeyError(
                    "ledger_key_missing",
                    "no key to sign the ledger with: run `creditline init` (it creates one) or "
                    "set $CREDITLINE_LEDGER_KEY_FILE or $CREDITLINE_LEDGER_KEY",
                )
            self._signing_key = loaded.key
        return self._signing_key

    def trusted_keys(self) -> KeyTrust:
        return trusted_keys(sandbox=self.sandbox)

    def calendar(self, store: SqlUnitOfWork) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = self._make_calendar(store.reference.load_calendar_days())
        return self._calendar

    def forget_calendar(self) -> None:
        self._calendar = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        create: bool = True,
        channel: ChannelFactory = SimulatedChannel,
        calendar: CalendarFactory = ChineseCalendar,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> SqlDatabase:
        """The database at ``url``; without ``create`` a SQLite file must exist already."""
        return cls(
            make_engine(url, create=create),
            channel=channel,
            calendar=calendar,
            wall_clock=wall_clock,
        )

    @property
    def sandbox(self) -> bool:
        if self._sandbox is None:
            try:
                with self.engine.connect() as conn:
                    value = conn.execute(
                        select(t.meta.c.value).where(t.meta.c.key == "sandbox")
                    ).scalar_one_or_none()
            except DBAPIError as exc:
                raise classify(exc.orig or exc) from exc
            self._sandbox = value == "1"
        return self._sandbox

    @contextmanager
    def transaction(self, *, write: bool = True, snapshot: bool = False) -> Iterator[SqlUnitOfWork]:
        """One transaction on this thread's connection (kept between transactions: checking a
        connection out of the pool each time cost more than the statements of a spend).
        ``snapshot``: on PostgreSQL the transaction begins REPEATABLE READ, READ ONLY (in its
        BEGIN: no round trip of its own); SQLite's read transactions are snapshots already."""
        _ = self.sandbox  # read outside the transaction, once per process
        try:
            conn = self._connection()
        except PoolTimeout as exc:
            raise StorageError("no database connection came free in time; retry") from exc
        except DBAPIError as exc:  # the server is down or restarting: nothing was begun
            raise classify(exc.orig or exc) from exc
        conn.execution_options(sqlite_begin="IMMEDIATE" if write else "DEFERRED")
        if self.engine.dialect.name == "postgresql":
            _begin_as(conn, snapshot=snapshot and not write)
        try:
            with conn.begin():
                session = SqlSession(conn, self)
                if snapshot and not write:
                    session.seen = {}
                uow = SqlUnitOfWork(session)
                yield uow
                uow.session.seal()
        except hp.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self._drop_connection()
            raise classify(exc.orig or exc) from exc
        except self._driver_error as exc:
            # Hot-path statements go through the driver cursor, so its own errors arrive too.
            raise classify(exc) from exc
        finally:
            if conn.invalidated or conn.closed:
                self._drop_connection()

    def _connection(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            pool = self.engine.pool
            if isinstance(pool, QueuePool) and _exhausted(pool):
                # A thread that ended leaves its connection in its thread-local; it goes back
                # to the pool when collected, which a reference cycle can delay past the
                # pool's timeout (servers and test clients start and end worker threads).
                gc.collect()
            conn = self.engine.connect()
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn: Connection | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and not conn.closed:
            conn.close()

    def channel(self, db: Database | None = None) -> PaymentChannel:
        return self._make_channel(db or self)

    def dispose(self) -> None:
        self._drop_connection()
        self.engine.dispose()


def _begin_as(conn: Connection, *, snapshot: bool) -> None:
    """How psycopg's next BEGIN reads: REPEATABLE READ, READ ONLY for a snapshot, else the
    server's default (READ COMMITTED). Attributes of the driver's connection, sent with the
    BEGIN it issues on the first statement; set before each transaction, as the connection
    outlives it."""
    from psycopg import IsolationLevel  # noqa: PLC0415 - PostgreSQL only: SQLite never loads it

    driver: Any = conn.connection.driver_connection
    level = IsolationLevel.REPEATABLE_READ if snapshot else None
    if driver.isolation_level != level or driver.read_only != (snapshot or None):
        driver.isolation_level = level
        driver.read_only = snapshot or None


def _exhausted(pool: QueuePool) -> bool:
    """Whether taking a connection now would wait: none idle and the overflow used up."""
    most = getattr(pool, "_max_overflow", 0)
    return pool.checkedin() == 0 and most >= 0 and pool.overflow() >= most


def _conforms(uow: SqlUnitOfWork) -> UnitOfWork:
    """mypy proves here that the SQL unit of work implements every port."""
    return uow
