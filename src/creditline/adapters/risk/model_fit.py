"""Fitting the learned cash-out model (LightGBM) on labelled events.

Labels come from the simulator's training seeds (never its evaluation seeds) and from
operators' review decisions. The fit is deterministic for its data: fixed seeds, one thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from creditline.adapters.risk.learned_model import KIND, vector
from creditline.domain.errors import InvalidInput
from creditline.domain.risk.learned import MODEL_FEATURES, MONOTONE_UP

PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 17,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 200
MIN_ROWS = 50


def fit_model(
    rows: Sequence[tuple[Mapping[str, Any], int]], *, about: Mapping[str, Any]
) -> dict[str, Any]:
    """A model document fitted on ``rows`` of (features, label 1 fraud / 0 honest)."""
    import lightgbm as lgb  # noqa: PLC0415 - imported on first use (start-up time)
    import numpy as np  # noqa: PLC0415

    fraud = sum(1 for _, y in rows if y)
    if len(rows) < MIN_ROWS or fraud == 0 or fraud == len(rows):
        raise InvalidInput(
            "seeds", f"too few labelled events to fit on ({len(rows)}, {fraud} fraud)"
        )
    x = np.array([vector(v, MODEL_FEATURES) for v, _ in rows], dtype=float)
    y = np.array([y for _, y in rows], dtype=float)
    data = lgb.Dataset(x, y, feature_name=list(MODEL_FEATURES), free_raw_data=True)
    monotone = [1 if f in MONOTONE_UP else 0 for f in MODEL_FEATURES]
    params = {**PARAMS, "monotone_constraints": monotone}
    booster = lgb.train(params, data, num_boost_round=ROUNDS)
    p = np.asarray(booster.predict(x, num_threads=1), dtype=float)
    importance = booster.feature_importance(importance_type="gain")
    ranked = sorted(zip(MODEL_FEATURES, importance, strict=True), key=lambda fi: -fi[1])
    return {
        "kind": KIND,
        "name": "cashout-gbm",
        "features": list(MODEL_FEATURES),
        "params": {**params, "rounds": ROUNDS},
        "trained_on": {**about, "events": len(rows), "fraud": fraud},
        "training_fit": {  # on the training rows: a sanity check, not an evaluation
            "declined_fraud": int(((p >= 0.9) & (y == 1)).sum()),
            "declined_honest": int(((p >= 0.9) & (y == 0)).sum()),
            "reviewed_or_declined_fraud": int(((p >= 0.6) & (y == 1)).sum()),
            "reviewed_or_declined_honest": int(((p >= 0.6) & (y == 0)).sum()),
        },
        "importance": [{"feature": f, "gain": round(float(g), 1)} for f, g in ranked[:12]],
        "no_evidence_score": round(
            float(booster.predict(np.zeros((1, len(MODEL_FEATURES))))[0]) * 100
        ),
        "booster": booster.model_to_string(),
    }
