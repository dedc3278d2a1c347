"""The API's shape of an answer (Stripe's): amounts in integer minor units, ``object`` types.

The use cases answer in the CLI's form: an amount is a decimal string (``"500000.00"``) beside a
``"currency"`` and an object is known by its id's prefix (``line_…``, ``hold_…``). The HTTP API
gives the same answers the way Stripe does: every amount a whole number of minor units (fen for
CNY: ``50000000``) beside its currency, and every object with an ``object`` field naming its
type, first. ``to_api`` turns an answer into that shape; ``from_minor`` turns an amount a
request gave in minor units back into the text the use cases take. Both are pure.

Which values are amounts is decided by key, from an inventory of every answer the use cases
give (``MONEY_KEYS``), and by value: only text written the way ``Money.format`` writes an
amount is converted, so an id under a shared key (``occupancy``) or a null stays as it is.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import Any

from creditline import InvalidInput, Money

#: The type of object each id prefix names (``object_type``). Every prefix creditline makes:
#: ``new_id``/``new_child_id`` in the use cases, a decision's ``rd_``, audit records' ``aud_``
#: and webhook events' ``evt_``. Not here: order ids (the merchant's own, e.g. TB2024…, with no
#: prefix), outbox events (integer ids), ``req_`` (a request id, not an object), ``ch_`` (the
#: payment channel's reference), ``api_`` (an idempotency key) and the secrets ``cl_sk_`` and
#: ``whsec_``.
OBJECT_TYPES: dict[str, str] = {
    # credit lines and the spend flow
    "line_": "line",
    "hold_": "authorization",
    "occ_": "occupancy",
    "rep_": "repayment",
    "fee_": "late_fee",
    "feepay_": "fee_payment",
    "frz_": "freeze",
    "apl_": "appeal",
    "lim_": "limit_change",
    "tq_": "temporary_quota",
    "inc_": "incident",
    "lrq_": "limit_request",
    # installments (分期购): plans, their late fees, repayments and returns; promotions
    "inst_": "installment_plan",
    "ife_": "installment_late_fee",
    "irp_": "installment_repayment",
    "irt_": "installment_return",
    "promo_": "installment_promotion",
    # parties: merchants and consumers are both parties
    "mer_": "party",
    "con_": "party",
    "vio_": "violation",
    "doc_": "document",
    "login_": "login",
    # settlement
    "sup_": "supplier",
    "split_": "split",
    "stl_": "settlement",
    "po_": "payout",
    "case_": "case",
    # risk control
    "rd_": "risk_decision",
    "ring_": "ring",
    # credit decisions (授信)
    "asm_": "limit_assessment",
    "capp_": "credit_application",
    "rvw_": "limit_review",
    "rvo_": "review_outcome",
    # access, alerts and webhooks
    "key_": "api_key",
    "aud_": "audit_record",
    "alrt_": "alert",
    "we_": "webhook_endpoint",
    "evt_": "event",
}

#: Keys whose value is an amount (when it is amount text; see the module's docstring). Found by
#: running the demo and then every command's ``--json`` against its database (lines, spends,
#: why, statements, freezes, repayments, orders and returns, splits, funds, payouts,
#: withdrawals, reconciliation, cases, risk queue and rings, events with their payloads, a
#: simulation; CNY, HKD and USD lines) and walking each answer for values like ``"500000.00"``,
#: then checked against every ``Money.format()`` in the use cases for keys no run reached.
#:
#: Decimal text that is NOT money, and so not here:
#:   ``value`` and ``from``: a policy value and the value it replaced (``policy show``, the
#:     ``policy.changed`` event). Money for three keys (max_single_spend, large_spend_threshold,
#:     compensation_cap), but a daily rate (``"0.0005"``), a count of days or hours (``"7"``)
#:     or a time window (``"10:00-16:00"``) for the others: a policy value stays the text
#:     ``policy set`` takes. (``from`` is also a party id in ring evidence and a date in a
#:     statement.)
#:   ``rate``: the late-fee daily rate (``"0.0005"``) beside each late fee charged.
#:   risk features (stored with a decision, not in answers): ``return_rate`` (``"0.1234"``) and
#:     counts written as text (``spend_count_30d``: ``"1"``).
#:   ``precision``, ``recall`` (backtests, simulations) are JSON numbers, not text.
MONEY_KEYS: frozenset[str] = frozenset(
    {
        # a line's balances: line show, every spend answer, statement rows, event payloads
        "limit",
        "available",
        "held",
        "occupied",
        "frozen",
        "fees_due",
        # a spend (authorization), its capture, refund and occupancy
        "amount",
        "captured",
        "refunded",
        "refundable",
        "outstanding",
        # repayments and late fees; "occupancy" and "fees" are the parts of a repayment's
        # "paid" (elsewhere "occupancy" is an occ_ id, which is left alone)
        "owed",
        "occupancy",
        "fees",
        "charged",
        "repay_to_lift",
        # the facts of a refusal or a diagnosis
        "shortfall",
        "max_single_spend",
        "threshold",
        "balance",
        "withdrawable",
        # orders, splits and after-sale returns
        "proceeds",
        "returned",
        "this_return",
        "repaid",
        "receivable_paid",
        "refund",
        "from_balance",
        "to_receivable",
        # a merchant's funds book (funds show, split and payout events)
        "escrow",
        "repayment_collected",
        "supplier_payable",
        "merchant_balance",
        "withdrawal_payable",
        "compensation_expense",
        "receivable",
        "withdrawable_now",
        "withdrawals_on_their_way",
        "compensation_received",
        # payouts, compensation and reconciliation
        "compensation",
        "ledger_amount",
        "channel_amount",
        # a consumer's monthly income; an alert's sales flow
        "income",
        "settled_sales",
        "monthly_flow",
        # a line's exposure, history and daily monitor (额度管理, 额度监控表)
        "used",
        "yellow_line",
        "red_line",
        "reserve",
        # a limit assessment: the proposed limit and a merchant's monthly settled sales (a
        # band's "limit" and a cap's "amount" are under keys above)
        "proposed_limit",
        "monthly_sales",
        # a limit change (额度调整): from, to, the target and what of a reduction still waits
        "from_limit",
        "to_limit",
        "limit_target",
        "pending_reduction",
        # temporary quota (临时额度): what of it is spent and left, the permanent limit beside it
        "spent",
        "remaining",
        "permanent_limit",
        "temporary_amount",
        "temporary_remaining",
        "requested_limit",
        "current_limit",
        "decided_limit",
        # an appeal (申诉): the line's limit now, and the limit a restore would give back
        "limit_now",
        "restore_limit",
        # a periodic review (额度复审): the base a reduction is taken from, each reason's
        # target, the temporary quota on top, a consumer's income before, the product's cap
        "base_limit",
        "target_limit",
        "temporary_limit",
        "income_baseline",
        "previous_income",
        "product_cap",
        # installments (分期购): a plan, each period's principal, fee and late fee with what
        # was paid and is owed of each ("total"), a repayment's and a return's parts, the
        # merchant's promotion fee and a promotion's cap
        "fee_total",
        "owed_principal",
        "owed_fees",
        "payoff_amount",
        "merchant_fee",
        "principal",
        "fee",
        "late_fee",
        "waived_fee",
        "total",
        "late_fees",
        "waived",
        "released",
        "fees_netted",
        "refund_fees",
        "promotion_fee",
        "promotion_fees",
        "cap",
        "left",
    }
)

#: Keys whose values are never touched, however they are named: people's text.
UNTOUCHED_SUFFIXES: tuple[str, ...] = ("_zh", "_en", "message")

# Amount text as ``Money.format`` writes it: an optional minus, no leading zeros, then exactly
# the currency's decimals (checked after the match). Bounded, so a hostile string cannot make
# ``int`` work through thousands of digits; 18 digits is a million times the largest amount.
_MAX_WHOLE_DIGITS = 18
_AMOUNT = re.compile(rf"(-?)(0|[1-9][0-9]{{0,{_MAX_WHOLE_DIGITS - 1}}})(?:\.([0-9]+))?")


@functools.cache
def _exponent_of(currency: str) -> int:
    return len(Money(1, currency).format().partition(".")[2])


def _exponent(currency: object) -> int:
    """The minor-unit digits of ``currency``: ``InvalidInput("currency")`` if it is unknown."""
    if not isinstance(currency, str):
        raise InvalidInput("currency", f"unsupported currency {currency!r}")
    return _exponent_of(currency)  # Money refuses an unknown currency, naming "currency"


def _known_exponent(currency: object) -> int | None:
    try:
        return _exponent(currency)
    except InvalidInput:
        return None


def object_type(object_id: str) -> str | None:
    """The type of object ``object_id`` names by its prefix (``"line_…"`` → ``"line"``), or
    ``None`` for an id with no known prefix."""
    prefix, underscore, rest = object_id.partition("_")
    if not underscore or not rest:
        return None
    return OBJECT_TYPES.get(f"{prefix}_")


def minor_units(text: str, currency: str) -> int | None:
    """The minor units of amount text (``"-12.50"``, ``"CNY"`` → ``-1250``), or ``None`` when
    ``text`` is not an amount as the use cases write one in ``currency``, or the currency is
    unknown."""
    exponent = _known_exponent(currency)
    match = _AMOUNT.fullmatch(text)
    if exponent is None or match is None:
        return None
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    if len(fraction) != exponent:
        return None
    minor: int = int(whole) * 10**exponent + int(fraction or "0")
    return -minor if sign else minor


def to_api(body: Any, *, currency: str = "CNY") -> Any:
    """``body`` (an answer's JSON) in the API's shape, as a new value; ``body`` is not changed.

    Every amount (a ``MONEY_KEYS`` key holding amount text, or a list of them) becomes an int
    of minor units, in the currency of the nearest enclosing object that names one (an unknown
    one leaves its amounts as text), else ``currency``. Every object whose ``id`` has a known
    prefix and that has no ``object`` gets one, as its first key. Keys ending in ``_zh``,
    ``_en`` or ``message`` are copied as they are.
    """
    _exponent(currency)
    return _shape(body, currency=currency, money=False)


def _shape(value: Any, *, currency: str, money: bool) -> Any:
    if isinstance(value, Mapping):
        return _shape_object(value, currency)
    if isinstance(value, list | tuple):
        return [_shape(item, currency=currency, money=money) for item in value]
    if money and isinstance(value, str):
        minor = minor_units(value, currency)
        return value if minor is None else minor
    return value


def _shape_object(obj: Mapping[Any, Any], outer: str) -> dict[Any, Any]:
    own = obj.get("currency")
    currency = own if isinstance(own, str) else outer
    out: dict[Any, Any] = {}
    object_id = obj.get("id")
    if "object" not in obj and isinstance(object_id, str):
        kind = object_type(object_id)
        if kind is not None:
            out["object"] = kind
    for key, value in obj.items():
        if isinstance(key, str) and key.endswith(UNTOUCHED_SUFFIXES):
            out[key] = copy.deepcopy(value)
        else:
            out[key] = _shape(value, currency=currency, money=key in MONEY_KEYS)
    return out


def from_minor(amount: int, currency: str, *, positive: bool = False, field: str = "amount") -> str:
    """``amount`` minor units of ``currency`` as the text the use cases take (``10000``,
    ``"CNY"`` → ``"100.00"``).

    ``InvalidInput`` naming ``field`` for an amount that is not an int (a bool, a float or a
    string included), not positive when ``positive`` asks, or over the largest amount the use
    cases accept; naming ``currency`` for a currency that is not known.
    """
    if type(amount) is not int:
        raise InvalidInput(
            field,
            f"{field} must be a whole number of minor units (10000 is 100.00), "
            f"not {type(amount).__name__}",
        )
    exponent = _exponent(currency)
    if abs(amount) >= 10 ** (_MAX_WHOLE_DIGITS + exponent):  # before it is ever printed
        raise InvalidInput(field, f"{field} is too large: {amount.bit_length()} bits")
    if positive and amount <= 0:
        raise InvalidInput(field, f"{field} must be more than 0 minor units; got {amount}")
    text = Money(amount, currency).format()
    Money.parse(text.removeprefix("-"), currency, field=field)  # the use cases' own maximum
    return text
