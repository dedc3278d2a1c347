"""From a score to a proposed limit (初始额度): the policy's score bands (分档), the caps (per
product, and a consumer's from its monthly income or a merchant's from its monthly settled
sales), rounding down to a step, and the decision: approve, or refer with the reasons.

Bands are policy text, ``560:5000.00,600:20000.00,...``: a score at or above a band's score
earns its limit, up to the next band; scores ascend and limits never fall. Below the lowest
band there is no limit: the assessment refers (proposed limit 0) and says so. Every figure
comes from the ``Policy`` in force, so a band change is a recorded, effective-dated policy
change like any other (R12)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.domain.reasons import Reason, ReasonCode

if TYPE_CHECKING:
    from creditline.domain.policy import Policy

MAX_BANDS = 12
MAX_SCORE = 1000
#: The longest band text kept (policy values are kept as text of at most this length).
MAX_BANDS_TEXT = 200
NOT_KNOWN = "—"


@dataclass(frozen=True, slots=True)
class Band:
    score: int
    limit: Money


def parse_bands(text: str, *, field: str = "value") -> tuple[Band, ...]:
    """Bands from ``score:limit,...`` (scores ascending, limits non-decreasing); bad text is
    ``InvalidInput`` naming ``field``."""
    example = "e.g. 560:5000.00,600:20000.00"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_BANDS_TEXT * 2:
        raise InvalidInput(field, f"{field} must be score:limit pairs, {example}")
    parts = text.split(",")
    if len(parts) > MAX_BANDS:
        raise InvalidInput(field, f"{field}: at most {MAX_BANDS} bands")
    bands: list[Band] = []
    for part in parts:
        score_text, colon, limit_text = part.strip().partition(":")
        if not colon or not score_text.isascii() or not score_text.isdigit():
            raise InvalidInput(
                field, f"{field}: {part.strip()[:40]!r} is not score:limit ({example})"
            )
        if len(score_text) > len(str(MAX_SCORE)) or int(score_text) > MAX_SCORE:
            raise InvalidInput(field, f"{field}: a band's score is at most {MAX_SCORE}")
        band = Band(int(score_text), Money.parse(limit_text.strip(), field=field))
        if bands and band.score <= bands[-1].score:
            raise InvalidInput(field, f"{field}: band scores must ascend ({band.score})")
        if bands and band.limit < bands[-1].limit:
            raise InvalidInput(field, f"{field}: a higher band cannot have a lower limit")
        bands.append(band)
    if len(format_bands(bands)) > MAX_BANDS_TEXT:
        raise InvalidInput(field, f"{field}: at most {MAX_BANDS_TEXT} characters")
    return tuple(bands)


def format_bands(bands: Sequence[Band]) -> str:
    return ",".join(f"{b.score}:{b.limit.format()}" for b in bands)


def band_for(bands: Sequence[Band], score: int) -> Band | None:
    """The highest band ``score`` reaches, or None below the lowest."""
    found = None
    for band in bands:
        if score >= band.score:
            found = band
    return found


@dataclass(frozen=True, slots=True)
class LimitRules:
    """The policy's figures for one kind of holder and one product."""

    bands: tuple[Band, ...]
    product_cap: Money
    multiple: int  # of monthly income (consumers) or monthly settled sales (merchants)
    credit_score_floor: int
    step: Money
    sales_months: int


def limit_rules(policy: Policy, kind: PartyKind, product: Product) -> LimitRules:
    """The limit rules in ``policy`` for ``kind`` and ``product``."""
    merchant = kind is PartyKind.MERCHANT
    return LimitRules(
        bands=parse_bands(
            policy.raw("merchant_limit_bands" if merchant else "consumer_limit_bands")
        ),
        product_cap=policy.money(f"{product.value}_limit_cap"),
        multiple=policy.integer(
            "merchant_sales_multiple" if merchant else "consumer_income_multiple"
        ),
        credit_score_floor=policy.integer("consumer_credit_score_floor"),
        step=policy.money("limit_rounding"),
        sales_months=policy.integer("settled_sales_months"),
    )


CAP_NAMES: dict[str, tuple[str, str]] = {
    "product": ("产品额度上限", "the product's cap"),
    "income": ("收入上限（月收入×{n}）", "income cap (monthly income × {n})"),
    "sales": ("销售额上限（月均结算销售额×{n}）", "sales cap (monthly settled sales × {n})"),
}


@dataclass(frozen=True, slots=True)
class Cap:
    name: str
    amount: Money
    multiple: int = 1

    def json(self, *, binding: bool) -> dict[str, Any]:
        zh, en = CAP_NAMES[self.name]
        return {
            "cap": self.name,
            "amount": self.amount.format(),
            "name_zh": zh.format(n=self.multiple),
            "name_en": en.format(n=self.multiple),
            "binding": binding,
        }


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed limit: the band reached, the caps, which cap bound it, and why it refers."""

    score: int
    band: Band | None
    caps: tuple[Cap, ...]
    binding: str | None
    limit: Money
    reasons: tuple[Reason, ...]

    @property
    def decision(self) -> str:
        return "refer" if self.reasons else "approve"


def _caps(
    rules: LimitRules,
    kind: PartyKind,
    *,
    income: Money | None,
    credit_score: int | None,
    has_application: bool,
    monthly_sales: Money | None,
) -> tuple[list[Cap], list[Reason]]:
    """The caps on the limit, and why the facts behind them refer the assessment."""
    currency = rules.product_cap.currency
    caps = [Cap("product", rules.product_cap)]
    reasons: list[Reason] = []
    least = max(rules.step.minor, 1)  # a cap below one step leaves nothing to grant
    if kind is PartyKind.MERCHANT:
        sales = monthly_sales or Money.zero(currency)
        caps.append(Cap("sales", sales * rules.multiple, rules.multiple))
        if caps[-1].amount.minor < least:
            facts = {"months": rules.sales_months, "monthly_sales": sales.format()}
            reasons.append(Reason(ReasonCode.NO_SETTLED_SALES, facts))
        return caps, reasons
    if not has_application:
        reasons.append(Reason(ReasonCode.APPLICATION_MISSING))
    if credit_score is None or credit_score < rules.credit_score_floor:
        shown = NOT_KNOWN if credit_score is None else credit_score
        facts = {"credit_score": shown, "floor": rules.credit_score_floor}
        reasons.append(Reason(ReasonCode.CREDIT_SCORE_LOW, facts))
    caps.append(Cap("income", (income or Money.zero(currency)) * rules.multiple, rules.multiple))
    if caps[-1].amount.minor < least:
        shown_income = NOT_KNOWN if income is None else income.format()
        reasons.append(Reason(ReasonCode.INCOME_TOO_LOW, {"income": shown_income}))
    return caps, reasons


def propose_limit(
    rules: LimitRules,
    kind: PartyKind,
    score: int,
    *,
    income: Money | None = None,
    credit_score: int | None = None,
    has_application: bool = True,
    monthly_sales: Money | None = None,
) -> Proposal:
    """The limit ``score`` earns under ``rules``, capped, rounded down to the step; a
    referral (limit 0, with its reasons) when the score is below the bands or the facts the
    caps need are missing, too low, or the credit score is under the floor."""
    currency = rules.product_cap.currency
    caps, reasons = _caps(
        rules,
        kind,
        income=income,
        credit_score=credit_score,
        has_application=has_application,
        monthly_sales=monthly_sales,
    )
    band = band_for(rules.bands, score)
    if band is None or not band.limit.is_positive:
        lowest = next((b.score for b in rules.bands if b.limit.is_positive), MAX_SCORE)
        facts = {"score": score, "lowest": lowest}
        reasons.insert(0, Reason(ReasonCode.SCORE_BELOW_BANDS, facts))
    if band is None or reasons:
        return Proposal(score, band, tuple(caps), None, Money.zero(currency), tuple(reasons))
    limit, binding = band.limit, None
    for c in caps:
        if c.amount < limit:
            limit, binding = c.amount, c.name
    if rules.step.is_positive:
        limit = Money(limit.minor // rules.step.minor * rules.step.minor, currency)
    return Proposal(score, band, tuple(caps), binding, limit, ())
