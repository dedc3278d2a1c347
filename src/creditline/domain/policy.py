"""Platform policy (平台政策) as versioned data: parameters, their changes, what is in force.

It is over 400 lines because ``PARAMETERS`` is the one table of every policy parameter, with
its kind, default, bounds and zh/en names; the rules that read them live with their contexts."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from creditline.domain.credit.limit_bands import format_bands, parse_bands
from creditline.domain.credit.name_lists import names, parse_categories, parse_documents
from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money

SHANGHAI_OFFSET = timedelta(hours=8)


class Kind(StrEnum):
    INT = "int"
    MONEY = "money"
    RATE = "rate"
    WINDOW = "window"
    BANDS = "bands"  # score bands of limits, 560:5000.00,600:20000.00 (domain.credit.limit_bands)
    DOCUMENTS = "documents"  # document types, business_licence,tax_registration (name_lists)
    CATEGORIES = "categories"  # merchant categories, apparel,beauty (domain.credit.name_lists)


@dataclass(frozen=True, slots=True)
class Parameter:
    key: str
    kind: Kind
    default: str
    zh: str
    en: str
    minimum: int = 0
    maximum: int = 10**9


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        Parameter(
            "hold_timeout_days",
            Kind.INT,
            "7",
            "预授权有效天数",
            "days an uncaptured hold lives",
            1,
            90,
        ),
        Parameter(
            "max_single_spend", Kind.MONEY, "1000000.00", "单笔支付上限", "largest single spend"
        ),
        Parameter(
            "large_spend_threshold",
            Kind.MONEY,
            "50000.00",
            "大额支付门槛",
            "a spend above this is large",
        ),
        Parameter(
            "max_large_spends_per_day",
            Kind.INT,
            "5",
            "每日大额支付次数上限",
            "large spends allowed per line per day",
            0,
            1000,
        ),
        Parameter(
            "occupancy_limit_days",
            Kind.INT,
            "30",
            "占用期限（天）",
            "days occupancy may last before the line freezes",
            1,
            365,
        ),
        Parameter(
            "late_fee_daily_rate",
            Kind.RATE,
            "0.0005",
            "滞纳金日费率",
            "late fee per day on overdue occupancy",
        ),
        Parameter(
            "temporary_freeze_hours",
            Kind.INT,
            "24",
            "临时冻结时长（小时）",
            "hours a temporary freeze lasts",
            1,
            24 * 30,
        ),
        Parameter(
            "split_window",
            Kind.WINDOW,
            "10:00-16:00",
            "自动分账时段",
            "working-day hours of automatic splits",
        ),
        Parameter(
            "compensation_cap",
            Kind.MONEY,
            "500.00",
            "单笔补偿上限",
            "most compensation per failed payout",
        ),
        Parameter(
            "after_sale_days",
            Kind.INT,
            "7",
            "售后退款期限（确认收货后天数，7天无理由）",
            "days after confirmation a return is still accepted",
            0,
            365,
        ),
        Parameter(
            "auto_confirm_days",
            Kind.INT,
            "10",
            "自动确认收货（发货后天数）",
            "days after shipping an order confirms itself",
            1,
            365,
        ),
        # Initial limits (初始额度): score bands and caps (domain/credit/limit_bands.py).
        Parameter(
            "merchant_limit_bands",
            Kind.BANDS,
            "520:20000.00,540:50000.00,560:100000.00,580:200000.00,600:350000.00,620:500000.00",
            "商家评分额度分档（分数:额度）",
            "merchant score bands (score:limit)",
        ),
        Parameter(
            "consumer_limit_bands",
            Kind.BANDS,
            "480:2000.00,500:5000.00,520:10000.00,540:20000.00,560:30000.00,580:50000.00",
            "消费者评分额度分档（分数:额度）",
            "consumer score bands (score:limit)",
        ),
        Parameter(
            "merchant_bnpl_limit_cap",
            Kind.MONEY,
            "1000000.00",
            "先用后付额度上限",
            "most limit of a merchant_bnpl line",
        ),
        Parameter(
            "installment_limit_cap",
            Kind.MONEY,
            "50000.00",
            "分期购额度上限",
            "most limit of an installment line",
        ),
        Parameter(
            "merchant_sales_multiple",
            Kind.INT,
            "3",
            "商家额度上限（月均结算销售额的倍数）",
            "a merchant's limit is at most this many months of settled sales",
            1,
            36,
        ),
        Parameter(
            "consumer_income_multiple",
            Kind.INT,
            "3",
            "消费者额度上限（月收入的倍数）",
            "a consumer's limit is at most this many months of income",
            1,
            36,
        ),
        Parameter(
            "consumer_credit_score_floor",
            Kind.INT,
            "550",
            "消费者信用分下限（低于则转人工）",
            "credit score below which a consumer's assessment refers",
            300,
            950,
        ),
        Parameter(
            "settled_sales_months",
            Kind.INT,
            "6",
            "结算销售额统计月数",
            "full months averaged for a merchant's settled sales",
            1,
            12,
        ),
        Parameter(
            "limit_rounding",
            Kind.MONEY,
            "100.00",
            "额度取整单位（向下）",
            "limits are rounded down to a multiple of this",
        ),
        # Periodic reviews (额度复审, R19): domain/credit/review_rules.py. A cut is the share
        # of the limit a reason takes (from the limit before any review reduction).
        Parameter(
            "review_interval_days",
            Kind.INT,
            "30",
            "额度复审周期（天）",
            "days between a line's periodic reviews (the worker runs them when due)",
            1,
            365,
        ),
        Parameter(
            "document_max_age_days",
            Kind.INT,
            "365",
            "资质材料有效期（提交后天数）",
            "days a submitted document stays current; older ones must be resubmitted",
            1,
            3650,
        ),
        Parameter(
            "required_documents",
            Kind.DOCUMENTS,
            "business_licence",
            "复审要求的资质材料",
            "documents a merchant must keep current on file (reviewed for age and expiry)",
        ),
        Parameter(
            "documents_cut",
            Kind.RATE,
            "0.5",
            "材料过期或缺失时额度下调比例",
            "share of the limit taken while a document is stale or missing",
        ),
        Parameter(
            "return_rate_max",
            Kind.RATE,
            "0.08",
            "退货率上限",
            "highest return rate allowed in the watched categories",
        ),
        Parameter(
            "return_rate_categories",
            Kind.CATEGORIES,
            "apparel,beauty",
            "考核退货率的类目",
            "merchant categories whose return rate is reviewed",
        ),
        Parameter(
            "return_rate_window_days",
            Kind.INT,
            "90",
            "退货率统计天数",
            "days of orders the return rate is measured over",
            7,
            365,
        ),
        Parameter(
            "return_rate_min_orders",
            Kind.INT,
            "10",
            "考核退货率的最少订单数",
            "orders needed in the window before the return rate counts",
            1,
            100000,
        ),
        Parameter(
            "return_rate_cut",
            Kind.RATE,
            "0.3",
            "退货率过高时额度下调比例",
            "share of the limit taken while the return rate is too high",
        ),
        Parameter(
            "inactivity_days",
            Kind.INT,
            "180",
            "长期未使用（天）",
            "days without a spend after which a review lowers the limit",
            7,
            3650,
        ),
        Parameter(
            "inactivity_cut",
            Kind.RATE,
            "0.5",
            "长期未使用时额度下调比例",
            "share of the limit taken from a line left unused",
        ),
        Parameter(
            "overdue_cut",
            Kind.RATE,
            "0.5",
            "逾期未还时额度下调比例",
            "share of the limit taken while repayments or installments are overdue",
        ),
        Parameter(
            "score_drop_points",
            Kind.INT,
            "50",
            "信用分下降阈值（分）",
            "fall of the credit score since the last review that lowers the limit",
            1,
            650,
        ),
        Parameter(
            "income_drop",
            Kind.RATE,
            "0.2",
            "收入下降阈值",
            "fall of the income since the last review (a share) that lowers the limit",
        ),
        Parameter(
            "score_drop_cut",
            Kind.RATE,
            "0.3",
            "信用分或收入下降时额度下调比例",
            "share of the limit taken when the credit score or income fell",
        ),
        Parameter(
            "good_history_months",
            Kind.INT,
            "6",
            "提额所需连续良好月数",
            "months of steady use without overdue, freeze or change before a raise",
            1,
            120,
        ),
        Parameter(
            "raise_step",
            Kind.RATE,
            "0.2",
            "单次提额比例上限",
            "largest raise at one review, as a share of the limit",
        ),
        Parameter(
            "raise_max",
            Kind.MONEY,
            "100000.00",
            "单次提额金额上限",
            "largest raise at one review (the product caps still apply)",
        ),
        Parameter(
            "temporary_quota_max",
            Kind.MONEY,
            "100000.00",
            "单笔临时额度上限",
            "the largest temporary quota (临时额度) one grant may give a line",
        ),
        # Installments (分期购): domain/installments/.
        Parameter(
            "installment_fee_rate_3",
            Kind.RATE,
            "0.0075",
            "3期分期手续费率（每期）",
            "installment fee per period, of the purchase, over 3 periods",
        ),
        Parameter(
            "installment_fee_rate_6",
            Kind.RATE,
            "0.0070",
            "6期分期手续费率（每期）",
            "installment fee per period, of the purchase, over 6 periods",
        ),
        Parameter(
            "installment_fee_rate_12",
            Kind.RATE,
            "0.0060",
            "12期分期手续费率（每期）",
            "installment fee per period, of the purchase, over 12 periods",
        ),
        Parameter(
            "installment_grace_days",
            Kind.INT,
            "3",
            "分期还款宽限期（天）",
            "days after a period's due date before it is overdue",
            0,
            30,
        ),
        Parameter(
            "installment_late_fee_daily_rate",
            Kind.RATE,
            "0.0005",
            "分期逾期滞纳金日费率",
            "late fee per day on what an overdue period owes",
        ),
        Parameter(
            "installment_freeze_days",
            Kind.INT,
            "7",
            "分期逾期冻结天数",
            "days overdue after which the line is frozen (installment_overdue)",
            1,
            365,
        ),
        Parameter(
            "installment_score_drop",
            Kind.INT,
            "20",
            "分期逾期信用分扣减（分）",
            "points taken from the shopper's credit score for each period that falls overdue",
            0,
            650,
        ),
        Parameter(
            "installment_payoff_extra_periods",
            Kind.INT,
            "0",
            "提前结清多收手续费期数",
            "periods not yet started whose fee a payoff still charges (0: started periods only)",
            0,
            12,
        ),
        Parameter(
            "ring_horizon_days",
            Kind.INT,
            "45",
            "资金回流识别期限（天）",
            "days within which money returning round a cycle counts as cash-out (ring job)",
            1,
            365,
        ),
    )
}

#: Kinds whose text is checked and made canonical by their own parser.
_CANONICAL: dict[Kind, Callable[[str], str]] = {
    Kind.MONEY: lambda text: Money.parse(text, field="value").format(),
    Kind.BANDS: lambda text: format_bands(parse_bands(text)),
    Kind.DOCUMENTS: parse_documents,
    Kind.CATEGORIES: parse_categories,
}
_WINDOW = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_value(key: str, text: str) -> str:
    """Validate a policy value and return its canonical text."""
    param = PARAMETERS.get(key)
    if param is None:
        raise InvalidInput("key", f"unknown policy key {key!r}; keys: {', '.join(PARAMETERS)}")
    if param.kind is Kind.INT:
        if not text.isascii() or not text.isdigit() or len(text) > len(str(param.maximum)):
            # The length first: int() of thousands of digits is a crash, not an answer.
            raise InvalidInput(
                "value",
                f"{key} must be a whole number between {param.minimum} and {param.maximum}",
            )
        number = int(text)
        if not param.minimum <= number <= param.maximum:
            raise InvalidInput(
                "value", f"{key} must be between {param.minimum} and {param.maximum}"
            )
        return str(number)
    canonical = _CANONICAL.get(param.kind)
    if canonical is not None:
        return canonical(text)
    if param.kind is Kind.RATE:
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise InvalidInput("value", f"{key} must be a decimal rate like 0.0005") from None
        if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1) or "e" in text.lower():
            raise InvalidInput("value", f"{key} must be a decimal rate from 0 to below 1")
        return text
    match = _WINDOW.fullmatch(text)
    if match is None or (match.group(1), match.group(2)) >= (match.group(3), match.group(4)):
        raise InvalidInput("value", f"{key} must look like 10:00-16:00, start before end")
    return text


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One recorded change: ``key`` becomes ``value`` from ``effective_at``; ``version`` orders
    changes as they were recorded."""

    version: int
    key: str
    value: str
    effective_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """The policy in force at one instant: every parameter and the version that set it."""

    version: str = "v0"
    values: tuple[tuple[str, str], ...] = ()
    changes: tuple[PolicyChange, ...] = ()

    def raw(self, key: str) -> str:
        for k, v in self.values:
            if k == key:
                return v
        return PARAMETERS[key].default

    def integer(self, key: str) -> int:
        return int(self.raw(key))

    def money(self, key: str, currency: str = "CNY") -> Money:
        return _money(self.raw(key), currency)

    def rate(self, key: str) -> Decimal:
        return Decimal(self.raw(key))

    def names(self, key: str) -> tuple[str, ...]:
        """The names a list value holds (a ``documents`` or ``categories`` parameter)."""
        return names(self.raw(key))

    @property
    def hold_timeout_days(self) -> int:
        return self.integer("hold_timeout_days")

    @property
    def hold_timeout(self) -> timedelta:
        return timedelta(days=self.hold_timeout_days)

    def change_of(self, key: str) -> PolicyChange | None:
        """The change that set ``key`` to the value in force."""
        found = [c for c in self.changes if c.key == key]
        return found[-1] if found else None

    def previous_of(self, key: str) -> PolicyChange | None:
        found = [c for c in self.changes if c.key == key]
        return found[-2] if len(found) > 1 else None


@functools.lru_cache(maxsize=256)
def _money(text: str, currency: str) -> Money:
    return Money.parse(text, currency)


def validity(
    changes: Iterable[PolicyChange], at: datetime
) -> tuple[datetime | None, datetime | None]:
    """The span around ``at`` in which the policy in force does not change: [since, until)."""
    since = max((c.effective_at for c in changes if c.effective_at <= at), default=None)
    until = min((c.effective_at for c in changes if c.effective_at > at), default=None)
    return since, until


def policy_at(changes: Iterable[PolicyChange], at: datetime) -> Policy:
    """The policy in force at ``at``: for every key, the last change effective by then.

    A change never acts before its effective time, so nothing is retroactive. The version is
    the highest recorded version among the changes in force.
    """
    in_force = sorted(
        (c for c in changes if c.effective_at <= at), key=lambda c: (c.effective_at, c.version)
    )
    values: dict[str, str] = {}
    for change in in_force:
        values[change.key] = change.value
    version = max((c.version for c in in_force), default=0)
    return Policy(
        version=f"v{version}",
        values=tuple(sorted(values.items())),
        changes=tuple(in_force),
    )


def seed_changes() -> list[tuple[str, str, datetime, str]]:
    """The seed history: every default from 2020-01-01, and on 2023-09-01 00:00 (Asia/Shanghai)
    the temporary freeze shortened from 72 hours to 24 hours."""
    epoch = datetime(2020, 1, 1, tzinfo=UTC) - SHANGHAI_OFFSET
    rows = [
        (key, "72" if key == "temporary_freeze_hours" else p.default, epoch, "seed")
        for key, p in PARAMETERS.items()
    ]
    cut = datetime(2023, 9, 1, tzinfo=UTC) - SHANGHAI_OFFSET
    rows.append(
        (
            "temporary_freeze_hours",
            "24",
            cut,
            "临时冻结由72小时缩短为24小时 / temporary freeze shortened to 24 hours",
        )
    )
    return rows
