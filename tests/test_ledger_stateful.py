"""Random spend flows keep every invariant, against a small reference model (R3, R5, R6)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from creditline.domain.errors import IdempotencyKeyReused, InvalidInput
from creditline.domain.money import Money
from creditline.service import sandbox_clock as clock
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.quota import spending
from tests.conftest import _schema_url, make_db
from tests.pg import find_postgres

LIMIT = 100_000_00
AMOUNTS = st.sampled_from(["0.01", "1.00", "999.99", "10000.00", "30000.00", "50000.00"])
PURPOSES = st.sampled_from(["procurement", "logistics", "withdraw_cash", "purchase"])
BAD_AMOUNTS = st.sampled_from(["-1.00", "1.001", "1e3", "NaN", "", "1000000000000.01", "0"])


@dataclass
class ModelHold:
    id: str
    amount: int
    status: str = "authorized"
    age_h: int = 0
    outstanding: int = 0


@dataclass
class Model:
    holds: list[ModelHold] = field(default_factory=list)
    occupied: int = 0
    hour: int = 0
    #: Hours of forbidden-purpose attempts, and the end of the risk freeze they caused: the
    #: default risk rules decline a second attempt within 7 days and freeze the line for 24 h,
    #: and hold for review a spend after two attempts.
    forbidden: list[int] = field(default_factory=list)
    frozen_until: int | None = None

    @property
    def held(self) -> int:
        return sum(h.amount for h in self.holds if h.status in {"authorized", "review"})

    @property
    def available(self) -> int:
        return LIMIT - self.held - self.occupied


class LedgerMachine(RuleBasedStateMachine):
    """Drives the real use cases; ``backend`` is set by the subclasses below."""

    backend = "sqlite"

    @initialize()
    def open_line(self) -> None:
        self.cleanup: list = []
        if self.backend == "sqlite":
            tmp = tempfile.mkdtemp()
            self.cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
            url = f"sqlite:///{Path(tmp) / 'c.db'}"
        else:
            server = os.environ.get("CREDITLINE_TEST_POSTGRES_URL") or find_postgres()[0]
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")

            def drop() -> None:
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")

            self.cleanup.append(drop)
            url = _schema_url(server, schema)
        self.db = make_db(url)
        clock.set_clock(self.db, "2024-05-01T10:00:00+08:00")
        m = parties.add_party(self.db, kind="merchant", name="衣尚坊").body["id"]
        parties.verify_party(
            self.db, m, real_name=True, qualification=True, settlement_account="6222"
        )
        self.line = lines.open_line(
            self.db, m, product="merchant_bnpl", limit=Money(LIMIT).format()
        ).body["id"]
        lines.activate_line(self.db, self.line)
        self.model = Model()
        self.n = 0
        self.requests: list[tuple[str, dict, dict]] = []

    def teardown(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.dispose()
        for fn in getattr(self, "cleanup", []):
            fn()

    def key(self) -> str:
        self.n += 1
        return f"key-{self.n}"

    def _call(self, name: str, **kwargs: object) -> dict:
        fn = getattr(spending, name)
        target = kwargs.pop("target")
        answer = fn(self.db, target, **kwargs)
        self.requests.append((name, {"target": target, **kwargs}, answer.body))
        return answer.body

    def _open(self) -> list[ModelHold]:
        return [h for h in self.model.holds if h.status in {"authorized", "review"}]

    @rule(amount=AMOUNTS, purpose=PURPOSES)
    def authorize(self, amount: str, purpose: str) -> None:
        minor = Money.parse(amount).minor
        body = self._call(
            "authorize", target=self.line, amount=amount, purpose=purpose, key=self.key()
        )
        m = self.model
        recent = [h for h in m.forbidden if m.hour - h <= 7 * 24]
        frozen = m.frozen_until is not None and m.hour < m.frozen_until
        if purpose == "withdraw_cash":
            if recent and not frozen:
                m.frozen_until = m.hour + 24
            m.forbidden.append(m.hour)
        ok = purpose in {"procurement", "logistics"} and minor <= m.available and not frozen
        expected = ("review" if len(recent) >= 2 else "authorized") if ok else "declined"
        assert body["status"] == expected, body
        if ok:
            m.holds.append(ModelHold(body["id"], minor, status=expected))

    @rule(data=st.data(), part=st.sampled_from(["all", "half", "over"]))
    def capture(self, data: st.DataObject, part: str) -> None:
        open_holds = self._open()
        if not open_holds:
            return
        hold = data.draw(st.sampled_from(open_holds))
        take = {"all": hold.amount, "half": max(1, hold.amount // 2), "over": hold.amount + 1}[part]
        body = self._call("capture", target=hold.id, amount=Money(take).format(), key=self.key())
        if hold.status == "review":
            assert body["error"]["code"] == "review_pending"
            return
        if part == "over":
            assert body["error"]["code"] == "capture_exceeds_hold"
            return
        hold.status, hold.outstanding = "captured", take
        self.model.occupied += take

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        open_holds = self._open()
        if open_holds:
            hold = data.draw(st.sampled_from(open_holds))
            assert self._call("void", target=hold.id, key=self.key())["status"] == "voided"
            hold.status = "voided"

    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        captured = [h for h in self.model.holds if h.outstanding > 0]
        if captured:
            hold = data.draw(st.sampled_from(captured))
            take = data.draw(st.integers(1, hold.outstanding + 1))
            body = self._call("refund", target=hold.id, amount=Money(take).format(), key=self.key())
            if take > hold.outstanding:
                assert body["error"]["code"] == "refund_exceeds_captured"
                return
            hold.outstanding -= take
            self.model.occupied -= take

    @rule(amount=AMOUNTS)
    def repay(self, amount: str) -> None:
        minor = Money.parse(amount).minor
        body = self._call("repay", target=self.line, amount=amount, key=self.key())
        if minor > self.model.occupied:
            assert body["error"]["code"] == "repayment_exceeds_occupied"
            return
        left = minor
        for hold in self.model.holds:  # oldest first
            take = min(left, hold.outstanding)
            hold.outstanding -= take
            left -= take
        self.model.occupied -= minor

    @rule(hours=st.sampled_from([1, 24, 100, 169]))
    def time_passes(self, hours: int) -> None:
        clock.advance_clock(self.db, f"{hours}h")
        spending.expire_due_holds(self.db)
        self.model.hour += hours
        for hold in self._open():
            hold.age_h += hours
            if hold.age_h >= 7 * 24:
                hold.status = "expired"

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """The same request again returns the first answer and changes nothing."""
        if not self.requests:
            return
        name, params, first = data.draw(st.sampled_from(self.requests))
        before = lines.show_line(self.db, self.line).body
        again = getattr(spending, name)(
            self.db,
            **{
                ("line_id" if name in {"authorize", "repay"} else "hold_id"): params["target"],
                **{k: v for k, v in params.items() if k != "target"},
            },
        ).body
        assert again == first
        assert lines.show_line(self.db, self.line).body == before

    @rule()
    def reuse_a_key_for_something_else(self) -> None:
        if not self.requests:
            return
        name, params, _ = self.requests[0]
        before = lines.show_line(self.db, self.line).body
        with pytest.raises(IdempotencyKeyReused):
            spending.repay(
                self.db, self.line, amount="123.45", key=params["key"]
            ) if name != "repay" else spending.authorize(
                self.db, self.line, amount="1.23", purpose="commission", key=params["key"]
            )
        assert lines.show_line(self.db, self.line).body == before

    @rule(amount=BAD_AMOUNTS)
    def bad_input(self, amount: str) -> None:
        before = lines.show_line(self.db, self.line).body
        with pytest.raises(InvalidInput) as bad:
            spending.authorize(
                self.db, self.line, amount=amount, purpose="procurement", key=self.key()
            )
        assert bad.value.param == "amount"
        assert lines.show_line(self.db, self.line).body == before

    @invariant()
    def balances_match_the_model_and_the_ledger_verifies(self) -> None:
        if not hasattr(self, "model"):
            return
        shown = lines.show_line(self.db, self.line).body
        held, occupied = Money.parse(shown["held"]).minor, Money.parse(shown["occupied"]).minor
        available = Money.parse(shown["available"]).minor
        assert (held, occupied, available) == (
            self.model.held,
            self.model.occupied,
            self.model.available,
        )
        assert available >= 0
        assert held + occupied <= LIMIT
        assert verify_ledger(self.db).ok


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class SqliteLedger(LedgerMachine):
    backend = "sqlite"


class PostgresLedger(LedgerMachine):
    backend = "postgresql"


TestLedgerOnSqlite = SqliteLedger.TestCase
TestLedgerOnSqlite.settings = SETTINGS
TestLedgerOnPostgres = pytest.mark.postgres(PostgresLedger.TestCase)
TestLedgerOnPostgres.settings = SETTINGS
