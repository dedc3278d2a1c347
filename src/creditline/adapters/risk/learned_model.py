"""A learned cash-out model (LightGBM) scoring one event inline, with SHAP-style reasons.

The model is a document: its LightGBM text, the features it reads (``MODEL_FEATURES``'s order
when it was fitted), what it was trained on and how it did. Scoring one row costs about 40 µs;
the contributions (LightGBM's own TreeSHAP, ``pred_contrib``) are computed only for a score that
reaches review, so an approval pays for the score alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.learned import TOP, ModelScore

KIND = "lightgbm"


def _number(values: Mapping[str, Any], name: str) -> float:
    if name == "is_merchant":
        return 1.0 if values.get("party_kind") == "merchant" else 0.0
    value = values.get(name, 0)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def vector(values: Mapping[str, Any], features: tuple[str, ...]) -> list[float]:
    """One event's features as the model's row."""
    return [_number(values, name) for name in features]


def digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(document["booster"].encode()).hexdigest()


def parse_document(text: str) -> dict[str, Any]:
    """A model document, checked: JSON with a LightGBM booster and its feature names."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidInput("model", "the model is not a JSON document") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise InvalidInput("model", f"the model must be a {KIND} model document")
    features = doc.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise InvalidInput("model", "the model must name its features")
    if not isinstance(doc.get("booster"), str):
        raise InvalidInput("model", "the model has no booster")
    return doc


class LearnedModel:
    """A fitted model, loaded once per process and version."""

    def __init__(self, version: int, document: Mapping[str, Any]) -> None:
        import lightgbm as lgb  # noqa: PLC0415 - imported on first use (start-up time)

        self.version = version
        self.name = str(document.get("name", KIND))
        self.features: tuple[str, ...] = tuple(document["features"])
        try:
            self.booster = lgb.Booster(model_str=document["booster"])
        except lgb.basic.LightGBMError as exc:
            raise InvalidInput("model", f"the booster does not load: {exc}") from None

    def score(self, values: Mapping[str, Any], *, explain_from: int) -> ModelScore:
        """The model's score (0-100) for one event; its top factors when the score reaches
        ``explain_from``."""
        import numpy as np  # noqa: PLC0415 - loaded with the model, not with every command

        row = np.array([vector(values, self.features)], dtype=float)
        p = float(self.booster.predict(row, num_threads=1)[0])
        score = max(0, min(100, round(p * 100)))
        top: tuple[tuple[str, int], ...] = ()
        if score >= explain_from:
            contrib = self.booster.predict(row, pred_contrib=True, num_threads=1)[0]
            ranked = sorted(
                (
                    (name, round(float(c) * 100))
                    for name, c in zip(self.features, contrib, strict=False)
                ),
                key=lambda nc: -nc[1],
            )
            top = tuple((n, c) for n, c in ranked[:TOP] if c > 0)
        return ModelScore(self.version, score, top)
