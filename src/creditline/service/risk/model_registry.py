"""Learned risk models (机器学习风控模型) as versioned documents beside the rule sets: which one
scores a spend, loading, showing and training one on labelled events.

A model is trained on labelled events: the simulator's training seeds (``simulate`` below seed
1000; evaluation seeds are never trained on) and the operators' review decisions, each a label.
Version 0 is the model the package ships; a loaded or trained model becomes the live one for
every rule set whose ``model`` entry is ``live``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import restore_features
from creditline.domain.risk.learned import combine
from creditline.domain.risk.metrics import Label
from creditline.domain.risk.rules import Event, RuleSet, Verdict
from creditline.domain.text import MAX_NOTE, printable_text
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer, once
from creditline.service.risk.risk_ports import RuleSetRow
from creditline.service.uow import Database, UnitOfWork

MAX_MODEL = 20_000_000
Fitter = Callable[..., dict[str, Any]]
Rows = list[tuple[dict[str, Any], int]]


def model_seq(uow: UnitOfWork, spec: str, *, live: int | None = None) -> int | None:
    """The model version a rule set's ``model`` entry names (None: no model); ``live``: the
    newest version when the caller read it already (the spend reads it with its history)."""
    if spec == "none":
        return None
    if spec == "live":
        return uow.rulesets.latest_model_seq() if live is None else live
    return int(spec)


def with_model(
    uow: UnitOfWork,
    rule_set: RuleSet,
    verdict: Verdict,
    values: dict[str, Any],
    *,
    live: int | None = None,
) -> Verdict:
    """The rules' verdict with the learned model's score beside it, when the rule set names a
    model and one is there (its score meets the rule set's thresholds)."""
    seq = model_seq(uow, rule_set.model, live=live)
    model = None if seq is None else uow.rulesets.model(seq)
    if model is None:
        return verdict
    scored = model.score(values, explain_from=rule_set.review_at)
    return combine(verdict, scored, review_at=rule_set.review_at, decline_at=rule_set.decline_at)


def _meta(row: RuleSetRow) -> dict[str, Any]:
    doc = json.loads(row.document)
    return {
        "version": row.version,
        "name": row.name,
        "digest": row.digest,
        "kind": doc.get("kind"),
        "features": doc.get("features", []),
        "trained_on": doc.get("trained_on"),
        "training_fit": doc.get("training_fit"),
        "importance": doc.get("importance", []),
        "note": row.note,
        "loaded_at": iso_local(row.loaded_at) if row.loaded_at else None,
    }


def load_model(db: Database, text: str, *, note: str = "", key: str | None = None) -> Answer:
    """Check a model document and make it the live model (a new version; older ones stay)."""
    if len(text) > MAX_MODEL:
        raise InvalidInput("model", f"the model is longer than {MAX_MODEL} characters")
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidInput("model", "the model is not a JSON document") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("booster"), str):
        raise InvalidInput("model", "the model has no booster")
    note = printable_text(note, "note", max_length=MAX_NOTE, required=False, strip=True)
    digest = hashlib.sha256(doc["booster"].encode()).hexdigest()

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        version = uow.rulesets.latest_model_seq() + 1
        row = RuleSetRow(version, str(doc.get("name", "model"))[:80], digest, text, note, now)
        uow.rulesets.insert_model(row)
        uow.rulesets.model(version)  # the booster must load, or nothing is kept
        uow.events.emit("risk.model_loaded", {"version": version, "digest": digest}, now)
        return Answer({**_meta(row), "live": True})

    return once(db, key=key, command="risk.model.load", params={"digest": digest}, effect=effect)


def show_model(db: Database, *, version: int | None = None) -> Answer:
    """A model's card: what it reads, what it was trained on, its strongest features."""
    with db.transaction(write=False) as uow:
        live = uow.rulesets.latest_model_seq()
        seq = live if version is None else version
        if seq < 0:
            raise InvalidInput("version", "version must be 0 (the shipped model) or more")
        row = uow.rulesets.model_row(seq)
        versions = [{"version": 0, "note": "shipped"}] + [
            {"version": r.version, "name": r.name, "digest": r.digest, "note": r.note}
            for r in uow.rulesets.model_rows()
        ]
        return Answer({**_meta(row), "live": seq == live, "versions": versions})


def training_rows(db: Database) -> Rows:
    """Every labelled spend with the features it was scored on: (features, 1 fraud / 0
    cleared). Labels are the simulator's and the operators' (an operator's decision replaces
    the simulator's label of the same event)."""
    with db.transaction(write=False) as uow:
        labels = uow.rings.labels("event")
        rows: Rows = []
        for d in uow.risk.decisions_between(None, None):
            label = labels.get(d.subject)
            if d.event is not Event.SPEND or label is None:
                continue
            rows.append((restore_features(d.features), int(label[0] == Label.FRAUD)))
    return rows


def train_model(
    db: Database,
    fit: Fitter,
    rows: Sequence[tuple[Mapping[str, Any], int]],
    *,
    about: Mapping[str, Any],
    note: str = "",
) -> Answer:
    """Fit a model on labelled ``rows`` and load it as the next live version."""
    doc = fit(rows, about=about)
    return load_model(db, json.dumps(doc, ensure_ascii=False), note=note)


def model_document(db: Database, version: int) -> str:
    """A model's whole document (JSON, with its booster): what ``risk model load`` reads."""
    with db.transaction(write=False) as uow:
        return uow.rulesets.model_row(version).document
