"""Who may do what (R28): operators (操作员) have one role each, and each operator action names
the roles allowed to take it. Holders act through keys bound to their party and see only what
is theirs; that check is the entrypoints' (an object of another holder is "not found").

The table below is the contract; the README prints it (``creditline operator roles``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from creditline.domain.errors import Forbidden, InvalidInput


class Role(StrEnum):
    RISK = "risk"
    OPERATIONS = "operations"
    ADMIN = "admin"


RISK, OPS, ADMIN = Role.RISK, Role.OPERATIONS, Role.ADMIN

#: action → (roles allowed, what it is). Reads are open to every operator; a holder reads its
#: own objects. Actions marked ``holder`` in ``HOLDER_ACTIONS`` are also open to a holder's key
#: on its own lines.
ACTIONS: dict[str, tuple[frozenset[Role], str]] = {
    "read": (frozenset({RISK, OPS, ADMIN}), "read any object"),
    "party.write": (frozenset({OPS}), "add and verify parties, documents, violations, links"),
    "application.submit": (
        frozenset({OPS}),
        "submit a consumer's credit application (a consumer: its own)",
    ),
    "line.write": (frozenset({OPS}), "open, activate, close and reopen lines"),
    "limit.set": (frozenset({RISK}), "set a line's limit (额度调整)"),
    "limits.review": (frozenset({RISK}), "run the periodic limit reviews (额度复审)"),
    "limit.request": (
        frozenset({OPS}),
        "ask for a higher limit (提额申请; a holder: on its own lines)",
    ),
    "limit.decide": (frozenset({RISK}), "decide increase requests referred to an operator"),
    "appeal.submit": (frozenset({OPS}), "submit an appeal (申诉; a holder: on its own lines)"),
    "appeal.decide": (frozenset({RISK}), "decide appeals"),
    "incident.write": (
        frozenset({OPS}),
        "open and close incidents (系统故障), grant temporary quota (临时额度)",
    ),
    "spend": (frozenset({OPS}), "authorize, capture, void (a holder: its own)"),
    "repayment.record": (
        frozenset({OPS}),
        "record a repayment or a refund: quota comes back only when the money did",
    ),
    "order.write": (frozenset({OPS}), "add orders, confirm receipt (the marketplace's word)"),
    "order.ship": (frozenset({OPS}), "ship and return orders (a merchant: its own)"),
    "withdraw": (frozenset({OPS}), "withdraw settled funds (a merchant: its own)"),
    "promotion.write": (
        frozenset({OPS}),
        "run and end interest-free promotions (商家贴息; a merchant: its own)",
    ),
    "login.record": (frozenset({OPS, RISK}), "record a login for scoring (a holder: its own)"),
    "supplier.write": (frozenset({OPS}), "add suppliers to the whitelist"),
    "split_rule.write": (frozenset({OPS}), "set split rules"),
    "freeze.add": (frozenset({RISK, OPS}), "freeze a line"),
    "freeze.lift": (frozenset({OPS}), "lift a freeze"),
    "payouts.write": (frozenset({OPS}), "run payouts, mark channel failures (sandbox)"),
    "jobs.run": (frozenset({OPS}), "run the due jobs, set the sandbox clock"),
    "case.write": (frozenset({RISK, OPS}), "assign and close cases"),
    "risk.decide": (frozenset({RISK}), "decide reviews"),
    "risk.rules": (frozenset({RISK}), "load rule sets, store labels"),
    "risk.analyse": (frozenset({RISK}), "run ring detection, backtests, simulations"),
    "policy.write": (frozenset({ADMIN}), "change platform policy, load the calendar"),
    "keys.write": (frozenset({ADMIN}), "add operators, create and revoke API keys"),
    "webhooks.write": (frozenset({ADMIN}), "manage webhook endpoints, redeliver events"),
    "audit.read": (frozenset({ADMIN, RISK}), "read the audit log"),
}

#: Actions a holder's key may take on its own parties and lines.
#: Not ``repayment.record`` nor ``order.write``: a holder's own word would free its quota without
#: money arriving, or invent sales to withdraw.
HOLDER_ACTIONS = frozenset(
    {
        "read",
        "spend",
        "order.ship",
        "withdraw",
        "login.record",
        "application.submit",
        "limit.request",
        "appeal.submit",
        "promotion.write",
    }
)
#: Actions an operator takes that go to the audit log: all but reads and the day-to-day flow
#: of money a marketplace's checkout drives (that flow has its own ledger and events).
AUDITED = frozenset(ACTIONS) - HOLDER_ACTIONS


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput("role", f"role {text[:32]!r} is not one of {known}") from None


def roles_for(action: str) -> frozenset[Role]:
    return ACTIONS[action][0]


def check_role(role: Role, action: str, *, who: str) -> None:
    """Raise ``Forbidden`` naming the roles that may take ``action`` when ``role`` may not."""
    allowed = roles_for(action)
    if role not in allowed:
        names = sorted(r.value for r in allowed)
        raise Forbidden(
            f"{who} has role {role.value}; {action} needs role {' or '.join(names)}", names
        )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an operator with a role, or a holder (a party) through its key."""

    name: str
    role: Role | None = None
    party_id: str | None = None
    key_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role is not None

    def label(self) -> str:
        return f"operator:{self.name}" if self.is_operator else f"party:{self.party_id}"

    def may(self, action: str) -> bool:
        if self.role is not None:
            return self.role in roles_for(action)
        return action in HOLDER_ACTIONS

    def require(self, action: str) -> None:
        if self.role is not None:
            check_role(self.role, action, who=f"operator {self.name}")
        elif action not in HOLDER_ACTIONS:
            names = sorted(r.value for r in roles_for(action))
            raise Forbidden(
                f"a holder's key cannot {action}; it needs an operator with role "
                f"{' or '.join(names)}",
                names,
            )


def key_hash(secret: str) -> str:
    """What is stored of an API key: its SHA-256 (keys are 256-bit random, so no salt or
    slow hash is needed, as with Stripe's and GitHub's tokens)."""
    return hashlib.sha256(secret.encode()).hexdigest()
