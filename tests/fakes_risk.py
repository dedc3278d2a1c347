"""In-memory fakes of the risk ports: identifiers, logins, history features, decisions, rule
sets, labels and rings (see ``tests/fakes.py``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creditline.adapters.db.repos.rules_sql import default_rule_set, shipped_model_text
from creditline.adapters.db.schema_risk import CUMULATIVE
from creditline.adapters.risk.learned_model import LearnedModel, parse_document
from creditline.domain.errors import NotFound
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES
from creditline.domain.risk.decisions import Review
from creditline.domain.risk.features import STRONG_IDENTIFIERS, RunningTotals
from creditline.domain.risk.flows import link_strengths
from creditline.domain.risk.rings import Flow
from creditline.domain.risk.rules import Event, Outcome, RuleSet, parse_rule_set
from creditline.service.risk.risk_ports import (
    Decision,
    HistoryFeatures,
    IdentifierRow,
    LinkedActivity,
    RuleSetRow,
)

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeRisk:
    """The ``risk`` port in memory; features are counted by brute force over the rows."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def add_identifiers(self, party_id: str, items: list[tuple[str, str]], now: datetime) -> int:
        have = set(self.identifiers_of(party_id))
        fresh = [(k, v) for k, v in dict.fromkeys(items) if (k, v) not in have]
        self.s.identifiers.extend((party_id, k, v) for k, v in fresh)
        return len(fresh)

    def identifiers_of(self, party_id: str) -> list[tuple[str, str]]:
        return sorted((k, v) for p, k, v in self.s.identifiers if p == party_id)

    def links_of(self, party_id: str) -> dict[str, set[str]]:
        mine = set(self.identifiers_of(party_id))
        out: dict[str, set[str]] = {}
        for p, k, v in self.s.identifiers:
            if p != party_id and (k, v) in mine:
                out.setdefault(p, set()).add(k)
        return out

    def link_strengths(self, party_id: str) -> dict[str, Decimal]:
        mine = {(k, v) for p, k, v in self.s.identifiers if p == party_id}
        rows = [
            (p, k, sum(1 for _, k2, v2 in self.s.identifiers if (k2, v2) == (k, v)))
            for p, k, v in self.s.identifiers
            if p != party_id and (k, v) in mine
        ]
        return link_strengths(rows)

    def all_identifiers(self) -> list[IdentifierRow]:
        return [IdentifierRow(p, k, v) for p, k, v in sorted(self.s.identifiers)]

    def insert_login(
        self, party_id: str, login_id: str, device: str, ip: str, now: datetime
    ) -> tuple[bool, bool]:
        mine = [g for g in self.s.logins if g["party_id"] == party_id]
        device_new = all(g["device"] != device for g in mine)
        ip_new = all(g["ip"] != ip for g in mine)
        self.s.logins.append(
            {"party_id": party_id, "device": device, "ip": ip, "device_new": device_new, "at": now}
        )
        return device_new, ip_new

    def _holds_of(self, line_id: str | None) -> list[dict[str, Any]]:
        return [r for (lid, _), r in self.s.holds.items() if lid == line_id]

    def _totals_before(self, rows: list[dict[str, Any]], bound: datetime | None) -> tuple[int, ...]:
        kept = [r for r in rows if r["counters"] and (bound is None or r["created_at"] < bound)]
        if not kept:
            return (0,) * len(CUMULATIVE)
        newest = max(kept, key=lambda r: (r["created_at"], r["counters"]["cum_attempts"]))
        return tuple(int(newest["counters"][c] or 0) for c in CUMULATIVE)

    def history_features(
        self, *, line_id: str | None, party_id: str, now: datetime
    ) -> HistoryFeatures:
        rows = self._holds_of(line_id)
        now_t = self._totals_before(rows, None)
        bounds = [now - timedelta(hours=1), now - timedelta(hours=24)]
        bounds += [now - timedelta(days=7), now - timedelta(days=30)]
        h1, h24, d7, d30 = (self._totals_before(rows, b) for b in bounds)

        def since(then: tuple[int, ...], column: str) -> int:
            i = CUMULATIVE.index(column)
            return now_t[i] - then[i]

        month = now - timedelta(days=30)
        orders = [
            r["order"]
            for r in self.s.orders.values()
            if r["order"].merchant_id == party_id and r["order"].created_at >= month
        ]
        day = now - timedelta(hours=24)
        logins = [g for g in self.s.logins if g["party_id"] == party_id and g["at"] >= day]
        withdrawals = [
            d.created_at
            for (p, _), d in self.s.decisions.items()
            if p == party_id and d.event is Event.WITHDRAWAL
        ]
        return HistoryFeatures(
            spend_counts=tuple(since(b, "cum_count") for b in (h1, h24, d7, d30)),
            spend_sums=tuple(since(b, "cum_amount") for b in (h1, h24, d7, d30)),
            declined_24h=since(h24, "cum_declined"),
            forbidden_7d=since(d7, "cum_forbidden"),
            near_threshold_24h=since(h24, "cum_near"),
            near_threshold_7d=since(d7, "cum_near"),
            refunds_30d=sum(
                1 for r in rows if r["hold"].refunded.minor > 0 and r["created_at"] >= month
            ),
            spends_with_counterparty_30d=since(d30, "cum_counterparty"),
            orders_30d=len(orders),
            returns_30d=sum(1 for o in orders if o.returned > 0),
            logins_24h=len(logins),
            new_device_logins_24h=sum(1 for g in logins if g["device_new"]),
            distinct_ips_24h=len({g["ip"] for g in logins}),
            links=sum(len(kinds) for kinds in self._link_rows(party_id)),
            withdrawals_24h=sum(1 for at in withdrawals if at >= day),
            withdrawals_7d=sum(1 for at in withdrawals if at >= now - timedelta(days=7)),
            ring_member=party_id in self.s.ring_members,
            model_seq=max((r.version for r in self.s.models), default=0),
            totals=RunningTotals(*now_t),
        )

    def _link_rows(self, party_id: str) -> list[list[str]]:
        """One entry per (own identifier, other party) pair, as the SQL join counts them."""
        mine = set(self.identifiers_of(party_id))
        return [[k] for p, k, v in self.s.identifiers if p != party_id and (k, v) in mine]

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
        strong = sorted(p for p, kinds in linked.items() if kinds & STRONG_IDENTIFIERS)
        t7d, t24h, t30d = now - timedelta(days=7), now - timedelta(hours=24), now - timedelta(30)
        forbidden = {p.value for p in FORBIDDEN_PURPOSES}
        strong_lines = {lid for lid, r in self.s.lines.items() if r["party_id"] in strong}
        recent = [
            r
            for (lid, _), r in self.s.holds.items()
            if lid in strong_lines and r["created_at"] >= t7d
        ]
        near_24h = sum(
            1
            for r in recent
            if near <= r["hold"].amount.minor < threshold and r["created_at"] >= t24h
        )
        forbidden_7d = sum(1 for r in recent if r["hold"].purpose.value in forbidden)
        t_far = now - horizon
        spends = [
            (r["counterparty"], r["created_at"], r["hold"].amount.minor)
            for r in self._holds_of(line_id)
            if r["created_at"] >= min(t30d, t_far) and r["counterparty"] is not None
        ]
        paid = [x for x in spends if x[1] >= t_far]
        buyers = {cp for cp, _, _ in paid} | set(strong)
        back = [
            r["order"]
            for r in self.s.orders.values()
            if r["order"].merchant_id in {party_id, *strong}
            and r["order"].created_at >= t_far
            and r["order"].buyer in buyers
        ]
        money_back = sum(o.amount.minor for o in back if o.created_at >= t7d)
        return LinkedActivity(
            strong=len(strong),
            near_threshold_24h=near_24h,
            forbidden_7d=forbidden_7d,
            linked_spends_30d=sum(1 for cp, at, _ in spends if cp in linked and at >= t30d),
            money_back_7d=money_back,
            money_back_far=sum(o.amount.minor for o in back),
            paid_far=sum(amount for _, _, amount in paid),
        )

    def insert_decision(self, d: Decision) -> None:
        self.s.decisions[d.party_id, d.id] = copy.deepcopy(d)

    def get_decision(self, party_id: str, decision_id: str) -> Decision:
        found = self.s.decisions.get((party_id, decision_id))
        if found is None:
            raise NotFound("decision", f"decision: no such risk decision {decision_id!r}")
        return found

    def pending_review_of(self, subject: str) -> Decision | None:
        found = [d for d in self.s.decisions.values() if d.subject == subject]
        return next((d for d in found if d.review == "pending"), None)

    def pending_reviews(self, limit: int) -> list[Decision]:
        found = [d for d in self.s.decisions.values() if d.review == "pending"]
        return sorted(found, key=lambda d: (d.created_at, d.id))[:limit]

    def recent_declines(self, party_id: str, floor: str) -> list[Decision]:
        found = [
            d
            for d in self.s.decisions.values()
            if d.party_id == party_id
            and d.id >= floor
            and (d.outcome == "decline" or d.review == "declined")
        ]
        return sorted(found, key=lambda d: d.id, reverse=True)[:5]

    def decide(
        self,
        party_id: str,
        decision_id: str,
        *,
        review: str,
        by: str,
        note: str,
        now: datetime,
    ) -> None:
        d = self.s.decisions[party_id, decision_id]
        self.s.decisions[party_id, decision_id] = replace(
            d, review=review, decided_by=by, decided_at=now, note=note
        )

    def _all(self) -> list[Decision]:
        quiet = [
            Decision(
                id=r["hold"].id,
                party_id=self.s.lines[lid]["party_id"],
                line_id=lid,
                event=Event.SPEND,
                subject=r["hold"].id,
                amount=r["hold"].amount.minor,
                outcome=Outcome.APPROVE,
                score=r["risk_features"]["score"],
                reasons=r["risk_features"]["reasons"],
                rule_set_version=r["rule_set_version"] or 0,
                policy_version=r["policy_version"],
                features=r["risk_features"]["features"],
                review=Review.NONE,
                created_at=r["created_at"],
            )
            for (lid, _), r in self.s.holds.items()
            if r["risk_features"] is not None
        ]
        return sorted([*self.s.decisions.values(), *quiet], key=lambda d: (d.created_at, d.id))

    def decisions_between(self, start: datetime | None, end: datetime | None) -> Iterator[Decision]:
        return iter(
            [
                d
                for d in self._all()
                if (start is None or d.created_at >= start) and (end is None or d.created_at < end)
            ]
        )

    def count_decisions(self, start: datetime | None, end: datetime | None) -> int:
        return len(list(self.decisions_between(start, end)))


class FakeRuleSets:
    """The ``rulesets`` port in memory; version 0 is the shipped default."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def latest_rule_seq(self) -> int:
        return max((r.version for r in self.s.rule_sets), default=0)

    def rule_set(self, seq: int) -> RuleSet:
        if seq == 0:
            return default_rule_set()
        return parse_rule_set(self.rule_set_row(seq).document, version=seq)

    def rule_set_row(self, version: int) -> RuleSetRow:
        if version == 0:
            rs = default_rule_set()
            return RuleSetRow(0, rs.name, rs.digest, rs.text, "shipped default", None)
        for row in self.s.rule_sets:
            if row.version == version:
                return row  # type: ignore[no-any-return]
        raise NotFound("version", f"version: no rule set version {version}")

    def rule_set_rows(self) -> list[RuleSetRow]:
        return list(self.s.rule_sets)

    def insert_rule_set(self, rule_set: RuleSet, note: str, now: datetime) -> None:
        self.s.rule_sets.append(
            RuleSetRow(rule_set.version, rule_set.name, rule_set.digest, rule_set.text, note, now)
        )

    def latest_model_seq(self) -> int:
        return max((r.version for r in self.s.models), default=0)

    def model(self, seq: int) -> LearnedModel | None:
        if seq == 0:
            text = shipped_model_text()
            return None if text is None else LearnedModel(0, parse_document(text))
        return LearnedModel(seq, parse_document(self.model_row(seq).document))

    def model_row(self, version: int) -> RuleSetRow:
        for r in self.s.models:
            if r.version == version:
                return r
        raise NotFound("version", f"version: no model version {version}")

    def model_rows(self) -> list[RuleSetRow]:
        return list(self.s.models)

    def insert_model(self, row: RuleSetRow) -> None:
        LearnedModel(row.version, parse_document(row.document), verify=True)
        self.s.models.append(row)


class FakeRings:
    """The ``rings`` port in memory (labels and money flows included)."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def set_label(
        self,
        kind: str,
        subject: str,
        label: str,
        *,
        pattern: str | None,
        ring: str | None,
        source: str,
        now: datetime,
    ) -> None:
        self.s.labels[kind, subject] = (label, pattern, ring)

    def labels(self, kind: str) -> dict[str, tuple[str, str | None, str | None]]:
        return {s: v for (k, s), v in self.s.labels.items() if k == kind}

    def spend_flows(self, since: datetime | None) -> list[Flow]:
        return [
            Flow(
                "spend",
                self.s.lines[lid]["party_id"],
                r["counterparty"],
                r["hold"].amount.minor,
                r["created_at"],
                r["hold"].id,
                r["hold"].purpose.value,
                r["hold"].status.value,
                r["hold"].refunded.minor,
                r.get("updated_at") if r["hold"].refunded.minor else None,
            )
            for (lid, _), r in self.s.holds.items()
            if since is None or r["created_at"] >= since
        ]

    def order_flows(self, since: datetime | None) -> list[Flow]:
        return [
            Flow(
                "order",
                o.merchant_id,
                o.buyer,
                o.amount.minor,
                o.created_at,
                o.id,
                "",
                "",
                o.returned,
            )
            for o in (r["order"] for r in self.s.orders.values())
            if o.buyer is not None and (since is None or o.created_at >= since)
        ]

    def ring_of_party(self, party_id: str) -> dict[str, Any] | None:
        ring_id = self.s.ring_members.get(party_id)
        return None if ring_id is None else dict(self.s.rings[ring_id])

    def ring_of_members(self, members: list[str]) -> str | None:
        return next((self.s.ring_members[p] for p in members if p in self.s.ring_members), None)

    def save_ring(self, ring: dict[str, Any], *, new: bool, now: datetime) -> None:
        self.s.rings[ring["id"]] = copy.deepcopy(ring)
        for p in ring["members"]:
            self.s.ring_members.setdefault(p, ring["id"])

    def ring_case(self, ring_id: str) -> str:
        return str(self.s.rings[ring_id]["case"])
