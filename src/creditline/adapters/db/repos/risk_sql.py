"""SQL of the risk engine (风控): identifiers, logins, history features, decisions."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import spend_history_sql as sh
from creditline.adapters.db import tables as t
from creditline.adapters.db.fast_select import FastSelect
from creditline.adapters.db.repos.base import SqlRepo
from creditline.adapters.db.schema_risk import CUMULATIVE
from creditline.domain.errors import NotFound, StorageError
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES
from creditline.domain.risk.decisions import Review
from creditline.domain.risk.features import STRONG_IDENTIFIERS, RunningTotals
from creditline.domain.risk.flows import link_strengths
from creditline.domain.risk.rules import Event, Outcome
from creditline.service.risk.risk_ports import (
    Decision,
    HistoryFeatures,
    IdentifierRow,
    LinkedActivity,
)


def _quiet(r: Any) -> Decision:
    """An approval, read from its hold row (see ``scoring.quiet_verdict``)."""
    try:
        kept = json.loads(r.risk_features)
        return Decision(
            id=r.id,
            party_id=r.party_id,
            line_id=r.line_id,
            event=Event.SPEND,
            subject=r.id,
            amount=r.amount,
            outcome=Outcome.APPROVE,
            score=kept["score"],
            reasons=kept["reasons"],
            rule_set_version=r.rule_set_version or 0,
            policy_version=r.policy_version,
            features=kept["features"],
            review=Review.NONE,
            created_at=r.created_at,
        )
    except (ValueError, KeyError) as exc:  # a damaged row, not bad input
        raise StorageError(f"hold {r.id!r} keeps an unreadable risk verdict ({exc})") from None


def _decision(r: Any) -> Decision:
    try:
        return Decision(
            id=r.id,
            party_id=r.party_id,
            line_id=r.line_id,
            event=Event(r.event),
            subject=r.subject,
            amount=r.amount,
            outcome=Outcome(r.outcome),
            score=r.score,
            reasons=json.loads(r.reasons),
            rule_set_version=r.rule_set_version,
            policy_version=r.policy_version,
            features=json.loads(r.features),
            review=Review(r.review),
            created_at=r.created_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            note=r.note,
        )
    except ValueError as exc:  # a damaged row (unknown event, bad JSON), not bad input
        raise StorageError(f"risk decision {r.id!r} cannot be read ({exc})") from None


#: How much later than the read ahead (``SqlLines.lock_line``) a spend's own clock may read
#: for the features read ahead to stand: the windows (1 h to 30 d) move by at most this.
AHEAD_SLACK = timedelta(seconds=1)

_rd = t.risk_decisions
#: A party's last declines (each diagnosis asks), built once with bound parameters.
_RECENT_DECLINES = FastSelect(
    select(_rd)
    .where(
        _rd.c.party_id == bindparam("party_id"),
        _rd.c.id >= bindparam("floor"),
        (_rd.c.outcome == Outcome.DECLINE.value) | (_rd.c.review == Review.DECLINED.value),
    )
    .order_by(_rd.c.id.desc())
    .limit(5)
)


class SqlRisk(SqlRepo):
    """The ``risk`` port on SQL."""

    def add_identifiers(self, party_id: str, items: list[tuple[str, str]], now: datetime) -> int:
        have = set(self.identifiers_of(party_id))
        rows = [
            {"party_id": party_id, "kind": k, "value": v, "created_at": now}
            for k, v in dict.fromkeys(items)
            if (k, v) not in have
        ]
        if rows:
            self._exec(insert(t.party_identifiers), rows)
        return len(rows)

    def identifiers_of(self, party_id: str) -> list[tuple[str, str]]:
        rows = self._exec(
            select(t.party_identifiers.c.kind, t.party_identifiers.c.value)
            .where(t.party_identifiers.c.party_id == party_id)
            .order_by(t.party_identifiers.c.kind, t.party_identifiers.c.value)
        )
        return [(r.kind, r.value) for r in rows]

    def links_of(self, party_id: str) -> dict[str, set[str]]:
        """Each party sharing an identifier with ``party_id``, with the kinds they share."""
        a = t.party_identifiers.alias("a")
        b = t.party_identifiers.alias("b")
        rows = self._exec(
            select(b.c.party_id, b.c.kind).where(
                a.c.party_id == party_id,
                b.c.kind == a.c.kind,
                b.c.value == a.c.value,
                b.c.party_id != party_id,
            )
        )
        out: dict[str, set[str]] = {}
        for r in rows:
            out.setdefault(r.party_id, set()).add(r.kind)
        return out

    def link_strengths(self, party_id: str) -> dict[str, Decimal]:
        a = t.party_identifiers.alias("a")
        b = t.party_identifiers.alias("b")
        c = t.party_identifiers.alias("c")
        same = (c.c.kind == a.c.kind, c.c.value == a.c.value)
        sharers = select(func.count()).where(*same).scalar_subquery()
        rows = self._exec(
            select(b.c.party_id, a.c.kind, sharers).where(
                a.c.party_id == party_id,
                b.c.kind == a.c.kind,
                b.c.value == a.c.value,
                b.c.party_id != party_id,
            )
        )
        return link_strengths(rows)

    def all_identifiers(self) -> list[IdentifierRow]:
        rows = self._exec(select(t.party_identifiers).order_by(t.party_identifiers.c.party_id))
        return [IdentifierRow(r.party_id, r.kind, r.value) for r in rows]

    def insert_login(
        self, party_id: str, login_id: str, device: str, ip: str, now: datetime
    ) -> tuple[bool, bool]:
        g = t.logins
        seen = self._exec(
            select(
                func.count().filter(g.c.device == device),
                func.count().filter(g.c.ip == ip),
            ).where(g.c.party_id == party_id)
        ).one()
        device_new, ip_new = seen[0] == 0, seen[1] == 0
        self._exec(
            insert(g),
            {
                "party_id": party_id,
                "id": login_id,
                "device": device,
                "ip": ip,
                "device_new": device_new,
                "ip_new": ip_new,
                "at": now,
            },
        )
        return device_new, ip_new

    def history_features(
        self,
        *,
        line_id: str | None,
        party_id: str,
        now: datetime,
    ) -> HistoryFeatures:
        cur = self.cursor
        ahead, self.session.features_ahead = self.session.features_ahead, None
        if (
            ahead is not None
            and ahead[0] == (line_id, party_id)
            and timedelta(0) <= now - ahead[1] <= AHEAD_SLACK
        ):
            row = ahead[2]  # read behind the line's lock, in its round trip (``lock_line``)
        else:
            params = sh.spend_feature_params(line_id, party_id, now, cur.dialect)
            row = cur.execute(sh.SPEND_FEATURES, params).fetchone()
        v = [int(x or 0) for x in row]
        width = len(CUMULATIVE)
        # The newest totals, then the last ones before each window (1 h, 24 h, 7 d, 30 d).
        now_t, *before = (RunningTotals(*v[i * width : (i + 1) * width]) for i in range(5))
        h1, h24, d7, d30 = (now_t - b for b in before)
        rest = v[5 * width :]
        return HistoryFeatures(
            spend_counts=(h1.count, h24.count, d7.count, d30.count),
            spend_sums=(h1.amount, h24.amount, d7.amount, d30.amount),
            declined_24h=h24.declined,
            forbidden_7d=d7.forbidden,
            near_threshold_24h=h24.near,
            near_threshold_7d=d7.near,
            refunds_30d=rest[0],
            spends_with_counterparty_30d=d30.counterparty,
            orders_30d=rest[1],
            returns_30d=rest[2],
            logins_24h=rest[3],
            new_device_logins_24h=rest[4],
            distinct_ips_24h=rest[5],
            links=rest[6],
            withdrawals_24h=rest[7],
            withdrawals_7d=rest[8],
            ring_member=bool(rest[9]),
            model_seq=rest[10],
            totals=now_t,
        )

    def linked_activity(
        self,
        *,
        line_id: str | None,
        party_id: str,
        linked: dict[str, set[str]],
        now: datetime,
        near: int,
        threshold: int,
        horizon: timedelta = timedelta(days=45),
    ) -> LinkedActivity:
        """What the holder's links did: read only when the holder has links. Spends count as
        attempts, declined ones too: intent is the signal."""
        h, ln = t.holds, t.lines
        strong = sorted(p for p, kinds in linked.items() if kinds & STRONG_IDENTIFIERS)
        t7d, t24h, t30d = now - timedelta(days=7), now - timedelta(hours=24), now - timedelta(30)
        near_24h = forbidden_7d = 0
        if strong:
            row = self._exec(
                select(
                    func.count().filter(
                        h.c.amount >= near, h.c.amount < threshold, h.c.created_at >= t24h
                    ),
                    func.count().filter(h.c.purpose.in_([p.value for p in FORBIDDEN_PURPOSES])),
                )
                .select_from(h.join(ln, ln.c.id == h.c.line_id))
                .where(ln.c.party_id.in_(strong), h.c.created_at >= t7d)
            ).one()
            near_24h, forbidden_7d = int(row[0]), int(row[1])
        t_far = now - horizon
        paid_far = linked_spends = money_back = money_back_far = 0
        if line_id is not None:  # aggregates in SQL: a busy line's holds are never fetched
            mine = (h.c.line_id == line_id, h.c.counterparty_id.is_not(None))
            to_linked = h.c.counterparty_id.in_(sorted(linked))
            row = self._exec(
                select(
                    func.coalesce(func.sum(h.c.amount).filter(h.c.created_at >= t_far), 0),
                    func.count().filter(h.c.created_at >= t30d, to_linked),
                ).where(*mine, h.c.created_at >= min(t30d, t_far))
            ).one()
            paid_far, linked_spends = int(row[0]), int(row[1])
            payees = select(h.c.counterparty_id).where(*mine, h.c.created_at >= t_far)
            o = t.orders
            back = self._exec(
                select(
                    func.coalesce(func.sum(o.c.amount).filter(o.c.created_at >= t7d), 0),
                    func.coalesce(func.sum(o.c.amount), 0),
                ).where(
                    o.c.merchant_id.in_([party_id, *strong]),
                    o.c.created_at >= t_far,
                    o.c.buyer.in_(payees) | o.c.buyer.in_(strong),
                )
            ).one()
            money_back, money_back_far = int(back[0]), int(back[1])
        return LinkedActivity(
            strong=len(strong),
            near_threshold_24h=near_24h,
            forbidden_7d=forbidden_7d,
            linked_spends_30d=linked_spends,
            money_back_7d=money_back,
            money_back_far=money_back_far,
            paid_far=paid_far,
        )

    def insert_decision(self, d: Decision) -> None:
        self.cursor.write(
            hp.INSERT_DECISION,
            [
                {
                    "party_id": d.party_id,
                    "id": d.id,
                    "line_id": d.line_id,
                    "event": d.event.value,
                    "subject": d.subject,
                    "amount": d.amount,
                    "outcome": d.outcome.value,
                    "score": d.score,
                    "reasons": json.dumps(d.reasons, ensure_ascii=False),
                    "rule_set_version": d.rule_set_version,
                    "policy_version": d.policy_version,
                    "features": json.dumps(d.features, separators=(",", ":")),
                    "review": d.review.value,
                    "created_at": self.cursor.time(d.created_at),
                }
            ],
        )

    def get_decision(self, party_id: str, decision_id: str) -> Decision:
        r = self._exec(
            select(t.risk_decisions).where(
                t.risk_decisions.c.party_id == party_id, t.risk_decisions.c.id == decision_id
            )
        ).first()
        if r is None:
            raise NotFound("decision", f"decision: no such risk decision {decision_id!r}")
        return _decision(r)

    def pending_review_of(self, subject: str) -> Decision | None:
        """The decision holding ``subject`` for review, if any (a small partial index)."""
        d = t.risk_decisions
        r = self._exec(
            select(d).where(d.c.subject == subject, d.c.review == Review.PENDING.value)
        ).first()
        return None if r is None else _decision(r)

    def pending_reviews(self, limit: int) -> list[Decision]:
        d = t.risk_decisions
        rows = self._exec(
            select(d)
            .where(d.c.review == Review.PENDING.value)
            .order_by(d.c.created_at, d.c.id)
            .limit(limit)
        )
        return [_decision(r) for r in rows]

    def recent_declines(self, party_id: str, floor: str) -> list[Decision]:
        """Declines of a party from the decision id ``floor`` on (ids sort by time)."""
        rows = self._exec(_RECENT_DECLINES, {"party_id": party_id, "floor": floor})
        return [_decision(r) for r in rows]

    def decide(
        self,
        party_id: str,
        decision_id: str,
        *,
        review: Review,
        by: str,
        note: str,
        now: datetime,
    ) -> None:
        d = t.risk_decisions
        self._exec(
            update(d)
            .where(d.c.party_id == party_id, d.c.id == decision_id)
            .values(review=review.value, decided_by=by, decided_at=now, note=note)
        )

    def decisions_between(self, start: datetime | None, end: datetime | None) -> Iterator[Decision]:
        """Every scored event in time order: the decision rows, and the spend approvals kept
        on their hold rows."""
        d, h, ln = t.risk_decisions, t.holds, t.lines
        q = select(d).order_by(d.c.created_at, d.c.id)
        quiet = (
            select(h, ln.c.party_id)
            .select_from(h.join(ln, ln.c.id == h.c.line_id))
            .where(h.c.risk_features.is_not(None))
            .order_by(h.c.created_at, h.c.id)
        )
        if start is not None:
            q = q.where(d.c.created_at >= start)
            quiet = quiet.where(h.c.created_at >= start)
        if end is not None:
            q = q.where(d.c.created_at < end)
            quiet = quiet.where(h.c.created_at < end)
        rows = [_decision(r) for r in self._exec(q)]
        holds = [_quiet(r) for r in self._exec(quiet)]
        yield from heapq.merge(rows, holds, key=lambda x: (x.created_at, x.id))

    def count_decisions(self, start: datetime | None, end: datetime | None) -> int:
        d, h = t.risk_decisions, t.holds
        q = select(func.count()).select_from(d)
        qh = select(func.count()).select_from(h).where(h.c.risk_features.is_not(None))
        if start is not None:
            q = q.where(d.c.created_at >= start)
            qh = qh.where(h.c.created_at >= start)
        if end is not None:
            q = q.where(d.c.created_at < end)
            qh = qh.where(h.c.created_at < end)
        return int(self._exec(q).scalar_one()) + int(self._exec(qh).scalar_one())
