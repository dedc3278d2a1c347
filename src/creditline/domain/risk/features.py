"""One request's risk features (风控特征), built from the history the store read around it.

Pure functions over values: the spend, ``why``, the withdrawal and the login build their
features here alike, and a test can build them without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from creditline.domain.money import Money
from creditline.domain.policy import Policy
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES, Product, Purpose
from creditline.domain.risk.catalogue import blank_features
from creditline.domain.risk.rules import Event

#: Identifiers that tie parties together strongly; a shared address is a weak link.
STRONG_IDENTIFIERS = frozenset({"device", "phone", "bank_account"})

WINDOWS = ("1h", "24h", "7d", "30d")


def near_floor(threshold: int) -> int:
    """The smallest amount "just under" the large-spend threshold: 75 % of it, rounded up (a
    split paced under a narrower band is still a split)."""
    return -(-threshold * 3 // 4)


def large_spend_threshold(policy: Policy, currency: str = "CNY") -> int:
    """The policy's large-spend threshold in minor units."""
    return policy.money("large_spend_threshold", currency).minor


@dataclass(frozen=True, slots=True)
class RunningTotals:
    """The running totals each hold row keeps for its line, a prefix sum per kind of attempt:
    a window's figure is the newest totals minus those of the last hold before the window, two
    index seeks however busy the line. Declined attempts count as attempts, not as spends."""

    attempts: int = 0
    count: int = 0  # spends (attempts not declined)
    amount: int = 0  # minor units spent
    declined: int = 0
    forbidden: int = 0  # forbidden-purpose attempts
    near: int = 0  # attempts just under the large-spend threshold
    counterparty: int = 0  # spends naming a counterparty

    def __sub__(self, earlier: RunningTotals) -> RunningTotals:
        return RunningTotals(
            self.attempts - earlier.attempts,
            self.count - earlier.count,
            self.amount - earlier.amount,
            self.declined - earlier.declined,
            self.forbidden - earlier.forbidden,
            self.near - earlier.near,
            self.counterparty - earlier.counterparty,
        )

    def after(
        self, *, amount: int, declined: bool, forbidden: bool, near: bool, counterparty: bool
    ) -> RunningTotals:
        """These totals with one more attempt added."""
        spent = not declined
        return RunningTotals(
            self.attempts + 1,
            self.count + spent,
            self.amount + (amount if spent else 0),
            self.declined + declined,
            self.forbidden + forbidden,
            self.near + near,
            self.counterparty + (spent and counterparty),
        )

    def columns(self) -> dict[str, int]:
        """The totals by the hold row's column names (``RUNNING_TOTALS``)."""
        values = (
            self.attempts,
            self.count,
            self.amount,
            self.declined,
            self.forbidden,
            self.near,
            self.counterparty,
        )
        return dict(zip(RUNNING_TOTALS, values, strict=True))


#: The hold row's columns for the running totals, in the order of ``RunningTotals``.
RUNNING_TOTALS = tuple(f"cum_{f.name}" for f in fields(RunningTotals))


@dataclass(frozen=True, slots=True)
class HistoryFeatures:
    """One round trip of history around a request (see the adapter's SPEND_FEATURES)."""

    spend_counts: tuple[int, ...]  # 1h, 24h, 7d, 30d
    spend_sums: tuple[int, ...]  # minor units, same windows
    declined_24h: int
    forbidden_7d: int
    near_threshold_24h: int
    refunds_30d: int
    spends_with_counterparty_30d: int
    orders_30d: int
    returns_30d: int
    logins_24h: int
    new_device_logins_24h: int
    distinct_ips_24h: int
    links: int  # the party's identifiers shared with another party (0: no link to read)
    #: The party's withdrawal attempts (declined and refused ones too) in 24 h and 7 days.
    withdrawals_24h: int = 0
    withdrawals_7d: int = 0
    near_threshold_7d: int = 0
    #: Read in the same round trip: the party is in a ring the ring job found, and the live
    #: learned model's version (what a rule set's ``model: live`` means now).
    ring_member: bool = False
    model_seq: int = 0
    #: The line's running totals before this request.
    totals: RunningTotals = RunningTotals()


@dataclass(frozen=True, slots=True)
class LinkedActivity:
    """What the parties linked to the holder did, and money that came back to it."""

    strong: int = 0
    near_threshold_24h: int = 0
    forbidden_7d: int = 0
    linked_spends_30d: int = 0
    money_back_7d: int = 0
    #: Within the policy's horizon (ring_horizon_days): orders paid to the holder (or its strong
    #: links) by whoever it paid, and what it paid them.
    money_back_far: int = 0
    paid_far: int = 0


@dataclass(frozen=True, slots=True)
class History:
    """What the store read around one request: its own history, the parties linked to the
    holder (with the kinds of identifier each shares) and what they did."""

    own: HistoryFeatures
    links: Mapping[str, AbstractSet[str]] = field(default_factory=dict)
    linked: LinkedActivity = LinkedActivity()
    #: How strongly each linked party is tied to the holder (0-1, see ``flows.identifier_weight``).
    strengths: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestFeatures:
    """One request's features. ``values`` is what the rules see and what is stored; beside
    them, what only the hold row keeps: the line's running totals before the request and
    whether it names a counterparty."""

    values: dict[str, Any]
    totals: RunningTotals = RunningTotals()
    has_counterparty: bool = False

    def totals_after(self, *, amount: int, declined: bool, refused: bool = False) -> RunningTotals:
        """The line's running totals with this attempt added: what its hold row keeps.

        ``refused``: the quota rules refused the attempt (short of quota, frozen, over a
        limit...). It moved nothing, and the holder who clears the reason and sends the same
        spend again, as the refusal advises, is retrying one spend, not splitting one: so it
        is no attempt near the threshold (a risk decline, a split's part, still is)."""
        return self.totals.after(
            amount=amount,
            declined=declined,
            forbidden=bool(self.values["purpose_forbidden"]),
            near=bool(self.values["near_threshold"]) and not refused,
            counterparty=self.has_counterparty,
        )


def return_rate(orders: int, returns: int) -> Decimal:
    """Returned orders over all orders, to four places (0 without orders)."""
    if not orders:
        return Decimal(0)
    return (Decimal(returns) / Decimal(orders)).quantize(Decimal("0.0001"))


def _fill_history(f: dict[str, Any], history: History, counterparty: str | None) -> None:
    own, linked = history.own, history.linked
    for i, w in enumerate(WINDOWS):
        f[f"spend_count_{w}"] = Decimal(own.spend_counts[i])
        f[f"spend_sum_{w}"] = Money(own.spend_sums[i]).major
    f["declined_24h"] = Decimal(own.declined_24h)
    f["forbidden_attempts_7d"] = Decimal(own.forbidden_7d)
    f["near_threshold_24h"] = Decimal(own.near_threshold_24h)
    f["refunds_30d"] = Decimal(own.refunds_30d)
    f["orders_30d"] = Decimal(own.orders_30d)
    f["returns_30d"] = Decimal(own.returns_30d)
    f["return_rate_30d"] = return_rate(own.orders_30d, own.returns_30d)
    f["logins_24h"] = Decimal(own.logins_24h)
    f["new_device_logins_24h"] = Decimal(own.new_device_logins_24h)
    f["distinct_ips_24h"] = Decimal(own.distinct_ips_24h)
    f["withdrawals_24h"] = Decimal(own.withdrawals_24h)
    f["withdrawals_7d"] = Decimal(own.withdrawals_7d)
    f["linked_parties"] = Decimal(len(history.links))
    f["strong_linked_parties"] = Decimal(linked.strong)
    kinds = history.links.get(counterparty or "", frozenset())
    f["counterparty_linked"] = bool(kinds)
    f["counterparty_strong_link"] = not STRONG_IDENTIFIERS.isdisjoint(kinds)
    f["linked_spends_30d"] = Decimal(linked.linked_spends_30d)
    f["linked_near_threshold_24h"] = Decimal(linked.near_threshold_24h)
    f["linked_forbidden_7d"] = Decimal(linked.forbidden_7d)
    f["money_back_7d"] = Money(linked.money_back_7d).major
    f["money_back_45d"] = Money(linked.money_back_far).major
    f["money_back_share"] = (
        (Decimal(linked.money_back_far) / Decimal(linked.paid_far)).quantize(Decimal("0.01"))
        if linked.paid_far
        else Decimal(0)
    )
    f["counterparty_link"] = history.strengths.get(counterparty or "", Decimal(0))
    f["ring_member"] = own.ring_member
    f["near_threshold_7d"] = Decimal(own.near_threshold_7d)


def account_age_days(created_at: datetime | None, now: datetime) -> int:
    """Whole days since the party was added (0 when unknown, never negative)."""
    return 0 if created_at is None else max(0, (now - created_at).days)


def spend_features(
    history: History,
    *,
    amount: int,
    purpose: Purpose,
    product: Product,
    party_kind: PartyKind,
    account_age: int,
    threshold: int,
    counterparty: str | None,
) -> RequestFeatures:
    """The features of one spend request (amounts in minor units), from the history before
    it."""
    f = blank_features()
    f["event"] = Event.SPEND.value
    f["amount"] = Money(amount).major
    f["purpose"] = purpose.value
    f["purpose_forbidden"] = purpose in FORBIDDEN_PURPOSES
    f["product"] = product.value
    f["party_kind"] = party_kind.value
    f["large_spend_threshold"] = Money(threshold).major
    f["near_threshold"] = near_floor(threshold) <= amount < threshold
    f["account_age_days"] = Decimal(account_age)
    _fill_history(f, history, counterparty)
    return RequestFeatures(f, history.own.totals, counterparty is not None)


def party_event_features(
    event: Event,
    history: History,
    *,
    party_kind: PartyKind,
    amount: int,
    threshold: int,
    device_new: bool = False,
    ip_new: bool = False,
) -> RequestFeatures:
    """The features of a party-level event (a withdrawal, a login: no purpose, no product)."""
    f = blank_features()
    f["event"] = event.value
    f["amount"] = Money(amount).major
    f["party_kind"] = party_kind.value
    f["large_spend_threshold"] = Money(threshold).major
    f["device_new"] = device_new
    f["ip_new"] = ip_new
    _fill_history(f, history, None)
    return RequestFeatures(f, history.own.totals)
