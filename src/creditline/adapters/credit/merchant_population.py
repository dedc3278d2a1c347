"""A simulated merchant population (模拟商家) to fit the merchant scorecard on. SIMULATED: no
real merchant's data is in it, and a card fitted on it says so (``"simulated": true``).

It is a companion of the marketplace simulator (``entrypoints/cli/simulate.py``), which drives
honest merchants and cash-out (套现) rings through the real use cases to test the risk rules.
This one draws, in bulk and seeded, what a credit decision needs and the simulator is too slow
to give for thousands: each merchant's last 12 months, as the assessment reads them from the
database, and its outcome over the next 12:

- ``monthly_settled_sales``: CNY a month of confirmed orders' proceeds (结算销售额);
- ``months_on_platform``: whole months since the merchant joined;
- ``order_completion_rate``: finished orders that were completed, not returned (0-1);
- ``return_rate``: orders returned or refunded after sale (退货率, 0-1);
- ``disputes_12m``, ``violations_12m``: disputes (纠纷) and violation records (违规);
- ``category``: one of ``MERCHANT_CATEGORIES``;
- ``outcome``: ``bad`` when the merchant goes seriously overdue (严重逾期: quota unrepaid long
  past the occupancy limit) within the next 12 simulated months, else ``good``.

The outcome is drawn from a latent risk model (log-odds), with noise, so no card separates it
perfectly:

- every merchant has a hidden quality; it shapes the history the card sees (better quality:
  more completed orders, fewer returns, disputes and violations, more sales) and, apart from
  that, the outcome directly: the card sees only its traces;
- sales lower the risk with diminishing returns (on a log scale, flat above ¥300,000 a month);
- the first year is risky, less so each month, and tenure counts for little after three years;
- returns cost more in apparel and beauty above 8% (the review rule's line, where high returns
  go with fake orders and cash-out) than in other categories;
- a dispute adds risk, a violation more; luxury and digital goods are a little riskier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from creditline.domain.quota.parties import MERCHANT_CATEGORIES

SEED = 20240501
SIZE = 8000
OUTCOME = "outcome"
#: How common each category is, and its typical return rate.
CATEGORIES: dict[str, tuple[float, float]] = {
    "apparel": (0.22, 0.085),
    "beauty": (0.13, 0.06),
    "digital": (0.14, 0.035),
    "food": (0.14, 0.02),
    "home": (0.12, 0.04),
    "sports": (0.08, 0.045),
    "luxury": (0.04, 0.03),
    "other": (0.13, 0.04),
}
#: Categories where returns above 8% cost the most (R19's return-rate rule).
RETURN_SENSITIVE = ("apparel", "beauty")
RETURN_LINE = 0.08
assert set(CATEGORIES) == MERCHANT_CATEGORIES


def simulate_merchants(size: int = SIZE, seed: int = SEED) -> Any:
    """``size`` simulated merchants (a pandas frame, one row each, ``outcome`` good/bad),
    the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    names = sorted(CATEGORIES)
    weights = np.array([CATEGORIES[c][0] for c in names])
    category = rng.choice(names, size, p=weights / weights.sum())
    typical_return = np.array([CATEGORIES[c][1] for c in category])
    quality = rng.normal(0.0, 1.0, size)

    months = np.clip(np.round(rng.gamma(1.5, 16.0, size)), 1, 120).astype(int)
    log_sales = (
        np.log(30_000)
        + 0.45 * np.log1p(months / 6)
        + 0.3 * quality
        + rng.normal(0.0, 1.0, size)
        + np.where(np.isin(category, ["luxury", "digital"]), 0.4, 0.0)
    )
    dormant = rng.random(size) < 0.03
    sales = np.where(dormant, 0.0, np.round(np.exp(log_sales), 2))

    completion = np.clip(
        0.955 + 0.018 * quality + rng.normal(0.0, 0.025, size) - 0.02 * (months < 3), 0.5, 1.0
    )
    return_rate = np.clip(
        typical_return * np.exp(rng.normal(0.0, 0.5, size) - 0.3 * quality), 0.0, 0.6
    )
    volume = np.clip(np.where(dormant, 0.0, sales) / 50_000, 0.05, 20.0)
    disputes = rng.poisson(0.35 * np.exp(-0.5 * quality) * volume**0.3)
    violations = rng.poisson(0.1 * np.exp(-0.7 * quality))

    sensitive = np.isin(category, RETURN_SENSITIVE)
    over_line = np.clip(return_rate - RETURN_LINE, 0.0, None)
    log_odds = (
        -3.5
        - 0.4 * np.log(np.clip(sales, 3_000, 300_000) / 50_000)
        + 1.2 * np.exp(-months / 9)
        + 10.0 * (0.955 - completion)
        + 3.0 * return_rate
        + np.where(sensitive, 14.0, 4.0) * over_line
        + 0.3 * np.minimum(disputes, 5)
        + 0.6 * np.minimum(violations, 3)
        + np.where(np.isin(category, ["luxury", "digital"]), 0.25, 0.0)
        - 0.5 * quality
        + rng.normal(0.0, 0.4, size)
    )
    bad = rng.random(size) < 1.0 / (1.0 + np.exp(-log_odds))
    return pd.DataFrame(
        {
            "monthly_settled_sales": np.floor(sales).astype(int),
            "months_on_platform": months,
            "order_completion_pct": np.round(completion * 100, 1),
            "return_rate_pct": np.round(return_rate * 100, 1),
            "disputes_12m": disputes,
            "violations_12m": violations,
            "category": category,
            OUTCOME: np.where(bad, "bad", "good"),
        }
    )
