"""Every feature a risk rule (风控规则) may name: its type, meaning, neutral value, stored form."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from creditline.domain.errors import StorageError

# Feature types; rule-engine's own (imported when a rule is first compiled, to keep the CLI's
# start-up fast) are BOOLEAN, FLOAT (its numbers are Decimal: no float near money) and STRING.
_B, _N, _S = "BOOLEAN", "FLOAT", "STRING"

#: Every feature a rule may name, with its type and meaning. Money is in yuan (Decimal).
FEATURES: dict[str, tuple[Any, str]] = {
    "event": (_S, "spend, withdrawal or login"),
    "amount": (_N, "the request's amount in yuan (0 for a login)"),
    "purpose": (_S, "the spend's purpose ('' for other events)"),
    "purpose_forbidden": (_B, "the purpose is withdraw_cash, transfer_wallet or transfer_bank"),
    "product": (_S, "merchant_bnpl or installment ('' without a line)"),
    "party_kind": (_S, "merchant or consumer"),
    "account_age_days": (_N, "days since the party was added"),
    "large_spend_threshold": (_N, "policy's large-spend threshold in yuan"),
    "near_threshold": (_B, "amount in [75%, 100%) of the large-spend threshold"),
    **{
        f"spend_count_{w}": (_N, f"spends authorised on the line in the last {w}")
        for w in ("1h", "24h", "7d", "30d")
    },
    **{
        f"spend_sum_{w}": (_N, f"yuan authorised on the line in the last {w}")
        for w in ("1h", "24h", "7d", "30d")
    },
    "declined_24h": (_N, "declined spend attempts on the line in 24 h"),
    "forbidden_attempts_7d": (_N, "forbidden-purpose attempts on the line in 7 days, before this"),
    "near_threshold_24h": (_N, "attempts in [75%, 100%) of the threshold in 24 h, before this"),
    "refunds_30d": (_N, "captured spends refunded in 30 days"),
    "orders_30d": (_N, "the merchant's orders in 30 days"),
    "returns_30d": (_N, "the merchant's returned orders in 30 days"),
    "return_rate_30d": (_N, "returned / all orders in 30 days (0 without orders)"),
    "linked_parties": (_N, "parties sharing a device, phone, bank account or address"),
    "strong_linked_parties": (_N, "parties sharing a device, phone or bank account"),
    "counterparty_linked": (_B, "the counterparty shares any identifier with the holder"),
    "counterparty_strong_link": (_B, "the counterparty shares a device, phone or bank account"),
    "linked_spends_30d": (_N, "the holder's spends to linked parties in 30 days"),
    "linked_near_threshold_24h": (_N, "near-threshold attempts of strongly linked parties, 24 h"),
    "linked_forbidden_7d": (_N, "forbidden-purpose attempts of strongly linked parties, 7 days"),
    "money_back_7d": (
        _N,
        (
            "yuan of orders paid to the holder (or its strong links) in 7 days by its spends'"
            " counterparties or its strong links (0 for a party with no links)"
        ),
    ),
    "money_back_45d": (
        _N,
        (
            "yuan of orders paid to the holder (or its strong links) within the ring horizon"
            " (policy ring_horizon_days, 45 days) by whoever it paid, linked or not"
        ),
    ),
    "money_back_share": (_N, "money_back_45d over what the holder paid those parties (0-n)"),
    "counterparty_link": (
        _N,
        (
            "how strongly the counterparty is tied to the holder (0-1: identifiers weighted by"
            " kind and by how many parties share them)"
        ),
    ),
    "ring_member": (_B, "the holder is a member of a ring the ring job found"),
    "near_threshold_7d": (_N, "attempts in [75%, 100%) of the threshold in 7 days, before this"),
    "logins_24h": (_N, "logins in 24 h"),
    "new_device_logins_24h": (_N, "logins from a device never seen before, in 24 h"),
    "distinct_ips_24h": (_N, "distinct IP addresses logged in from in 24 h"),
    "withdrawals_24h": (_N, "withdrawal attempts in 24 h (refused ones too), before this"),
    "withdrawals_7d": (_N, "withdrawal attempts in 7 days (refused ones too), before this"),
    "device_new": (_B, "this login's device was never seen for the party"),
    "ip_new": (_B, "this login's IP was never seen for the party"),
}


def _blank() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, _) in FEATURES.items():
        out[name] = False if kind is _B else ("" if kind is _S else Decimal(0))
    return out


#: Every feature at its neutral value (read-only; ``blank_features`` hands out copies).
BLANK: dict[str, Any] = _blank()


def blank_features() -> dict[str, Any]:
    """Every feature at its neutral value: a request fills in what it knows."""
    return dict(BLANK)


def compact_features(features: Mapping[str, Any]) -> dict[str, Any]:
    """Only the features away from their neutral value are stored (numbers as exact text);
    the rest are implied."""
    return {
        k: (str(v) if type(v) is Decimal else v)
        for k, v in features.items()
        if k in BLANK and v != BLANK[k]
    }


def restore_features(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored features back to the types the rules expect (numbers were stored as text); a
    name no longer in the catalogue is left out."""
    out = blank_features()
    for name, value in stored.items():
        if name not in BLANK:
            continue
        default = BLANK[name]
        if isinstance(default, bool):
            out[name] = bool(value)
        elif isinstance(default, Decimal):
            try:
                out[name] = Decimal(str(value))
            except ArithmeticError:
                # Only a damaged row can hold this: the engine stores exact decimal text.
                raise StorageError(f"stored feature {name}={value!r} is not a number") from None
        else:
            out[name] = str(value)
    return out
