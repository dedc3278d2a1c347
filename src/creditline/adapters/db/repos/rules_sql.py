"""SQL of rule sets, labels, money flows and rings (套现团伙)."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.errors import NotFound
from creditline.domain.risk.rings import Flow
from creditline.domain.risk.rules import RuleSet, parse_rule_set
from creditline.service.risk.risk_ports import RuleSetRow


def default_rules_text() -> str:
    return resources.files("creditline.adapters.rules").joinpath("default.yaml").read_text("utf-8")


_DEFAULT: list[RuleSet] = []


def default_rule_set() -> RuleSet:
    if not _DEFAULT:
        _DEFAULT.append(parse_rule_set(default_rules_text(), version=0))
    return _DEFAULT[0]


class SqlRuleSets(SqlRepo):
    """The ``rulesets`` port on SQL."""

    def latest_rule_seq(self) -> int:
        return int(self._exec(select(func.max(t.rule_sets.c.version))).scalar_one() or 0)

    def rule_set(self, seq: int) -> RuleSet:
        """The rule set of version ``seq`` (0: the shipped default), parsed once per process."""
        return self.db.rule_set(seq, self.uow)

    def rule_set_row(self, version: int) -> RuleSetRow:
        if version == 0:
            rs = default_rule_set()
            return RuleSetRow(0, rs.name, rs.digest, rs.text, "shipped default", None)
        r = self._exec(select(t.rule_sets).where(t.rule_sets.c.version == version)).first()
        if r is None:
            raise NotFound("version", f"version: no rule set version {version}")
        return RuleSetRow(r.version, r.name, r.digest, r.document, r.note, r.loaded_at)

    def rule_set_rows(self) -> list[RuleSetRow]:
        rows = self._exec(select(t.rule_sets).order_by(t.rule_sets.c.version))
        return [
            RuleSetRow(r.version, r.name, r.digest, r.document, r.note, r.loaded_at) for r in rows
        ]

    def insert_rule_set(self, rule_set: RuleSet, note: str, now: datetime) -> None:
        self._exec(
            insert(t.rule_sets),
            {
                "version": rule_set.version,
                "name": rule_set.name,
                "digest": rule_set.digest,
                "document": rule_set.text,
                "note": note,
                "loaded_at": now,
            },
        )


class SqlRings(SqlRepo):
    """The ``rings`` port on SQL."""

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
        lb = t.risk_labels
        self._exec(lb.delete().where(lb.c.subject_kind == kind, lb.c.subject_id == subject))
        self._exec(
            insert(lb),
            {
                "subject_kind": kind,
                "subject_id": subject,
                "label": label,
                "pattern": pattern,
                "ring": ring,
                "source": source,
                "created_at": now,
            },
        )

    def labels(self, kind: str) -> dict[str, tuple[str, str | None, str | None]]:
        lb = t.risk_labels
        rows = self._exec(select(lb).where(lb.c.subject_kind == kind))
        return {r.subject_id: (r.label, r.pattern, r.ring) for r in rows}

    def spend_flows(self, since: datetime | None) -> list[Flow]:
        h, ln = t.holds, t.lines
        q = select(
            ln.c.party_id,
            h.c.id,
            h.c.counterparty_id,
            h.c.amount,
            h.c.purpose,
            h.c.status,
            h.c.refunded,
            h.c.created_at,
        ).select_from(h.join(ln, ln.c.id == h.c.line_id))
        if since is not None:
            q = q.where(h.c.created_at >= since)
        return [
            Flow("spend", r[0], r[2], r[3], r[7], r[1], r[4], r[5], r[6]) for r in self._exec(q)
        ]

    def order_flows(self, since: datetime | None) -> list[Flow]:
        o = t.orders
        q = select(o.c.merchant_id, o.c.id, o.c.buyer, o.c.amount, o.c.created_at, o.c.returned)
        q = q.where(o.c.buyer.is_not(None))
        if since is not None:
            q = q.where(o.c.created_at >= since)
        return [Flow("order", r[0], r[2], r[3], r[4], r[1], "", "", r[5]) for r in self._exec(q)]

    def ring_of_members(self, members: list[str]) -> str | None:
        rm = t.ring_members
        r = self._exec(select(rm.c.ring_id).where(rm.c.party_id.in_(members)).limit(1)).first()
        return None if r is None else str(r.ring_id)

    def save_ring(self, ring: dict[str, Any], *, new: bool, now: datetime) -> None:
        rg, rm = t.rings, t.ring_members
        values = {
            "members": json.dumps(ring["members"]),
            "score": ring["score"],
            "pattern": ring["pattern"],
            "evidence": json.dumps(ring["evidence"], ensure_ascii=False, default=str),
            "last_seen": now,
        }
        if new:
            self._exec(
                insert(rg),
                {"id": ring["id"], "case_id": ring["case"], "first_seen": now, **values},
            )
        else:
            self._exec(update(rg).where(rg.c.id == ring["id"]).values(**values))
        known = {
            r.party_id
            for r in self._exec(select(rm.c.party_id).where(rm.c.party_id.in_(ring["members"])))
        }
        fresh = [{"party_id": p, "ring_id": ring["id"]} for p in ring["members"] if p not in known]
        if fresh:
            self._exec(insert(rm), fresh)

    def ring_case(self, ring_id: str) -> str:
        return str(
            self._exec(select(t.rings.c.case_id).where(t.rings.c.id == ring_id)).scalar_one()
        )
