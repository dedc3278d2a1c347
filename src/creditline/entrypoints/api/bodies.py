"""Request bodies and query parameters of the routes for parties, settlement, risk and
administration (those of lines and webhooks are in ``models``). Strict types, unknown fields
refused, every field with an example; the enumerations (kinds, tiers, roles) are checked by
the use cases, so that a bad value gets the CLI's code and text."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from creditline import Forbidden, Principal
from creditline.entrypoints.api.models import Amount, Body, Id, Text

#: A merchant's own money (its funds book) and its orders are in CNY.
FundsCurrency = Annotated[
    StrictStr, Field(pattern="^CNY$", description="ISO 4217; funds are CNY", examples=["CNY"])
]
Day = Annotated[StrictStr, Field(max_length=10, examples=["2024-05-01"])]
When = Annotated[
    StrictStr,
    Field(
        max_length=40,
        description="a date (midnight Beijing time) or an ISO 8601 time with its offset",
        examples=["2024-05-01T10:00:00+08:00"],
    ),
]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Note = Annotated[StrictStr, Field(max_length=500)]
RuleText = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=500_000,
        description="a rule set, YAML or JSON (`GET /v1/risk/rules` shows the live one)",
        examples=["name: default\nthresholds: {review: 50, decline: 80}\nrules: []\n"],
    ),
]

Limit = Annotated[int, Query(ge=1, le=100, description="1-100", examples=[10])]
StartingAfter = Annotated[
    str | None,
    Query(max_length=128, description="the last id of the previous page", examples=["po_1"]),
]


def operators_only(principal: Principal, what: str) -> None:
    """Platform-wide reads (every holder's payouts, cases, events, ...) are for operators; a
    holder's key gets a 403 naming the roles that may read them."""
    if principal.party_id is not None:
        raise Forbidden(
            f"a holder's key cannot read {what}; it needs an operator with role "
            "admin, operations or risk",
            ["admin", "operations", "risk"],
        )


# -- parties -------------------------------------------------------------------------------------
class PartyIn(Body):
    kind: Annotated[StrictStr, Field(max_length=20, examples=["merchant"])] = Field(
        description="merchant or consumer"
    )
    name: Name = Field(examples=["衣尚坊"])
    category: Annotated[StrictStr, Field(max_length=40)] | None = Field(
        default=None,
        description="merchants: apparel, beauty, digital, food, home, sports, luxury, other",
        examples=["apparel"],
    )
    credit_score: Annotated[StrictInt, Field(ge=300, le=950)] | None = Field(
        default=None, description="consumers: 300-950", examples=[720]
    )
    income: Amount | None = Field(default=None, description="monthly income, minor units (CNY)")


class VerifyIn(Body):
    real_name: StrictBool = Field(default=False, description="实名认证 passed")
    qualification: StrictBool = Field(default=False, description="资质审核 passed")
    settlement_account: Annotated[StrictStr, Field(max_length=64)] | None = Field(
        default=None, description="结算账户 (a consumer's repayment account)", examples=["6222"]
    )


class LinksIn(Body):
    """At least one identifier; parties that share one are linked (关联)."""

    device: Annotated[StrictStr, Field(max_length=200)] | None = Field(
        default=None, examples=["dev-a1b2c3"]
    )
    phone: Annotated[StrictStr, Field(max_length=200)] | None = None
    bank_account: Annotated[StrictStr, Field(max_length=200)] | None = None
    address: Annotated[StrictStr, Field(max_length=200)] | None = Field(
        default=None, description="a shipping or business address (a weak link)"
    )


class DocumentIn(Body):
    type: Annotated[StrictStr, Field(max_length=40)] = Field(
        description="business_licence, tax_registration, bank_statement, "
        "brand_authorisation or supply_contract",
        examples=["business_licence"],
    )
    submitted: Day
    expires: Day | None = Field(default=None, description="none if it never expires")


class ViolationIn(Body):
    note: Note = Field(description="what the violation is", examples=["counterfeit goods"])


class LoginIn(Body):
    device: Annotated[StrictStr, Field(max_length=200, examples=["dev-a1b2c3"])]
    ip: Annotated[StrictStr, Field(max_length=64, examples=["203.0.113.7"])]


class WithdrawalIn(Body):
    amount: Amount
    currency: FundsCurrency = "CNY"


# -- settlement ----------------------------------------------------------------------------------
class OrderIn(Body):
    merchant: Id = Field(description="the merchant's party id", examples=["mer_5f2a9c1e0b7d4a33"])
    order: Annotated[StrictStr, Field(min_length=1, max_length=64, examples=["TB20240501001"])]
    amount: Amount = Field(description="what the buyer paid, minor units")
    currency: FundsCurrency = "CNY"
    buyer: Id | None = Field(default=None, description="the buyer's party id")
    no_shipping: StrictBool = Field(default=False, description="virtual goods: no shipping")


class ReturnIn(Body):
    amount: Amount | None = Field(default=None, description="part; default the rest")


class SupplierIn(Body):
    name: Name = Field(examples=["华南面料厂"])
    tier: Annotated[StrictStr, Field(max_length=20)] = Field(
        description="core or ordinary", examples=["core"]
    )
    account: Annotated[StrictStr, Field(min_length=1, max_length=64, examples=["6222000011112222"])]


class SplitRuleIn(Body):
    rule: Annotated[StrictStr, Field(min_length=1, max_length=2000)] = Field(
        description="shares adding up to 100%", examples=["repayment:40,merchant:60"]
    )


class PayoutFailuresIn(Body):
    count: Annotated[StrictInt, Field(ge=1, le=1000, examples=[2])]
    error: Annotated[StrictStr, Field(max_length=40)] = Field(
        description="insufficient_balance, channel_error, timeout or hang",
        examples=["channel_error"],
    )


# -- risk ----------------------------------------------------------------------------------------
class RulesIn(Body):
    text: RuleText
    note: Note = Field(default="", description="what changed", examples=["tighter night rule"])


class DecisionIn(Body):
    verdict: Annotated[StrictStr, Field(pattern="^(approve|decline)$", examples=["approve"])]
    note: Note = Field(default="", examples=["known customer"])


class RingsIn(Body):
    since: When | None = Field(default=None, description="only activity since then")


class BacktestIn(Body):
    text: RuleText
    start: When | None = None
    end: When | None = Field(default=None, description="exclusive")
    model: Annotated[StrictStr, Field(pattern="^(none|live|[0-9]{1,6})$")] | None = Field(
        default=None,
        description="the learned model beside the rules (default: the rule set's own entry)",
        examples=["live"],
    )


class ModelIn(Body):
    document: Annotated[StrictStr, Field(max_length=20_000_000)] = Field(
        description="a model document (JSON) as `creditline risk model train --ship` writes it"
    )
    note: Note = Field(default="", examples=["retrained with May's reviews"])


# -- administration ------------------------------------------------------------------------------
class PolicyIn(Body):
    key: Annotated[StrictStr, Field(max_length=64, examples=["temporary_freeze_hours"])]
    value: Annotated[StrictStr, Field(max_length=64)] = Field(
        description="as `GET /v1/policy` writes it: 24, 0.0005, 10:00-16:00, 500.00",
        examples=["24"],
    )
    effective: Annotated[StrictStr, Field(max_length=40)] = Field(
        description="`now` or an ISO 8601 time with offset; never in the past",
        examples=["now"],
    )
    note: Note | None = Field(default=None, examples=["longer temporary freezes"])


class NoticeHoliday(Body):
    name: Annotated[StrictStr, Field(max_length=200, examples=["春节"])] = ""
    start: Day = Field(alias="from", examples=["2027-02-06"])
    end: Day = Field(alias="to", examples=["2027-02-13"])


class NoticeWorkday(Body):
    name: Annotated[StrictStr, Field(max_length=200, examples=["春节调休"])] = ""
    date: Day = Field(examples=["2027-02-14"])


class CalendarIn(Body):
    """An official holiday notice (放假安排), as `creditline calendar load` reads it."""

    year: Annotated[StrictInt, Field(ge=1900, le=2999, examples=[2027])]
    holidays: Annotated[list[NoticeHoliday], Field(min_length=1, max_length=100)]
    workdays: Annotated[list[NoticeWorkday], Field(max_length=100)] = Field(default_factory=list)
    source: Annotated[StrictStr, Field(min_length=1, max_length=200)] = Field(
        default="api", description="where the notice came from", examples=["国办发明电〔2026〕7号"]
    )


class ClockIn(Body):
    """Exactly one of ``at`` (set) and ``advance`` (move forward)."""

    at: Annotated[StrictStr, Field(max_length=40)] | None = Field(
        default=None, examples=["2024-05-01T10:00:00+08:00"]
    )
    advance: Annotated[StrictStr, Field(max_length=40)] | None = Field(
        default=None, description="3d, 12h, 1d12h, 90m", examples=["1d"]
    )

    @model_validator(mode="after")
    def _one(self) -> ClockIn:
        if (self.at is None) == (self.advance is None):
            raise ValueError("give exactly one of at and advance")
        return self


class AssignIn(Body):
    to: Annotated[StrictStr, Field(min_length=1, max_length=64, examples=["ops"])]
    note: Note | None = None


class CloseIn(Body):
    note: Text = Field(description="how the case ended", examples=["paid on retry"])


class OperatorIn(Body):
    name: Annotated[StrictStr, Field(min_length=1, max_length=64, examples=["risk-li"])]
    role: Annotated[StrictStr, Field(max_length=20)] = Field(
        description="risk, operations or admin", examples=["risk"]
    )


class ApiKeyIn(Body):
    """Exactly one owner: a party (a holder's key) or an operator."""

    party: Id | None = Field(default=None, examples=["mer_5f2a9c1e0b7d4a33"])
    operator: Annotated[StrictStr, Field(max_length=64)] | None = None
