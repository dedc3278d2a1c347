"""Request bodies: strict types (an amount is a whole number of minor units, never a string
or a float), unknown fields refused, every field described with an example."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

Amount = Annotated[
    StrictInt,
    Field(
        gt=0, le=10**15, description="minor units (fen for CNY): 10000 is 100.00", examples=[10000]
    ),
]
Currency = Annotated[
    StrictStr, Field(pattern="^(CNY|HKD|USD)$", description="ISO 4217", examples=["CNY"])
]
Text = Annotated[StrictStr, Field(max_length=2000)]
Id = Annotated[StrictStr, Field(min_length=1, max_length=128)]


class Body(BaseModel):
    """Every body: unknown fields are refused (``parameter_unknown``)."""

    model_config = ConfigDict(extra="forbid")


class AuthorizationIn(Body):
    amount: Amount
    currency: Currency = "CNY"
    purpose: Annotated[
        StrictStr,
        Field(
            max_length=40,
            description="procurement, commission, logistics (merchant lines) or purchase",
            examples=["procurement"],
        ),
    ]
    order: Id | None = Field(default=None, description="the order this spend pays")
    counterparty: Id | None = Field(default=None, description="the payee's party id")


class CaptureIn(Body):
    amount: Amount | None = Field(default=None, description="default: the whole hold")


class RefundIn(Body):
    amount: Amount


class RepaymentIn(Body):
    amount: Amount
    currency: Currency = "CNY"


class LineIn(Body):
    party: Id
    product: Annotated[StrictStr, Field(pattern="^(merchant_bnpl|installment)$")]
    limit: Amount | None = Field(
        default=None, description="default: the limit the party's assessment proposes (授信)"
    )
    currency: Currency = "CNY"


class FreezeIn(Body):
    reason: Annotated[StrictStr, Field(max_length=40, examples=["risk"])]
    amount: Amount | None = Field(default=None, description="a partial freeze; default: all")
    temporary: StrictBool = False
    hours: StrictInt | None = Field(default=None, gt=0, le=24 * 366)
    working_days: StrictInt | None = Field(default=None, gt=0, le=366)
    note: Text | None = None


class NoteIn(Body):
    note: Text = Field(description="why (kept in the audit log)")


LimitAmount = Annotated[
    StrictInt,
    Field(ge=0, le=10**15, description="minor units (fen for CNY)", examples=[40000000]),
]


class LimitIn(Body):
    limit: LimitAmount
    note: Text = Field(description="why (kept in the audit log and shown to the holder)")


class ReopenIn(Body):
    note: Text = Field(description="why (kept in the audit log)")
    limit: LimitAmount | None = Field(default=None, description="default: the limit it had")


class WebhookEndpointIn(Body):
    url: Annotated[StrictStr, Field(max_length=2000, examples=["https://example.com/hooks"])]
    enabled_events: Annotated[
        list[StrictStr], Field(min_length=1, max_length=100, examples=[["freeze.added"]])
    ]
    description: Text = ""


class WebhookEndpointUpdate(Body):
    url: Annotated[StrictStr, Field(max_length=2000)] | None = None
    enabled_events: Annotated[list[StrictStr], Field(min_length=1, max_length=100)] | None = None
    status: Annotated[StrictStr, Field(pattern="^(enabled|disabled)$")] | None = None


class ErrorDetail(BaseModel):
    type: str = Field(examples=["invalid_request_error"])
    code: str = Field(examples=["parameter_invalid"])
    message: str = Field(examples=["amount: Input should be greater than 0"])
    param: str | None = Field(default=None, examples=["amount"])


class ErrorOut(BaseModel):
    """The one error shape; a refusal (402) carries ``reasons`` (code, zh/en text, action)."""

    error: ErrorDetail
    reasons: list[dict[str, object]] | None = None


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorOut, "description": description}


#: The error responses every route may give.
ERRORS: dict[int | str, dict[str, object]] = {
    400: _error("Bad input: names the field (`param`); nothing was written"),
    401: _error("No API key, or an unknown or revoked one"),
    403: _error("The key's role may not do this (`required_roles`)"),
    404: _error("No such object (or not the holder's own)"),
    409: _error("Idempotency-Key reused with another body, or a concurrent change"),
    413: _error("Body over 1 MB"),
    503: _error("The database is unavailable"),
}
#: ... and the routes whose rules may refuse a request.
REFUSABLE: dict[int | str, dict[str, object]] = {
    **ERRORS,
    402: _error("Refused by the rules, with `reasons` (zh/en, what to do)"),
}


class BatchAuthorizationIn(AuthorizationIn):
    line: Id = Field(description="the line to spend", examples=["line_0123456789abcdef"])
    idempotency_key: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=255,
            description="this spend's own idempotency key: a replay gives its first answer",
            examples=["order-20240501-0001"],
        ),
    ]


class BatchIn(Body):
    authorizations: Annotated[
        list[BatchAuthorizationIn],
        Field(min_length=1, max_length=1000, description="1 to 1,000 spends, on any lines"),
    ]
