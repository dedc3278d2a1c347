"""SQL of rule sets, labels, money flows and rings (套现团伙)."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, insert, select, update

from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.adapters.risk.learned_model import LearnedModel, digest, parse_document
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


def shipped_model_text() -> str | None:
    """The learned model the package ships as version 0 (None if it ships none)."""
    found = resources.files("creditline.adapters.rules").joinpath(SHIPPED_MODEL)
    return found.read_text("utf-8") if found.is_file() else None


SHIPPED_MODEL = "risk-model-v0.json"
_MODELS: dict[tuple[int, str], LearnedModel] = {}


def _loaded(version: int, text: str) -> LearnedModel:
    """A model document parsed and its booster loaded, once per process and digest."""
    doc = parse_document(text)
    key = (version, digest(doc))
    found = _MODELS.get(key)
    if found is None:
        found = _MODELS[key] = LearnedModel(version, doc)
    return found


def _stored(r: Any) -> RuleSetRow:
    """A stored document row (rule set or model: they have the same columns)."""
    return RuleSetRow(r.version, r.name, r.digest, r.document, r.note, r.loaded_at)


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
        return _stored(r)

    def rule_set_rows(self) -> list[RuleSetRow]:
        rows = self._exec(select(t.rule_sets).order_by(t.rule_sets.c.version))
        return [_stored(r) for r in rows]

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

    def latest_model_seq(self) -> int:
        return int(self._exec(select(func.max(t.risk_models.c.version))).scalar_one() or 0)

    def model(self, seq: int) -> LearnedModel | None:
        """A version's model, loaded once per database and process (profiling showed the
        document read and parsed on every spend costing more than the scoring itself)."""
        cache = self.db.models
        if seq not in cache:
            if seq == 0:
                text = shipped_model_text()
                cache[seq] = None if text is None else _loaded(0, text)
            else:
                cache[seq] = _loaded(seq, self.model_row(seq).document)
        found: LearnedModel | None = cache[seq]
        return found

    def model_row(self, version: int) -> RuleSetRow:
        if version == 0:
            text = shipped_model_text()
            if text is None:
                raise NotFound("version", "version: the package ships no model")
            doc = parse_document(text)
            return RuleSetRow(0, doc.get("name", "model"), digest(doc), text, "shipped", None)
        m = t.risk_models
        r = self._exec(select(m).where(m.c.version == version)).first()
        if r is None:
            raise NotFound("version", f"version: no model version {version}")
        return _stored(r)

    def model_rows(self) -> list[RuleSetRow]:
        m = t.risk_models
        rows = self._exec(select(m).order_by(m.c.version))
        return [_stored(r) for r in rows]

    def insert_model(self, row: RuleSetRow) -> None:
        LearnedModel(row.version, parse_document(row.document), verify=True)  # LightGBM loads it
        self._exec(
            insert(t.risk_models),
            {
                "version": row.version,
                "name": row.name,
                "digest": row.digest,
                "document": row.document,
                "note": row.note,
                "loaded_at": row.loaded_at,
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
            h.c.updated_at,
        ).select_from(h.join(ln, ln.c.id == h.c.line_id))
        if since is not None:
            q = q.where(h.c.created_at >= since)
        return [
            Flow("spend", r[0], r[2], r[3], r[7], r[1], r[4], r[5], r[6], r[8] if r[6] else None)
            for r in self._exec(q)
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

    def ring_of_party(self, party_id: str) -> dict[str, Any] | None:
        rg, rm = t.rings, t.ring_members
        r = self._exec(
            select(rg).join(rm, rm.c.ring_id == rg.c.id).where(rm.c.party_id == party_id)
        ).first()
        if r is None:
            return None
        return {
            "id": r.id,
            "members": json.loads(r.members),
            "score": r.score,
            "pattern": r.pattern,
            "evidence": json.loads(r.evidence),
            "case": r.case_id,
        }

    def ring_case(self, ring_id: str) -> str:
        return str(
            self._exec(select(t.rings.c.case_id).where(t.rings.c.id == ring_id)).scalar_one()
        )
